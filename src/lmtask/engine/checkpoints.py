"""Training checkpoints: the working folder, the last complete checkpoint, disk errors."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lmtask.errors import InputError


def _last_step(out: str) -> tuple[str | None, int]:
    """The newest complete ``checkpoint-N`` in ``out`` and its step, or (None, 0).

    A checkpoint is complete when its ``trainer_state.json`` (written last) reads; a folder
    half-written by a kill or a full disk is skipped with a warning.
    """
    root = Path(out)
    found = [p for p in root.glob("checkpoint-*") if p.name[11:].isdigit()] if root.is_dir() else []
    for p in sorted(found, key=lambda p: int(p.name[11:]), reverse=True):
        try:
            state = json.loads((p / "trainer_state.json").read_text())
        except (OSError, ValueError):
            warnings.warn(f"{p} is incomplete (no trainer_state.json): skipped", stacklevel=2)
            continue
        return str(p), int(state.get("global_step", 0))
    return None, 0


_FULL_SIGNS = ("No space left", "os error 28", "Disk quota", "os error 122", "Read-only file",
               "os error 30", "file write failed")  # fmt: skip


def _disk_error(e: BaseException, out: str) -> str | None:
    """Why ``e`` is a failed write under ``out`` (full disk, read-only...), else None.

    torch.save raises RuntimeError and safetensors its own SafetensorError, not OSError, so
    their messages are read too.
    """
    if isinstance(e, OSError):
        if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
            return e.strerror or str(e)
        mine = e.filename and Path(str(e.filename)).resolve().is_relative_to(Path(out).resolve())
        if e.errno in (errno.EACCES, errno.EPERM) and mine:
            return f"{e.strerror}: {e.filename}"
        return None
    text = str(e)
    return text.splitlines()[0][:300] if any(m in text for m in _FULL_SIGNS) else None


@contextlib.contextmanager
def _workdir(config: Any) -> Iterator[str]:
    if config.output_dir:
        out = Path(config.output_dir)
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise InputError(f"cannot create output_dir {out}: {e.strerror or e}") from None
        if not os.access(out, os.W_OK):
            raise InputError(f"output_dir {out} is not writable")
        yield str(out)
    else:
        with tempfile.TemporaryDirectory(prefix="lmtask-train-") as d:
            yield d
