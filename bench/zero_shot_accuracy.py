"""Zero-shot accuracy of a model on the packaged datasets, next to baselines.

For each dataset: the default model's zero-shot accuracy and macro-F1 (score mode), the
majority-class baseline and, for the sentiment sets, VADER, all computed by
``lmtask.evaluation.evaluate`` on the same rows. Rows: ``tweets`` a fixed 1,000-row stratified
sample (seed 0), ``bbc-news`` all rows, ``fine-foods`` a fixed 1,000-row stratified sample
(seed 0) of ``training_data`` (``testing_data`` is reserved and never read).

Prompt choices: ``tweets`` uses the built-in ``sentiment`` task with labels
negative/neutral/positive; ``bbc-news`` the built-in ``topic`` task (no tuning); ``fine-foods``
two wordings from ``bench/tasks/``, chosen between on 100 rows disjoint from the evaluated
1,000 (both are reported).

    HF_HUB_OFFLINE=1 .venv/bin/python bench/zero_shot_accuracy.py [--model M] [--only tweets]

Results are saved per dataset as they finish (``bench/results/zero_shot_accuracy.json``) and
rendered into the ``## Zero-shot accuracy`` section of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import lmtask
from lmtask.data import load_dataset, stratified_sample
from lmtask.evaluation import Majority, evaluate
from lmtask.methods.vader import Vader

HERE = Path(__file__).parent
SECTION = "## Zero-shot accuracy on the packaged datasets (bench/zero_shot_accuracy.py)"

PLAN = {
    "tweets": {
        "rows": 1000,
        "runs": [("zero-shot", "sentiment", "negative,neutral,positive"), ("vader", None, None)],
        "labels": "negative,neutral,positive",
    },
    "bbc-news": {"rows": None, "runs": [("zero-shot", "topic", None)], "labels": None},
    "fine-foods": {
        "rows": 1000,
        "runs": [
            ("zero-shot", str(HERE / "tasks/fine-foods-words.yaml"), None),
            ("zero-shot", str(HERE / "tasks/fine-foods-stars.yaml"), None),
            ("vader", None, "great,other"),
        ],
        "labels": "great,other",
    },
}


def run_dataset(name: str, model: str, batch_size: int) -> dict:
    plan = PLAN[name]
    data = load_dataset(name)
    if plan["rows"]:
        data = stratified_sample(data, plan["rows"], seed=0)
    gold_labels = sorted(set(data.labels))
    rows = []
    maj = evaluate(Majority(None, data.labels, labels=gold_labels), data)
    rows.append({"method": f"majority ({maj.classifier['label']})", **_metrics(maj)})
    for method, task, labels in plan["runs"]:
        labels = labels or plan["labels"]
        if method == "vader":
            clf = Vader(task=None, labels=labels or ",".join(gold_labels))
            desc = "VADER (compound >= 0.05)"
        else:
            clf = lmtask.ZeroShot(task=task, labels=labels, model=model, batch_size=batch_size)
            desc = f"zero-shot, task {Path(task).stem}"
        t0 = time.perf_counter()
        rep = evaluate(clf, data, progress=True)
        rows.append({"method": desc, **_metrics(rep)})
        print(f"{name}: {desc}: acc {rep.accuracy:.3f} macro-F1 {rep.macro_f1:.3f} "
              f"({time.perf_counter() - t0:.0f} s)", flush=True)  # fmt: skip
    return {"dataset": name, "n": len(data), "source": data.source, "counts": data.label_counts(),
            "rows": rows}  # fmt: skip


def _metrics(rep) -> dict:
    return {"accuracy": rep.accuracy, "macro_f1": rep.macro_f1, "ece": rep.ece,
            "texts_per_s": rep.texts_per_s}  # fmt: skip


def render(results: dict, model: str) -> str:
    out = [SECTION, ""]
    out.append("- Command: `HF_HUB_OFFLINE=1 .venv/bin/python bench/zero_shot_accuracy.py`")
    out.append(f"- Model: `{model}` (score mode, dtype auto); machine: {os.cpu_count()} CPUs, "
               f"{platform.machine()}; date {time.strftime('%Y-%m-%d')}")  # fmt: skip
    out.append("- Every number on the same rows per dataset, by `lmtask.evaluation.evaluate`.")
    out.append(
        "- texts/s were measured while other jobs shared the 2 CPUs: compare accuracy, not "
        "speed, here (bench/zero_shot_speed.py measures speed on an idle machine)."
    )
    out.append("")
    for name in PLAN:
        r = results.get(name)
        if not r:
            out.append(f"### {name}\n\nnot run yet\n")
            continue
        out.append(f"### {name} ({r['n']} rows; {r['counts']})\n")
        out.append("| method | accuracy | macro-F1 | ECE | texts/s |")
        out.append("|---|---|---|---|---|")
        for row in r["rows"]:
            speed = "-" if row["method"].startswith("majority") else f"{row['texts_per_s']:.1f}"
            out.append(f"| {row['method']} | {row['accuracy']:.3f} | {row['macro_f1']:.3f} | "
                       f"{row['ece']:.3f} | {speed} |")  # fmt: skip
        out.append("")
    return "\n".join(out)


def write_section(path: Path, text: str) -> None:
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    if SECTION in old:
        head, rest = old.split(SECTION, 1)
        nxt = rest.find("\n## ")
        old = head + (rest[nxt + 1 :] if nxt >= 0 else "")
    new = old.rstrip() + "\n\n" + text.rstrip() + "\n"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(new)
    tmp.replace(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", default=lmtask.DEFAULT_MODEL)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--only", action="append", choices=list(PLAN))
    ap.add_argument("--out", default=str(HERE / "RESULTS.md"))
    ap.add_argument("--render-only", action="store_true", help="Rewrite RESULTS.md from JSON.")
    args = ap.parse_args()
    store = HERE / "results" / "zero_shot_accuracy.json"
    store.parent.mkdir(exist_ok=True)
    results = json.loads(store.read_text()) if store.exists() else {}
    if args.render_only:
        write_section(Path(args.out), render(results, args.model))
        return
    for name in args.only or list(PLAN):
        results[name] = run_dataset(name, args.model, args.batch_size)
        tmp = store.with_suffix(".tmp")
        tmp.write_text(json.dumps(results, indent=2))
        tmp.replace(store)
        write_section(Path(args.out), render(results, args.model))


if __name__ == "__main__":
    main()
