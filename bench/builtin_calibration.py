"""Calibration of the built-in prose tasks (sentiment, topic): none, contextual, background.

The built-in ``sentiment`` and ``topic`` tasks shipped uncalibrated. Here each is scored on
prompt selection's rows of its set (``sentiment`` on tweets with labels
negative/neutral/positive; ``topic`` on bbc-news), with both packaged models, and the three
calibrations are applied to the same label scores. The rule is the ad-hoc wording's: the
calibration with the best mean selection macro-F1 over both models; test rows are reported
next to it.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/builtin_calibration.py            # resumable
    HF_HUB_OFFLINE=1 .venv/bin/python bench/builtin_calibration.py --render

Numbers: ``bench/results/builtin_calibration.json``; table: the section ``## Calibration of
the built-in prose tasks (bench/builtin_calibration.py)`` of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

import prompt_selection as ps
from lmtask.engine.calibration import (
    background_bias,
    background_kind,
    calibrate,
    content_free_bias,
)
from results_md import write_section

OUT = Path(__file__).parent / "results" / "builtin_calibration.json"
HEADING = "## Calibration of the built-in prose tasks (bench/builtin_calibration.py)"
TASKS = {"sentiment": "tweets", "topic": "bbc-news"}
MODES = ("none", "contextual", "background")


def score(models: list[str]) -> dict[str, Any]:
    import lmtask
    from lmtask.models import load_model

    results = json.loads(OUT.read_text()) if OUT.is_file() else {}
    sets = ps._sets()
    for model in models:
        lm = None
        for task, name in TASKS.items():
            if f"{model}|{task}" in results:
                continue
            lm = lm or load_model(model)
            sel, test = sets[name]
            labels = ",".join(sorted(set(sel.labels)))
            clf = lmtask.ZeroShot(task=task, labels=labels, model=lm, calibrate=False)
            scorer = clf.scorer(())
            bias = {"none": np.zeros(len(clf.labels)), "contextual": content_free_bias(scorer),
                    "background": background_bias(scorer, background_kind(clf.labels))}  # fmt: skip
            out: dict[str, Any] = {"set": name}
            for phase, rows in (("selection", sel), ("test", test)):
                lp = clf.log_probs(rows.texts)
                gold = list(rows.labels)
                out[phase] = {
                    m: ps._metrics(list(clf.labels), gold, calibrate(lp, b))
                    for m, b in bias.items()
                }
            results[f"{model}|{task}"] = out
            print(model, task, {p: {m: round(out[p][m]["macro_f1"], 3) for m in MODES}
                                for p in ("selection", "test")}, flush=True)  # fmt: skip
            OUT.write_text(json.dumps(results, indent=1) + "\n")
    return results


def render(results: dict[str, Any]) -> str:
    lines = ["Command: `HF_HUB_OFFLINE=1 .venv/bin/python bench/builtin_calibration.py`; "
             "prompt selection's rows (tweets: 100 selection, 100 test; bbc-news: 30 and 30); "
             "the task's own wording, score mode; macro-F1 (accuracy).", "",
             "| task | set | model | rows | " + " | ".join(MODES) + " |",
             "|---" * (len(MODES) + 4) + "|"]  # fmt: skip
    mean: dict[tuple[str, str], dict[str, list[float]]] = {}
    for key, r in results.items():
        model, task = key.split("|")
        for phase in ("selection", "test"):
            m = r[phase]
            best = max(MODES, key=lambda c: m[c]["macro_f1"])
            lines.append(f"| {task} | {r['set']} | {model} | {phase} | " + " | ".join(
                (f"**{m[c]['macro_f1']:.3f}**" if c == best else f"{m[c]['macro_f1']:.3f}")
                + f" ({m[c]['accuracy']:.3f})" for c in MODES) + " |")  # fmt: skip
            for c in MODES:
                mean.setdefault((task, phase), {}).setdefault(c, []).append(m[c]["macro_f1"])
    lines += ["", "Mean over both models:", ""]
    for (task, phase), m in sorted(mean.items()):
        pick = max(MODES, key=lambda c: np.mean(m[c]))
        lines.append(f"- {task}, {phase}: " + ", ".join(f"{c} {np.mean(m[c]):.3f}" for c in MODES)
                     + (f"; chosen: **{pick}**" if phase == "selection" else "") + ".")  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=",".join(ps.MODELS))
    ap.add_argument("--render", action="store_true")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "RESULTS.md")
    a = ap.parse_args()
    results = json.loads(OUT.read_text()) if a.render else score(a.models.split(","))
    text = render(results)
    print(text)
    write_section(a.out, HEADING, HEADING + "\n\n" + text)


if __name__ == "__main__":
    main()
