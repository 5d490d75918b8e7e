"""What every CLI module shares: the stderr console and the one-line error exit.

>>> import typer, pytest
>>> with pytest.raises(typer.Exit):
...     fail("no labels given")
"""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

err = Console(stderr=True)


def fail(msg: str) -> NoReturn:
    """Print ``error: msg`` on one line to stderr and exit with status 2 (no traceback)."""
    err.print(f"[bold red]error:[/] {msg}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)
