"""``lmtask models`` and ``lmtask tasks``: what is available, installed and cached."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def models() -> None:
    """List model aliases: size, installed or not, converted (cached) or not."""
    from lmtask.models.registry import DEFAULT_MODEL, MODELS
    from lmtask.paths import cache_root

    table = Table(title=f"lmtask models (cache: {cache_root()})")
    for col in ("alias", "kind", "size", "installed", "cached", "install"):
        table.add_column(col)
    for alias, spec in MODELS.items():
        installed = spec.installed()
        cached = "-"
        if spec.parts is not None:
            entry = cache_root() / "models" / alias
            cached = "yes" if entry.is_dir() and any(entry.glob("*/lmtask-model.json")) else "no"
        name = alias + (" (default)" if alias == DEFAULT_MODEL else "")
        table.add_row(
            name,
            spec.kind,
            f"{spec.size_mb} MB",
            "yes" if installed else "no",
            cached,
            "" if installed else spec.install,
        )
    Console(width=max(Console().width, 150)).print(table)


def tasks() -> None:
    """List the built-in and registered tasks with their labels and measured accuracy."""
    from lmtask.tasks import get_task, list_tasks
    from lmtask.tasks.measured import measured

    table = Table(title="lmtask tasks (measured: bench/RESULTS.md)")
    table.add_column("task")
    table.add_column("labels")
    table.add_column("measured")
    for name in list_tasks():
        table.add_row(name, ", ".join(get_task(name).label_names), measured(name))
    Console().print(table)
