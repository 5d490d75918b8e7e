"""Dev-only sweep of SetFit options at 16 labels per class (issue 10): how the defaults were chosen.

Same fixed split as ``bench/train_ladder.py`` and the same 16-per-class draws as
``bench/setfit_bench.py`` (``few(train, 16, seed)``); each run is scored on the 200 **dev**
rows only (the test rows are never read here). For every trained encoder, logistic heads with
C in {0.1, 1, 10, 100} are fitted on the same embeddings (free once the encoder is tuned);
``frozen`` skips the contrastive step. One JSON line per dataset/options/seed is appended to
``--out``.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/setfit_dev.py tweets it5_lr1e-4 \\
        '{"num_iterations": 5, "lr": 1e-4}' --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

from lmtask.methods import SetFit
from lmtask.tasks import resolve_task
from setfit_bench import PER_CLASS, few
from train_ladder import DATASETS, parts

OUT = Path(__file__).parent / "results" / "setfit_dev.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("dataset", choices=list(DATASETS))
    ap.add_argument("name", help="a name for this row of options")
    ap.add_argument("options", help='setfit options as JSON; {"frozen": true}: no tuning')
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    torch.set_num_threads(1)
    opts = json.loads(args.options)
    frozen = bool(opts.pop("frozen", False))
    train, dev, _ = parts(args.dataset, 1000, 200, 200)  # test rows: not used
    for seed in args.seeds:
        rows = few(train, PER_CLASS, seed)
        t0 = time.perf_counter()
        clf = SetFit(seed=seed, **opts)
        if frozen:
            clf.task = resolve_task(None, sorted(set(rows.labels)))
            clf._build_body()
            clf.head, info = object(), {}
        else:
            info = clf.fit(rows.texts, rows.labels).info
        train_s = time.perf_counter() - t0
        names = clf.labels
        x_train, x_dev = clf.embed(rows.texts), clf.embed(dev.texts)
        y_train = [names.index(y) for y in rows.labels]
        res = {}
        for c in (0.1, 1.0, 10.0, 100.0):
            head = LogisticRegression(C=c, max_iter=2000, random_state=seed).fit(x_train, y_train)
            pred = [names[i] for i in head.predict(x_dev)]
            res[f"lr_C{c:g}"] = (accuracy_score(dev.labels, pred),
                                 f1_score(dev.labels, pred, average="macro"))  # fmt: skip
        rec = {"dataset": args.dataset, "name": args.name, "opts": json.loads(args.options),
               "seed": seed, "train_s": train_s, "pairs": info.get("pairs"),
               "steps": info.get("steps"), "res": res}  # fmt: skip
        with open(args.out, "a") as f:
            f.write(json.dumps(rec) + "\n")
        print(args.dataset, args.name, seed, f"{train_s:.0f}s",
              {k: round(v[0], 3) for k, v in res.items()}, flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
