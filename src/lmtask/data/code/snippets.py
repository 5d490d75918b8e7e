"""Snippets from one extracted package tree: file selection, windows of 5-40 lines that are
mostly code, de-duplicated within the package, each with its provenance."""

from __future__ import annotations

import os
import random
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from lmtask.data.code.dedup import Dedup, file_hash
from lmtask.data.code.filters import (
    SKIP_DIRS,
    SKIP_NAME,
    comment_mask,
    is_generated,
    strip_licence_header,
)
from lmtask.data.code.languages import MAX_FILE_BYTES, language_of
from lmtask.data.code.prose import TEXT_DOMINATED, foreign_mask
from lmtask.data.code.reserved import is_stdlib_path
from lmtask.errors import InputError

MIN_LINES, MAX_LINES = 5, 40  # window length, inclusive
MAX_WINDOWS_PER_FILE = 5  # and 1 per 200 lines: a short file gives one


def _iter_files(root: Path) -> Iterator[tuple[str, Path]]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for fn in sorted(filenames):
            p = Path(dirpath) / fn
            rel = p.relative_to(root).as_posix()
            if p.is_symlink() or SKIP_NAME.search(fn) or is_stdlib_path(rel):
                continue
            yield rel, p


def _read_text(p: Path) -> str | None:
    try:
        if p.stat().st_size > MAX_FILE_BYTES or p.stat().st_size == 0:
            return None
        raw = p.read_bytes()
    except OSError:
        return None
    if b"\x00" in raw[:8192]:
        return None
    try:
        return raw.decode("utf-8-sig")  # without a byte-order mark
    except UnicodeDecodeError:
        return None


def _first_line(p: Path) -> str:
    try:
        with open(p, "rb") as f:
            return f.readline(200).decode("utf-8", "replace").strip()
    except OSError:
        return ""


def _windows(
    lines: list[str],
    mask: list[bool],
    body_start: int,
    rng: random.Random,
    k: int,
    foreign: list[bool] | None = None,
) -> list[tuple[int, int]]:
    """Up to ``k`` non-overlapping (start, end) windows of 5-40 lines, mostly code, and
    (``foreign``: :func:`~lmtask.data.code.prose.foreign_mask` of the file) less than half
    prose or embedded text."""
    n = len(lines) - body_start
    if n < MIN_LINES:
        return []
    chosen: list[tuple[int, int]] = []
    for _ in range(k * 4):
        if len(chosen) >= k:
            break
        length = rng.randint(MIN_LINES, min(MAX_LINES, n))
        s = body_start + rng.randint(0, n - length)
        e = s + length
        while s < e and not lines[s].strip():  # trim blank edges
            s += 1
        while e > s and not lines[e - 1].strip():
            e -= 1
        if e - s < MIN_LINES or any(s < ce and cs < e for cs, ce in chosen):
            continue
        window = lines[s:e]
        if any(len(line) > 400 for line in window):
            continue
        code = sum(1 for i in range(s, e) if lines[i].strip() and not mask[i])
        if code < 3 or code < 0.5 * (e - s):
            continue
        if foreign is not None:
            n_text = sum(1 for i in range(s, e) if lines[i].strip())
            if sum(foreign[s:e]) >= TEXT_DOMINATED * n_text:
                continue
        chosen.append((s, e))
    return chosen


def snippets_from_tree(
    root: str | os.PathLike[str],
    package: str,
    version: str,
    registry: str,
    seed: int = 0,
    *,
    max_per_language: int = 40,
    max_windows_per_file: int = MAX_WINDOWS_PER_FILE,
) -> list[dict[str, Any]]:
    """Snippets cut from the source files under ``root``, up to ``max_per_language`` per
    language, deterministic for a seed. Each is ``{"text", "label", "package", "version",
    "registry", "path", "start_line"}`` (``start_line`` 1-based in the file) plus ``_file``,
    a hash of the whole file that :func:`build` uses to drop files seen in another package.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> body = "".join(f"def f{i}(x):\\n    return x + {i}\\n" for i in range(30))
    >>> _ = (root / "m.py").write_text("# Copyright 2024 Ann\\n# MIT License\\n\\n" + body)
    >>> snips = snippets_from_tree(root, "demo", "1.0", "pypi", seed=0)
    >>> {s["label"] for s in snips}, all(s["start_line"] >= 4 for s in snips)
    ({'Python'}, True)
    >>> all(5 <= len(s["text"].splitlines()) <= 40 for s in snips)
    True
    """
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"no package tree at {root} for {package!r}")
    files: dict[str, list[tuple[str, Path]]] = defaultdict(list)
    headers: list[tuple[str, Path]] = []
    declarations: list[tuple[str, Path]] = []  # .d.ts
    for rel, p in _iter_files(root):
        suffix = PurePosixPath(rel).suffix
        lang = language_of(rel, _first_line(p) if not suffix else None)
        if rel.endswith(".d.ts"):
            declarations.append((rel, p))
            continue
        xml = suffix == ".ts" and _first_line(p).lstrip("\ufeff").startswith("<")
        if lang == "TypeScript" and xml:
            continue  # a Qt Linguist translation file (XML), not TypeScript
        if lang in ("JavaScript",) and any(
            (p.with_suffix(s)).exists() for s in (".ts", ".tsx", ".mts", ".cts")
        ):
            continue  # compiled from the TypeScript next to it
        if lang is None and suffix == ".h":
            headers.append((rel, p))
        elif lang is not None:
            files[lang].append((rel, p))
    # .d.ts next to JavaScript are the compiler's output; kept only in a types-only package.
    if declarations and not files.get("JavaScript"):
        files["TypeScript"].extend(declarations)
    # JavaScript with a .d.ts of the same name, file after file, was compiled from TypeScript.
    typed = {rel[: -len(".d.ts")] for rel, _ in declarations}
    js = files.get("JavaScript", [])
    paired = [(rel, p) for rel, p in js if rel.rsplit(".", 1)[0] in typed]
    if len(paired) >= 5:
        files["JavaScript"] = [x for x in js if x not in paired]
    # .h: C or C++ only where the package is clearly one and not the other.
    if headers:
        n_c, n_cpp = len(files.get("C", [])), len(files.get("C++", []))
        if n_c and not n_cpp:
            files["C"].extend(headers)
        elif n_cpp and not n_c:
            files["C++"].extend(headers)

    dedup = Dedup()
    out: list[dict[str, Any]] = []
    for lang in sorted(files):
        items = sorted(files[lang])
        random.Random(f"{seed}:{registry}:{package}:{lang}").shuffle(items)
        got = 0
        for rel, p in items:
            if got >= max_per_language:
                break
            text = _read_text(p)
            if text is None:
                continue
            lines = [line.rstrip() for line in text.splitlines()]
            if len(lines) < MIN_LINES or is_generated(rel, text, lines):
                continue
            fh = file_hash(text)
            if fh in dedup.files:
                continue
            dedup.files.add(fh)
            mask = comment_mask(lines, lang)
            start = strip_licence_header(lines, lang)
            rng = random.Random(f"{seed}:{registry}:{package}:{rel}")
            k = min(max_windows_per_file, 1 + len(lines) // 200)
            foreign = foreign_mask(lines, lang, mask)
            for s, e in _windows(lines, mask, start, rng, k, foreign):
                snippet = "\n".join(lines[s:e])
                if dedup.seen(snippet):
                    continue
                dedup.add(snippet)
                out.append(
                    {
                        "text": snippet,
                        "label": lang,
                        "package": package,
                        "version": version,
                        "registry": registry,
                        "path": rel,
                        "start_line": s + 1,
                        "_file": fh,
                    }
                )
                got += 1
                if got >= max_per_language:
                    break
    return out
