"""n-grams first, a linear head on the LM's layer 2 for the snippets they are unsure of.

The ``lm-features`` method reads the hidden states after the first ``--layers`` layers of the
default 0.5B model (mean over tokens) and fits a logistic regression; the ``cascade`` method
with ``slow=lm-features`` asks it only when the n-gram model's top probability is below
``threshold``, and answers ``argmax(log p_ngram + weight * log p_head)``. Unlike the zero-shot
cascade (one full 24-layer pass and 25 label scores per unsure snippet) this costs two layers
of one pass.

1. **Dev choice** (train -> dev): features of train and dev computed once with the library
   (cached under ``~/.cache/lmtask-runs/code-lm-features``), the head's ``C`` and the
   cascade's ``threshold`` and ``weight`` on a grid; picked by dev macro (ties: the lower
   threshold, fewer snippets to the LM).
2. **Test, read once**, for the dev winner: a real :class:`~lmtask.ladder.cascade.Cascade`
   (n-gram options of bench/train_code_detector.py, trained on train; the head trained on
   train) predicts every test snippet, timed end to end (the LM's features computed live,
   layers loaded before the clock starts); n-grams alone and Magika timed in the same run.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/code_lm_features.py --out /tmp/r.md

Results: ``bench/results/code_lm_features.json`` and the section ``## n-grams + LM features
(bench/code_lm_features.py)`` of ``--out``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))

from code_detector import magika_tool, read, score, subset, timed
from lmtask.data.code import DEFAULT_OUT
from lmtask.ladder.cascade import combine
from lmtask.ladder.classify import PAIR, classifier_for
from lmtask.methods import Ngram, build
from lmtask.methods.trained.lm_features import LmFeatures
from results_md import write_section
from train_code_detector import OPTIONS

HEADING = "## n-grams + LM features (bench/code_lm_features.py)"
SHIPPED = "### The shipped pair on the test split (bench/code_lm_features.py --shipped)"
EXTRA_JSON = Path(__file__).parent / "results" / "code_pool_l4_extra.json"
CACHE = Path.home() / ".cache/lmtask-runs/code-lm-features"
# The shipped head's run (--layers 2); the --layers 6 run was renamed code_lm_features_l6.json.
JSON_OUT = Path(__file__).parent / "results" / "code_lm_features.json"
GRID = {"C": [0.1, 1.0], "threshold": [0.6, 0.7, 0.8, 0.9], "weight": [0.5, 1.0, 2.0]}


def features(clf: LmFeatures, side: str, rows: list[dict[str, Any]]) -> np.ndarray:
    c = clf.config
    path = CACHE / f"{side}-{c.model}-l{c.layers}-t{c.max_tokens}-{len(rows)}.npy"
    if path.is_file():
        return np.load(path)
    x = clf.features([r["text"] for r in rows], progress=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, x)
    return x


def cascade_rule(pn: np.ndarray, ph: np.ndarray, threshold: float, weight: float) -> tuple:
    """The cascade's answers on precomputed probabilities (same label order), with the
    library's own :func:`~lmtask.ladder.cascade.combine`; and the share sent to the head."""
    unsure = pn.max(axis=1) < threshold
    p = pn.copy()
    p[unsure] = combine(pn[unsure], ph[unsure], weight)
    return p.argmax(axis=1), unsure.mean()


def pair_grid(
    pn_dev: np.ndarray, x_train: np.ndarray, y_train: list[str], x_dev: np.ndarray,
    gold_dev: list[str], labels: list[str], layers: int,
) -> list[dict[str, Any]]:  # fmt: skip
    """Dev macro of the pair for every (C, threshold, weight) of ``GRID``: the head fitted on
    ``x_train`` once per C, the cascade's rule applied to the n-grams' dev probabilities."""
    grid = []
    for c in GRID["C"]:
        head = LmFeatures(task="code-language", layers=layers, C=c)
        head.fit_features(x_train, y_train)
        assert head.labels == labels
        ph = head.proba_from_features(x_dev)
        alone = score(gold_dev, [labels[i] for i in ph.argmax(axis=1)])["macro"]
        for t, w in itertools.product(GRID["threshold"], GRID["weight"]):
            pred, share = cascade_rule(pn_dev, ph, t, w)
            m = score(gold_dev, [labels[i] for i in pred])["macro"]
            grid.append({"C": c, "threshold": t, "weight": w, "dev_macro": m,
                         "to_lm": float(share), "head_alone_dev_macro": alone})  # fmt: skip
    return grid


def run(args: argparse.Namespace) -> dict[str, Any]:
    torch.set_num_threads(args.threads)
    corpus = Path(args.corpus)
    train, dev = read(corpus, "train"), read(corpus, "dev")
    ng = Ngram(task="code-language", **OPTIONS).fit([r["text"] for r in train],
                                                    [r["label"] for r in train])  # fmt: skip
    labels = ng.labels
    pn_dev = ng.predict_proba([r["text"] for r in dev])
    gold_dev = [r["label"] for r in dev]
    probe = LmFeatures(task="code-language", layers=args.layers)
    x_train, x_dev = features(probe, "train", train), features(probe, "dev", dev)
    grid = pair_grid(pn_dev, x_train, [r["label"] for r in train], x_dev, gold_dev, labels,
                     args.layers)  # fmt: skip
    best = max(grid, key=lambda g: (round(g["dev_macro"], 4), -g["threshold"], g["weight"] == 1))
    best["layers"] = args.layers
    ngram_dev = score(gold_dev, [labels[i] for i in pn_dev.argmax(axis=1)])["macro"]
    print(f"dev: ngram {ngram_dev:.4f}; best {best}", flush=True)

    # Test, once, for the dev winner: a real cascade, timed end to end.
    test = read(corpus, "test")
    texts, gold = [r["text"] for r in test], [r["label"] for r in test]
    head = LmFeatures(task="code-language", layers=args.layers, C=best["C"])
    head.fit_features(x_train, [r["label"] for r in train])
    clf = build(f"cascade:fast=ngram:slow=lm-features:threshold={best['threshold']}"
                f":weight={best['weight']}", task="code-language")  # fmt: skip
    clf.fast, clf._slow = ng, head
    head.first_layers  # loaded before the clock starts  # noqa: B018
    out: dict[str, Any] = {"dev": {"ngram_macro": ngram_dev, "grid": grid, "best": best}}
    tools = {
        "ngram + lm-features": lambda ts: [p.label for p in clf.predict(ts)],
        "ngram alone": lambda ts: [p.label for p in ng.predict(ts)],
        "lm-features alone": lambda ts: [p.label for p in head.predict(ts)],
    }
    mrun, _, mname = magika_tool()
    tools["magika"] = mrun
    few = subset(test, args.alone_rows)  # the same number per language
    for name, fn in tools.items():
        some = name == "lm-features alone"
        rows, want = (texts, gold) if not some else ([r["text"] for r in few],
                                                     [r["label"] for r in few])  # fmt: skip
        res = timed(fn, rows)
        s = score(want, res["preds"])
        out[name] = {"accuracy": s["accuracy"], "macro": s["macro"], "rate": res["rate"],
                     "rows": len(rows), "per_language": s["per_language"]}  # fmt: skip
        print(f"test {name}: macro {s['macro']:.4f} acc {s['accuracy']:.4f} "
              f"{res['rate']:.1f}/s on {len(rows)} rows", flush=True)  # fmt: skip
    share = (ng.predict_proba(texts).max(axis=1) < best["threshold"]).mean()
    out["test_to_lm"] = float(share)
    out["magika_version"] = mname
    out["machine"] = f"{platform.machine()}, torch threads {args.threads}"
    return out


def shipped(args: argparse.Namespace) -> str:
    """The shipped pair (n-gram detector + lm-features head, both trained on train + dev),
    as ``lmtask classify --task code-language`` builds it (the default), on
    every test snippet; the detector alone and Magika in the same run."""
    torch.set_num_threads(args.threads)
    test = read(Path(args.corpus), "test")
    texts, gold = [r["text"] for r in test], [r["label"] for r in test]
    t0 = time.perf_counter()
    clf = classifier_for(None, task="code-language")  # the default, as classify builds it
    built = time.perf_counter() - t0
    clf.slow.first_layers  # loaded before the clock starts  # noqa: B018
    loaded = time.perf_counter() - t0
    mrun, _, mname = magika_tool()
    lines = [SHIPPED, "", f"- Command: `HF_HUB_OFFLINE=1 .venv/bin/python "
             f"bench/code_lm_features.py --shipped` ({mname}; torch threads {args.threads}); "
             f"`build` {built:.2f} s, with the LM's {clf.slow.config.layers} layers {loaded:.2f} s "
             "(in this process, "
             "imports included).", "",
             "| shipped, on all test snippets | accuracy | macro | snippets/s | vs Magika |",
             "|---|---|---|---|---|"]  # fmt: skip
    runs = {
        f"the default pair (`{PAIR}`)": lambda ts: [
            p.label for p in clf.predict(ts)],
        "detector alone (argmax)": lambda ts: [clf.labels[i] for i in
                                               clf.fast.predict_proba(ts).argmax(axis=1)],
        "magika": mrun,
    }  # fmt: skip
    res = {name: timed(fn, texts) for name, fn in runs.items()}
    mag = res["magika"]["rate"]
    for name, r in res.items():
        s = score(gold, r["preds"])
        lines.append(f"| {name} | {s['accuracy']:.3f} | {s['macro']:.3f} | {r['rate']:.1f} | "
                     f"{r['rate'] / mag:.2f}x |")  # fmt: skip
    share = float((clf.fast.predict_proba(texts).max(axis=1) < clf.config.threshold).mean())
    lines += ["", f"{share:.1%} of test snippets went to the head (threshold "
              f"{clf.config.threshold}, weight {clf.config.weight}).", ""]  # fmt: skip
    return "\n".join(lines)


def pick_min_confidence(args: argparse.Namespace, target: float = 0.95) -> str:
    """Dev only: the lowest ``min_confidence`` (0.01 grid) at which the pair's answered dev
    snippets are at least ``target`` right (both members trained on train, the last run's
    C, threshold and weight); also how often it answers "unknown" on 100 texts that are not
    code (news and tweets, as for the detector in bench/code_detector.py)."""
    from code_detector import not_code

    corpus = Path(args.corpus)
    train, dev = read(corpus, "train"), read(corpus, "dev")
    best = json.loads(JSON_OUT.read_text())["dev"]["best"]
    probe = LmFeatures(task="code-language", layers=best.get("layers", 2))
    x = features(probe, "train", train)
    if args.pool:  # the shipped pair's training data: train + the pool (bench/code_pool.py)
        from code_pool import JSON_OUT as POOL_JSON

        best = {**json.loads(POOL_JSON.read_text())["pair train+pool"]["best"], "layers": 2}
        if args.extra:  # the shipped pair since session 11: 4 layers, the cascade's defaults
            chosen = json.loads(EXTRA_JSON.read_text())["pair train+pool+extra"]["best"]
            best = {"C": chosen["C"], "threshold": 0.8, "weight": 1.0, "layers": 4}
            probe = LmFeatures(task="code-language", layers=4)
            x = features(probe, "train", train)
        pool = [json.loads(x) for x in (corpus / "pool-train.jsonl").read_text().splitlines()]
        x = np.concatenate([x, features(probe, "pool", pool)])
        train = train + pool
        if args.extra:
            extra = [json.loads(x) for x in (corpus / "extra-train.jsonl").read_text().splitlines()]
            x = np.concatenate([x, features(probe, "extra-train", extra)])
            train = train + extra
    ng = Ngram(task="code-language", **OPTIONS).fit([r["text"] for r in train],
                                                    [r["label"] for r in train])  # fmt: skip
    head = LmFeatures(task="code-language", layers=best.get("layers", 2), C=best["C"])
    head.fit_features(x, [r["label"] for r in train])
    clf = build(f"cascade:fast=ngram:slow=lm-features:threshold={best['threshold']}"
                f":weight={best['weight']}", task="code-language")  # fmt: skip
    clf.fast, clf._slow = ng, head
    probs = clf.predict_proba([r["text"] for r in dev])
    right = np.array([clf.labels[i] == r["label"] for i, r in zip(probs.argmax(1), dev,
                                                                    strict=True)])  # fmt: skip
    top = probs.max(axis=1)
    for k in range(100):
        kept = top >= k / 100
        if kept.any() and right[kept].mean() >= target:
            break
    other = clf.predict_proba(not_code(100)).max(axis=1)
    return (
        f"- Dev only (`bench/code_lm_features.py --pick-min-confidence"
        f"{' --pool' if args.pool else ''}{' --extra' if args.extra else ''}`): `min_confidence` "
        f"{k / 100:.2f} is the lowest at which the pair's answered dev snippets are at least "
        f"{target:.0%} right (coverage {kept.mean():.3f}, answered right "
        f"{right[kept].mean():.3f}); at it, {np.mean(other < k / 100):.0%} of 100 texts in no "
        'listed language (news, tweets) are answered "unknown".'
    )


def render(res: dict[str, Any], command: str) -> str:
    b = res["dev"]["best"]
    lines = [HEADING, "", f"- Command: `{command}`",
             f"- Machine: {res['machine']}; {res['magika_version']}. Speeds measured in this "
             "run (ratios count; the machine is shared).",
             f"- Dev choice (train -> dev, grid {GRID}): C={b['C']}, threshold={b['threshold']}, "
             f"weight={b['weight']}: dev macro {b['dev_macro']:.3f} (n-grams alone "
             f"{res['dev']['ngram_macro']:.3f}; the head alone {b['head_alone_dev_macro']:.3f}), "
             f"{b['to_lm']:.0%} of dev snippets to the LM.", "",
             "| on test (read once) | rows | accuracy | macro | snippets/s | vs Magika |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    mag = res["magika"]["rate"]
    for name in ("ngram + lm-features", "ngram alone", "lm-features alone", "magika"):
        r = res[name]
        lines.append(f"| {name} | {r['rows']} | {r['accuracy']:.3f} | {r['macro']:.3f} | "
                     f"{r['rate']:.1f} | {r['rate'] / mag:.2f}x |")  # fmt: skip
    lines += ["", f"{res['test_to_lm']:.1%} of test snippets went to the LM head.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(Path(DEFAULT_OUT).expanduser()))
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--alone-rows", type=int, default=500, help="test rows for the head alone")
    ap.add_argument("--out", default=str(Path(__file__).with_name("RESULTS.md")))
    ap.add_argument("--shipped", action="store_true", help="time the shipped pair on test")
    ap.add_argument("--pick-min-confidence", action="store_true", help="dev only")
    ap.add_argument("--pool", action="store_true", help="pick: train on train + pool")
    ap.add_argument(
        "--extra",
        action="store_true",
        help="pick, with --pool: the shipped pair (4 layers, extra-train too)",
    )
    args = ap.parse_args(argv)
    if args.pick_min_confidence:
        print(pick_min_confidence(args))
        return 0
    if args.shipped:
        section = shipped(args)
        write_section(Path(args.out), SHIPPED, section)
        print(section)
        return 0
    res = run(args)
    JSON_OUT.write_text(json.dumps(res, indent=1, default=str))
    cmd = "HF_HUB_OFFLINE=1 .venv/bin/python bench/code_lm_features.py"
    write_section(Path(args.out), HEADING, render(res, cmd))
    print(render(res, cmd))
    return 0


if __name__ == "__main__":
    sys.exit(main())
