"""Which labels a classifier mixes up: within the task's confusable groups, and overall.

>>> gold = ["C", "C", "C++", "C++", "Go"]
>>> pred = ["C", "C++", "C", "C++", "C"]
>>> g = confusable_groups(gold, pred, [("C", "C++")])[0]
>>> g["labels"], g["rows"], g["right"], g["within"], g["pairs"]
(['C', 'C++'], 4, 2, 2, {'C→C++': 1, 'C++→C': 1})
>>> top_confusions(gold, pred, k=2)
[{'gold': 'C', 'predicted': 'C++', 'count': 1}, {'gold': 'C++', 'predicted': 'C', 'count': 1}]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any


def confusable_groups(
    gold: Sequence[str], pred: Sequence[str | None], groups: Sequence[Sequence[str]]
) -> list[dict[str, Any]]:
    """Per group: its rows, how many are right, how many went to another label of the group
    (``within``), and those confusions by direction (``pairs``: "gold→predicted": count).
    An unanswered row ("unknown") is wrong but not a confusion within the group."""
    out = []
    mixed = Counter((g, p) for g, p in zip(gold, pred, strict=True) if p is not None and g != p)
    for group in groups:
        members = list(group)
        rows = [(g, p) for g, p in zip(gold, pred, strict=True) if g in members]
        pairs = {f"{a}→{b}": mixed[(a, b)] for a in members for b in members
                 if a != b and mixed[(a, b)]}  # fmt: skip
        out.append({
            "labels": members,
            "rows": len(rows),
            "right": sum(g == p for g, p in rows),
            "within": sum(pairs.values()),
            "pairs": pairs,
        })  # fmt: skip
    return out


def top_confusions(gold: Sequence[str], pred: Sequence[str | None], k: int = 10) -> list[dict]:
    """The ``k`` most frequent (gold, predicted) pairs with gold != predicted (an unanswered
    row is not counted), most frequent first, ties by name."""
    c = Counter((g, p) for g, p in zip(gold, pred, strict=True) if p is not None and g != p)
    ranked = sorted(c.items(), key=lambda x: (-x[1], x[0]))[:k]
    return [{"gold": g, "predicted": p, "count": n} for (g, p), n in ranked]


def confusions_markdown(groups: list[dict[str, Any]], top: list[dict[str, Any]]) -> list[str]:
    """The report's Markdown lines for both (nothing when there is neither)."""
    lines: list[str] = []
    if groups:
        lines += [
            "",
            "## Confusable labels (the task's groups)",
            "",
            "| labels | rows | accuracy | confused within the group | by direction |",
            "|---|---|---|---|---|",
        ]
        for g in groups:
            acc = f"{g['right'] / g['rows']:.4f}" if g["rows"] else "-"
            pairs = ", ".join(f"{k} {v}" for k, v in g["pairs"].items()) or "-"
            lines.append(f"| {' / '.join(g['labels'])} | {g['rows']} | {acc} | {g['within']} "
                         f"| {pairs} |")  # fmt: skip
    if top:
        lines += ["", "## Most frequent confusions", "", "| gold | predicted | rows |",
                  "|---|---|---|"]  # fmt: skip
        lines += [f"| {t['gold']} | {t['predicted']} | {t['count']} |" for t in top]
    return lines
