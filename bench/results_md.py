"""Shared by the bench scripts: replace one ``## `` section of bench/RESULTS.md in place."""

from __future__ import annotations

import os
from pathlib import Path


def write_section(out: Path, heading: str, section: str) -> None:
    """Put ``section`` (which starts with ``heading``) where that heading stands in ``out``,
    or at the end; other sections stay as they are. Written atomically."""
    old = out.read_text(encoding="utf-8") if out.exists() else "# Benchmarks\n"
    lines = old.splitlines()
    try:
        start = lines.index(heading)
    except ValueError:
        new = old.rstrip("\n") + "\n\n" + section
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        tail = ["", *lines[end:]] if end < len(lines) else []
        new = "\n".join([*lines[:start], *section.rstrip("\n").splitlines(), *tail])
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_text(new.rstrip("\n") + "\n", encoding="utf-8")
    tmp.replace(out)
