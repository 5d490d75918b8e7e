"""SetFit with 16 labelled rows per class, next to full fine-tuning on 1,000 rows (issue 10).

The split and the 200 test rows are exactly those of ``bench/train_ladder.py`` (its
``parts()``: fixed split dev 10 % / test 20 %, seed 0, then fixed stratified samples of
1,000 train / 200 dev / 200 test rows), so the numbers sit next to its "finetune full" rows,
read from ``bench/results/train_ladder.json``. For each seed, 16 rows per class are drawn
(seeded) from those 1,000 training rows; SetFit trains on them with its defaults
(``lmtask.methods.SetFitConfig``) or the ``--options`` given, and is measured on the 200 test
rows. A reference row fits the same logistic head on
the untuned encoder's embeddings (the same 16 rows per class), to show what the contrastive
step adds. The dev rows are not used here (options are chosen on them elsewhere, never on test).
Reserved data is never read.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/setfit_bench.py --threads 1 [--only tweets] \
        [--options num_iterations=5:head_c=0.1]

Results are saved per dataset/seed as they finish (``bench/results/setfit_bench.json``,
resumable; ``--force`` reruns) and rendered into the ``## SetFit ...`` section of
``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

from lmtask.evaluation import evaluate
from lmtask.methods import SetFit, SetFitConfig, parse_spec
from results_md import write_section
from train_ladder import DATASETS, parts

HERE = Path(__file__).parent
STORE = HERE / "results" / "setfit_bench.json"
LADDER = HERE / "results" / "train_ladder.json"
SECTION = "## SetFit, 16 labels per class vs full fine-tuning (bench/setfit_bench.py)"
COMMAND = "HF_HUB_OFFLINE=1 .venv/bin/python bench/setfit_bench.py --threads 1"
TARGET = 0.05  # issue 10: within 0.05 of full fine-tuning on 1,000 rows
PER_CLASS = 16


def few(train: Any, per_class: int, seed: int) -> Any:
    """``per_class`` rows of each label, drawn with ``seed`` (rows in their original order)."""
    rng = random.Random(seed)
    idx: list[int] = []
    for label in sorted(set(train.labels)):
        rows = [i for i, y in enumerate(train.labels) if y == label]
        idx += rng.sample(rows, per_class)
    return train.subset(sorted(idx))


def frozen_head(clf: SetFit, train: Any, test: Any, seed: int) -> dict[str, float]:
    """The same logistic head on the untuned encoder (``clf``'s base and options)."""
    ref = SetFit(model=clf.config.model, max_length=clf.config.max_length, seed=seed)
    ref._build_body()
    names = clf.labels
    x_train = ref.body.encode(train.texts, show_progress_bar=False)
    x_test = ref.body.encode(test.texts, show_progress_bar=False)
    head = LogisticRegression(C=clf.config.head_c, max_iter=1000, random_state=seed)
    head.fit(x_train, [names.index(y) for y in train.labels])
    pred = [names[i] for i in head.predict(x_test)]
    return {"accuracy": accuracy_score(test.labels, pred),
            "macro_f1": f1_score(test.labels, pred, average="macro")}  # fmt: skip


def run_one(
    name: str, seed: int, per_class: int, data: tuple, options: dict[str, str]
) -> dict[str, Any]:
    train, _, test = data
    rows = few(train, per_class, seed)
    t0 = time.perf_counter()
    clf = SetFit(seed=seed, **options)
    # prior=em: the label frequencies are estimated on the 1,000 training rows' texts, with
    # their labels hidden (never on dev or test texts)
    clf.fit(rows.texts, rows.labels, unlabelled=train.texts if clf.config.prior == "em" else None)
    train_s = time.perf_counter() - t0
    rep = evaluate(clf, test, progress=True)
    return {"dataset": name, "seed": seed, "train_rows": len(rows),
            "accuracy": rep.accuracy, "macro_f1": rep.macro_f1, "train_s": train_s,
            "texts_per_s": rep.texts_per_s, "pairs": clf.info["pairs"],
            "steps": clf.info["steps"], "options": options, "described": describe(options),
            "prior": clf.prior,
            "frozen": frozen_head(clf, rows, test, seed)}  # fmt: skip


def _ms(xs: list[float], digits: int = 3) -> str:
    sd = statistics.stdev(xs) if len(xs) > 1 else 0.0
    return f"{statistics.mean(xs):.{digits}f} ± {sd:.{digits}f}"


def describe(options: dict[str, str]) -> str:
    """The SetFit options of a run in words (defaults filled in)."""
    c = SetFitConfig(**options)
    its = (
        f"all unique pairs, {c.sampling}"
        if c.num_iterations is None
        else f"{c.num_iterations} pair iterations: 2 × {c.num_iterations} × rows pairs"
    )
    return (f"{its}, {c.epochs} epoch(s), batch "
            f"{c.batch_size}, lr {c.lr:g}, max_length {c.max_length}, {c.head} head"
            + (f" (C={c.head_c:g})" if c.head == "logistic" else "")
            + (", label prior estimated by EM on the 1,000 training rows' texts (labels "
               "hidden), predictions reweighted to it" if c.prior == "em" else ""))  # fmt: skip


def render(results: dict[str, Any], ladder: dict[str, Any]) -> str:
    first = next(iter(results.values()), {})
    options = first.get("options", {})
    said = first.get("described") or describe(options)
    spec = "".join(f":{k}={v}" for k, v in options.items())
    command = COMMAND + (f" --options {spec[1:]}" if spec else "")
    out = [SECTION, "", f"- Command: `{command}`",
           "- Machine: 2 CPU cores shared with other work, no GPU; float32; torch on 1 thread "
           "(as the training ladder's rows), so times compare with that table only roughly.",
           "- Same fixed split and the same 200 test rows as `bench/train_ladder.py`; SetFit "
           "trains on 16 rows per class drawn (seeded) from that table's 1,000 training "
           "rows, with options "
           f"{'`setfit' + spec + '`' if spec else 'its defaults'} ({said}). "
           "`±`: standard deviation over seeds "
           "(each seed draws other rows and trains with that seed).",
           "- \"frozen encoder + logistic head\": the same head on the untuned encoder's "
           "embeddings of the same rows, to show what the contrastive step adds.",
           ""]  # fmt: skip
    for name in DATASETS:
        rows = sorted((v for k, v in results.items() if k.startswith(f"{name}|")),
                      key=lambda r: r["seed"])  # fmt: skip
        if not rows:
            continue
        info = ladder.get(f"_{name}", {})
        out.append(f"### {name} (test {info.get('test')}: "
                   f"{info.get('test_counts')})\n")  # fmt: skip
        out.append("| method | train rows | test accuracy | macro-F1 | training s | "
                   "inference texts/s |")  # fmt: skip
        out.append("|---|---|---|---|---|---|")
        for r in rows:
            pr = r.get("prior")
            est = "; prior " + "/".join(f"{v:.2f}" for v in pr["target"]) if pr else ""
            out.append(f"| setfit, seed {r['seed']} ({r['pairs']} pairs, {r['steps']} steps"
                       f"{est}) | "
                       f"{r['train_rows']} | {r['accuracy']:.3f} | {r['macro_f1']:.3f} | "
                       f"{r['train_s']:.0f} | {r['texts_per_s']:.1f} |")  # fmt: skip
        acc, f1 = [r["accuracy"] for r in rows], [r["macro_f1"] for r in rows]
        out.append(f"| **setfit, mean of {len(rows)} seeds** | {rows[0]['train_rows']} | "
                   f"**{_ms(acc)}** | **{_ms(f1)}** | "
                   f"{_ms([r['train_s'] for r in rows], 0)} | "
                   f"{statistics.mean(r['texts_per_s'] for r in rows):.1f} |")  # fmt: skip
        fa = [r["frozen"]["accuracy"] for r in rows]
        ff = [r["frozen"]["macro_f1"] for r in rows]
        out.append(f"| frozen encoder + logistic head, same rows | {rows[0]['train_rows']} | "
                   f"{_ms(fa)} | {_ms(ff)} | - | - |")  # fmt: skip
        full = ladder.get(f"{name}|finetune full|all-minilm-l6-v2")
        if full:
            out.append(f"| finetune full (training ladder) | {full['train_rows']} | "
                       f"{full['accuracy']:.3f} | {full['macro_f1']:.3f} | "
                       f"{full['train_s']:.0f} | {full['texts_per_s']:.1f} |")  # fmt: skip
            gap = full["accuracy"] - statistics.mean(acc)
            gap_f1 = full["macro_f1"] - statistics.mean(f1)
            verdict = "met" if gap <= TARGET else "**missed**"
            out.append(f"\nGap to full fine-tuning: accuracy {gap:+.3f}, macro-F1 "
                       f"{gap_f1:+.3f} (mean over seeds; positive: SetFit is below). "
                       f"Target (within {TARGET} accuracy): {verdict}; worst seed "
                       f"{full['accuracy'] - min(acc):+.3f}.")  # fmt: skip
        out.append("")
    return "\n".join(out)


def save(results: dict[str, Any], store: Path, out: Path) -> None:
    store.parent.mkdir(exist_ok=True)
    tmp = store.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=2))
    tmp.replace(store)
    ladder = json.loads(LADDER.read_text()) if LADDER.exists() else {}
    write_section(out, SECTION, render(results, ladder))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--only", action="append", choices=list(DATASETS))
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--render", action="store_true", help="only rewrite RESULTS.md from the store")
    ap.add_argument("--force", action="store_true")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: all)")
    ap.add_argument("--options", default="", help="setfit options, as in a spec: a=1:b=2")
    ap.add_argument("--out", default=str(HERE / "RESULTS.md"))
    ap.add_argument("--store", default=str(STORE), help="results JSON (resumable)")
    args = ap.parse_args()
    store = Path(args.store)
    if args.threads:
        torch.set_num_threads(args.threads)
    results = json.loads(store.read_text()) if store.exists() else {}
    options = parse_spec(f"setfit:{args.options}").options if args.options else {}
    SetFitConfig(**options)  # a bad option fails here, before any data is read
    said = describe(options)  # runs from before a change of defaults differ here too
    if any(r.get("described") != said for r in results.values()) and not args.force:
        raise SystemExit(f"{store} holds runs with other options: use another --store or --force")
    if not args.render:
        for name in args.only or list(DATASETS):
            data = parts(name, 1000, 200, 200)  # the training ladder's split and test rows
            for seed in args.seeds:
                key = f"{name}|{seed}"
                if key in results and not args.force:
                    print(f"{key}: saved, skipped")
                    continue
                results[key] = r = run_one(name, seed, PER_CLASS, data, options)
                print(f"{key}: acc {r['accuracy']:.3f} F1 {r['macro_f1']:.3f} (frozen "
                      f"{r['frozen']['accuracy']:.3f}) train {r['train_s']:.0f} s",
                      flush=True)  # fmt: skip
                save(results, store, Path(args.out))
    save(results, store, Path(args.out))


if __name__ == "__main__":
    main()
