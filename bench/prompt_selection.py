"""Prompt selection for ad-hoc labels: which wording should `--labels a,b,c` use by default?

A user who passes only labels gets the default template. This script measures candidate
wordings (with and without the label list in the question, with and without a prefilled
answer start, label order, contextual calibration) on labelled sets of different kinds, with
the default model and SmolLM2, in score mode. Selection rows and test rows are disjoint:
the winner is chosen by mean macro-F1 on the selection rows and then reported on the test
rows, so its test numbers are not the numbers it was chosen on.

Sets (none reserved, see ../shared/DATA.md): tweets (sentiment), fine-foods (review quality),
bbc-news (topic), debates-2016 (speaker's side), convention-speeches (party; long texts are
cut to their first 1,500 characters), code-languages (the project's code corpus, dev/test
splits by package, when built).

    HF_HUB_OFFLINE=1 .venv/bin/python bench/prompt_selection.py            # resumable
    HF_HUB_OFFLINE=1 .venv/bin/python bench/prompt_selection.py --render   # table only
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from lmtask.data import LabeledData, load_dataset, read_table, stratified_sample
from lmtask.methods import build
from lmtask.tasks import Task
from lmtask.tasks.wordings import WORDINGS
from results_md import write_section

OUT = Path(__file__).parent / "results" / "prompt_selection.json"
CODE_DIR = Path(os.environ.get("LMTASK_CODE_CORPUS", "~/.cache/lmtask-corpus/code-languages"))
CODE_DIR = CODE_DIR.expanduser()
MODELS = ["qwen2.5-coder-0.5b-instruct", "smollm2-135m-instruct"]
CANDIDATES = WORDINGS  # name -> Wording (lmtask.tasks.wordings)
CALIBRATED = "+calibrate"  # the same wording with contextual calibration
DOMAIN = "+domain-pmi"  # the same wording with domain-conditional PMI calibration
VARIANTS = ("", CALIBRATED, DOMAIN)


def _clip(data: LabeledData, n: int) -> LabeledData:
    texts = [t if len(t) <= n else t[:n].rsplit(" ", 1)[0] + " ..." for t in data.texts]
    return dataclasses.replace(data, texts=texts)


# rows per set and split: fewer for long texts and many labels (CPU time on 2 cores)
SIZES = {"tweets": 100, "fine-foods": 100, "bbc-news": 30, "debates-2016": 60,
         "convention-speeches": 30, "code-languages": 60}  # fmt: skip
CLIP = {"bbc-news": 1500, "convention-speeches": 1500}
# measured on every set; the others were dropped after tweets (clearly worse, see the table)
CORE = ["which-of (old default)", "classify-as+start", "category+start",
        "category+start reversed", "no-list+start"]  # fmt: skip


def _sets() -> dict[str, tuple[LabeledData, LabeledData]]:
    """name -> (selection rows, test rows), disjoint."""
    out = {}
    for name in ("tweets", "fine-foods", "bbc-news", "debates-2016", "convention-speeches"):
        data, size = load_dataset(name), SIZES[name]
        sel = stratified_sample(data, size, seed=0)
        chosen = set(sel.texts)
        rest = data.subset([i for i, t in enumerate(data.texts) if t not in chosen])
        test = stratified_sample(rest, size, seed=1)
        if name in CLIP:
            sel, test = _clip(sel, CLIP[name]), _clip(test, CLIP[name])
        out[name] = (sel, test)
    if (CODE_DIR / "dev.jsonl").is_file():
        n = SIZES["code-languages"]
        dev = read_table(CODE_DIR / "dev.jsonl", text_column="text", label_column="label")
        test = read_table(CODE_DIR / "test.jsonl", text_column="text", label_column="label")
        out["code-languages"] = (stratified_sample(dev, n, 0), stratified_sample(test, n, 1))
    return out


def _task(labels: list[str], cand: str) -> tuple[Task, bool]:
    base = cand.removesuffix(CALIBRATED).removesuffix(DOMAIN)
    return CANDIDATES[base].apply(Task.from_labels(labels)), base != cand


def _metrics(labels: list[str], gold: list[str], lp: Any) -> dict[str, Any]:
    from lmtask.evaluation import compute_metrics

    pred = [labels[i] for i in lp.argmax(axis=1)]
    m = compute_metrics(labels, gold, pred)
    maj = max(labels, key=gold.count)
    base = compute_metrics(labels, gold, [maj] * len(gold))
    counts = {lb: pred.count(lb) for lb in labels}
    return {"accuracy": m["accuracy"], "macro_f1": m["macro_f1"], "n": len(gold),
            "predicted": counts, "majority_macro_f1": base["macro_f1"],
            "majority_accuracy": base["accuracy"]}  # fmt: skip


def run_one(rows: LabeledData, cand: str, lm: Any) -> dict[str, dict[str, Any]]:
    """Results of ``cand`` and of ``cand`` + calibration, from one scoring pass."""
    from lmtask.engine.calibration import calibrate, domain_bias

    task, _ = _task(sorted(set(rows.labels or [])), cand)
    clf = build("zero-shot", task=task, model=lm, options={"calibrate": False})
    t0 = time.perf_counter()
    lp = clf.log_probs(rows.texts)
    seconds = time.perf_counter() - t0
    gold = list(rows.labels or [])
    plain = _metrics(clf.labels, gold, lp)
    cal = _metrics(clf.labels, gold, calibrate(lp, clf.bias(())))
    dom = _metrics(clf.labels, gold, calibrate(lp, domain_bias(lm, task)))
    plain["seconds"] = seconds
    return {cand: plain, cand + CALIBRATED: cal, cand + DOMAIN: dom}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--render", action="store_true")
    ap.add_argument(
        "--test-only",
        action="store_true",
        help="only the winner on the test rows (e.g. for a larger model)",
    )
    ap.add_argument(
        "--per-model",
        action="store_true",
        help="also run each model's own winner (best mean on that model's selection rows) "
        "on the test rows",
    )
    args = ap.parse_args()
    results = json.loads(OUT.read_text()) if OUT.is_file() else {}
    if not args.render:
        import lmtask

        sets = _sets()
        models = args.models.split(",")
        for phase in ("test",) if args.test_only else ("selection", "test"):
            for model in models:
                lm = lmtask.load_model(model)
                for name, (sel, test) in sets.items():
                    rows = sel if phase == "selection" else test
                    cands = list(CANDIDATES) if name == "tweets" else CORE
                    winners = [best(results)]
                    if args.per_model and phase == "test" and _has_selection(results, model):
                        winners = list(dict.fromkeys([*winners, best(results, model)]))
                    for cand in cands if phase == "selection" else winners:
                        key = f"{model}|{phase}|{name}|{cand}"
                        todo = [key] if phase == "test" else [key + v for v in VARIANTS]
                        if all(k in results for k in todo):
                            continue
                        base = cand.removesuffix(CALIBRATED).removesuffix(DOMAIN)
                        for c, r in run_one(rows, base, lm).items():
                            if phase == "selection" or c == cand:
                                results[f"{model}|{phase}|{name}|{c}"] = r
                        print(key, f"{results[key]['macro_f1']:.3f}", flush=True)
                        OUT.parent.mkdir(parents=True, exist_ok=True)
                        OUT.write_text(json.dumps(results, indent=1))
    heading = "## Prompt selection for ad-hoc labels (bench/prompt_selection.py)"
    write_section(Path(__file__).parent / "RESULTS.md", heading, heading + "\n\n" + render(results))


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else float("nan")


def _has_selection(results: dict[str, Any], model: str) -> bool:
    return any(k.startswith(model + "|selection|") for k in results)


def best(results: dict[str, Any], model: str | None = None) -> str:
    """The candidate with the best mean selection macro-F1 (over every model and set, or
    one ``model``'s); only candidates measured on every set count."""
    scores: dict[str, list[float]] = {}
    for key, r in results.items():
        m, split, _, cand = key.split("|")
        if (model is None or m == model) and split == "selection":
            scores.setdefault(cand, []).append(r["macro_f1"])
    width = max(len(v) for v in scores.values())
    full = {c: _mean(v) for c, v in scores.items() if len(v) == width}
    return max(full, key=full.get)


def render(results: dict[str, Any]) -> str:
    lines = ["Command: `HF_HUB_OFFLINE=1 .venv/bin/python bench/prompt_selection.py`; "
             "macro-F1 (accuracy) in score mode, ad-hoc labels (the data's own label names, "
             "as `--labels` gives them).", ""]  # fmt: skip
    models = sorted({k.split("|")[0] for k in results})
    for model in models:
        sets = sorted({k.split("|")[2] for k in results if k.startswith(model + "|selection")})
        every = [c + v for v in VARIANTS for c in CANDIDATES]
        cands = [c for c in every if any(f"{model}|selection|{s}|{c}" in results for s in sets)]
        lines += [f"### {model}: selection rows", "",
                  "| candidate | " + " | ".join(sets) + " | mean macro-F1 |",
                  "|---" * (len(sets) + 2) + "|"]  # fmt: skip
        for c in cands:
            cells, f1s = [], []
            for s in sets:
                r = results.get(f"{model}|selection|{s}|{c}")
                cells.append("-" if r is None else f"{r['macro_f1']:.3f} ({r['accuracy']:.2f})")
                if r is not None:
                    f1s.append(r["macro_f1"])
            lines.append(f"| {c} | " + " | ".join(cells) + f" | {_mean(f1s):.3f} |")
        maj = [results[f"{model}|selection|{s}|{cands[0]}"]["majority_macro_f1"] for s in sets]
        lines.append("| majority class | " + " | ".join(f"{x:.3f}" for x in maj)
                     + f" | {_mean(maj):.3f} |")  # fmt: skip
        winner, own = best(results), best(results, model) if sets else None
        for cand in dict.fromkeys([winner, own]):
            tests = {k.split("|")[2]: r for k, r in results.items()
                     if k.startswith(model + "|test|") and k.split("|")[3] == cand}  # fmt: skip
            if not tests:
                continue
            why = ("the winner on mean macro-F1 over models and sets" if cand == winner
                   else "this model's own winner (best mean on its selection rows)")  # fmt: skip
            lines += ["", f"Held-out test rows (disjoint from the selection rows) for {why}, "
                      f"`{cand}`:", "",
                      "| set | macro-F1 | accuracy | majority macro-F1 | majority accuracy |",
                      "|---|---|---|---|---|"]  # fmt: skip
            for s, r in sorted(tests.items()):
                maj = f"{r['majority_macro_f1']:.3f} | {r['majority_accuracy']:.3f}"
                lines.append(f"| {s} | {r['macro_f1']:.3f} | {r['accuracy']:.3f} | {maj} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
