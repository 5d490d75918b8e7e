"""Does the training-only package pool help the code detector? Dev only (test is not read).

The pool (``lmtask.data.code.pool``, ``pool-train.jsonl`` beside the corpus) adds packages to
the training side. Trained on ``train`` and on ``train + pool``, scored on ``dev``:

1. the n-gram detector (the options of bench/train_code_detector.py);
2. the lm-features head (layer 2, ``C`` on a grid) alone, and the pair (n-grams, the head
   for snippets whose top n-gram probability is below ``threshold``; ``weight`` on a grid, the
   library's :func:`~lmtask.ladder.cascade.combine`).

A learning curve too: the n-grams on train + a random part of the pool's packages (whole
packages), to see whether more packages would still help.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/code_pool.py

With ``--extra`` (after ``lmtask datasets build code-languages --extra``), a third training
side: train + pool + ``extra-train.jsonl`` (more windows of the train packages).

Results: ``bench/results/code_pool.json`` (printed as a markdown table).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))

from code_detector import read, score
from code_lm_features import features, pair_grid
from lmtask.data.code import DEFAULT_OUT
from lmtask.data.code.pool import POOL_FILE
from lmtask.methods import Ngram
from lmtask.methods.trained.lm_features import LmFeatures
from train_code_detector import OPTIONS

JSON_OUT = Path(__file__).parent / "results" / "code_pool.json"


def packages_of(rows: list[dict[str, Any]]) -> list[str]:
    return sorted({f"{r['registry']}:{r['package']}" for r in rows})


def ngram_dev(train: list[dict[str, Any]], dev: list[dict[str, Any]]) -> tuple[Any, np.ndarray]:
    ng = Ngram(task="code-language", **OPTIONS)
    ng.fit([r["text"] for r in train], [r["label"] for r in train])
    return ng, ng.predict_proba([r["text"] for r in dev])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(Path(DEFAULT_OUT).expanduser()))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-lm", action="store_true", help="n-grams only")
    ap.add_argument("--layers", type=int, default=2, help="the LM layers the head reads")
    ap.add_argument("--json", type=Path, default=JSON_OUT)
    ap.add_argument("--curve", type=float, nargs="*", default=[0.25, 0.5, 0.75])
    ap.add_argument("--extra", action="store_true",
                    help="also train + pool + extra-train.jsonl (more windows of the train "
                    "packages: lmtask.data.code.extra)")  # fmt: skip
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    corpus = Path(args.corpus)
    train, dev = read(corpus, "train"), read(corpus, "dev")
    pool = [json.loads(x) for x in (corpus / POOL_FILE).read_text().splitlines()]
    gold = [r["label"] for r in dev]
    out: dict[str, Any] = {"sizes": {"train": len(train), "pool": len(pool), "dev": len(dev),
                                     "train_packages": len(packages_of(train)),
                                     "pool_packages": len(packages_of(pool))}}  # fmt: skip
    rows_of = {"train": train, "train+pool": train + pool}
    if args.extra:
        extra = [json.loads(x) for x in (corpus / "extra-train.jsonl").read_text().splitlines()]
        rows_of["train+pool+extra"] = train + pool + extra
        out["sizes"]["extra"] = len(extra)
    probs: dict[str, np.ndarray] = {}
    labels: list[str] = []
    for name, data in rows_of.items():
        ng, probs[name] = ngram_dev(data, dev)
        labels = ng.labels
        s = score(gold, [labels[i] for i in probs[name].argmax(axis=1)])
        out[f"ngram {name}"] = {"macro": s["macro"], "accuracy": s["accuracy"],
                                "per_language": s["per_language"]}  # fmt: skip
        print(f"ngram {name}: dev macro {s['macro']:.4f} acc {s['accuracy']:.4f}", flush=True)

    curve = []
    pkgs = packages_of(pool)
    for frac in args.curve:
        chosen = set(random.Random(0).sample(pkgs, round(frac * len(pkgs))))
        part = [r for r in pool if f"{r['registry']}:{r['package']}" in chosen]
        _, p = ngram_dev(train + part, dev)
        m = score(gold, [labels[i] for i in p.argmax(axis=1)])["macro"]
        curve.append({"pool_fraction": frac, "packages": len(chosen), "dev_macro": m})
        print(f"ngram train + {frac:.0%} of the pool's packages: dev macro {m:.4f}", flush=True)
    out["curve"] = curve

    if not args.no_lm:
        probe = LmFeatures(task="code-language", layers=args.layers)
        x = {"train": features(probe, "train", train), "dev": features(probe, "dev", dev),
             "pool": features(probe, "pool", pool)}  # fmt: skip
        x["train+pool"] = np.concatenate([x["train"], x["pool"]])
        if args.extra:
            x["train+pool+extra"] = np.concatenate(
                [x["train+pool"], features(probe, "extra-train", rows_of["train+pool+extra"][
                    len(train) + len(pool):])])  # fmt: skip
        for name, data in rows_of.items():
            grid = pair_grid(probs[name], x[name], [r["label"] for r in data], x["dev"], gold,
                             labels, args.layers)  # fmt: skip
            for g in grid:  # the key this script's results have always used
                g["head_alone"] = g.pop("head_alone_dev_macro")
            best = max(grid, key=lambda g: (round(g["dev_macro"], 4), -g["threshold"]))
            best["layers"] = args.layers
            out[f"pair {name}"] = {"best": best, "grid": grid}
            print(f"pair {name}: best {best}", flush=True)
    args.json.write_text(json.dumps(out, indent=1) + "\n")
    print("\n| trained on | ngram dev macro | head alone (best C) | pair dev macro | to LM |")
    print("|---|---|---|---|---|")
    for name in rows_of:
        pair = out.get(f"pair {name}", {}).get("best", {})
        nan = float("nan")
        print(f"| {name} | {out[f'ngram {name}']['macro']:.3f} | "
              f"{pair.get('head_alone', nan):.3f} | {pair.get('dev_macro', nan):.3f} | "
              f"{pair.get('to_lm', 0):.2f} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
