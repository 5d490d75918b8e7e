"""Texts that are not code: paragraphs of prose, and tables (CSV/TSV rows).

A code-language detector gives every text one of its languages; for a paragraph of English
or a CSV export that answer is a guess (often Markdown). :func:`not_code` recognises the two
common cases so the detector can say so (``cascade:warn_not_code``; the built-in
``code-language`` detector does). It never changes an answer: a plain paragraph *is* valid
Markdown, and the corpus labels such windows of ``.md`` files Markdown.

- **prose**: at least 60 % of the non-blank lines are sentences
  (:func:`lmtask.data.code.prose.prose_line`: 6+ words, mostly plain words, a function word,
  no ``= { } ; < >``), and nothing marks Markdown (headings, list items, quotes, tables,
  fences, backticks, links);
- **a table**: 2+ lines, none indented, each with the same number (1+) of commas (or of
  tabs), no line ending in one, and none of ``{ } = ( ) < > ; #``.

Designed on the code corpus's train, pool and dev windows and on tweets, bbc-news and the
convention speeches; measured (bench/RESULTS.md, "Texts that are not code"): 0 of 2,394 dev
snippets flagged, 1 of 3,854 test snippets (a paragraph of a Markdown file); flagged: 41 %
of tweets (short, or full of @names and links), 91 % of news articles, 75 % of food reviews,
67 % of debate statements, all of 100 five-row CSV tables.

>>> not_code("The filter returns its input unchanged, and it is the identity of the language.")
True
>>> not_code("id,score,length\\n1,great,120\\n2,other,87")
True
>>> not_code("def f(x):\\n    return x + 1")
False
>>> not_code("# Title\\n\\nSome words of text that are written as a plain sentence here.")
False
"""

from __future__ import annotations

import re

from lmtask.data.code.prose import prose_line

__all__ = [
    "PROSE_SHARE",
    "NotCodeWarning",
    "looks_like_table",
    "not_code",
    "not_code_note",
]


class NotCodeWarning(UserWarning):
    """Texts given to a code-language classifier read as prose or a table, not code."""


PROSE_SHARE = 0.6  # the share of non-blank lines that must be sentences
_MARKDOWN_LINE = re.compile(r"^\s*(#{1,6}\s|[*+-]\s|>|\||\d+[.)]\s|```|~~~|=+\s*$|-+\s*$)")
_MARKDOWN_LINK = re.compile(r"\]\(|\[[^\]]+\]:")
_TABLE_CODE = re.compile(r"[{}=()<>;#]")


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def looks_like_table(text: str) -> bool:
    """Rows of comma- or tab-separated values (see the module docstring)."""
    lines = _lines(text)
    if len(lines) < 2 or _TABLE_CODE.search(text) or any(x[:1].isspace() for x in lines):
        return False
    for sep in (",", "\t"):
        counts = [line.count(sep) for line in lines]
        same = min(counts) >= 1 and max(counts) == min(counts)
        if same and not any(line.rstrip().endswith(sep) for line in lines):
            return True
    return False


def not_code_note(texts: list[str]) -> str | None:
    """The note a code detector gives about ``texts`` (None if none reads as prose/table).

    >>> not_code_note(["def f(): pass", "id,name\\n1,a"])
    '1 of 2 text(s) read as prose or a table, not code: their language is a guess'
    """
    n = sum(not_code(t) for t in texts)
    return (f"{n} of {len(texts)} text(s) read as prose or a table, not code: their language "
            "is a guess") if n else None  # fmt: skip


def not_code(text: str) -> bool:
    """Whether ``text`` reads as prose or as a table rather than as code."""
    lines = _lines(text)
    if not lines:
        return False
    if looks_like_table(text):
        return True
    if "`" in text or _MARKDOWN_LINK.search(text) or any(_MARKDOWN_LINE.match(x) for x in lines):
        return False
    return sum(prose_line(x) for x in lines) >= PROSE_SHARE * len(lines)
