"""VADER on the held-out test rows of ``bench/prompt_selection.py`` (tweets, fine-foods), so
the ad-hoc wording is compared with VADER on the *same* rows
(``bench/results/vader_selection_test.json``).

    LMTASK_CODE_CORPUS=/nonexistent HF_HUB_OFFLINE=1 .venv/bin/python bench/vader_same_rows.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import prompt_selection as ps
from lmtask.evaluation import compute_metrics
from lmtask.methods.baseline.vader import Vader

OUT = Path(__file__).parent / "results" / "vader_selection_test.json"


def main() -> None:
    sets = ps._sets()
    out = {}
    for name in ("tweets", "fine-foods"):
        _, test = sets[name]
        labels = sorted(set(test.labels or []))
        pred = [p.label for p in Vader(task=None, labels=",".join(labels)).predict(test.texts)]
        m = compute_metrics(labels, list(test.labels or []), pred)
        out[name] = {"accuracy": m["accuracy"], "macro_f1": m["macro_f1"], "n": len(pred)}
        print(name, out[name])
    OUT.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
