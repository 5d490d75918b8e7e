"""The ``generate`` command (text tasks by prompt), added to the main app by ``register``.

lmtask generate "A long article ..." --task summarize
lmtask generate "Good morning" --task translate --target-language German
lmtask generate --input report.txt --whole-file --task answer --question "Who signed it?"
lmtask generate --input notes.txt --task custom --template "Give a title for: {text}" --json
cat article.txt | lmtask generate - --whole-file
lmtask generate --input doc.txt --whole-file --task answer --question "Who?" --check
"""

from __future__ import annotations

import json
import sys
import warnings
from typing import Annotated, Any

import typer
from rich.markup import escape

from lmtask.cli.common import EncodingOpt, err, gather_texts, to_flags
from lmtask.cli.common import fail as _fail
from lmtask.engine.prompting import TruncationWarning
from lmtask.errors import LmtaskError

CHECKED = ("answer", "summarize")


def _check(
    sources: list[str],
    answers: list[str],
    model: str,
    threshold: float,
    n_samples: int,
    config: Any,
    dtype: str,
    task: str,
    fields: dict[str, str],
    template: str | None,
) -> list[Any]:
    """The hallucination check of each answer against its text (lmtask.probe)."""
    from lmtask.probe.hallucination import check_support, sample_answers

    samples = None
    if n_samples:
        samples = sample_answers(sources, n_samples, task=task, model=model, seed=config.seed,
                                 dtype=dtype, max_new_tokens=config.max_new_tokens,
                                 template=template, **fields)  # fmt: skip
    return check_support(sources, answers, model=model, threshold=threshold, samples=samples,
                         question=fields.get("question"), dtype=dtype,
                         batch_size=config.batch_size)  # fmt: skip


def _one_line(s: str) -> str:
    return s.replace("\\", "\\\\").replace("\n", "\\n")


def register(app: typer.Typer) -> None:
    """Add the ``generate`` command to ``app``."""
    from lmtask.models.registry import DEFAULT_MODEL
    from lmtask.probe.hallucination import DEFAULT_THRESHOLD

    @app.command()
    def generate(
        texts: Annotated[
            list[str] | None, typer.Argument(help="Texts to work on; '-' reads stdin.")
        ] = None,
        task: Annotated[
            str, typer.Option("--task", "-t", help="summarize, translate, answer or custom.")
        ] = "summarize",
        input_file: Annotated[
            str | None,
            typer.Option(
                "--input", "-i", help="File (txt: one text a line; CSV/JSONL) or '-' for stdin."
            ),
        ] = None,
        whole_file: Annotated[
            bool, typer.Option("--whole-file", help="The whole file (or stdin) is one text.")
        ] = False,
        column: Annotated[str | None, typer.Option(help="Text column of a CSV/JSONL file.")] = None,
        encoding: EncodingOpt = "utf-8",
        model: Annotated[
            str, typer.Option("--model", "-m", help="Model alias, .gguf, folder or hub id.")
        ] = DEFAULT_MODEL,
        max_new_tokens: Annotated[
            int | None, typer.Option(min=1, help="Most tokens to generate (default: the task's).")
        ] = None,
        temperature: Annotated[float, typer.Option(min=0.0, help="0 is greedy.")] = 0.0,
        top_p: Annotated[float, typer.Option(help="Nucleus sampling (with --temperature).")] = 1.0,
        stop: Annotated[
            list[str] | None, typer.Option("--stop", help="Stop at this string (repeatable).")
        ] = None,
        seed: Annotated[int, typer.Option(help="Seed for sampling.")] = 0,
        target_language: Annotated[
            str | None, typer.Option(help="translate: the language (default French).")
        ] = None,
        question: Annotated[str | None, typer.Option(help="answer: the question.")] = None,
        template: Annotated[
            str | None,
            typer.Option(
                help="A prompt template with {text}: needed by --task custom; for the other "
                "tasks it replaces the task's prompt."
            ),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
        no_stream: Annotated[
            bool, typer.Option("--no-stream", help="Print a single text's output at the end.")
        ] = False,
        batch_size: Annotated[int, typer.Option(min=1)] = 8,
        dtype: Annotated[str, typer.Option(help="auto, bfloat16 or float32.")] = "auto",
        check: Annotated[
            bool,
            typer.Option(
                "--check",
                help="answer/summarize: score whether the text supports each sentence; "
                "below --check-threshold print 'not supported by the text' instead.",
            ),
        ] = False,
        check_threshold: Annotated[
            float,
            typer.Option(
                min=0.0,
                max=1.0,
                help="Support below which an answer is withheld "
                "(default: chosen on a dev set, see bench/RESULTS.md).",
            ),
        ] = DEFAULT_THRESHOLD,
        check_samples: Annotated[
            int,
            typer.Option(min=0, help="--check: also sample N answers and report agreement."),
        ] = 0,
    ) -> None:
        """Summarize, translate, answer a question or run your own prompt on texts."""
        out = sys.stdout
        streamed = False
        try:
            from lmtask.text_tasks import GenerationConfig, get_text_task
            from lmtask.text_tasks import generate as run

            fields = {
                k: v
                for k, v in (("target_language", target_language), ("question", question))
                if v is not None
            }
            tt = get_text_task(task)
            tt.resolve_fields(template, **fields)  # fail fast, before reading stdin or a model
            if check and tt.name not in CHECKED:
                raise LmtaskError(f"--check works with --task {' or '.join(CHECKED)}, not {task}")
            items = gather_texts(texts, input_file, whole_file, column, encoding)
            config = GenerationConfig(
                max_new_tokens=max_new_tokens,
                temperature=temperature,
                top_p=top_p,
                stop=list(stop) if stop else None,
                seed=seed,
                batch_size=batch_size,
            )
            do_stream = len(items) == 1 and not as_json and not no_stream and not check

            def show(piece: str) -> None:
                nonlocal streamed
                streamed = True
                out.write(piece)
                out.flush()

            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                results = run(
                    items,
                    task=tt,
                    model=model,
                    config=config,
                    stream=show if do_stream else None,
                    template=template,
                    dtype=dtype,
                    **fields,
                )
                checks = (
                    _check(items, results, model, check_threshold, check_samples, config,
                           dtype, tt.name, fields, template)
                    if check else None
                )  # fmt: skip
            for w in caught:
                if issubclass(w.category, TruncationWarning):
                    err.print(f"[yellow]warning:[/] {escape(str(w.message))}", highlight=False)
        except LmtaskError as e:
            if streamed:
                out.write("\n")
            _fail(to_flags(str(e), {"text_column": "--column"}))
        if do_stream:
            out.write("\n")
            return
        for i, (text, result) in enumerate(zip(items, results, strict=True)):
            c = checks[i] if checks is not None else None
            shown = c.shown(result) if c is not None else result
            if as_json:
                row = {"text": text, "task": tt.name, "output": shown}
                if c is not None:
                    row.update(generated=result, **c.to_dict())
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            else:
                out.write(_one_line(shown) + "\n")
        if checks:
            held = sum(not c.supported for c in checks)
            err.print(f"[dim]note:[/] --check withheld {held} of {len(checks)} (support below "
                      f"{check_threshold})", highlight=False)  # fmt: skip
