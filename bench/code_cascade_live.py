"""The shipped code detector alone vs the ``cascade`` method (detector + the default LM for the
snippets it is unsure of) vs Magika, on the code corpus test split, in one run.

The cascade's settings (threshold 0.8, weight 1) were chosen on dev rows by
``bench/code_cascade.py``; this run reads test once with the real method (``lmtask.methods.build(
"cascade", task="code-language")``: the shipped n-gram detector trained on train+dev, and
qwen2.5-coder-0.5b-instruct with the built-in task's wording). Accuracy, macro (mean of the
per-language accuracies), snippets/s of the timed predict call (loading excluded), and the
share of snippets the LM was asked about.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/code_cascade_live.py [--rows N]
    HF_HUB_OFFLINE=1 .venv/bin/python bench/code_cascade_live.py \
        --model qwen2.5-coder-1.5b-instruct --out bench/results/code_cascade_live_1.5b.json

(The 1.5B run keeps the settings chosen with the 0.5B model: nothing is chosen for it.)

Results: ``bench/results/code_cascade_live.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from code_detector import magika_tool, read, score, subset, timed

CORPUS = Path(os.environ.get("LMTASK_CODE_CORPUS", "~/.cache/lmtask-corpus/code-languages"))
OUT = Path(__file__).parent / "results" / "code_cascade_live.json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=0, help="a per-language subset (0: all test)")
    ap.add_argument("--model", default=None, help="the LM (default: the default model)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    from lmtask.methods import build

    rows = read(CORPUS.expanduser(), "test")
    rows = subset(rows, args.rows) if args.rows else rows
    texts, gold = [r["text"] for r in rows], [r["label"] for r in rows]
    cascade = build("cascade", task="code-language", model=args.model)
    cascade.slow.predict(texts[:4])  # warm-up: load the LM, its prefix cache and calibration
    detector = cascade.fast
    labels = detector.labels

    def alone(ts: list[str]) -> list[str | None]:
        return [labels[int(i)] for i in detector.predict_proba(ts).argmax(axis=1)]

    sure = detector.predict_proba(texts).max(axis=1) >= cascade.config.threshold
    res: dict[str, Any] = {"n": len(rows), "model": cascade.lm.name,
                           "deferred": float(1 - sure.mean()),
                           "threshold": cascade.config.threshold, "weight": cascade.config.weight,
                           "cpu_count": os.cpu_count(), "load_avg_1m": [os.getloadavg()[0]],
                           "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}  # fmt: skip
    magika, _, name = magika_tool()

    def both(ts: list[str]) -> list[str | None]:
        return [p.label for p in cascade.predict(ts)]

    tools = {"detector alone": (alone, 3), "cascade": (both, 1), name: (magika, 1)}
    for who, (fn, repeat) in tools.items():
        t = timed(fn, texts, repeat)
        s = score(gold, t["preds"])
        top = s["confusions"].most_common(12)
        res[who] = {"accuracy": s["accuracy"], "macro": s["macro"], "rate": t["rate"],
                    "per_language": s["per_language"],
                    "confusions": {f"{g} -> {p}": n for (g, p), n in top}}  # fmt: skip
        print(f"{who}: accuracy {s['accuracy']:.3f}, macro {s['macro']:.3f}, "
              f"{t['rate']:.1f} snippets/s", flush=True)  # fmt: skip
    res["load_avg_1m"].append(os.getloadavg()[0])
    args.out.write_text(json.dumps(res, indent=1) + "\n")
    print(f"deferred to the LM: {res['deferred']:.3f} of {len(rows)} snippets")


if __name__ == "__main__":
    main()
