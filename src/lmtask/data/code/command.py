"""Run a download tool (pip, npm, apt-get, dpkg-deb); its failure as one clear InputError."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from lmtask.errors import InputError


def run_command(cmd: list[str], what: str, cwd: Path | None = None, timeout: int = 900) -> str:
    """``cmd``'s stdout; on failure an InputError ``cannot fetch {what}: <its error line>``."""
    try:
        res = subprocess.run(
            cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except FileNotFoundError:
        raise InputError(f"cannot fetch {what}: {cmd[0]!r} is not installed") from None
    except subprocess.TimeoutExpired:
        raise InputError(f"cannot fetch {what}: {cmd[0]} took over {timeout} s") from None
    if res.returncode != 0:
        lines = [x.strip() for x in (res.stderr or res.stdout).splitlines() if x.strip()]
        errs = [x for x in lines if re.match(r"(E:|ERROR|npm error|error)", x, re.I)]
        last = (errs or lines or ["no output"])[0 if errs else -1]
        raise InputError(f"cannot fetch {what}: {last[:300]}")
    return res.stdout
