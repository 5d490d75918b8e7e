"""Map a generated answer to a label, or to ``None`` when it names none.

A label matches where one of its surface words appears as a whole word (case-insensitive).
When several labels appear, the one mentioned first wins; at the same position the longer
word wins (so "C++" beats "C"). No match gives ``None``: never a guessed label.

>>> from lmtask.tasks import Task
>>> from lmtask.engine.answer_matching import match_label
>>> t = Task.from_labels(["C", "C++", "Python"])
>>> match_label("This is C++ code.", t), match_label("It is Rust.", t)
('C++', None)
"""

from __future__ import annotations

import re

from lmtask.tasks import Task


def _pattern(word: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w+#])" + re.escape(word) + r"(?![\w+#])", re.IGNORECASE)


def match_label(answer: str | None, task: Task) -> str | None:
    """The label the answer names first, or ``None``."""
    if not answer:
        return None
    best: tuple[int, int, str] | None = None  # (position, -length, label)
    for lb in task.labels:
        for w in lb.words:
            m = _pattern(w.strip()).search(answer)
            if m:
                key = (m.start(), -len(w), lb.name)
                if best is None or key < best:
                    best = key
    return best[2] if best else None
