"""Near-duplicate detection: the same window (after normalising whitespace, case and digits),
or a window most of whose distinctive lines were already kept; and whole-file hashes.

>>> d = Dedup()
>>> d.add("x = 1\\ny = 2")
>>> d.seen("X = 7\\n  y = 3"), d.seen("z = 1")
(True, False)
"""

from __future__ import annotations

import hashlib
import re


def _norm(text: str) -> str:
    return re.sub(r"\d+", "0", " ".join(text.split()).lower())


class Dedup:
    """Exact-after-normalisation window hashes, plus a near-duplicate test on long lines: a
    window most of whose distinctive lines were already kept is dropped."""

    def __init__(self) -> None:
        self.windows: set[str] = set()
        self.lines: set[str] = set()
        self.files: set[str] = set()

    @staticmethod
    def _long_lines(text: str) -> set[str]:
        out = set()
        for line in text.splitlines():
            n = _norm(line)
            if len(n) >= 25:
                out.add(hashlib.blake2b(n.encode(), digest_size=8).hexdigest())
        return out

    def seen(self, text: str) -> bool:
        h = hashlib.blake2b(_norm(text).encode(), digest_size=12).hexdigest()
        if h in self.windows:
            return True
        long = self._long_lines(text)
        return len(long) >= 3 and sum(x in self.lines for x in long) >= 0.8 * len(long)

    def add(self, text: str) -> None:
        self.windows.add(hashlib.blake2b(_norm(text).encode(), digest_size=12).hexdigest())
        self.lines.update(self._long_lines(text))


def file_hash(text: str) -> str:
    return hashlib.blake2b(_norm(text).encode(), digest_size=12).hexdigest()
