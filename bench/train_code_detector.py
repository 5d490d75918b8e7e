"""Train the code-language detector that ships with lmtask (the built-in task's default).

The ngram method (settings chosen on the corpus dev split by bench/code_detector.py), trained
on the corpus train + dev splits (never test), with the "unknown" threshold chosen on dev
(min_confidence 0.60: the lowest at which answered dev rows are at least 95% right), saved as
a normal artifact in src/lmtask/tasks/builtin/detectors/code-language/. Prints its accuracy on
the test split (package-disjoint from everything it was trained on).

    .venv/bin/lmtask datasets build code-languages
    HF_HUB_OFFLINE=1 .venv/bin/python bench/train_code_detector.py
"""

from __future__ import annotations

import time
from pathlib import Path

import lmtask
from lmtask.data import code, read_table
from lmtask.evaluation import evaluate
from lmtask.methods import Ngram

OUT = Path(__file__).parents[1] / "src/lmtask/tasks/builtin/detectors/code-language"


def main() -> None:
    corpus = Path(code.DEFAULT_OUT)
    manifest = code.load_manifest(corpus)
    parts = {s: read_table(corpus / f"{s}.jsonl", text_column="text", label_column="label")
             for s in ("train", "dev", "test")}  # fmt: skip
    texts = parts["train"].texts + parts["dev"].texts
    labels = (parts["train"].labels or []) + (parts["dev"].labels or [])
    t0 = time.perf_counter()
    clf = Ngram(task="code-language", min_confidence=0.6).fit(texts, labels)
    train_s = time.perf_counter() - t0
    rep = evaluate(clf, parts["test"])
    answered = [p for p in rep.predictions if p.label is not None]
    print(f"trained on {len(texts)} snippets in {train_s:.1f} s; test accuracy {rep.accuracy:.3f} "
          f"(unknown counts as wrong), macro-F1 {rep.macro_f1:.3f}, coverage "
          f"{len(answered) / rep.n:.3f}, {rep.texts_per_s:.0f} snippets/s")  # fmt: skip
    lmtask.save(clf, OUT, metrics={"test_accuracy": rep.accuracy, "test_macro_f1": rep.macro_f1,
                                   "test_n": rep.n, "coverage": len(answered) / rep.n},
                data={"source": f"lmtask.data.code {manifest.get('builder')} seed "
                      f"{manifest.get('seed')}: train + dev splits", "n": len(texts)})  # fmt: skip
    print(f"saved to {OUT}")


if __name__ == "__main__":
    main()
