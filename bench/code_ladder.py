"""The ladder on the code corpus (issue 11), each rung measured with ``lmtask compare``.

Rungs: ``ngram`` (the shipped options, ``OPTIONS`` of bench/train_code_detector.py),
``finetune`` and ``lora`` of the packaged ``all-minilm-l6-v2`` encoder, ``zero-shot`` with the
built-in ``code-language`` task (the LM route, its shipped wording) and
``few-shot:select=nearest`` (default 0.5B model). Each (method, split) cell is one call of
``lmtask.ladder.compare_specs`` (what ``lmtask compare DATA --split split.json`` runs) on a
data file of ``pool + evaluated rows`` with a split file naming them, so a row here is literally::

    lmtask compare WORK/data/<pool>-<split>.jsonl --split WORK/data/<pool>-<split>.split.json \
        --task code-language --methods <spec> --out WORK/<method>-<split>

Pools (the methods that learn): the whole train split (ngram, few-shot) or a fixed
per-language subset of it (finetune, lora: ``--train-per-lang``). Evaluated rows: the same
number per language (seed 0) of **dev** and of **test**: ``--rows`` for ngram/finetune/lora,
``--lm-rows`` for zero-shot, ``--few-shot-rows`` for few-shot (the slowest). Nothing is
tuned on test; test and dev rows are scored in the same call, and only dev picks.

Per cell: accuracy, macro-F1, macro (mean per-language accuracy), texts/s, training s,
per-language accuracy, the usual confusions. Also, from predictions already made: the 50/50
average of ngram and finetune probabilities (no weight tuned) on dev, then on test.
Resumable: finished (method, split) cells in ``--out`` are kept. Torch runs on one thread.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/code_ladder.py --probe
    HF_HUB_OFFLINE=1 .venv/bin/python bench/code_ladder.py
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import argparse
import json
import platform
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import torch

from lmtask.atomic import write_atomic
from lmtask.data.code import DEFAULT_OUT

torch.set_num_threads(1)

from code_detector import PAIRS, read, subset  # noqa: E402
from train_code_detector import OPTIONS  # noqa: E402

OUT = Path(__file__).with_name("results") / "code_ladder.json"
WORK = Path.home() / ".cache/lmtask-runs/code-ladder"
TASK = "code-language"
ORDER = ["finetune", "ngram", "lora", "zero-shot", "few-shot"]
LM = {"zero-shot", "few-shot"}


def specs(a: argparse.Namespace) -> dict[str, str]:
    """The method spec of each rung (lr as in bench/train_ladder.py for the MiniLM rungs)."""
    ngram = ":".join(f"{k}={v}" for k, v in OPTIONS.items())
    enc = f"epochs={a.epochs}:max_length={a.max_length}:batch_size=16:dev_fraction=0.1"
    return {
        "ngram": f"ngram:{ngram}",
        "finetune": f"finetune:{enc}:lr=1e-4",
        "lora": f"lora:{enc}:lr=1e-3",
        "zero-shot": "zero-shot",
        "few-shot": "few-shot:select=nearest",
    }


def cell_files(a: argparse.Namespace, method: str) -> tuple[Path, Path, dict[str, Any]]:
    """Write (once) the data file ``pool + dev rows + test rows`` and its split file (the
    split's test part is the dev rows then the test rows: one compare call scores both)."""
    from lmtask.data import load_data
    from lmtask.data.splits import Splits, fingerprint, save_split

    corpus = Path(a.corpus)
    per = a.train_per_lang
    pool_name = {"finetune": f"train{per}pl", "lora": f"train{per}pl",
                 "zero-shot": "none"}.get(method, "train")  # fmt: skip
    n_eval = {"zero-shot": a.lm_rows, "few-shot": a.few_shot_rows}.get(method, a.rows)
    name = f"{pool_name}-eval{n_eval}"
    data, split_file = WORK / "data" / f"{name}.jsonl", WORK / "data" / f"{name}.split.json"
    if pool_name == "none":
        pool = []
    elif pool_name == "train":
        pool = read(corpus, "train")
    else:
        pool = subset(read(corpus, "train"), per * 25, seed=0)
    dev, test = (subset(read(corpus, side), n_eval, seed=0) for side in ("dev", "test"))
    info = {"pool": len(pool), "pool_name": pool_name, "dev_rows": len(dev),
            "test_rows": len(test)}  # fmt: skip
    if not split_file.exists():
        data.parent.mkdir(parents=True, exist_ok=True)
        everything = pool + dev + test
        lines = [json.dumps({"text": r["text"], "label": r["label"]}) for r in everything]
        write_atomic(data, "\n".join(lines) + "\n")
        full = load_data(data, "text", "label")
        idx = {"train": list(range(len(pool))), "dev": [],
               "test": list(range(len(pool), len(everything)))}  # fmt: skip
        parts = {k: full.subset(v) for k, v in idx.items()}
        save_split(Splits(**parts, indices=idx, fingerprint=fingerprint(full), seed=0), split_file)
    return data, split_file, info


def scores(gold: list[str], pred: list[str | None]) -> dict[str, Any]:
    """Accuracy, macro (mean per-language accuracy), per-language accuracy, confusions."""
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for g, p in zip(gold, pred, strict=True):
        per[g][0] += g == p
        per[g][1] += 1
    acc = {lang: ok / n for lang, (ok, n) in sorted(per.items())}
    wrong = Counter(f"{g} -> {p}" for g, p in zip(gold, pred, strict=True) if g != p)
    pairs = {}
    for group in PAIRS:
        for g in group:
            for p in group:
                if g != p and wrong.get(f"{g} -> {p}"):
                    pairs[f"{g} -> {p}"] = wrong[f"{g} -> {p}"]
    return {
        "accuracy": sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold),
        "macro": sum(acc.values()) / len(acc),
        "per_language": acc,
        "pair_confusions": pairs,
        "top_confusions": dict(wrong.most_common(10)),
    }


def predictions(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (folder / "predictions.jsonl").read_text().splitlines()]


def run_method(a: argparse.Namespace, method: str) -> dict[str, dict[str, Any]]:
    """One ``compare`` call (one training) scoring the dev rows and the test rows: two cells."""
    from lmtask import ladder

    data, split_file, info = cell_files(a, method)
    spec = specs(a)[method]
    out = WORK / method
    d = ladder.DataArgs(str(data), "text", "label", split_file=str(split_file))
    t0 = time.perf_counter()
    run = ladder.compare_specs(d, [spec], out, task=TASK, progress=a.progress)
    wall = time.perf_counter() - t0
    assert run.comparison is not None
    row = run.comparison.methods[0]
    preds = predictions(out / row["report"])
    cmd = (f"lmtask compare {data} --split {split_file} --task {TASK} --methods '{spec}' "
           f"--out {out}")  # fmt: skip
    common = {"method": method, "spec": spec, "command": cmd, **info,
              "accuracy_dev_and_test": row["accuracy"], "texts_per_s": row["texts_per_s"],
              "predict_s": row["wall_s"], "train_s": row["train_s"], "compare_wall_s": wall,
              "notes": run.notes, "report": str(out / row["report"])}  # fmt: skip
    cells, start = {}, 0
    for side, n in (("dev", info["dev_rows"]), ("test", info["test_rows"])):
        part = preds[start : start + n]
        start += n
        gold, pred = [p["gold"] for p in part], [p["label"] for p in part]
        labels = list(run.comparison.labels)
        f1 = _macro_f1(labels, gold, pred)
        cells[side] = {**common, "split": side, "n": n, "rows": [start - n, start],
                       "macro_f1": f1, **scores(gold, pred)}  # fmt: skip
    return cells


def _macro_f1(labels: list[str], gold: list[str], pred: list[str | None]) -> float:
    from lmtask.evaluation.metrics import compute_metrics

    return float(compute_metrics(labels, gold, pred)["macro_f1"])


def ensemble(res: dict[str, Any]) -> dict[str, Any]:
    """The 50/50 average of ngram and finetune probabilities, per split (no weight tuned)."""
    out: dict[str, Any] = {"rule": "mean of the two probability vectors, argmax; weights "
                           "fixed at 0.5 before looking (nothing tuned)"}  # fmt: skip
    for side in ("dev", "test"):
        cells = [res["cells"].get(f"{m}/{side}") for m in ("ngram", "finetune")]
        if not all(cells):
            continue
        a, b = (predictions(Path(c["report"]))[slice(*c["rows"])] for c in cells)
        by_text = {r["text"]: r for r in b}
        gold, pred = [], []
        for r in a:
            other = by_text[r["text"]]
            labels = set(r["scores"]) | set(other["scores"])
            mean = {lb: (r["scores"].get(lb, 0.0) + other["scores"].get(lb, 0.0)) / 2
                    for lb in labels}  # fmt: skip
            gold.append(r["gold"])
            pred.append(max(mean, key=mean.get))
        s = scores(gold, pred)
        out[side] = {"n": len(gold), **s}
    if "dev" in out:
        best = max(res["cells"][f"{m}/dev"]["macro"] for m in ("ngram", "finetune"))
        out["chosen_on_dev"] = out["dev"]["macro"] > best
    return out


def probe(a: argparse.Namespace) -> dict[str, Any]:
    """Seconds for one training step of 64 snippets, and for predicting them (MiniLM)."""
    from lmtask.methods.trained.finetune import _load_base, resolve_base

    rows = subset(read(Path(a.corpus), "train"), 64, seed=0)[:64]
    labels = sorted({r["label"] for r in rows})
    model, tok, _ = _load_base(resolve_base("all-minilm-l6-v2")[0], labels, 0)
    enc = tok([r["text"] for r in rows], truncation=True, max_length=a.max_length,
              padding=True, return_tensors="pt")  # fmt: skip
    y = torch.tensor([labels.index(r["label"]) for r in rows])
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    tokens = int(enc.input_ids.numel())
    out: dict[str, Any] = {"rows": 64, "max_length": a.max_length, "tokens": tokens}
    for i in range(2):  # the first step warms up
        t0 = time.perf_counter()
        loss = model(**enc, labels=y).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
        out[f"train_step_s_{i}"] = time.perf_counter() - t0
    with torch.no_grad():
        t0 = time.perf_counter()
        model(**enc)
        out["predict_s"] = time.perf_counter() - t0
    out["train_samples_per_s"] = 64 / out["train_step_s_1"]
    print(json.dumps(out, indent=1))
    return out


def _rate(x: float) -> str:
    return f"{x:.1f}" if x >= 1 else f"{x:.2f}"


def render(res: dict[str, Any]) -> str:
    """The RESULTS.md tables from the JSON (the reading is written by hand)."""
    cells, z = res["cells"], res.get("sizes", {})
    methods = [m for m in ORDER if f"{m}/dev" in cells]
    lines = ["| method | spec | pool | rows dev/test | dev acc | dev macro | dev macro-F1 | "
             "test acc | test macro | test macro-F1 | texts/s | train s |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for m in methods:
        d, t = cells[f"{m}/dev"], cells[f"{m}/test"]
        train = "-" if d["train_s"] is None else f"{d['train_s']:.0f}"
        lines.append(f"| {m} | `{d['spec']}` | {d['pool']} | {d['n']}/{t['n']} | "
                     f"{d['accuracy']:.3f} | {d['macro']:.3f} | {d['macro_f1']:.3f} | "
                     f"{t['accuracy']:.3f} | {t['macro']:.3f} | {t['macro_f1']:.3f} | "
                     f"{_rate(d['texts_per_s'])} | {train} |")  # fmt: skip
    ens = res.get("ensemble_ngram_finetune", {})
    if "dev" in ens and "test" in ens:
        d, t = ens["dev"], ens["test"]
        lines.append(f"| ngram + finetune, mean of probabilities | - | - | {d['n']}/{t['n']} | "
                     f"{d['accuracy']:.3f} | {d['macro']:.3f} | - | {t['accuracy']:.3f} | "
                     f"{t['macro']:.3f} | - | - | - |")  # fmt: skip
    big = [m for m in methods if cells[f"{m}/dev"]["n"] == z.get("rows")]
    for side in ("dev", "test"):
        per = {m: cells[f"{m}/{side}"]["per_language"] for m in big}
        langs = sorted(per[big[0]], key=lambda g: -(max(p[g] for p in per.values())
                                                    - min(p[g] for p in per.values())))  # fmt: skip
        lines += ["", f"Per-language accuracy on {side}, the 10 languages where the "
                  f"{len(big)} methods on {z.get('rows')} rows differ most:", "",
                  f"| language | {' | '.join(big)} |", "|---" * (len(big) + 1) + "|"]  # fmt: skip
        lines += [f"| {g} | " + " | ".join(f"{per[m][g]:.2f}" for m in big) + " |"
                  for g in langs[:10]]  # fmt: skip
    lines += ["", "Confusions between the usual pairs (count of rows, dev / test):", "",
              "| method | dev | test |", "|---|---|---|"]  # fmt: skip
    for m in methods:
        pc = [cells[f"{m}/{s}"]["pair_confusions"] for s in ("dev", "test")]
        pc = [", ".join(f"{k} {v}" for k, v in sorted(x.items(), key=lambda kv: -kv[1])) or "-"
              for x in pc]  # fmt: skip
        lines.append(f"| {m} | {pc[0]} | {pc[1]} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=DEFAULT_OUT)
    ap.add_argument("--methods", default=",".join(ORDER))
    ap.add_argument("--rows", type=int, default=500, help="evaluated rows (equal per language)")
    ap.add_argument("--lm-rows", type=int, default=500, help="evaluated rows of zero-shot")
    ap.add_argument("--few-shot-rows", type=int, default=100, help="evaluated rows of few-shot")
    ap.add_argument("--train-per-lang", type=int, default=120, help="finetune/lora pool")
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--max-length", type=int, default=256)
    ap.add_argument("--probe", action="store_true", help="time one MiniLM training step")
    ap.add_argument("--progress", action="store_true")
    ap.add_argument("--render", action="store_true", help="print the tables from --out")
    ap.add_argument("--out", type=Path, default=OUT)
    a = ap.parse_args(argv)
    res: dict[str, Any] = json.loads(a.out.read_text()) if a.out.exists() else {"cells": {}}
    res.update({"machine": f"{platform.machine()}, {os.cpu_count()} cores shared; torch threads "
                f"{torch.get_num_threads()}", "corpus": str(a.corpus)})  # fmt: skip
    if a.render:
        print(render(res))
        return
    if a.probe:
        res["probe"] = probe(a)
        write_atomic(a.out, json.dumps(res, indent=1) + "\n")
        return
    res["sizes"] = {"rows": a.rows, "lm_rows": a.lm_rows, "few_shot_rows": a.few_shot_rows,
                    "train_per_lang": a.train_per_lang, "epochs": a.epochs,
                    "max_length": a.max_length}  # fmt: skip
    for method in a.methods.split(","):
        if all(f"{method}/{side}" in res["cells"] for side in ("dev", "test")):
            print(f"{method}: done before, kept", flush=True)
            continue
        print(f"{method}: {specs(a)[method]} ...", flush=True)
        for side, cell in run_method(a, method).items():
            res["cells"][f"{method}/{side}"] = cell
            train = "-" if cell["train_s"] is None else f"{cell['train_s']:.0f}"
            print(f"{method}/{side}: accuracy {cell['accuracy']:.3f} macro {cell['macro']:.3f} "
                  f"macro-F1 {cell['macro_f1']:.3f} {cell['texts_per_s']:.1f} texts/s "
                  f"train {train} s", flush=True)  # fmt: skip
        write_atomic(a.out, json.dumps(res, indent=1, ensure_ascii=False) + "\n")
    res["ensemble_ngram_finetune"] = ensemble(res)
    write_atomic(a.out, json.dumps(res, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps({k: v for k, v in res["ensemble_ngram_finetune"].items()
                      if k in ("dev", "test", "chosen_on_dev")}, indent=1)[:2000])  # fmt: skip


if __name__ == "__main__":
    main()
