"""Dev only: SetFit's embeddings with the zero-shot LM's label log-probabilities as extra head
features (a stacked logistic head), for 16 labels a class (issue 10's SetFit target).

Needs the trained encoders' embeddings that ``bench/setfit_dev.py --cache DIR`` saves (the
same split and draws as ``bench/setfit_bench.py``). Step 1 scores the rows with a model (ad-hoc
labels, the default wording and calibration) and saves the probabilities next to them; step 2
fits, per seed, a logistic head (C=1) on the 16-per-class rows' ``[embedding, s * log p_lm]``
and reads the 200 dev rows. Test rows are never read here.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/setfit_dev.py tweets it5_cache '{}' --cache /tmp/sfc
    HF_HUB_OFFLINE=1 .venv/bin/python bench/setfit_lm_stack.py tweets /tmp/sfc \\
        --models qwen2.5-coder-0.5b-instruct qwen2.5-coder-1.5b-instruct
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

import lmtask
from setfit_bench import PER_CLASS, few
from train_ladder import DATASETS, parts

SEEDS = (0, 1, 2)


def score(name: str, model: str, cache: Path) -> Path:
    """The LM's probabilities of the labelled rows of every seed and of the dev rows."""
    path = cache / f"{name}_lm_{model}.npz"
    if path.exists():
        return path
    train, dev, _ = parts(name, 1000, 200, 200)  # test rows: not used
    rows = {f"train{s}": few(train, PER_CLASS, s).texts for s in SEEDS} | {"dev": dev.texts}
    clf = lmtask.build("zero-shot", labels=sorted(set(train.labels)), model=model)
    uniq = sorted({t for v in rows.values() for t in v})
    p = clf.predict_proba(uniq)
    at = {t: i for i, t in enumerate(uniq)}
    np.savez(
        path, labels=np.array(clf.labels), **{k: p[[at[t] for t in v]] for k, v in rows.items()}
    )
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("dataset", choices=list(DATASETS))
    ap.add_argument("cache", help="the --cache folder of bench/setfit_dev.py")
    ap.add_argument("--name", default="it5_cache", help="the NAME given to setfit_dev.py")
    ap.add_argument("--models", nargs="+", default=["qwen2.5-coder-0.5b-instruct"])
    args = ap.parse_args()
    cache = Path(args.cache)
    res: dict[str, list[tuple[float, float]]] = {}

    def add(key: str, y: np.ndarray, pred: np.ndarray) -> None:
        res.setdefault(key, []).append(
            (accuracy_score(y, pred), f1_score(y, pred, average="macro"))
        )

    lms = {m: np.load(score(args.dataset, m, cache)) for m in args.models}
    for seed in SEEDS:
        z = np.load(cache / f"{args.dataset}_{args.name}_{seed}.npz")
        xt, yt, xd, yd = z["x_train"], z["y_train"], z["x_dev"], z["y_dev"]
        add("setfit (logistic head C=1)", yd, LogisticRegression(C=1, max_iter=2000,
            random_state=seed).fit(xt, yt).predict(xd))  # fmt: skip
        for m, lm in lms.items():
            assert list(lm["labels"]) == list(z["names"]), "label order differs"
            lt, ld = np.log(lm[f"train{seed}"]), np.log(lm["dev"])
            add(f"{m} zero-shot alone", yd, ld.argmax(1))
            for s in (0.3, 1.0, 3.0):
                head = LogisticRegression(C=1, max_iter=2000, random_state=seed)
                head.fit(np.hstack([xt, s * lt]), yt)
                add(f"{m} stacked, s={s:g}", yd, head.predict(np.hstack([xd, s * ld])))
    for key, v in res.items():
        a, f = np.array(v).T
        print(f"{args.dataset} | {key} | {a.mean():.3f} ± {a.std(ddof=1):.3f} | {f.mean():.3f} |")


if __name__ == "__main__":
    main()
