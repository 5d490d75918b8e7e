"""n-grams first, the LM for the snippets they are unsure of: does it reach 0.95 macro?

``bench/code_ladder.py`` saved every snippet's label probabilities from the ngram detector
(trained on train) and from the LM zero-shot route (built-in ``code-language`` task, default
0.5B model) on the same 500 dev and 500 test rows (20 per language). This script combines them
offline, with no new model run: when the n-gram model's top probability is below ``tau``, the
answer is the label with the highest ``log p_ngram + w * log p_lm`` (or, with ``k``, the LM's
choice among the n-gram model's top k labels). The rule and its settings are chosen by dev
macro (ties: fewer snippets sent to the LM, then the plain product ``w=1``); test is read once,
for the chosen setting only. "deferred": the share of snippets that would need the LM.

    .venv/bin/python bench/code_cascade.py   # after bench/code_ladder.py

Results: ``bench/results/code_cascade.json``.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from code_detector import score

WORK = Path.home() / ".cache/lmtask-runs/code-ladder"
LADDER = Path(__file__).parent / "results" / "code_ladder.json"
OUT = Path(__file__).parent / "results" / "code_cascade.json"
TAUS = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01]  # 1.01: every snippet goes to the LM too


def _rows(method: str) -> list[dict[str, Any]]:
    (path,) = WORK.glob(f"{method}/*/predictions.jsonl")
    return [json.loads(x) for x in path.read_text().splitlines()]


def combine(
    pn: np.ndarray, pl: np.ndarray, tau: float, w: float, k: int
) -> tuple[list[int], float]:
    """Label indices and the share deferred to the LM."""
    out, deferred = [], 0
    for a, b in zip(pn, pl, strict=True):
        if a.max() >= tau:
            out.append(int(a.argmax()))
            continue
        deferred += 1
        if k:
            top = np.argsort(-a)[:k]
            out.append(int(top[np.argmax(b[top])]))
        else:
            out.append(int(np.argmax(np.log(a + 1e-12) + w * np.log(b + 1e-12))))
    return out, deferred / len(pn)


def main() -> None:
    ladder = json.loads(LADDER.read_text())["cells"]
    ng, lm = _rows("ngram"), {r["text"]: r for r in _rows("zero-shot")}
    labels = list(ng[0]["scores"])

    def part(split: str) -> tuple[np.ndarray, np.ndarray, list[int]]:
        lo, hi = ladder[f"ngram/{split}"]["rows"]
        rows = ng[lo:hi]
        pn = np.array([[r["scores"][lb] for lb in labels] for r in rows])
        pl = np.array([[lm[r["text"]]["scores"][lb] for lb in labels] for r in rows])
        return pn, pl, [labels.index(r["gold"]) for r in rows]

    dev, test = part("dev"), part("test")

    def macro(pred: list[int], gold: list[int]) -> float:
        """Mean per-language accuracy (code_detector's score)."""
        return score([labels[g] for g in gold], [labels[p] for p in pred])["macro"]

    grid = []
    for tau, w, k in itertools.product(TAUS, [0.25, 0.5, 1.0], [0, 2, 3]):
        if k and w != 1.0:
            continue  # w plays no part when the LM picks among the top k
        pred, deferred = combine(dev[0], dev[1], tau, w, k)
        grid.append({"tau": tau, "w": w, "k": k, "dev_macro": macro(pred, dev[2]),
                     "dev_deferred": deferred})  # fmt: skip
    best = max(grid, key=lambda g: (round(g["dev_macro"], 6), -g["dev_deferred"], g["w"]))
    pred, deferred = combine(test[0], test[1], best["tau"], best["w"], best["k"])
    alone = {}
    for s, d in (("dev", dev), ("test", test)):
        for m, p in (("ngram", d[0]), ("lm", d[1])):
            alone[f"{m} {s}"] = macro([int(x) for x in p.argmax(axis=1)], d[2])
    chosen = {**best, "test_macro": macro(pred, test[2]), "test_deferred": deferred}
    result = {"chosen": chosen, "alone": alone, "grid": grid, "n_dev": len(dev[2]),
              "n_test": len(test[2])}  # fmt: skip
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({"chosen": result["chosen"], "alone": alone}, indent=1))


if __name__ == "__main__":
    main()
