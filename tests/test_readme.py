"""The README shows what really happens: its first lines say how to run lmtask after
`make demo`, and every printed output in it (``console`` blocks: ``$ lmtask ...`` then what
it prints; ``>>>`` Python examples) is produced here and compared."""

from __future__ import annotations

import doctest
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lmtask.cli import app

README = Path(__file__).resolve().parents[1] / "README.md"
NUMBER = re.compile(r"^-?\d+\.\d+$")
# The default dtype is measured per CPU (bfloat16 where it is faster, else float32): the
# printed probabilities then differ in the second decimal, never the labels or the words.
TOLERANCE = 0.03


def console_examples() -> list[tuple[str, list[str]]]:
    """(command, the lines it prints) for every ``$ lmtask`` line of a console block."""
    out: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", README.read_text(), flags=re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                out.append((line[2:], []))
            else:
                out[-1][1].append(line)
    return out


def run(command: str) -> str:
    args = shlex.split(command)
    assert args[0] == "lmtask", command
    res = CliRunner().invoke(app, args[1:])
    assert res.exit_code == 0, res.output
    return res.stdout


def same_line(shown: str, printed: str) -> bool:
    a, b = shown.split(), printed.split()
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if NUMBER.match(x) and NUMBER.match(y):
            if abs(float(x) - float(y)) > TOLERANCE:
                return False
        elif x != y:
            return False
    return True


def check(command: str, shown: list[str], printed: str) -> None:
    got = [line for line in printed.splitlines() if line.strip()]
    want = [line for line in shown if line.strip()]
    assert len(got) == len(want), (command, printed)
    for w, g in zip(want, got, strict=True):
        assert same_line(w, g), f"{command}\nREADME:  {w}\nprinted: {g}"


def cells(line: str) -> list[str]:
    return [c.strip() for c in re.split(r"[│┃]", line)[1:-1]]


def test_first_lines_say_how_to_run_lmtask_after_make_demo():
    top = "\n".join(README.read_text().splitlines()[:12])
    assert "make demo" in top
    assert "source .venv/bin/activate" in top and ".venv/bin/lmtask" in top


def test_every_command_in_console_blocks_is_found():
    commands = [c.split()[1] for c, _ in console_examples()]
    assert {"classify", "generate", "tasks", "models"} <= set(commands)
    assert all(shown for _, shown in console_examples())  # each shows what it prints


def test_tasks_table_is_as_printed():
    (shown,) = [s for c, s in console_examples() if c == "lmtask tasks"]
    check("lmtask tasks", shown, run("lmtask tasks"))


def test_models_table_is_as_printed():
    """Columns and rows as printed; which models are installed and cached, and the cache
    folder, depend on the machine."""
    from lmtask.paths import cache_root

    (shown,) = [s for c, s in console_examples() if c == "lmtask models"]
    printed = run("lmtask models").replace(str(cache_root()), "~/.cache/lmtask").splitlines()
    assert " ".join(shown[0].split()) == " ".join(printed[0].split())  # title
    rows = {r[0]: r for r in map(cells, shown) if r and r[0]}  # r[0] "": a wrapped cell
    got = {r[0]: r for r in map(cells, printed) if r and r[0]}
    assert list(rows) == list(got)  # the same header and aliases, in order
    for alias, row in got.items():
        assert row[:3] == rows[alias][:3], alias  # alias, kind, size
        if alias != "alias":
            assert row[3] in ("yes", "no") and row[4] in ("yes", "no", "-"), row


@pytest.mark.slow
def test_console_examples_print_what_the_readme_shows():
    examples = [(c, s) for c, s in console_examples() if c not in ("lmtask tasks", "lmtask models")]
    assert len(examples) >= 4
    for command, shown in examples:
        check(command, shown, run(command))


@pytest.mark.slow
def test_python_examples():
    result = doctest.testfile(
        str(README), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False
    )
    assert result.attempted >= 8 and result.failed == 0, result
