"""Fine-tuned encoder prediction: the session-4 loop against today's ``logits``, same run.

Session 5 changed how ``finetune``/``lora`` classifiers predict: texts now run in batches of
similar length, and in the ``--dtype auto`` rule of the language models (bfloat16 under
autocast where this CPU multiplies it faster; float32 elsewhere). This script times, on the
same trained artifact and the same texts, alternated, best of ``--rounds``:

1. **before**: the old loop, copied here (float32, texts in their given order, batches of 32);
2. **after, float32**: ``clf.logits`` with ``clf.dtype = "float32"`` (length batching only);
3. **after, auto**: ``clf.logits`` as shipped (length batching + the dtype rule).

and reports texts/s, the ratios to the old loop, accuracy on the gold labels for each, and
how many labels change against the old loop. The artifacts and labelled rows are the
distillation students of ``bench/distill_target.py`` (run it first)::

    HF_HUB_OFFLINE=1 .venv/bin/python bench/encoder_predict_speed.py
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

HERE = Path(__file__).parent
OUT = HERE / "results" / "encoder_predict_speed.json"
WORK = Path("/tmp/lmtask-distill-bench")


@torch.no_grad()
def old_logits(clf: Any, texts: list[str], size: int = 32) -> np.ndarray:
    """The session-4 ``_FinetuneBase.logits``: float32, given order, batches of ``size``."""
    out = []
    for i in range(0, len(texts), size):
        enc = clf.tokenizer(texts[i : i + size], truncation=True, max_length=clf.max_length,
                            padding=True, return_tensors="pt")  # fmt: skip
        out.append(clf.model(**enc).logits.float().numpy())
    return np.concatenate(out)


def measure(artifact: Path, dev: Path, rounds: int) -> dict[str, Any]:
    import lmtask
    from lmtask.data import read_table

    data = read_table(dev)
    texts, gold = list(data.texts), list(data.labels or [])
    clf = lmtask.load(artifact)
    names = clf.labels

    def after(dtype: str):
        def run(t: list[str]) -> np.ndarray:
            clf.dtype = dtype
            return clf.logits(t)

        return run

    ways = {"before": lambda t: old_logits(clf, t), "after-float32": after("float32"),
            "after-auto": after("auto")}  # fmt: skip
    for f in ways.values():
        f(texts[:8])  # warm-up
    best = dict.fromkeys(ways, 0.0)
    preds: dict[str, list[str]] = {}
    loads = [os.getloadavg()[0]]
    for _ in range(rounds):
        for name, f in ways.items():
            t0 = time.perf_counter()
            z = f(texts)
            best[name] = max(best[name], len(texts) / (time.perf_counter() - t0))
            preds[name] = [names[int(i)] for i in z.argmax(1)]
        loads.append(os.getloadavg()[0])
    clf.dtype = "auto"
    acc = {
        k: float(np.mean([p == y for p, y in zip(v, gold, strict=True)])) for k, v in preds.items()
    }
    changed = {
        k: sum(a != b for a, b in zip(v, preds["before"], strict=True)) for k, v in preds.items()
    }
    return {"artifact": str(artifact), "n": len(texts), "texts_per_s": best,
            "ratio_vs_before": {k: v / best["before"] for k, v in best.items()},
            "accuracy": acc, "labels_changed_vs_before": changed,
            "auto_dtype": str(clf.predict_dtype()).removeprefix("torch."),
            "load_avg_1m": loads, "rounds": rounds,
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}  # fmt: skip


def render(results: dict[str, Any]) -> str:
    lines = ["## Fine-tuned encoder prediction, before/after (bench/encoder_predict_speed.py)", "",
             "`HF_HUB_OFFLINE=1 .venv/bin/python bench/encoder_predict_speed.py` (after "
             "`bench/distill_target.py`): the distilled students on their 400 labelled dev "
             "rows; the old loop (float32, given order) vs `logits` today, alternated in one "
             "process, best of the rounds.", "",
             "| set | student | texts | before texts/s | after, float32 | after, auto (dtype) | "
             "auto / before | accuracy before / float32 / auto | labels changed (float32, "
             "auto) |", "|---|---|---:|---:|---:|---:|---:|---|---|"]  # fmt: skip
    for key, r in results.items():
        s, a, c = r["texts_per_s"], r["accuracy"], r["labels_changed_vs_before"]
        lines.append(f"| {key.split('|')[0]} | {key.split('|')[1]} | {r['n']} | "
                     f"{s['before']:.0f} | {s['after-float32']:.0f} | {s['after-auto']:.0f} "
                     f"({r['auto_dtype']}) | **{r['ratio_vs_before']['after-auto']:.2f}x** | "
                     f"{a['before']:.3f} / {a['after-float32']:.3f} / {a['after-auto']:.3f} | "
                     f"{c['after-float32']}, {c['after-auto']} |")  # fmt: skip
    r = next(iter(results.values()))
    lines += ["", f"{r['date']}, 1-min load average {min(r['load_avg_1m']):.1f}-"
              f"{max(r['load_avg_1m']):.1f}, {torch.get_num_threads()} torch threads."]  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default="tweets,fine-foods")
    ap.add_argument("--work", type=Path, nargs="+",
                    default=[WORK, Path("/tmp/lmtask-distill-l3")],
                    help="distill_target.py work folders (one per student)")  # fmt: skip
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    results = {}
    for name in args.sets.split(","):
        for work in args.work:
            art = work / f"{name}-student"
            layers = json.loads((art / "manifest.json").read_text())["config"].get("layers")
            key = f"{name}|{layers or 6} layers"
            results[key] = measure(art, work / f"{name}-dev.jsonl", args.rounds)
            print(key, json.dumps(results[key]["texts_per_s"]), flush=True)
    OUT.write_text(json.dumps(results, indent=1) + "\n")
    print(render(results))


if __name__ == "__main__":
    main()
