"""Ad-hoc labels against VADER and the majority class, on enough rows to tell them apart.

Issue 10's targets: ``--labels`` with no task file beats the majority class on every set and
reaches at least VADER's accuracy on the sentiment sets. ``bench/prompt_selection.py`` compared
them on 100 test rows per set, where one row is a point of accuracy (30 rows for the
convention speeches). Here they run on the *same* larger sample per set (``--rows``,
stratified, seed 2) drawn from the rows that prompt selection never chose a wording on (its
selection rows are excluded; nothing here is tuned). The ad-hoc classifier is built exactly as
``lmtask eval DATA --labels a,b,c`` builds it (``ClassifierSpec(labels=...)``: the default
model, the default ad-hoc wording and its calibration). The paired bootstrap (2,000 resamples
of rows) gives an interval for "ours minus VADER".

    HF_HUB_OFFLINE=1 .venv/bin/python bench/adhoc_vs_vader.py [--rows 600]
    HF_HUB_OFFLINE=1 .venv/bin/python bench/adhoc_vs_vader.py --rows 1000 \
        --distill-work /tmp/lmtask-distill-l3 --students new=/tmp/lmtask-distill-l3,old=/tmp/l3e3

With ``--distill-work`` (a ``bench/distill_target.py`` work folder) the rows also exclude its
unlabelled texts and dev rows, and ``--students NAME=WORK`` measures the distilled students
``WORK/<set>-student`` on the same rows: the ad-hoc classifier *is* their teacher, so this is a
student-vs-teacher comparison on rows neither was chosen on, with a paired interval.

convention-speeches has 189 rows: all 159 outside the selection rows are used (cut to 1,500
characters, as in prompt selection); VADER runs on the two sentiment sets only.

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
from distill_target import clip
from lmtask.data import load_dataset, stratified_sample
from lmtask.evaluation import compute_metrics

OUT = Path(__file__).parent / "results" / "adhoc_vs_vader.json"
SENTIMENT = ("tweets", "fine-foods")


def rows(name: str, n: int, distill_work: Path | None = None) -> Any:
    """``n`` stratified rows of ``name`` that are not prompt selection's selection rows (nor
    the texts and dev rows of a distillation work folder)."""
    from lmtask.data import read_table

    data = load_dataset(name)
    chosen = set(stratified_sample(data, ps.SIZES[name], seed=0).texts)
    clipped: set[str] = set()
    for f in ("texts", "dev") if distill_work else ():
        path = distill_work / f"{name}-{f}.jsonl"  # type: ignore[operator]
        if path.is_file():
            clipped |= set(read_table(path).texts)

    def seen(t: str) -> bool:
        return t in chosen or clip(t) in clipped

    rest = data.subset([i for i, t in enumerate(data.texts) if not seen(t)])
    picked = stratified_sample(rest, n, seed=2) if n < len(rest) else rest
    return ps._clip(picked, ps.CLIP[name]) if name in ps.CLIP else picked


def paired_ci(a: list[bool], b: list[bool], seed: int = 0) -> tuple[float, float]:
    """95% bootstrap interval of mean(a) - mean(b) over the same rows."""
    x, y = np.asarray(a, float), np.asarray(b, float)
    idx = np.random.default_rng(seed).integers(0, len(x), size=(2000, len(x)))
    diffs = x[idx].mean(axis=1) - y[idx].mean(axis=1)
    return float(np.percentile(diffs, 2.5)), float(np.percentile(diffs, 97.5))


def run(
    name: str,
    n: int,
    distill_work: Path | None = None,
    students: dict[str, Path] | None = None,
    model: str | None = None,
    calibration: str | None = None,
    method: str | None = None,
) -> dict[str, Any]:
    import lmtask
    from lmtask.ladder import ClassifierSpec
    from lmtask.methods.baseline.vader import Vader

    data = rows(name, n, distill_work)
    labels = sorted(set(data.labels or []))
    gold = list(data.labels or [])
    method = method or (f"zero-shot:calibrate:{calibration}" if calibration else None)
    clf = ClassifierSpec(labels=",".join(labels), model=model, method=method).build()
    t0 = time.perf_counter()
    ours = [p.label for p in clf.predict(data.texts)]
    secs = time.perf_counter() - t0
    sentiment = name in SENTIMENT
    vader = ([p.label for p in Vader(task=None, labels=",".join(labels)).predict(data.texts)]
             if sentiment else [])  # fmt: skip
    out: dict[str, Any] = {"n": len(gold), "labels": labels,
                           "counts": {lb: gold.count(lb) for lb in labels},
                           "ours_spec": clf.describe(), "ours_s": secs}  # fmt: skip
    majority = [max(labels, key=gold.count)] * len(gold)
    against = [("vader", vader)] if sentiment else []
    for who, pred in [("ours", ours), *against, ("majority", majority)]:
        m = compute_metrics(labels, gold, pred)
        out[who] = {"accuracy": m["accuracy"], "macro_f1": m["macro_f1"],
                    "predicted": {lb: pred.count(lb) for lb in labels}}  # fmt: skip
    right = [p == g for p, g in zip(ours, gold, strict=True)]
    if sentiment:
        vright = [p == g for p, g in zip(vader, gold, strict=True)]
        out["accuracy_diff_ci95"] = paired_ci(right, vright)
    for who, work in (students or {}).items():
        folder = work / f"{name}-student"
        if not folder.is_dir():
            continue
        pred = [p.label for p in lmtask.load(folder).predict(data.texts)]
        m = compute_metrics(labels, gold, pred)
        sright = [p == g for p, g in zip(pred, gold, strict=True)]
        out[f"student {who}"] = {
            "accuracy": m["accuracy"], "macro_f1": m["macro_f1"], "folder": str(folder),
            "predicted": {lb: pred.count(lb) for lb in labels},
            "gap_to_teacher": m["accuracy"] - out["ours"]["accuracy"],
            "gap_ci95": paired_ci(sright, right),
            "agreement_with_teacher": float(np.mean(np.array(pred) == np.array(ours))),
        }  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=600)
    ap.add_argument("--sets", default="tweets,fine-foods,convention-speeches,debates-2016")
    ap.add_argument("--distill-work", type=Path, default=None)
    ap.add_argument("--students", default="", help="NAME=WORK,...: distilled students to measure")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--model", default=None, help="another model than the default")
    ap.add_argument(
        "--calibration", default=None, help="background, contextual, domain, batch or words"
    )
    ap.add_argument("--method", default=None, help="a method spec instead of the ad-hoc default")
    args = ap.parse_args()
    students = {k: Path(v) for k, v in (x.split("=", 1) for x in args.students.split(",") if x)}
    results = json.loads(args.out.read_text()) if args.out.is_file() else {}
    for name in args.sets.split(","):
        if name not in results:
            results[name] = run(
                name,
                args.rows,
                args.distill_work,
                students,
                args.model,
                args.calibration,
                args.method,
            )
            args.out.write_text(json.dumps(results, indent=1, default=str) + "\n")
        r = results[name]
        shown = [w for w, v in r.items() if isinstance(v, dict) and "macro_f1" in v]
        line = ", ".join(f"{w} {r[w]['accuracy']:.3f} / {r[w]['macro_f1']:.3f}" for w in shown)
        print(f"{name} ({r['n']} rows, accuracy / macro-F1): {line}; ours - VADER accuracy "
              f"95% CI {r.get('accuracy_diff_ci95', '-')}")  # fmt: skip


if __name__ == "__main__":
    main()
