"""The 25 languages and how a file's language is told from its name (or its ``#!`` line).

>>> language_of("src/app/main.py"), language_of("GNUmakefile"), language_of("x.h")
('Python', 'Makefile', None)
>>> language_of("bin/run", first_line="#!/usr/bin/env bash")
'Shell'
>>> is_source_member("pkg/lib/a.rs", 120), is_source_member("pkg/logo.png", 120)
(True, False)
"""

from __future__ import annotations

import os
import re
from pathlib import PurePosixPath

LANGUAGES: tuple[str, ...] = (
    "Python", "C", "C++", "Java", "JavaScript", "TypeScript", "Go", "Rust", "Ruby", "PHP",
    "Shell", "Perl", "Lua", "SQL", "HTML", "CSS", "Haskell", "Scala", "Kotlin", "R", "Swift",
    "C#", "Makefile", "YAML", "Markdown",
)  # fmt: skip

MAX_FILE_BYTES = 1_000_000


EXTENSIONS = {
    ".py": "Python", ".pyw": "Python",
    ".c": "C",
    ".cc": "C++", ".cpp": "C++", ".cxx": "C++", ".c++": "C++", ".hpp": "C++", ".hh": "C++",
    ".hxx": "C++", ".h++": "C++", ".ipp": "C++",
    ".java": "Java",
    ".js": "JavaScript", ".mjs": "JavaScript", ".cjs": "JavaScript", ".jsx": "JavaScript",
    ".ts": "TypeScript", ".tsx": "TypeScript", ".mts": "TypeScript", ".cts": "TypeScript",
    ".go": "Go",
    ".rs": "Rust",
    ".rb": "Ruby", ".rake": "Ruby", ".gemspec": "Ruby",
    ".php": "PHP",
    ".sh": "Shell", ".bash": "Shell",
    ".pl": "Perl", ".pm": "Perl",
    ".lua": "Lua",
    ".sql": "SQL",
    ".html": "HTML", ".htm": "HTML", ".xhtml": "HTML",
    ".css": "CSS",
    ".hs": "Haskell",
    ".scala": "Scala",
    ".kt": "Kotlin", ".kts": "Kotlin",
    ".r": "R",
    ".swift": "Swift",
    ".cs": "C#",
    ".mk": "Makefile", ".make": "Makefile",
    ".yml": "YAML", ".yaml": "YAML",
    ".md": "Markdown", ".markdown": "Markdown",
}  # fmt: skip
FILENAMES = {
    "Makefile": "Makefile", "makefile": "Makefile", "GNUmakefile": "Makefile",
    "Rakefile": "Ruby", "Gemfile": "Ruby",
}  # fmt: skip
_SHEBANG = {
    "sh": "Shell", "bash": "Shell", "dash": "Shell", "make": "Makefile", "python": "Python",
    "perl": "Perl", "ruby": "Ruby", "lua": "Lua", "Rscript": "R", "node": "JavaScript",
}  # fmt: skip


def language_of(path: str | os.PathLike[str], first_line: str | None = None) -> str | None:
    """The language of a file from its name (and, for a file with no extension, its ``#!``
    line), or None: unknown, or ambiguous like ``.h`` (C or C++) and ``.m`` (MATLAB or
    Objective-C).

    >>> [language_of(p) for p in ("a.rs", "b.R", "lib/x.mk", "Makefile", "c.hpp", "d.m")]
    ['Rust', 'R', 'Makefile', 'Makefile', 'C++', None]
    >>> language_of("debian/rules", first_line="#!/usr/bin/make -f")
    'Makefile'
    """
    name = PurePosixPath(str(path).replace("\\", "/")).name
    if name in FILENAMES:
        return FILENAMES[name]
    suffix = PurePosixPath(name).suffix
    if suffix:
        return EXTENSIONS.get(suffix.lower())
    if first_line and first_line.startswith("#!"):
        parts = first_line[2:].strip().split()
        if not parts:
            return None
        prog = PurePosixPath(parts[0]).name
        if prog == "env":
            args = [a for a in parts[1:] if not a.startswith("-") and "=" not in a]
            prog = args[0] if args else ""
        prog = re.sub(r"[\d.]+$", "", prog)  # python3.11 -> python
        return _SHEBANG.get(prog)
    return None


def is_source_member(name: str, size: int) -> bool:
    """Whether an archive member may become snippets (extracted), by name and size: a file
    with a known extension or name, a ``.h``, or a small file without extension (maybe a
    ``#!`` script); never an empty or a huge one."""
    if size > MAX_FILE_BYTES or size == 0:
        return False
    base = PurePosixPath(name).name
    if base in FILENAMES or PurePosixPath(base).suffix.lower() in (*EXTENSIONS, ".h"):
        return True
    return not PurePosixPath(base).suffix and size < 300_000  # maybe a #! script
