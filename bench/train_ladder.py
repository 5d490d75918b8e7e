"""The training ladder on fixed splits: every training method next to zero-/few-shot.

For ``tweets`` (negative/neutral/positive) and ``fine-foods`` (great/other): one fixed split
(``lmtask.data.split``, dev 10 % / test 20 %, seed 0), then fixed stratified samples of each
part (seed 0): ``--train`` rows to train on, ``--dev`` rows for early stopping and picking the
best epoch, ``--test`` rows to measure. A training text identical to a test text is dropped.
Every method is measured on the same test rows: accuracy, macro-F1, training time, trainable
parameters and inference texts/s. Hyperparameters are fixed in this file, chosen before
looking at any test number (dev accuracy picks the epoch). Reserved data is never read.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/train_ladder.py [--only tweets] [--config NAME]

Also measured, in one run: training samples/s of lmtask's loop (``train_sequence_classifier``)
against a plain ``transformers.Trainer`` with the same settings (``--speed``).

Results are saved per dataset/config as they finish (``bench/results/train_ladder.json``,
resumable; ``--force`` reruns) and rendered into the ``## Training ladder`` section of
``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import torch

import lmtask
from lmtask.data import load_dataset, split, stratified_sample
from lmtask.evaluation import evaluate
from lmtask.methods import Majority
from results_md import write_section

HERE = Path(__file__).parent
STORE = HERE / "results" / "train_ladder.json"
SECTION = "## Training ladder (bench/train_ladder.py)"
QWEN, SMOL, MINILM = "qwen2.5-coder-0.5b-instruct", "smollm2-135m-instruct", "all-minilm-l6-v2"
DATASETS = {  # name: (task for the label-word methods, labels)
    "tweets": ("sentiment", "negative,neutral,positive"),
    "fine-foods": (str(HERE / "tasks/fine-foods-words.yaml"), None),
}
# The causal-LM training methods cost ~1 s per row per epoch here (2 CPU cores, float32
# backward through 135M parameters), so they train on a smaller stratified subset
# ("_rows": train, dev), reported in the table.
LM_ROWS = {"_rows": (160, 40)}
PEFT = {"epochs": 2, "batch_size": 8, "max_length": 256, "early_stopping_patience": 2, **LM_ROWS}
HEAD = {"epochs": 5, "batch_size": 16, "max_length": 256, "early_stopping_patience": 2}
CONFIGS: list[tuple[str, str, str | None, dict[str, Any]]] = [
    # (row name, method, model, options), cheapest first
    ("majority class", "majority", None, {}),
    ("finetune head only", "finetune", MINILM, {**HEAD, "mode": "head", "lr": 1e-3}),
    ("lora + classification head", "lora", MINILM, {**HEAD, "lr": 1e-3}),
    ("finetune full", "finetune", MINILM, {**HEAD, "mode": "full", "lr": 1e-4}),
    ("zero-shot", "zero-shot", QWEN, {}),
    ("zero-shot", "zero-shot", SMOL, {}),
    ("prompt-tuning (8 virtual tokens)", "prompt-tuning", SMOL, {**PEFT, "lr": 3e-2}),
    ("prefix-tuning (8 virtual tokens)", "prefix-tuning", SMOL, {**PEFT, "lr": 1e-2}),
    ("lora-lm (r=8, label words)", "lora-lm", SMOL, {**PEFT, "lr": 5e-4}),
    ("lora + classification head", "lora", SMOL,
     {**HEAD, **LM_ROWS, "epochs": 2, "lr": 5e-4, "batch_size": 8}),
    ("few-shot K=8 nearest", "few-shot", QWEN, {"shots": 8, "select": "nearest"}),
    # session 7: the linear head on the LM's first 2 layers, options as chosen on code dev
    ("lm-features (layer 2, linear head)", "lm-features", QWEN, {}),
]  # fmt: skip


def parts(name: str, n_train: int, n_dev: int, n_test: int):
    full = load_dataset(name)
    s = split(full, dev=0.1, test=0.2, seed=0)
    test = stratified_sample(s.test, n_test, seed=0)
    held = set(test.texts)
    train = s.train.subset([i for i, t in enumerate(s.train.texts) if t not in held])
    return stratified_sample(train, n_train, 0), stratified_sample(s.dev, n_dev, 0), test


def trainable(clf: Any) -> int:
    model = getattr(clf, "model", None)
    if model is None or not hasattr(model, "parameters"):
        return 0
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def run_config(cfg: tuple, data: tuple, task: str, labels: str | None) -> dict[str, Any]:
    desc, method, model, opts = cfg
    train, dev, test = data
    opts = dict(opts)
    if "_rows" in opts:
        n_train, n_dev = opts.pop("_rows")
        train, dev = stratified_sample(train, n_train, 0), stratified_sample(dev, n_dev, 0)
    t0 = time.perf_counter()
    if method == "majority":
        clf = Majority(labels=sorted(set(train.labels))).fit(train.texts, train.labels)
    elif method in ("zero-shot", "few-shot"):
        cls = lmtask.ZeroShot if method == "zero-shot" else lmtask.FewShot
        clf = cls(task=task, labels=labels, model=model, **opts)
        if method == "few-shot":
            clf.fit(train.texts, train.labels)
    else:
        cls = lmtask.methods.get_method(method)
        use_words = method in ("prompt-tuning", "prefix-tuning", "lora-lm")
        kw = {"task": task, "labels": labels} if use_words else {}
        clf = cls(model=model, **kw, **opts)
        if method == "lm-features":  # no epochs: nothing to pick on dev
            clf.fit(train.texts, train.labels)
        else:
            clf.fit(train.texts, train.labels, dev.texts, dev.labels)
    train_s = time.perf_counter() - t0 if method not in ("majority", "zero-shot") else 0.0
    rep = evaluate(clf, test, progress=True)
    res = getattr(clf, "result", None)
    return {"config": desc, "method": method, "model": model or "-", "accuracy": rep.accuracy,
            "macro_f1": rep.macro_f1, "train_s": train_s, "trainable": trainable(clf),
            "texts_per_s": rep.texts_per_s,
            "epochs": None if res is None else max((e for e, _ in res.dev_accuracy), default=0),
            "best_dev": None if res is None else res.best_metric,
            "train_rows": 0 if method == "zero-shot" else len(train)}  # fmt: skip


def speed(rows: int = 512, repeats: int = 2) -> dict[str, Any]:
    """samples/s of train_sequence_classifier vs a plain Trainer, same settings, alternated."""
    from transformers import DataCollatorWithPadding, Trainer

    from lmtask.engine.training import (
        TrainConfig,
        _encode,
        _training_args,
        train_sequence_classifier,
    )
    from lmtask.methods.trained.finetune import _load_base, resolve_base

    data = stratified_sample(load_dataset("tweets"), rows, seed=3)
    names = sorted(set(data.labels))
    y = [names.index(v) for v in data.labels]
    cfg = TrainConfig(epochs=1, batch_size=16, lr=5e-5, max_length=128)
    src, _ = resolve_base(MINILM)
    out: dict[str, list[float]] = {"lmtask": [], "plain Trainer": []}
    for _ in range(repeats):
        model, tok, _ = _load_base(src, names, 0)
        r = train_sequence_classifier(model, tok, data.texts, y, None, None, names, cfg)
        out["lmtask"].append(r.samples_per_second)
        model, tok, _ = _load_base(src, names, 0)
        args = _training_args(cfg, "/tmp/lmtask-bench-plain", has_dev=False)
        args.save_strategy = "no"
        t = Trainer(model=model, args=args, train_dataset=_encode(tok, data.texts, y, 128),
                    data_collator=DataCollatorWithPadding(tok), processing_class=tok)  # fmt: skip
        out["plain Trainer"].append(float(t.train().metrics["train_samples_per_second"]))
    best = {k: max(v) for k, v in out.items()}
    return {"rows": rows, "runs": out, "best": best,
            "ratio": best["lmtask"] / best["plain Trainer"]}  # fmt: skip


def render(results: dict[str, Any]) -> str:
    out = [SECTION, "", "- Command: `HF_HUB_OFFLINE=1 .venv/bin/python bench/train_ladder.py`",
           "- Machine: 2 CPU cores, no GPU; float32 training; run with `--threads 1` while "
           "another benchmark used the other core, so times and texts/s compare within this "
           "table, not with the speed section.",
           "- Fixed split (dev 10 % / test 20 %, seed 0), then fixed stratified samples: the "
           "sizes are in each heading. Same test rows for every method. `epochs`: epochs run "
           "(early stopping on dev accuracy, patience 2; the best dev epoch is kept).",
           ""]  # fmt: skip
    for name in DATASETS:
        rows = [v for k, v in results.items() if k.startswith(f"{name}|")]
        if not rows:
            continue
        info = results.get(f"_{name}", {})
        out.append(f"### {name} (train {info.get('train')}, dev {info.get('dev')}, "
                   f"test {info.get('test')}: {info.get('test_counts')})\n")  # fmt: skip
        out.append("| method | model | train rows | test accuracy | macro-F1 | training s | "
                   "trainable params | epochs | inference texts/s |")  # fmt: skip
        out.append("|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            ep = "-" if r["epochs"] is None else f"{r['epochs']:g}"
            rate = "-" if r["method"] == "majority" else f"{r['texts_per_s']:.1f}"
            out.append(f"| {r['config']} | {r['model']} | {r['train_rows']} | "
                       f"{r['accuracy']:.3f} | {r['macro_f1']:.3f} | {r['train_s']:.0f} | "
                       f"{r['trainable']:,} | {ep} | {rate} |")  # fmt: skip
        out.append("")
    sp = results.get("_speed")
    if sp:
        out.append(f"### Training loop speed (finetune full all-MiniLM-L6-v2, {sp['rows']} "
                   "tweets, 1 epoch, batch 16, alternated runs in one process)\n")  # fmt: skip
        out.append("| loop | samples/s (each run) | best |")
        out.append("|---|---|---|")
        for k, v in sp["runs"].items():
            out.append(f"| {k} | {', '.join(f'{x:.1f}' for x in v)} | {sp['best'][k]:.1f} |")
        out.append(f"\nlmtask / plain Trainer = **{sp['ratio']:.2f}×**\n")
    return "\n".join(out)


def save(results: dict[str, Any], store: Path, out: Path) -> None:
    store.parent.mkdir(exist_ok=True)
    tmp = store.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=2))
    tmp.replace(store)
    write_section(out, SECTION, render(results))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--only", action="append", choices=list(DATASETS))
    ap.add_argument("--config", action="append", help="run only configs whose name/model match")
    ap.add_argument("--train", type=int, default=1000)
    ap.add_argument("--dev", type=int, default=200)
    ap.add_argument("--test", type=int, default=200)
    ap.add_argument("--speed", action="store_true", help="only the loop-speed comparison")
    ap.add_argument("--render", action="store_true", help="only rewrite RESULTS.md from the store")
    ap.add_argument("--force", action="store_true")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: all)")
    ap.add_argument("--out", default=str(HERE / "RESULTS.md"))
    ap.add_argument("--store", default=str(STORE), help="results JSON (resumable)")
    args = ap.parse_args()
    store = Path(args.store)
    if args.threads:
        torch.set_num_threads(args.threads)
    results = json.loads(store.read_text()) if store.exists() else {}
    if args.render:
        return save(results, store, Path(args.out))
    if args.speed:
        results["_speed"] = speed()
        print(results["_speed"])
        return save(results, store, Path(args.out))
    for name in args.only or list(DATASETS):
        task, labels = DATASETS[name]
        data = parts(name, args.train, args.dev, args.test)
        results[f"_{name}"] = {"train": len(data[0]), "dev": len(data[1]), "test": len(data[2]),
                               "test_counts": data[2].label_counts()}  # fmt: skip
        for cfg in CONFIGS:
            key = f"{name}|{cfg[0]}|{cfg[2]}"
            if args.config and not any(c in key for c in args.config):
                continue
            if key in results and not args.force:
                print(f"{key}: saved, skipped")
                continue
            results[key] = row = run_config(cfg, data, task, labels)
            print(f"{key}: acc {row['accuracy']:.3f} F1 {row['macro_f1']:.3f} "
                  f"train {row['train_s']:.0f} s", flush=True)  # fmt: skip
            save(results, store, Path(args.out))


if __name__ == "__main__":
    main()
