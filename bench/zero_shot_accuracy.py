"""Zero-shot accuracy of a model on the packaged datasets, next to baselines.

For each dataset: the default model's zero-shot accuracy and macro-F1 (score mode), the
majority-class baseline and, for the sentiment sets, VADER, all computed by
``lmtask.evaluate`` on the same rows. Rows: ``tweets`` a fixed 1,000-row stratified
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
from lmtask.evaluation import evaluate
from lmtask.methods import Majority
from lmtask.methods.baseline.vader import Vader
from results_md import write_section

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
    maj = evaluate(Majority(labels=gold_labels).fit(data.texts, data.labels), data)
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


INTERPRETATION = """### What this shows (read with the tables above)

- **Zero-shot beats the majority class everywhere, but only narrowly on the two sentiment
  sets.** tweets: accuracy 0.434 vs 0.424 (macro-F1 0.352 vs 0.199); fine-foods: 0.668 vs 0.650
  (macro-F1 0.452 vs 0.394). On bbc-news it is clearly useful: 0.596 vs 0.230.
- **VADER, a rule-based lexicon, beats zero-shot on both sentiment sets** (tweets macro-F1
  0.434, fine-foods accuracy 0.727): a 0.5B coder model prompted zero-shot is not a good
  sentiment classifier. This is what the ladder is for: see the prompting ladder below and
  the training methods.
- **Prompt wordings and label words tried** (never on the evaluated rows):
  - sentiment: the seed's wording alone, with "Answer with one word.", and with the answer
    prefilled as "The tone of this sentence is" (the built-in), on 90 tweets: accuracy 0.32,
    0.33, 0.44, so the prefill became the default;
  - fine-foods: plain words "great"/"other" with "This review is" prefilled, and a star
    rating question scoring "5" against "1"-"4" (`bench/tasks/`), on 100 rows outside the
    evaluated 1,000: 0.69 vs 0.52, so "words" was chosen. On the 1,000 rows the choice holds for
    accuracy (0.668 vs 0.510) but the star wording has the better macro-F1 (0.501 vs 0.452):
    the word wording says "great" for almost everything.
  - bbc-news: the built-in `topic` task only, untuned.
- Calibration of the probabilities is mediocre (ECE 0.13-0.27); contextual calibration is in
  the prompting ladder.
"""


def render(results: dict, model: str) -> str:
    out = [SECTION, ""]
    out.append("- Command: `HF_HUB_OFFLINE=1 .venv/bin/python bench/zero_shot_accuracy.py`")
    out.append(f"- Model: `{model}` (score mode, dtype auto); machine: {os.cpu_count()} CPUs, "
               f"{platform.machine()}; date {time.strftime('%Y-%m-%d')}")  # fmt: skip
    out.append(
        "- Every number on the same rows per dataset, by `lmtask.evaluation.report.evaluate`."
    )
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
    if all(name in results for name in PLAN):
        out.append(INTERPRETATION)
    return "\n".join(out)


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
        write_section(Path(args.out), SECTION, render(results, args.model))
        return
    for name in args.only or list(PLAN):
        results[name] = run_dataset(name, args.model, args.batch_size)
        tmp = store.with_suffix(".tmp")
        tmp.write_text(json.dumps(results, indent=2))
        tmp.replace(store)
        write_section(Path(args.out), SECTION, render(results, args.model))


if __name__ == "__main__":
    main()
