"""The prompting ladder on the packaged datasets: zero-shot, calibrated, few-shot.

For each dataset and model, on the same fixed stratified sample of evaluated rows (seed 0):
zero-shot, zero-shot with contextual calibration, and few-shot with K = 4 and 8 examples
chosen at random or nearest (all-MiniLM-L6-v2), the examples drawn from a pool of other rows
of the same dataset (never an evaluated row or a text identical to one). All by
``lmtask.evaluation.report.evaluate``. Reserved data is never read.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/prompt_ladder.py [--rows 200] [--model M ...]

Results are saved as they finish (``bench/results/prompt_ladder.json``) and rendered into the
``## Prompting ladder`` section of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import lmtask
from lmtask.data import load_dataset, stratified_sample
from lmtask.evaluation import evaluate
from lmtask.methods import Majority
from results_md import write_section

HERE = Path(__file__).parent
SECTION = "## Prompting ladder (bench/prompt_ladder.py)"
DATASETS = {
    # name: (task, labels, example_chars, eval rows)
    "tweets": ("sentiment", "negative,neutral,positive", None, 200),
    "fine-foods": (str(HERE / "tasks/fine-foods-words.yaml"), None, None, 200),
    "bbc-news": ("topic", None, 400, 120),
}
CONFIGS = [
    ("zero-shot", "zero-shot", {}),
    ("zero-shot + calibration", "zero-shot", {"calibrate": True}),
    ("few-shot K=4 random", "few-shot", {"shots": 4, "select": "random"}),
    ("few-shot K=8 random", "few-shot", {"shots": 8, "select": "random"}),
    ("few-shot K=4 nearest", "few-shot", {"shots": 4, "select": "nearest"}),
    ("few-shot K=8 nearest", "few-shot", {"shots": 8, "select": "nearest"}),
    ("few-shot K=8 random + calibration", "few-shot",
     {"shots": 8, "select": "random", "calibrate": True}),
]  # fmt: skip


def run(name: str, model: str, rows_override: int | None) -> dict:
    task, labels, clip, n = DATASETS[name]
    full = load_dataset(name)
    rows = stratified_sample(full, rows_override or n, seed=0)
    held = set(rows.texts)
    rest = full.subset([i for i, t in enumerate(full.texts) if t not in held])
    pool = stratified_sample(rest, 3000, seed=1)
    lm = lmtask.load_model(model)
    out = []
    maj = evaluate(Majority(labels=sorted(set(rows.labels))).fit(rows.texts, rows.labels), rows)
    out.append({"config": f"majority ({maj.classifier['label']})", "accuracy": maj.accuracy,
                "macro_f1": maj.macro_f1, "ece": maj.ece, "texts_per_s": 0.0})  # fmt: skip
    for desc, method, opts in CONFIGS:
        if method == "few-shot":
            clf = lmtask.FewShot(task=task, labels=labels, model=lm, example_chars=clip, **opts)
            clf.fit(pool.texts, pool.labels)
        else:
            clf = lmtask.ZeroShot(task=task, labels=labels, model=lm, **opts)
        t0 = time.perf_counter()
        rep = evaluate(clf, rows, progress=True)
        out.append({"config": desc, "accuracy": rep.accuracy, "macro_f1": rep.macro_f1,
                    "ece": rep.ece, "texts_per_s": rep.texts_per_s})  # fmt: skip
        print(f"{model} {name} {desc}: acc {rep.accuracy:.3f} F1 {rep.macro_f1:.3f} "
              f"({time.perf_counter() - t0:.0f} s)", flush=True)  # fmt: skip
    return {"dataset": name, "model": model, "n": len(rows), "pool": len(pool),
            "counts": rows.label_counts(), "rows": out}  # fmt: skip


def render(results: dict) -> str:
    out = [SECTION, "", "- Command: `HF_HUB_OFFLINE=1 .venv/bin/python bench/prompt_ladder.py`",
           "- Evaluated rows: a fixed stratified sample (seed 0) per dataset; few-shot examples "
           "from a 3,000-row stratified pool (seed 1) of the other rows. bbc-news examples are "
           "cut to 400 characters (`example_chars`).",
           "- texts/s were measured while other benchmarks shared the 2 cores: read them as "
           "rough relative costs (nearest examples defeat the shared-prefix cache), not speed "
           "results (see the zero-shot speed section).", ""]  # fmt: skip
    for key, r in results.items():
        out.append(f"### {r['dataset']}, {r['model']} ({r['n']} rows; {r['counts']})\n")
        out.append("| method | accuracy | macro-F1 | ECE | texts/s |")
        out.append("|---|---|---|---|---|")
        for row in r["rows"]:
            out.append(f"| {row['config']} | {row['accuracy']:.3f} | {row['macro_f1']:.3f} | "
                       f"{row['ece']:.3f} | {row['texts_per_s']:.1f} |")  # fmt: skip
        out.append("")
        _ = key
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", action="append")
    ap.add_argument("--only", action="append", choices=list(DATASETS))
    ap.add_argument("--rows", type=int, default=None)
    ap.add_argument("--out", default=str(HERE / "RESULTS.md"))
    ap.add_argument("--force", action="store_true", help="rerun dataset/model pairs already saved")
    ap.add_argument("--render", action="store_true", help="only rewrite RESULTS.md from the store")
    args = ap.parse_args()
    store = HERE / "results" / "prompt_ladder.json"
    store.parent.mkdir(exist_ok=True)
    results = json.loads(store.read_text()) if store.exists() else {}
    if args.render:
        return write_section(Path(args.out), SECTION, render(results))
    for model in args.model or [lmtask.DEFAULT_MODEL, "smollm2-135m-instruct"]:
        for name in args.only or list(DATASETS):
            if f"{name}|{model}" in results and not args.force:
                print(f"{name}|{model}: saved, skipped (--force reruns it)")
                continue
            results[f"{name}|{model}"] = run(name, model, args.rows)
            tmp = store.with_suffix(".tmp")
            tmp.write_text(json.dumps(results, indent=2))
            tmp.replace(store)
            write_section(Path(args.out), SECTION, render(results))


if __name__ == "__main__":
    main()
