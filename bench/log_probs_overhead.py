"""Did per-request batch calibration slow the default scoring path? Old vs new ``log_probs``.

Session 8 added ``requests=`` and batch calibration to
:meth:`lmtask.methods.prompt.base.PromptClassifier.log_probs`. This times the method as it was
before (its body, copied here from commit 278c5a7) against the current one on the same
classifier object (ad-hoc labels, contextual calibration: the default path), alternating,
best of ``--repeat`` each, in one process.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/log_probs_overhead.py [--model smollm2] [--n 200]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import lmtask
from lmtask.data import load_dataset, stratified_sample
from lmtask.engine.calibration import calibrate


def old_log_probs(self, texts, progress=None):  # the body at 278c5a7 (AUTO check left out)
    texts = list(texts)
    out = np.zeros((len(texts), len(self.labels)))
    groups = {}
    for i, ex in enumerate(self.examples_for(texts)):
        groups.setdefault(ex, []).append(i)
    for ex, idx in groups.items():
        lp = self.scorer(ex).log_probs([texts[i] for i in idx], progress)
        if self.calibrating:
            lp = calibrate(lp, self.bias(ex))
        out[idx] = lp
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="smollm2-135m-instruct")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    data = stratified_sample(load_dataset("tweets"), args.n, seed=0)
    clf = lmtask.ZeroShot(labels="negative,neutral,positive", model=args.model)
    clf.log_probs(data.texts[:8])  # warm-up: prefix cache and bias
    best = {"old": float("inf"), "new": float("inf")}
    for _ in range(args.repeat):
        for name, fn in (("old", lambda t: old_log_probs(clf, t)), ("new", clf.log_probs)):
            t0 = time.perf_counter()
            out = fn(data.texts)
            best[name] = min(best[name], time.perf_counter() - t0)
            assert out.shape == (args.n, 3)
    np.testing.assert_allclose(old_log_probs(clf, data.texts), clf.log_probs(data.texts))
    print(
        f"{args.model}, {args.n} tweets, calibration {clf.calibration_mode}: old "
        f"{args.n / best['old']:.1f} texts/s, new {args.n / best['new']:.1f} texts/s, "
        f"new/old speed {best['old'] / best['new']:.3f}"
    )


if __name__ == "__main__":
    main()
