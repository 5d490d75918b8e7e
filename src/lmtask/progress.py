"""A rich progress bar on stderr for long work, or a no-op.

>>> with progress_bar(3, "working", enabled=False) as advance:
...     advance(3)
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


@contextlib.contextmanager
def progress_bar(total: int, what: str, enabled: bool = True) -> Iterator[Callable[[int], None]]:
    """Yields ``advance(n)``; shows a bar on stderr when ``enabled`` and stderr is a terminal
    or ``enabled`` is forced by the caller."""
    if not enabled:
        yield lambda n: None
        return
    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as prog:
        tid = prog.add_task(what, total=total, rate="")

        def advance(n: int) -> None:
            prog.advance(tid, n)
            t = prog.tasks[0]
            if t.elapsed:
                prog.update(tid, rate=f"{t.completed / t.elapsed:.1f} texts/s")

        yield advance
