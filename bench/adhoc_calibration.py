"""Which calibration should ad-hoc labels use? none, contextual, domain PMI or batch.

Batch has the highest mean macro-F1 on these sets (every label present in proportion), but
a text's answer then depends on the other texts of the call, and on a call whose texts all
have one label it moves many of them to other labels (the second table): the default stays
contextual, batch is an option (``zero-shot:calibrate:batch``).

The ad-hoc wording (``no-list+start``, chosen by bench/prompt_selection.py) is scored once per
set; the four calibrations are applied to the same label log-probabilities:

- none; contextual (content-free inputs, Zhao et al. 2021); domain PMI (the answer start
  alone, Holtzman et al. 2021);
- batch (Zhou et al. 2024): the mean label distribution over the rows scored together, i.e.
  what ``lmtask eval DATA --labels ...`` does with ``calibration=batch``: the whole file
  is one batch.

Rows: prompt selection's selection and test rows (disjoint; the same sets: tweets,
fine-foods, bbc-news, debates-2016, convention-speeches, code-languages). The choice is by
mean selection macro-F1 over the sets and both models (the default 0.5B and SmolLM2), as the
wording was chosen; the test rows are reported for the winner.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/adhoc_calibration.py            # resumable
    HF_HUB_OFFLINE=1 .venv/bin/python bench/adhoc_calibration.py --render   # table only

Results: ``bench/results/adhoc_calibration.json``; the section ``## Calibration for ad-hoc
labels (bench/adhoc_calibration.py)`` of bench/RESULTS.md.
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
from lmtask.engine.calibration import batch_bias, calibrate, domain_bias
from lmtask.methods import build
from results_md import write_section

OUT = Path(__file__).parent / "results" / "adhoc_calibration.json"
HEADING = "## Calibration for ad-hoc labels (bench/adhoc_calibration.py)"
WORDING = "no-list+start"
MODES = ("none", "contextual", "domain", "batch")


def one_class(lp: np.ndarray, gold: list[str], labels: list[str], ctx: np.ndarray) -> dict:
    """Accuracy when every text of a call has the same label (each label with 8 or more
    rows, its rows alone): batch calibration over them, and contextual (per text)."""
    out = {}
    for lab in labels:
        idx = [i for i, g in enumerate(gold) if g == lab]
        if len(idx) < 8:
            continue
        sub = lp[idx]
        out[lab] = {"rows": len(idx)} | {
            m: float(np.mean([labels[j] == lab for j in calibrate(sub, b).argmax(1)]))
            for m, b in (("batch", batch_bias(sub)), ("contextual", ctx))
        }
    return out


SIZES = (2, 4, 8, 16, 32)  # texts per call, for the batch-size table


def by_call_size(lp: np.ndarray, gold: list[str], labels: list[str]) -> dict[str, float]:
    """Macro-F1 of batch calibration when the rows come in calls of ``n`` texts (the rows
    shuffled and cut into calls, 20 shuffles, seed 0), for each ``n`` in :data:`SIZES` up to
    the number of rows: how many texts a call needs before batch calibration pays."""
    from sklearn.metrics import f1_score

    rng, g, out = np.random.default_rng(0), np.array(gold), {}
    for n in (n for n in SIZES if n <= len(gold)):
        scores = []
        for _ in range(20):
            order, pred = rng.permutation(len(gold)), np.array([""] * len(gold), dtype=object)
            for s in range(0, len(gold) - n + 1, n):
                idx = order[s : s + n]
                pred[idx] = [labels[j] for j in calibrate(lp[idx], batch_bias(lp[idx])).argmax(1)]
            done = pred != ""
            scores.append(f1_score(g[done], pred[done].astype(str), average="macro",
                                   labels=labels, zero_division=0))  # fmt: skip
        out[str(n)] = float(np.mean(scores))
    return out


def score_set(rows: Any, lm: Any) -> dict[str, Any]:
    """Metrics of every calibration on one set's rows, from one scoring pass."""
    task, _ = ps._task(sorted(set(rows.labels)), WORDING)
    clf = build("zero-shot", task=task, model=lm, options={"calibrate": False})
    t0 = time.perf_counter()
    lp = clf.log_probs(rows.texts)
    seconds = time.perf_counter() - t0
    biases = {"none": np.zeros(lp.shape[1]), "contextual": clf.bias(()),
              "domain": domain_bias(lm, task), "batch": batch_bias(lp)}  # fmt: skip
    gold = list(rows.labels)
    out: dict[str, Any] = {m: ps._metrics(clf.labels, gold, calibrate(lp, b))
                           for m, b in biases.items()}  # fmt: skip
    out["seconds"] = seconds
    out["one_class"] = one_class(lp, gold, clf.labels, biases["contextual"])
    out["by_call_size"] = by_call_size(lp, gold, clf.labels)
    return out


def means(results: dict[str, Any], phase: str, models: list[str] | None = None) -> dict:
    """Mean macro-F1 per calibration over the sets (and models) of ``phase``."""
    got: dict[str, list[float]] = {m: [] for m in MODES}
    for key, r in results.items():
        model, ph, _ = key.split("|")
        if ph == phase and (models is None or model in models):
            for m in MODES:
                got[m].append(r[m]["macro_f1"])
    return {m: float(np.mean(v)) if v else float("nan") for m, v in got.items()}


def render(results: dict[str, Any]) -> str:
    models = sorted({k.split("|")[0] for k in results})
    sets = list(dict.fromkeys(k.split("|")[2] for k in results))
    lines = [
        "Command: `HF_HUB_OFFLINE=1 .venv/bin/python bench/adhoc_calibration.py`; the ad-hoc "
        f"wording `{WORDING}`, score mode, macro-F1 (accuracy); one scoring pass per set, the "
        "four calibrations applied to the same label log-probabilities. batch: the mean label "
        "distribution of the set's rows divided out (the rows of one `lmtask eval` call).",
        "",
    ]
    for phase in ("selection", "test"):
        lines += [f"### {phase} rows", "",
                  "| model | set | rows | " + " | ".join(MODES) + " | majority |",
                  "|---" * (len(MODES) + 4) + "|"]  # fmt: skip
        for model in models:
            for s in sets:
                r = results.get(f"{model}|{phase}|{s}")
                if r is None:
                    continue
                best = max(MODES, key=lambda m: r[m]["macro_f1"])
                cells = [
                    (f"**{r[m]['macro_f1']:.3f}**" if m == best else f"{r[m]['macro_f1']:.3f}")
                    + f" ({r[m]['accuracy']:.3f})"
                    for m in MODES
                ]
                lines.append(f"| {model} | {s} | {r['none']['n']} | " + " | ".join(cells)
                             + f" | {r['none']['majority_macro_f1']:.3f} |")  # fmt: skip
            mean = means(results, phase, [model])
            lines.append(f"| {model} | **mean** | | "
                         + " | ".join(f"{mean[m]:.3f}" for m in MODES) + " | |")  # fmt: skip
        lines.append("")
    sel = means(results, "selection")
    winner = max(MODES, key=lambda m: sel[m])
    lines.append("Mean selection macro-F1 over every model and set: "
                 + ", ".join(f"{m} {sel[m]:.3f}" for m in MODES)
                 + f". Highest: **{winner}**.")  # fmt: skip
    lines += ["", "### When every text of a call has the same label", "",
              "Each label's rows alone, as one call (labels with 8 or more rows; selection and "
              "test rows): accuracy with batch calibration over them, and contextual.", "",
              "| model | set | label: rows, batch / contextual accuracy |",
              "|---|---|---|"]  # fmt: skip
    worst = {"batch": [], "contextual": []}
    for key, r in results.items():
        model, phase, name = key.split("|")
        cells = []
        for lab, o in r.get("one_class", {}).items():
            cells.append(f"{lab}: {o['rows']}, {o['batch']:.2f} / {o['contextual']:.2f}")
            for m in worst:
                worst[m].append(o[m])
        if cells:
            lines.append(f"| {model} | {name} ({phase}) | " + "; ".join(cells) + " |")
    if worst["batch"]:
        lines += ["", f"Mean over these one-label calls: batch "
                  f"{np.mean(worst['batch']):.2f}, contextual {np.mean(worst['contextual']):.2f} "
                  "accuracy. Batch calibration assumes the texts of a call hold a mix of labels: "
                  "on a call of one label it moves many answers to the others."]  # fmt: skip
    gains: dict[str, list[float]] = {}
    for key, r in results.items():
        if key.split("|")[1] == "selection" and len(r.get("by_call_size", {})) >= 4:
            for n, f1 in r["by_call_size"].items():
                gains.setdefault(n, []).append(f1 - r["contextual"]["macro_f1"])
    if gains:
        lines += ["", "### How many texts a call needs", "",
                  "Selection rows shuffled and cut into calls of n texts, batch calibration per "
                  "call (20 shuffles): mean macro-F1 minus contextual's, over the sets with at "
                  "least 16 rows. Calls under `BATCH_MIN` (16) texts fall back to contextual.",
                  "", "| texts per call | " + " | ".join(gains) + " |",
                  "|---" * (len(gains) + 1) + "|",
                  "| batch - contextual | " + " | ".join(f"{np.mean(v):+.3f} ({len(v)} sets)"
                                                      for v in gains.values()) + " |",
                  "", "`BATCH_MIN` stays 16: from 8 texts a call the gain stops growing here, and "
                  "a larger call is less likely to hold mostly one label."]  # fmt: skip
    lines += ["", "Decision: the ad-hoc default stays contextual. Batch is better where the texts "
              "of a call hold every label in proportion, but a text's answer then depends on "
              "the texts it is classified with (one text or a whole file, the batch engine's "
              "chunks), and calls of mostly one label fare worse. It is an option for files "
              "that are a mix of labels: `--method zero-shot:calibrate:batch`."]  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=",".join(ps.MODELS))
    ap.add_argument("--render", action="store_true")
    ap.add_argument("--out", type=Path, default=Path(__file__).with_name("RESULTS.md"))
    args = ap.parse_args()
    results = json.loads(OUT.read_text()) if OUT.is_file() else {}
    if not args.render:
        import lmtask

        sets = ps._sets()
        for model in args.models.split(","):
            lm = None
            for name, (sel, test) in sets.items():
                for phase, rows in (("selection", sel), ("test", test)):
                    key = f"{model}|{phase}|{name}"
                    if key in results:
                        continue
                    lm = lm or lmtask.load_model(model)
                    results[key] = score_set(rows, lm)
                    OUT.write_text(json.dumps(results, indent=1) + "\n")
                    print(key, {m: round(results[key][m]["macro_f1"], 3) for m in MODES},
                          flush=True)  # fmt: skip
    write_section(args.out, HEADING, HEADING + "\n\n" + render(results))
    print(render(results))


if __name__ == "__main__":
    main()
