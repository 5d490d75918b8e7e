"""Why contextual calibration helps or hurts: predicted-label counts with and without it, and
the content-free label distribution it divides by, on the prompting ladder's evaluated rows.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/calibration_effect.py [--only tweets]

Prints a markdown table per dataset (pasted into bench/RESULTS.md by hand).
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np
import torch

import lmtask
from lmtask.data import load_dataset, stratified_sample
from prompt_ladder import DATASETS


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--only", action="append", choices=list(DATASETS))
    ap.add_argument("--model", default=lmtask.DEFAULT_MODEL)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    lm = lmtask.load_model(args.model)
    for name in args.only or list(DATASETS):
        task, labels, _, n = DATASETS[name]
        rows = stratified_sample(load_dataset(name), n, seed=0)
        clf = lmtask.ZeroShot(task=task, labels=labels, model=lm, calibrate=True)
        raw = clf.scorer(()).log_probs(rows.texts)
        bias = clf.bias(())
        cal = raw - bias  # calibrate() renormalises; the argmax is the same
        names = clf.labels
        print(f"\n### {name} ({args.model}, {len(rows)} rows)\n")
        print("| label | gold | predicted raw | predicted calibrated | content-free P(label) |")
        print("|---|---|---|---|---|")
        gold = Counter(rows.labels)
        pr, pc = Counter(raw.argmax(1)), Counter(cal.argmax(1))
        p_cf = np.exp(bias) / np.exp(bias).sum()
        for j, lb in enumerate(names):
            print(f"| {lb} | {gold[lb]} | {pr[j]} | {pc[j]} | {p_cf[j]:.3f} |")
        ok_raw = np.mean([names[k] == g for k, g in zip(raw.argmax(1), rows.labels, strict=True)])
        ok_cal = np.mean([names[k] == g for k, g in zip(cal.argmax(1), rows.labels, strict=True)])
        print(f"\naccuracy raw {ok_raw:.3f}, calibrated {ok_cal:.3f}")


if __name__ == "__main__":
    main()
