"""Train the code-language detector that ships with lmtask (the built-in task's default).

Everything here is chosen on the corpus's dev split; the test split is never read (it is
read once, by bench/code_detector.py):

1. ``--sweep``: a small grid of ngram options, each trained on train and scored on dev
   (accuracy and macro = mean of per-language accuracies); written to
   bench/results/code_detector_sweep.json. ``OPTIONS`` below is the winner on dev macro.
2. The "unknown" threshold: a model with ``OPTIONS`` trained on train, and the lowest
   ``min_confidence`` (0.01 grid) at which its answered dev rows are at least 95% right.
3. The shipped model: ``OPTIONS`` and that threshold, trained on train + dev, saved as a
   normal artifact in src/lmtask/tasks/builtin/detectors/code-language/ (its metrics: the
   train-only model's dev numbers).

    .venv/bin/lmtask datasets build code-languages
    HF_HUB_OFFLINE=1 .venv/bin/python bench/train_code_detector.py --sweep
    HF_HUB_OFFLINE=1 .venv/bin/python bench/train_code_detector.py
    HF_HUB_OFFLINE=1 .venv/bin/python bench/train_code_detector.py --lm-head  # after
                                                      # bench/code_lm_features.py

With ``--pool`` (after ``lmtask datasets build code-languages --pool`` and, for the head,
bench/code_pool.py), the training-only packages are added to the training data at every
step (dev choices: trained on train + pool; shipped: train + pool + dev). The shipped
detector and head are built this way:

    HF_HUB_OFFLINE=1 .venv/bin/python bench/train_code_detector.py --pool
    HF_HUB_OFFLINE=1 .venv/bin/python bench/code_pool.py --layers 4 \
        --json bench/results/code_pool_l4.json
    HF_HUB_OFFLINE=1 .venv/bin/python bench/train_code_detector.py --lm-head --pool \
        --choice bench/results/code_pool_l4.json

With ``--extra`` as well (after ``lmtask datasets build code-languages --extra``), the extra
windows of the train packages (``extra-train.jsonl``, ``lmtask.data.code.extra``) join train
at every step, and those of the dev packages (``extra-dev.jsonl``) join dev in the shipped
models' training (dev choices: bench/code_pool.py ``--extra``). The shipped pair is
built this way since session 11:

    HF_HUB_OFFLINE=1 .venv/bin/python bench/code_pool.py --layers 4 --extra --curve \
        --json bench/results/code_pool_l4_extra.json
    HF_HUB_OFFLINE=1 .venv/bin/python bench/train_code_detector.py --pool --extra
    HF_HUB_OFFLINE=1 .venv/bin/python bench/train_code_detector.py --lm-head --pool --extra \
        --choice bench/results/code_pool_l4_extra.json

4. ``--lm-head``: the ``lm-features`` head that ``cascade:slow=detector`` asks about the
   snippets the n-grams are unsure of, with the ``C`` bench/code_lm_features.py chose on dev,
   trained on train + dev, saved to src/lmtask/tasks/builtin/detectors/code-language.lm-features/.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

import lmtask
from lmtask.data import code
from lmtask.methods import Ngram

OUT = Path(__file__).parents[1] / "src/lmtask/tasks/builtin/detectors/code-language"
SWEEP_OUT = Path(__file__).with_name("results") / "code_detector_sweep.json"
# Chosen on dev by --sweep (bench/results/code_detector_sweep.json).
OPTIONS: dict[str, Any] = {"ngram_max": 5, "features_log2": 16, "alpha": 3e-6}
GRID = {"ngram_max": [3, 4, 5], "features_log2": [16], "alpha": [1e-6, 3e-6, 1e-5]}
TARGET_PRECISION = 0.95


def rows(side: str, corpus: Path = Path(code.DEFAULT_OUT)) -> list[dict[str, Any]]:
    """A training side of the corpus: train, dev, or pool (the training-only packages of
    ``lmtask datasets build code-languages --pool``)."""
    if side == "test":
        raise SystemExit("this script never reads the test split")
    path = corpus / (code.POOL_FILE if side == "pool" else f"{side}.jsonl")
    if not path.is_file():
        flag = " --pool" if side == "pool" else " --extra" if side.startswith("extra") else ""
        raise SystemExit(f"no {path}: build it with `lmtask datasets build code-languages{flag}`")
    return [json.loads(x) for x in path.read_text().splitlines()]


def dev_scores(clf: Ngram, dev: list[dict[str, Any]]) -> dict[str, Any]:
    preds = [p.label for p in clf.predict([r["text"] for r in dev])]
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r, p in zip(dev, preds, strict=True):
        per[r["label"]][0] += r["label"] == p
        per[r["label"]][1] += 1
    acc = {lang: ok / n for lang, (ok, n) in sorted(per.items())}
    return {
        "accuracy": sum(r["label"] == p for r, p in zip(dev, preds, strict=True)) / len(dev),
        "macro": sum(acc.values()) / len(acc),
        "per_language": acc,
    }


def fit(options: dict[str, Any], data: list[dict[str, Any]], **extra: Any) -> Ngram:
    clf = Ngram(task="code-language", **options, **extra)
    return clf.fit([r["text"] for r in data], [r["label"] for r in data])


def pick_threshold(clf: Ngram, dev: list[dict[str, Any]], target: float) -> dict[str, float]:
    """Lowest ``min_confidence`` whose answered dev rows reach ``target`` accuracy."""
    probs = clf.predict_proba([r["text"] for r in dev])
    best = probs.max(axis=1)
    right = [clf.labels[i] == r["label"] for i, r in zip(probs.argmax(axis=1), dev, strict=True)]
    for k in range(100):
        t = k / 100
        kept = [ok for ok, b in zip(right, best, strict=True) if b >= t]
        if kept and sum(kept) / len(kept) >= target:
            return {"t": t, "coverage": len(kept) / len(dev), "answered": sum(kept) / len(kept)}
    return {"t": 0.99, "coverage": 0.0, "answered": 0.0}


def sweep() -> None:
    train, dev = rows("train"), rows("dev")
    results = []
    keys = list(GRID)
    for values in itertools.product(*(GRID[k] for k in keys)):
        options = dict(zip(keys, values, strict=True))
        t0 = time.perf_counter()
        clf = fit(options, train)
        s = dev_scores(clf, dev)
        results.append({"options": options, "train_s": time.perf_counter() - t0, **s})
        print(f"{options}: dev accuracy {s['accuracy']:.3f}, macro {s['macro']:.3f}",
              file=sys.stderr, flush=True)  # fmt: skip
    best = max(results, key=lambda r: (r["macro"], r["accuracy"]))
    SWEEP_OUT.parent.mkdir(exist_ok=True)
    sizes = {"train": len(train), "dev": len(dev)}
    payload = {"sizes": sizes, "results": results, "best": best["options"]}
    SWEEP_OUT.write_text(json.dumps(payload, indent=1) + "\n")
    print("| options | dev accuracy | dev macro | train s |\n|---|---|---|---|")
    for r in results:
        o = ", ".join(f"{k}={v}" for k, v in r["options"].items())
        print(f"| {o} | {r['accuracy']:.3f} | {r['macro']:.3f} | {r['train_s']:.1f} |")
    print(f"\nbest on dev macro: {best['options']} -> {SWEEP_OUT}")


def lm_head(pool: bool = False, choice: Path | None = None, extra: bool = False) -> None:
    """The shipped lm-features head (``cascade:slow=detector``): the layers and ``C`` of
    bench/code_lm_features.py's last run (with ``pool``: bench/code_pool.py's, the pair
    trained on train + pool), chosen on dev; trained on train + dev (+ pool). Features are
    cached by those scripts."""
    from code_lm_features import JSON_OUT, features
    from code_pool import JSON_OUT as POOL_JSON
    from lmtask.methods.trained.lm_features import LmFeatures

    if pool:
        key = "pair train+pool+extra" if extra else "pair train+pool"
        chosen = json.loads((choice or POOL_JSON).read_text())[key]["best"]
        chosen = {"layers": 2, **chosen}
    else:
        chosen = json.loads(JSON_OUT.read_text())["dev"]["best"]
    sides = ["train", "dev", "pool"] if pool else ["train", "dev"]
    sides += ["extra-train", "extra-dev"] if extra else []
    data = {side: rows(side) for side in sides}
    head = LmFeatures(task="code-language", layers=chosen.get("layers", 2), C=chosen["C"])
    x = np.concatenate([features(head, side, data[side]) for side in sides])
    train_dev = [r for side in sides for r in data[side]]
    head.fit_features(x, [r["label"] for r in train_dev])
    out = OUT.with_name("code-language.lm-features")
    lmtask.save(head, out, metrics={"dev_macro_with_ngram": chosen["dev_macro"],
                                    "note": "dev macro of n-grams + this head, both trained "
                                    f"on {' + '.join(s for s in sides if s != 'dev')} only "
                                    + ("(bench/code_pool.py)" if pool else
                                       "(bench/code_lm_features.py)")},
                data={"source": f"lmtask.data.code: {' + '.join(sides)}", "n": len(x)})  # fmt: skip
    for old in out.glob("weights-*"):  # the weights of an earlier save
        if old.name != json.loads((out / "manifest.json").read_text())["weights"]["file"]:
            old.unlink()
    print(f"saved to {out}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sweep", action="store_true", help="the dev sweep of ngram options")
    ap.add_argument("--lm-head", action="store_true", help="train and save the lm-features head")
    ap.add_argument("--pool", action="store_true", help="train on pool-train.jsonl too")
    ap.add_argument("--extra", action="store_true",
                    help="train on extra-train.jsonl (and extra-dev.jsonl for the shipped "
                    "models) too")  # fmt: skip
    ap.add_argument("--choice", type=Path, default=None,
                    help="--lm-head --pool: bench/code_pool.py's results to use")  # fmt: skip
    args = ap.parse_args(argv)
    if args.sweep:
        sweep()
        return
    if args.lm_head:
        lm_head(args.pool, args.choice, args.extra)
        return
    manifest = code.load_manifest(Path(code.DEFAULT_OUT))
    train, dev = rows("train") + (rows("pool") if args.pool else []), rows("dev")
    train += rows("extra-train") if args.extra else []
    dev_extra = rows("extra-dev") if args.extra else []
    on_train = fit(OPTIONS, train)
    scores = dev_scores(on_train, dev)
    th = pick_threshold(on_train, dev, TARGET_PRECISION)
    print(f"{OPTIONS} on train: dev accuracy {scores['accuracy']:.3f}, macro "
          f"{scores['macro']:.3f}; min_confidence {th['t']:.2f} (dev coverage "
          f"{th['coverage']:.3f}, answered right {th['answered']:.3f})")  # fmt: skip
    t0 = time.perf_counter()
    clf = fit(OPTIONS, train + dev + dev_extra, min_confidence=th["t"])
    what = ("train + pool + dev" if args.pool else "train + dev") + (
        " + their extra windows" if args.extra else ""
    )
    print(f"trained on {what} ({len(train) + len(dev) + len(dev_extra)} snippets) in "
          f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
    lmtask.save(clf, OUT, metrics={"dev_accuracy": scores["accuracy"],
                                   "dev_macro": scores["macro"], "dev_n": len(dev),
                                   "dev_coverage": th["coverage"], "note": "dev numbers of "
                                   "the same options trained on "
                                   + ("train + pool" if args.pool else "train only")
                                   + (" + extra-train" if args.extra else "")},
                data={"source": f"lmtask.data.code builder {manifest.get('builder_version')} "
                      f"seed {manifest.get('seed')}: train + dev splits"
                      + (" + the training-only pool" if args.pool else "")
                      + (" + extra windows of train and dev packages" if args.extra else ""),
                      "n": len(train) + len(dev) + len(dev_extra)})  # fmt: skip
    for old in OUT.glob("weights-*"):  # the weights of an earlier save
        if old.name != json.loads((OUT / "manifest.json").read_text())["weights"]["file"]:
            old.unlink()
    print(f"saved to {OUT}")


if __name__ == "__main__":
    main()
