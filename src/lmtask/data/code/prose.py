"""Windows whose content is not really their file's language: prose and embedded text.

A YAML file of documentation keeps Markdown prose in block scalars (``description: |``), a
test fixture keeps Python or JSON in them, a locale file is a list of English sentences, a
docstring or an HTML page can be paragraphs of plain text. A window cut from such a stretch
is labelled with the file's language but shows another (or none): it teaches a detector the
wrong thing and scores it on a question no one could answer. :func:`foreign_mask` marks, for
each line of a file, whether it is such content; :func:`is_text_dominated` says whether a
window is at least half of it. Designed on the corpus's train and dev windows only.

What counts as foreign:

- a line of *unmarked prose* (not in Markdown, whose content is prose): not a comment of the
  language (comments are written in the language's own syntax, a signal worth keeping), at
  least 6 words, 85% of them plain words, with an English function word, no code characters
  (``= { } ; < >``) and not shouting (SQL keywords in capitals are not prose);
- in YAML, every line inside a block scalar (``key: |`` or ``key: >`` and the lines indented
  below it): its content is text or another language, not YAML; and every line inside a
  flow collection that spans lines (``{`` or ``[`` left open): that is JSON;
- in Markdown, every line of a fenced code block (between ````` or ``~~~`` fences): that is
  code in another language.

>>> prose_line("This function returns the number of items in the list.")
True
>>> prose_line("static let data = \\"data\\"")
False
>>> prose_line("CREATE TABLE foo (a, b) ON COMMIT PRESERVE ROWS TABLESPACE data")
False
>>> lines = ["name: jq", "body: |", "  The filter returns the input unchanged and it is", \
"  the identity of the language, as the manual says to us.", "  And more prose here.", "x: 1"]
>>> foreign_mask(lines, "YAML")
[False, False, True, True, True, False]
>>> is_text_dominated(lines, "YAML")
True
>>> is_text_dominated(["def f(x):", "    return x + 1"], "Python")
False
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lmtask.data.code.filters import comment_mask

TEXT_DOMINATED = 0.5  # a window is dropped when at least this share of its lines is foreign
_WORD = re.compile(r"""^[(\"'`*_]*[A-Za-z][A-Za-z'’-]*[.,;:!?)\"'`*_]*$""")
_WORDS = "the a an to of is are and or in for that be it this with as by on not can will from if"
_FUNCTION_WORDS = frozenset([*_WORDS.split(), "when", "which"])
_CODE = re.compile(r"[={};<>]")
_YAML_ITEM = re.compile(r"^(- +)+")
_YAML_KEY = re.compile(r"^[\w.-]+:\s+")
_QUOTED = re.compile(r""""(?:[^"\\]|\\.)*"|'[^']*'""")
_BLOCK_START = re.compile(r"^(\s*)(?:- +)?(?:[^\s#:][^:#]*:\s+)?[|>][-+0-9]*\s*(#.*)?$")


def prose_line(line: str, yaml: bool = False) -> bool:
    """Whether one line reads as a sentence of prose rather than code (``yaml``: after a
    leading list dash and ``key:``)."""
    s = line.strip()
    if yaml:
        s = _YAML_KEY.sub("", _YAML_ITEM.sub("", s))
    if _CODE.search(s):
        return False
    toks = s.split()
    if len(toks) < 6:
        return False
    if not any(t.lower().strip(".,;:!?\"'()") in _FUNCTION_WORDS for t in toks):
        return False
    if sum(t.isupper() and len(t) > 1 for t in toks) > 0.3 * len(toks):
        return False
    return sum(bool(_WORD.match(t)) for t in toks) >= 0.85 * len(toks)


def yaml_block_scalar_lines(lines: Sequence[str]) -> list[bool]:
    """True for each line inside a YAML block scalar (``key: |``/``key: >`` and the lines
    indented deeper than that key; blank lines inside it too).

    >>> yaml_block_scalar_lines(["run: |", "  make", "", "  make test", "next: 1"])
    [False, True, True, True, False]
    """
    out = [False] * len(lines)
    indent: int | None = None
    for i, line in enumerate(lines):
        if indent is not None:
            if not line.strip() or len(line) - len(line.lstrip()) > indent:
                out[i] = True
                continue
            indent = None
        m = _BLOCK_START.match(line)
        if m:
            indent = len(m.group(1))
    return out


def yaml_flow_lines(lines: Sequence[str]) -> list[bool]:
    """True for each line that starts inside a YAML flow collection (a ``{`` or ``[`` left
    open on an earlier line: JSON style), and for the line that opens it.

    >>> yaml_flow_lines(["a: 1", "b: {", '  "c": [1,', "    2]", "}", "d: [1, 2]"])
    [False, True, True, True, True, False]
    """
    out = [False] * len(lines)
    depth = 0
    for i, line in enumerate(lines):
        code = _QUOTED.sub("", line.split(" #", 1)[0])
        if code.lstrip().startswith("#"):
            out[i] = depth > 0
            continue
        start = depth
        depth = max(0, depth + code.count("{") + code.count("[") - code.count("}")
                    - code.count("]"))  # fmt: skip
        out[i] = start > 0 or depth > 0
    return out


def markdown_fence_lines(lines: Sequence[str]) -> list[bool]:
    """True for each line of a fenced code block in Markdown, fences included.

    >>> markdown_fence_lines(["Text", "```hs", "main = pure ()", "```", "More"])
    [False, True, True, True, False]
    """
    out = [False] * len(lines)
    fence: str | None = None
    for i, line in enumerate(lines):
        s = line.lstrip()
        if fence is None:
            if s.startswith(("```", "~~~")):
                fence = s[:3]
                out[i] = True
        else:
            out[i] = True
            if s.startswith(fence):
                fence = None
    return out


def foreign_mask(
    lines: Sequence[str], language: str, comments: Sequence[bool] | None = None
) -> list[bool]:
    """True for each line that is not content of ``language``: unmarked prose, or (YAML) a
    line of a block scalar. ``comments``: the file's :func:`comment_mask`, when already
    computed. Pass a whole file, so that a window that starts inside a block scalar or a
    comment is judged right."""
    if language == "Markdown":
        return [
            bool(line.strip()) and f
            for f, line in zip(markdown_fence_lines(lines), lines, strict=True)
        ]
    mask = comment_mask(lines, language) if comments is None else comments
    yaml = language == "YAML"
    if yaml:
        flow = yaml_flow_lines(lines)
        block = [b or f for b, f in zip(yaml_block_scalar_lines(lines), flow, strict=True)]
    else:
        block = [False] * len(lines)
    return [
        bool(line.strip()) and (block[i] or (not mask[i] and prose_line(line, yaml)))
        for i, line in enumerate(lines)
    ]


def foreign_share(foreign: Sequence[bool], lines: Sequence[str]) -> float:
    """The share of the non-blank ``lines`` that ``foreign`` marks."""
    marks = [f for f, line in zip(foreign, lines, strict=True) if line.strip()]
    return sum(marks) / len(marks) if marks else 0.0


def is_text_dominated(
    lines: Sequence[str], language: str, threshold: float = TEXT_DOMINATED
) -> bool:
    """Whether at least ``threshold`` of a text's non-blank lines are foreign
    (:func:`foreign_mask`), judged on the text alone."""
    return foreign_share(foreign_mask(lines, language), lines) >= threshold
