"""Ad-hoc labels against VADER on the two sentiment sets, on enough rows to tell them apart.

Issue 10's target: ``--labels`` with no task file reaches at least VADER's accuracy on the
sentiment sets. ``bench/prompt_selection.py`` compared them on 100 test rows per set, where one
row is a point of accuracy. Here both run on the *same* larger sample per set (``--rows``,
stratified, seed 2) drawn from the rows that prompt selection never chose a wording on (its
selection rows are excluded; nothing here is tuned). The ad-hoc classifier is built exactly as
``lmtask eval DATA --labels a,b,c`` builds it (``ClassifierSpec(labels=...)``: the default
model, the default ad-hoc wording and its calibration). The paired bootstrap (2,000 resamples
of rows) gives an interval for "ours minus VADER".

    HF_HUB_OFFLINE=1 .venv/bin/python bench/adhoc_vs_vader.py [--rows 600]

Results: ``bench/results/adhoc_vs_vader.json`` (resumable per set).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

import prompt_selection as ps
from lmtask.data import load_dataset, stratified_sample
from lmtask.evaluation import compute_metrics

OUT = Path(__file__).parent / "results" / "adhoc_vs_vader.json"


def rows(name: str, n: int) -> Any:
    """``n`` stratified rows of ``name`` that are not prompt selection's selection rows."""
    data = load_dataset(name)
    chosen = set(stratified_sample(data, ps.SIZES[name], seed=0).texts)
    rest = data.subset([i for i, t in enumerate(data.texts) if t not in chosen])
    return stratified_sample(rest, n, seed=2)


def paired_ci(a: list[bool], b: list[bool], seed: int = 0) -> tuple[float, float]:
    """95% bootstrap interval of mean(a) - mean(b) over the same rows."""
    x, y = np.asarray(a, float), np.asarray(b, float)
    idx = np.random.default_rng(seed).integers(0, len(x), size=(2000, len(x)))
    diffs = x[idx].mean(axis=1) - y[idx].mean(axis=1)
    return float(np.percentile(diffs, 2.5)), float(np.percentile(diffs, 97.5))


def run(name: str, n: int) -> dict[str, Any]:
    from lmtask.ladder import ClassifierSpec
    from lmtask.methods.baseline.vader import Vader

    data = rows(name, n)
    labels = sorted(set(data.labels or []))
    gold = list(data.labels or [])
    clf = ClassifierSpec(labels=",".join(labels)).build()
    t0 = time.perf_counter()
    ours = [p.label for p in clf.predict(data.texts)]
    secs = time.perf_counter() - t0
    vader = [p.label for p in Vader(task=None, labels=",".join(labels)).predict(data.texts)]
    out: dict[str, Any] = {"n": len(gold), "labels": labels,
                           "counts": {lb: gold.count(lb) for lb in labels},
                           "ours_spec": clf.describe(), "ours_s": secs}  # fmt: skip
    majority = [max(labels, key=gold.count)] * len(gold)
    for who, pred in (("ours", ours), ("vader", vader), ("majority", majority)):
        m = compute_metrics(labels, gold, pred)
        out[who] = {"accuracy": m["accuracy"], "macro_f1": m["macro_f1"],
                    "predicted": {lb: pred.count(lb) for lb in labels}}  # fmt: skip
    right = [p == g for p, g in zip(ours, gold, strict=True)]
    vright = [p == g for p, g in zip(vader, gold, strict=True)]
    out["accuracy_diff_ci95"] = paired_ci(right, vright)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=600)
    ap.add_argument("--sets", default="tweets,fine-foods")
    args = ap.parse_args()
    results = json.loads(OUT.read_text()) if OUT.is_file() else {}
    for name in args.sets.split(","):
        if results.get(name, {}).get("n") != args.rows:
            results[name] = run(name, args.rows)
            OUT.write_text(json.dumps(results, indent=1, default=str) + "\n")
        r = results[name]
        print(f"{name} ({r['n']} rows): ours {r['ours']['accuracy']:.3f} / "
              f"{r['ours']['macro_f1']:.3f}, VADER {r['vader']['accuracy']:.3f} / "
              f"{r['vader']['macro_f1']:.3f}, majority {r['majority']['accuracy']:.3f}; "
              f"ours - VADER accuracy 95% CI {r['accuracy_diff_ci95']}")  # fmt: skip


if __name__ == "__main__":
    main()
