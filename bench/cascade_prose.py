"""The ``cascade`` method's defaults (threshold 0.8, weight 1; chosen on code) on prose sets.

On the training ladder's fixed split (``bench/train_ladder.py``: 1,000 training rows, 200 dev,
200 test, tweets and fine-foods), ``ngram`` is trained on the training rows (the cascade's
``fast=auto`` for a task without a detector) and the zero-shot default model with ad-hoc labels
(the default wording) scores the dev and test rows. Combined offline as the method combines
(``bench/code_cascade.py``'s ``combine``): ngram alone, the LM alone, the cascade at the
shipped default threshold, and the best threshold on dev (read on test once, for reference).

    HF_HUB_OFFLINE=1 .venv/bin/python bench/cascade_prose.py

Results: ``bench/results/cascade_prose.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from code_cascade import TAUS, combine
from train_ladder import parts

OUT = Path(__file__).parent / "results" / "cascade_prose.json"
DEFAULT_TAU = 0.8  # lmtask.ladder.cascade.CascadeConfig.threshold


def scores(labels: list[str], gold: list[str], pred: list[int]) -> dict[str, float]:
    from lmtask.evaluation import compute_metrics

    m = compute_metrics(labels, gold, [labels[i] for i in pred])
    return {"accuracy": m["accuracy"], "macro_f1": m["macro_f1"]}


def run(name: str) -> dict[str, Any]:
    from lmtask.methods import build

    train, dev, test = parts(name, 1000, 200, 200)
    labels = sorted(set(train.labels or []))
    fast = build("ngram", labels=",".join(labels))
    fast.fit(train.texts, train.labels)
    lm = build("zero-shot", labels=",".join(labels))
    out: dict[str, Any] = {}
    probs = {}
    for part, rows in (("dev", dev), ("test", test)):
        pn, pl = fast.predict_proba(rows.texts), lm.predict_proba(rows.texts)
        probs[part] = (pn, pl, list(rows.labels or []))
    dev_grid = {}
    for tau in TAUS:
        pred, deferred = combine(probs["dev"][0], probs["dev"][1], tau, 1.0, 0)
        dev_grid[tau] = {**scores(labels, probs["dev"][2], pred), "deferred": deferred}
    best = max(TAUS, key=lambda t: (dev_grid[t]["macro_f1"], -dev_grid[t]["deferred"]))
    for part, (pn, pl, gold) in probs.items():
        out[part] = {
            "ngram": scores(labels, gold, list(pn.argmax(axis=1))),
            "lm": scores(labels, gold, list(pl.argmax(axis=1))),
        }
        for label, tau in (("cascade default", DEFAULT_TAU), ("cascade best dev", best)):
            pred, deferred = combine(pn, pl, tau, 1.0, 0)
            out[part][label] = {**scores(labels, gold, pred), "deferred": deferred, "tau": tau}
    out["dev_grid"] = dev_grid
    out["n"] = {"train": len(train), "dev": len(dev), "test": len(test)}
    return out


def main() -> None:
    results = json.loads(OUT.read_text()) if OUT.is_file() else {}
    for name in ("tweets", "fine-foods"):
        if name not in results:
            results[name] = run(name)
            OUT.write_text(json.dumps(results, indent=1, default=float) + "\n")
        for part in ("dev", "test"):
            row = results[name][part]
            print(name, part, {k: {m: round(float(v), 3) for m, v in r.items()}
                               for k, r in row.items()})  # fmt: skip


if __name__ == "__main__":
    main()
