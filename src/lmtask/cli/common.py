"""What every CLI command shares: the stderr console, the one-line error exit, and the
options declared once (``Annotated`` types used by several commands).

Method options (``--shots``, ``--calibrate``, ...) default to ``None``: "the method's own
default". The library applies each given one to the methods that have it, and refuses one
that no chosen method has.

>>> import typer, pytest
>>> with pytest.raises(typer.Exit):
...     fail("no labels given")
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from lmtask.errors import InputError, LmtaskError

err = Console(stderr=True)

# Flags named in library errors: the library speaks of parameters, the CLI of its options.
# A key ending in "=" is replaced only in its ``name=value`` form ("sample=50" but not "a
# stratified sample"); other keys wherever the word stands.
_FLAGS = {
    "text_column": "--text-column",
    "label_column": "--label-column",
    "test_size": "--test-size",
    "a labelled pool": "a labelled file with --examples FILE",
    "encoding=": "--encoding",
    "sample=": "--sample",
}


def to_flags(msg: str, flags: dict[str, str] | None = None) -> str:
    """``msg`` with library parameter names replaced by this command's flags.

    >>> to_flags("pass encoding='latin-1'; sample=50 asked of a sample; pass text_column")
    "pass --encoding 'latin-1'; --sample 50 asked of a sample; pass --text-column"
    """
    for param, flag in {**_FLAGS, **(flags or {})}.items():
        if param.endswith("="):
            msg = re.sub(rf"\b{re.escape(param)}", flag + " ", msg)
        else:
            msg = re.sub(
                rf"\b{param}\b(=?)", lambda m, f=flag: f + (" " if m.group(1) else ""), msg
            )
    return msg


def fail(msg: str) -> NoReturn:
    """Print ``error: msg`` on one line to stderr and exit with status 2 (no traceback)."""
    err.print(f"[bold red]error:[/] {escape(msg)}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


@contextlib.contextmanager
def library_errors(flags: dict[str, str] | None = None) -> Iterator[None]:
    """Turn a library error into the one-line exit; parameter names become this command's
    flags (``flags`` maps a parameter to the flag the running command has)."""
    try:
        yield
    except LmtaskError as e:
        fail(to_flags(str(e), flags))


def note(line: str, flags: dict[str, str] | None = None) -> None:
    """A note (or ``warning: ...``) from the library on stderr, in this command's flags."""
    line = to_flags(line, flags)
    style = "yellow" if line.startswith("warning:") else "dim"
    text = line.removeprefix("warning: ")
    label = "warning" if style == "yellow" else "note"
    err.print(f"[{style}]{label}:[/] {escape(text)}", highlight=False, soft_wrap=True)


@contextlib.contextmanager
def shown_truncations() -> Iterator[None]:
    """Show the library's own warnings on stderr, each once: texts cut to the model window,
    batch calibration falling back to contextual for too few texts, texts that are not code
    given to a code detector."""
    from lmtask.data.code.notcode import NotCodeWarning
    from lmtask.engine.calibration import CalibrationWarning
    from lmtask.engine.prompting import TruncationWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    shown: set[str] = set()
    for w in caught:
        if (
            issubclass(w.category, (TruncationWarning, CalibrationWarning, NotCodeWarning))
            and str(w.message) not in shown
        ):
            shown.add(str(w.message))
            err.print(
                f"[yellow]warning:[/] {escape(str(w.message))}", highlight=False, soft_wrap=True
            )  # one line per warning, as notes are


def read_stdin_lines() -> list[str]:
    """One text a line, as ``--file x.txt`` reads them (``lmtask.data.readers.text_lines``)."""
    from lmtask.data.readers import text_lines

    return text_lines(sys.stdin.read())


def _split(raw: str, whole: bool) -> list[str]:
    if whole:
        return [raw.strip()] if raw.strip() else []
    return [line for line in raw.splitlines() if line.strip()]


def gather_texts(
    texts: list[str] | None,
    input_file: str | None,
    whole_file: bool,
    column: str | None,
    encoding: str = "utf-8",
) -> list[str]:
    """Texts from the arguments ('-': stdin) and ``--input`` (a file or '-')."""
    items: list[str] = []
    stdin_used = False
    sources: list[tuple[str, bool]] = [(t, False) for t in texts or []]
    if input_file is not None:
        sources.append((input_file, True))
    for t, is_file in sources:
        if t == "-":
            if stdin_used:
                raise InputError("stdin ('-') can be read only once")
            stdin_used = True
            items.extend(_split(sys.stdin.read(), whole_file))
        elif not is_file:
            items.append(t)
        elif whole_file:
            from lmtask.data import read_text

            items.extend(_split(read_text(t, encoding), True))
        else:
            from lmtask.data import read_table

            items.extend(
                read_table(t, text_column=column, encoding=encoding, need_labels=False).texts
            )
    if not items:
        raise InputError("no text to work on: give TEXT arguments, '-' for stdin, or --input FILE")
    return items


def quiet_libraries(verbose: bool = False) -> None:
    """Keep stderr to lmtask's own messages: no progress bars, info logs or FutureWarnings
    from transformers, huggingface_hub or peft, unless ``verbose``."""
    if verbose:
        if "transformers" in sys.modules:
            from transformers.utils import logging as hf_logging

            hf_logging.enable_progress_bar()
        return
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # read when they are imported
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    for category in (FutureWarning, DeprecationWarning):
        warnings.filterwarnings("ignore", category=category)
    if "transformers" in sys.modules:  # already imported (tests, a caller's process)
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()


def method_options(**given: Any) -> dict[str, Any]:
    """The shared method options that were given (not None)."""
    return {k: v for k, v in given.items() if v is not None}


TaskOpt = Annotated[str | None, typer.Option("--task", "-t", help="Task name or YAML/JSON file.")]
LabelsOpt = Annotated[
    str | None,
    typer.Option("--labels", "-l", help="Comma-separated labels (default: the data's labels)."),
]
ModelOpt = Annotated[
    str | None,
    typer.Option("--model", "-m", help="Model alias, .gguf, folder or hub id (default: the "
                 "method's: the packaged Qwen 0.5B for prompting)."),
]  # fmt: skip
DtypeOpt = Annotated[str, typer.Option(help="auto, bfloat16 or float32.")]
MethodOpt = Annotated[
    str,
    typer.Option(help="A method spec: zero-shot, few-shot:shots=8:select=nearest, finetune, ..."),
]
DataArg = Annotated[
    str, typer.Argument(help="A data file (csv, tsv, jsonl, parquet) or a packaged dataset.")
]
TextColOpt = Annotated[str | None, typer.Option(help="Text column of a data file.")]
LabelColOpt = Annotated[str | None, typer.Option(help="Label column of a data file.")]
SampleOpt = Annotated[
    int | None, typer.Option(min=1, help="A fixed stratified sample of N rows (see --seed).")
]
SeedOpt = Annotated[int, typer.Option(help="Seed of --sample, splits and method randomness.")]
LimitOpt = Annotated[int | None, typer.Option(min=1, help="Only the first N rows.")]
ExamplesOpt = Annotated[
    str | None, typer.Option(help="Labelled file to draw few-shot examples / training rows from.")
]
TestSizeOpt = Annotated[
    float, typer.Option(help="Share of rows evaluated when examples come from the data itself.")
]
SplitOpt = Annotated[
    str | None,
    typer.Option("--split", help="Reuse a saved split.json (train rows give the examples)."),
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Folder to write the report into.")]
EncodingOpt = Annotated[
    str, typer.Option(help="Character encoding of text data files (utf-8, latin-1, cp1252, ...).")
]

# Method options shared by several commands: None means "the method's default".
ModeOpt = Annotated[str | None, typer.Option(help="score (label likelihoods) or generate.")]
BatchOpt = Annotated[int | None, typer.Option(min=1, help="Texts per forward pass.")]
ShotsOpt = Annotated[int | None, typer.Option(min=0, help="Few-shot: examples per prompt (4).")]
SelectOpt = Annotated[
    str | None, typer.Option(help="Few-shot: random, balanced (default) or nearest.")
]
OrderOpt = Annotated[str | None, typer.Option(help="Few-shot: fixed (default) or shuffle.")]
CalibrateOpt = Annotated[
    bool | None,
    typer.Option(
        "--calibrate/--no-calibrate",
        help="Calibrate the label scores (contextual unless the task or --method says otherwise).",
    ),
]
MinConfOpt = Annotated[
    float | None,
    typer.Option(min=0.0, max=1.0, help="Answer 'unknown' below this probability."),
]
