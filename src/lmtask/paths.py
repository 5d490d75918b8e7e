"""Where lmtask keeps its caches, and a cheap fingerprint of source files (no torch).

>>> import os
>>> os.environ["LMTASK_HOME"] = "/tmp/lmtask-doctest"; cache_root().name
'lmtask-doctest'
>>> del os.environ["LMTASK_HOME"]
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import platformdirs


def cache_root() -> Path:
    """``$LMTASK_HOME`` if set, else the user cache dir (``~/.cache/lmtask`` on Linux)."""
    env = os.environ.get("LMTASK_HOME")
    return Path(env).expanduser() if env else Path(platformdirs.user_cache_dir("lmtask"))


def fingerprint(paths: list[Path]) -> str:
    """A cheap key for source files: path, size and modification time of each."""
    h = hashlib.sha256()
    for p in paths:
        st = p.stat()
        h.update(f"{p.resolve()}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]
