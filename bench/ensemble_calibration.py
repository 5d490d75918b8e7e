"""Prompt ensemble vs the single best wording, and few-shot calibration=auto vs fixed choices.

Issue 10, items 3 and 4, with the default model (Qwen2.5-Coder-0.5B, score mode) on three
sets (none reserved, see ../shared/DATA.md): tweets (sentiment, 3 labels), fine-foods
(``training_data``, great/other) and bbc-news (topic, 5 labels). Long texts are cut to
``CLIP`` characters (CPU time on 2 cores). Dev and test rows are disjoint stratified samples,
drawn as bench/prompt_selection.py draws them.

1. **Ensemble.** The members are the three suggested wordings of
   ``lmtask.methods.prompt.ensemble.SUGGESTED``. Each is scored once on dev and test; the
   single best wording (among members x {plain, contextual calibration}), the ensemble's
   calibration (plain or contextual per member) and the best pair of members are chosen on
   dev macro-F1 only. A ``prompt-ensemble`` whose members are the member wordings averages
   their probabilities exactly as composed here; the script checks that on the first set's
   test rows with the real method, and times it. The ensemble's texts/s is measured from the
   sum of its members' scoring times in the same run (k members cost k passes).
2. **Calibration.** ``few-shot`` (4 balanced shots, examples cut to 300 characters, the
   ad-hoc default wording) fitted with ``calibration=auto`` on a pool of rows disjoint from
   test: auto holds out part of the pool and picks none / contextual / domain there. The
   test rows are scored once with the same examples; none, contextual and domain are
   applied to those scores, so the three fixed choices differ from auto only in calibration.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/ensemble_calibration.py            # resumable
    HF_HUB_OFFLINE=1 .venv/bin/python bench/ensemble_calibration.py --render   # table only
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from lmtask.data import LabeledData, load_dataset, stratified_sample
from lmtask.methods import build
from lmtask.methods.prompt.ensemble import SUGGESTED
from lmtask.tasks import Task
from lmtask.tasks.wordings import WORDINGS
from prompt_selection import _clip, _metrics

OUT = Path(__file__).parent / "results" / "ensemble_calibration.json"
MODEL = "qwen2.5-coder-0.5b-instruct"
MEMBERS = SUGGESTED.split("|")
SETS = ("tweets", "fine-foods", "bbc-news")
DEV = {"tweets": 60, "fine-foods": 60, "bbc-news": 60}
TEST = {"tweets": 150, "fine-foods": 150, "bbc-news": 150}
POOL = {"tweets": 150, "fine-foods": 150, "bbc-news": 150}  # few-shot pool (auto holds 1/5)
CLIP = {"fine-foods": 800, "bbc-news": 800}
FEW_SHOT = {"shots": 4, "select": "balanced", "example_chars": 300, "calibrate": True}
SEEDS = (0, 1, 2)  # few-shot seeds: which examples are shown and which rows auto holds out


def splits(name: str) -> dict[str, LabeledData]:
    """dev, test (disjoint) and a few-shot pool disjoint from test."""
    data = load_dataset(name)
    dev = stratified_sample(data, DEV[name], seed=0)
    rest = data.subset([i for i, t in enumerate(data.texts) if t not in set(dev.texts)])
    test = stratified_sample(rest, TEST[name], seed=1)
    pool_from = data.subset([i for i, t in enumerate(data.texts) if t not in set(test.texts)])
    out = {"dev": dev, "test": test, "pool": stratified_sample(pool_from, POOL[name], seed=2)}
    return {k: _clip(v, CLIP[name]) if name in CLIP else v for k, v in out.items()}


def score_wordings(rows: LabeledData, lm: Any) -> dict[str, dict[str, Any]]:
    """Each member wording's raw and contextually calibrated log-probs, and seconds."""
    from lmtask.engine.calibration import calibrate

    labels = sorted(set(rows.labels or []))
    out = {}
    for w in MEMBERS:
        clf = build("zero-shot", task=WORDINGS[w].apply(Task.from_labels(labels)), model=lm,
                    options={"calibrate": False})  # fmt: skip
        t0 = time.perf_counter()
        lp = clf.log_probs(rows.texts)
        cal = calibrate(lp, clf.bias(()))
        out[w] = {"raw": lp, "cal": cal, "seconds": time.perf_counter() - t0}
    return out


def _ens(scores: dict[str, dict[str, Any]], members: tuple[str, ...], kind: str) -> np.ndarray:
    p = np.mean([np.exp(scores[m][kind]) for m in members], axis=0)
    return np.log(np.maximum(p, 1e-300))


def ensemble_part(name: str, parts: dict[str, LabeledData], lm: Any) -> dict[str, Any]:
    labels = sorted(set(parts["dev"].labels or []))
    dev, test = score_wordings(parts["dev"], lm), score_wordings(parts["test"], lm)
    ydev, ytest = list(parts["dev"].labels or []), list(parts["test"].labels or [])
    n = len(ytest)

    cands: dict[str, tuple[tuple[str, ...], str]] = {}
    for w in MEMBERS:
        cands[f"single: {w}"] = ((w,), "raw")
        cands[f"single: {w} +contextual"] = ((w,), "cal")
    for k in (2, 3):
        for ms in itertools.combinations(MEMBERS, k):
            for kind, tag in (("raw", ""), ("cal", " +contextual")):
                cands[f"ensemble{k}: {' | '.join(ms)}{tag}"] = (ms, kind)
    rows = {}
    for c, (ms, kind) in cands.items():
        d = _metrics(labels, ydev, _ens(dev, ms, kind))
        t = _metrics(labels, ytest, _ens(test, ms, kind))
        secs = sum(test[m]["seconds"] for m in ms)
        rows[c] = {"dev_macro_f1": d["macro_f1"], "dev_accuracy": d["accuracy"],
                   "test": t, "texts_per_s": n / secs}  # fmt: skip

    def dev_key(c: str) -> tuple[float, int]:  # ties on dev go to the cheaper candidate
        return rows[c]["dev_macro_f1"], -len(cands[c][0])

    def pick(prefix: str) -> str:
        return max((c for c in rows if c.startswith(prefix)), key=dev_key)

    picks = {"best single wording (dev)": pick("single"),
             "ensemble of all 3, calibration chosen on dev": pick("ensemble3"),
             "best ensemble of 2 (dev)": pick("ensemble2"),
             "best of everything (dev)": max(rows, key=dev_key),
             "ad-hoc default (no-list+start +contextual)": "single: no-list+start +contextual",
             "oracle single wording (test, reference only)":
                 max((c for c in rows if c.startswith("single")),
                     key=lambda c: rows[c]["test"]["macro_f1"])}  # fmt: skip
    return {"candidates": rows, "picks": picks, "check": None}


def check_real_ensemble(parts: dict[str, LabeledData], lm: Any, r: dict[str, Any]) -> dict:
    """Run the real prompt-ensemble (all 3 members, plain) on the test rows: same answers as
    the composed ensemble? And its measured texts/s."""
    test = parts["test"]
    labels = sorted(set(test.labels or []))
    clf = build("prompt-ensemble", task=Task.from_labels(labels), model=lm,
                options={"members": MEMBERS, "calibrate": False})  # fmt: skip
    t0 = time.perf_counter()
    lp = clf.log_probs(test.texts)
    secs = time.perf_counter() - t0
    m = _metrics(list(clf.labels), list(test.labels or []), lp)
    composed = r["candidates"][f"ensemble3: {' | '.join(MEMBERS)}"]["test"]
    return {
        "macro_f1": m["macro_f1"],
        "accuracy": m["accuracy"],
        "texts_per_s": len(lp) / secs,
        "composed_macro_f1": composed["macro_f1"],
        "composed_accuracy": composed["accuracy"],
    }


def calibration_part(parts: dict[str, LabeledData], lm: Any, seed: int = 0) -> dict[str, Any]:
    from lmtask.engine.calibration import calibrate, content_free_bias, domain_bias

    pool, test = parts["pool"], parts["test"]
    labels = sorted(set(pool.labels or []))
    clf = build("few-shot", task=Task.from_labels(labels), model=lm,
                options={**FEW_SHOT, "calibration": "auto", "seed": seed})  # fmt: skip
    t0 = time.perf_counter()
    clf.fit(pool.texts, list(pool.labels or []))
    fit_s = time.perf_counter() - t0
    groups: dict[Any, list[int]] = {}
    for i, ex in enumerate(clf.examples_for(test.texts)):
        groups.setdefault(ex, []).append(i)
    raw = np.zeros((len(test.texts), len(clf.labels)))
    out = {m: np.zeros_like(raw) for m in ("none", "contextual", "domain")}
    t0 = time.perf_counter()
    for ex, idx in groups.items():
        lp = clf.scorer(ex).log_probs([test.texts[i] for i in idx])
        out["none"][idx] = lp
        out["contextual"][idx] = calibrate(lp, content_free_bias(clf.scorer(ex)))
        out["domain"][idx] = calibrate(lp, domain_bias(lm, clf.task, ex))
    score_s = time.perf_counter() - t0
    gold = list(test.labels or [])
    res = {m: _metrics(list(clf.labels), gold, lp) for m, lp in out.items()}
    chosen = clf.chosen_calibration or "none"
    # the classifier's own answers on a few rows agree with the chosen variant
    k = min(20, len(gold))
    own = clf.log_probs(test.texts[:k]).argmax(1)
    agree = float((own == out[chosen][:k].argmax(1)).mean())
    return {"chosen": chosen, "test": res, "auto": res[chosen], "fit_seconds": fit_s,
            "held_out_rows": min(100, len(pool.texts) // 5),
            "texts_per_s": len(gold) / score_s, "agree_with_chosen_first_rows": agree,
            "best_on_test": max(res, key=lambda m: res[m]["macro_f1"])}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--render", action="store_true")
    ap.add_argument("--sets", default=",".join(SETS))
    args = ap.parse_args()
    results = json.loads(OUT.read_text()) if OUT.is_file() else {}
    if not args.render:
        import lmtask
        from lmtask.atomic import write_atomic

        lm = lmtask.load_model(MODEL)
        results.setdefault("model", MODEL)
        results.setdefault("sizes", {"dev": DEV, "test": TEST, "pool": POOL, "clip": CLIP})
        names = args.sets.split(",")
        cache: dict[str, dict[str, LabeledData]] = {}
        # every set's ensemble and first seed before the other seeds (stop early: still useful)
        plan = [(p, n) for p in ("ensemble", "calibration0") for n in names]
        plan += [(f"calibration{k}", n) for k in SEEDS[1:] for n in names]
        for part, name in plan:
            if _key(part, name) not in results:
                if name not in cache:
                    cache[name] = splits(name)
                parts = cache[name]
                key = _key(part, name)
                t0 = time.perf_counter()
                if part == "ensemble":
                    r = ensemble_part(name, parts, lm)
                    if name == names[0]:
                        r["check"] = check_real_ensemble(parts, lm, r)
                else:
                    r = calibration_part(parts, lm, seed=int(part.removeprefix("calibration")))
                results[key] = r
                print(key, f"{time.perf_counter() - t0:.0f}s", flush=True)
                write_atomic(OUT, json.dumps(results, indent=1))
    print(render(results))


def _key(part: str, name: str) -> str:
    """Result key; seed 0 of the calibration part is plain "calibration|<set>"."""
    if part.startswith("calibration"):
        seed = part.removeprefix("calibration")
        return f"calibration|{name}" + ("" if seed == "0" else f"|seed{seed}")
    return f"{part}|{name}"


def _fmt(m: dict[str, Any]) -> str:
    return f"{m['macro_f1']:.3f} ({m['accuracy']:.3f})"


def render(results: dict[str, Any]) -> str:
    sets = [s for s in SETS if f"ensemble|{s}" in results]
    lines = ["Command: `HF_HUB_OFFLINE=1 .venv/bin/python bench/ensemble_calibration.py`; "
             f"model {MODEL}, score mode; test macro-F1 (accuracy), texts/s on 2 CPU cores "
             "measured in the same run. Sizes (dev/test/few-shot pool): "
             + ", ".join(f"{s} {DEV[s]}/{TEST[s]}/{POOL[s]}" for s in sets)
             + "; fine-foods and bbc-news texts cut to 800 characters.", "",
             "### Prompt ensemble vs the single best wording (chosen on dev)", "",
             "| set | choice | picked | dev macro-F1 | test macro-F1 (acc) | texts/s |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    notes: list[str] = []
    for s in sets:
        r = results[f"ensemble|{s}"]
        for what, c in r["picks"].items():
            row = r["candidates"][c]
            name = c.replace(" | ", " & ")
            lines.append(f"| {s} | {what} | {name} | {row['dev_macro_f1']:.3f} | "
                         f"{_fmt(row['test'])} | {row['texts_per_s']:.2f} |")  # fmt: skip
        if r.get("check"):
            ck = r["check"]
            notes.append(
                f"Real `prompt-ensemble` (members {', '.join(MEMBERS)}, plain) on "
                f"{s} test: {ck['macro_f1']:.3f} ({ck['accuracy']:.3f}) at "
                f"{ck['texts_per_s']:.2f} texts/s; composed from the members' scores: "
                f"{ck['composed_macro_f1']:.3f} ({ck['composed_accuracy']:.3f})."
            )
    picks = list(results[f"ensemble|{sets[0]}"]["picks"]) if sets else []
    for what in picks:
        rows = [results[f"ensemble|{s}"]["candidates"][results[f"ensemble|{s}"]["picks"][what]]
                for s in sets]  # fmt: skip
        f1 = np.mean([r["test"]["macro_f1"] for r in rows])
        acc = np.mean([r["test"]["accuracy"] for r in rows])
        lines.append(f"| mean of {len(sets)} sets | {what} | | | {f1:.3f} ({acc:.3f}) | |")
    lines += ["", *notes]
    lines += ["", "### few-shot calibration=auto vs fixed choices (same examples)", "",
              "| set | seed | auto chose | auto | none | contextual | domain | best on test | "
              "fit s (auto) | texts/s |", "|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    means: dict[str, list[float]] = {m: [] for m in ("auto", "none", "contextual", "domain")}
    for s in sets:
        for seed in SEEDS:
            r = results.get(_key(f"calibration{seed}", s))
            if r is None:
                continue
            t = {**r["test"], "auto": r["auto"]}
            for m in means:
                means[m].append(t[m]["macro_f1"])
            cells = " | ".join(_fmt(t[m]) for m in means)
            lines.append(f"| {s} | {seed} | {r['chosen']} | {cells} | {r['best_on_test']} | "
                         f"{r['fit_seconds']:.0f} | {r['texts_per_s']:.2f} |")  # fmt: skip
    if means["auto"]:
        cells = " | ".join(f"{np.mean(v):.3f}" for v in means.values())
        lines.append(f"| mean macro-F1 ({len(means['auto'])} runs) | | | {cells} | | | |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
