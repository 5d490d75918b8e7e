"""Label scoring of long texts: batches capped by attention size against plain batches of 8.

``LabelScorer`` puts long texts in smaller batches (``ATTENTION_CELLS``: query x key
positions a batch may hold), because eager attention on CPU holds texts x heads x queries x
keys scores at once. This times the same texts with the cap (the shipped value) and with no
cap (the old plain batches of 8), alternating in one process, and checks the scores agree.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/long_text_batches.py [--texts 16] [--chars 6000]

Rows: the longest bbc-news articles, cut to ``--chars`` characters (so 8 of them still fit
in memory uncapped). Writes the section ``## Long texts in label scoring
(bench/long_text_batches.py)`` of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import lmtask
import lmtask.engine.scoring as scoring
from lmtask.data import load_dataset
from results_md import write_section

HEADING = "## Long texts in label scoring (bench/long_text_batches.py)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--texts", type=int, default=16)
    ap.add_argument("--chars", type=int, default=6000)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "RESULTS.md")
    a = ap.parse_args()
    data = load_dataset("bbc-news")
    texts = [t[: a.chars] for t in sorted(data.texts, key=len, reverse=True)[: a.texts]]
    clf = lmtask.ZeroShot(task="topic", calibrate=False)
    tokens = [len(clf.lm.tokenizer(t)["input_ids"]) for t in texts]
    shipped = scoring.ATTENTION_CELLS
    clf.log_probs(texts[:1])  # warm up: the prompt cache
    best = {"capped": float("inf"), "plain batches of 8": float("inf")}
    out = {}
    for _ in range(a.repeats):
        for name, cells in (("capped", shipped), ("plain batches of 8", 10**15)):
            scoring.ATTENTION_CELLS = cells
            t0 = time.perf_counter()
            out[name] = clf.log_probs(texts)
            best[name] = min(best[name], time.perf_counter() - t0)
    scoring.ATTENTION_CELLS = shipped
    diff = float(np.abs(out["capped"] - out["plain batches of 8"]).max())
    ratio = best["plain batches of 8"] / best["capped"]
    lines = [
        f"Command: `HF_HUB_OFFLINE=1 .venv/bin/python bench/long_text_batches.py --texts "
        f"{a.texts} --chars {a.chars}` ({clf.lm.name}, {clf.lm.dtype}; the {a.texts} longest "
        f"bbc-news articles cut to {a.chars} characters: {min(tokens)}-{max(tokens)} tokens; "
        f"alternating, best of {a.repeats}, one process, the built-in topic task "
        "uncalibrated).", "",
        "| batches | seconds | texts/s |", "|---|---|---|",
        *(f"| {k} | {v:.1f} | {a.texts / v:.2f} |" for k, v in best.items()), "",
        f"Speed of the capped batches relative to plain batches of 8: **{ratio:.2f}x**; the "
        f"largest difference between their label log-probabilities: {diff:.1e}. Articles of "
        "full length (up to ~4,000 tokens) are not timed uncapped: 8 at once took over 24 GB "
        "and the OOM killer ended the process.",
    ]  # fmt: skip
    text = "\n".join(lines) + "\n"
    print(text)
    write_section(a.out, HEADING, HEADING + "\n\n" + text)


if __name__ == "__main__":
    main()
