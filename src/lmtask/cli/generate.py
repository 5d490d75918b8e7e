"""The ``generate`` command (text tasks by prompt), added to the main app by ``register``.

lmtask generate "A long article ..." --task summarize
lmtask generate "Good morning" --task translate --target-language German
lmtask generate --input report.txt --whole-file --task answer --question "Who signed it?"
lmtask generate --input notes.txt --task custom --template "Give a title for: {text}" --json
cat article.txt | lmtask generate - --whole-file
"""

from __future__ import annotations

import json
import sys
import warnings
from typing import Annotated

import typer

from lmtask.cli.common import EncodingOpt, err, gather_texts, to_flags
from lmtask.cli.common import fail as _fail
from lmtask.engine.prompting import TruncationWarning
from lmtask.errors import LmtaskError


def _one_line(s: str) -> str:
    return s.replace("\\", "\\\\").replace("\n", "\\n")


def register(app: typer.Typer) -> None:
    """Add the ``generate`` command to ``app``."""
    from lmtask.models.registry import DEFAULT_MODEL

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
            str | None, typer.Option(help="A prompt template with {text} (task custom).")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
        no_stream: Annotated[
            bool, typer.Option("--no-stream", help="Print a single text's output at the end.")
        ] = False,
        batch_size: Annotated[int, typer.Option(min=1)] = 8,
        dtype: Annotated[str, typer.Option(help="auto, bfloat16 or float32.")] = "auto",
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
            items = gather_texts(texts, input_file, whole_file, column, encoding)
            config = GenerationConfig(
                max_new_tokens=max_new_tokens,
                temperature=temperature,
                top_p=top_p,
                stop=list(stop) if stop else None,
                seed=seed,
                batch_size=batch_size,
            )
            do_stream = len(items) == 1 and not as_json and not no_stream

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
            for w in caught:
                if issubclass(w.category, TruncationWarning):
                    err.print(f"[yellow]warning:[/] {w.message}", highlight=False)
        except LmtaskError as e:
            if streamed:
                out.write("\n")
            _fail(to_flags(str(e), {"text_column": "--column"}))
        if do_stream:
            out.write("\n")
            return
        for text, result in zip(items, results, strict=True):
            if as_json:
                row = {"text": text, "task": tt.name, "output": result}
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            else:
                out.write(_one_line(result) + "\n")
