"""Multi-label evaluation: each row has a set of gold labels; scored by scikit-learn.

>>> m = multilabel_metrics(["a", "b"], [["a"], ["a", "b"]], [["a"], ["a"]])
>>> m["subset_accuracy"], round(m["micro_f1"], 3)
(0.5, 0.8)
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lmtask.atomic import write_atomic
from lmtask.errors import InputError


def multilabel_metrics(
    labels: Sequence[str], gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]
) -> dict[str, Any]:
    """Micro/macro F1, subset accuracy (exact set match) and per-label scores, by sklearn."""
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
    from sklearn.preprocessing import MultiLabelBinarizer

    unknown = sorted({g for row in gold for g in row} - set(labels))
    if unknown:
        raise InputError(f"gold labels {unknown} are not labels of the classifier {list(labels)}")
    mlb = MultiLabelBinarizer(classes=list(labels))
    y_true, y_pred = mlb.fit_transform(gold), mlb.transform(pred)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, zero_division=0)
    return {
        "subset_accuracy": float(accuracy_score(y_true, y_pred)),
        "micro_f1": float(f1_score(y_true, y_pred, average="micro", zero_division=0)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
        "per_label": {
            lb: {
                "precision": float(p[i]),
                "recall": float(r[i]),
                "f1": float(f[i]),
                "support": int(s[i]),
            }
            for i, lb in enumerate(labels)
        },
        "n": len(gold),
    }


def evaluate_multilabel(
    classifier: Any, texts: Sequence[str], gold: Sequence[Sequence[str]], progress: bool = False
) -> dict[str, Any]:
    """Run a multi-label classifier and score its label sets against ``gold``."""
    start = time.perf_counter()
    preds = classifier.predict(list(texts), progress=progress)
    wall = time.perf_counter() - start
    predicted = [p.labels or [] for p in preds]
    out = multilabel_metrics(classifier.labels, gold, predicted)
    out.update(
        predicted=predicted,
        texts_per_s=len(texts) / wall if wall > 0 else float("inf"),
        wall_s=wall,
        classifier=classifier.describe(),
    )
    return out


def save_multilabel_report(
    result: dict[str, Any], texts: Sequence[str], gold: Sequence[Sequence[str]], source: str,
    out: str | Path,
) -> Path:  # fmt: skip
    """Write ``report.json``, ``report.md`` and ``predictions.jsonl`` into the folder ``out``."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file; give a folder for the report")
    out.mkdir(parents=True, exist_ok=True)
    res = {k: v for k, v in result.items()}
    write_atomic(
        out / "report.json", json.dumps(res, indent=2, ensure_ascii=False, default=str) + "\n"
    )
    lines = [
        f"# Multi-label evaluation on {source}",
        "",
        "| metric | value |",
        "|---|---|",
        f"| subset accuracy | {res['subset_accuracy']:.4f} |",
        f"| micro-F1 | {res['micro_f1']:.4f} |",
        f"| macro-F1 | {res['macro_f1']:.4f} |",
        f"| rows | {res['n']} |",
        "",
        "| label | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
    ]
    for lb, m in res["per_label"].items():
        lines.append(f"| {lb} | {m['precision']:.4f} | {m['recall']:.4f} | {m['f1']:.4f} "
                     f"| {m['support']} |")  # fmt: skip
    write_atomic(out / "report.md", "\n".join(lines) + "\n")
    rows = [
        json.dumps({"text": t, "gold": g, "labels": p}, ensure_ascii=False)
        for t, g, p in zip(texts, gold, res["predicted"], strict=True)
    ]
    write_atomic(out / "predictions.jsonl", "\n".join(rows) + "\n")
    return out
