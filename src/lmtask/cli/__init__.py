"""The ``lmtask`` command line: one module per command; each parses its arguments, calls
one library function and prints.

lmtask classify "I love the sunny weather today." --task sentiment
lmtask eval tweets --task sentiment --sample 300 --out runs/tweets
lmtask models
"""

from __future__ import annotations

from typing import Annotated

import typer

from lmtask.cli import batch as batch_cmd
from lmtask.cli import catalog, classify, compare, datasets, evaluate, generate, predict, search
from lmtask.cli import distill as distill_cmd
from lmtask.cli import fit as fit_cmd
from lmtask.cli import probe as probe_cmd
from lmtask.cli import serve as serve_cmd
from lmtask.cli import tune as tune_cmd
from lmtask.cli.common import quiet_libraries

app = typer.Typer(
    help="Turn a pretrained language model into a text classifier, offline.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _options(
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Also show the libraries' own progress bars, logs and warnings "
            "(transformers, huggingface_hub, peft); by default stderr has lmtask's messages only.",
        ),
    ] = False,
) -> None:
    quiet_libraries(verbose)


app.command("classify")(classify.classify)
app.command("predict")(predict.predict)
app.command("models")(catalog.models)
app.command("tasks")(catalog.tasks)
app.command("eval")(evaluate.evaluate)
app.command("compare")(compare.compare)
app.command("tune")(tune_cmd.tune)
app.command("fit")(fit_cmd.fit)
app.command("distill")(distill_cmd.distill)
app.command("serve")(serve_cmd.serve)
app.add_typer(datasets.datasets_app, name="datasets")
generate.register(app)
search.register(app)
probe_cmd.register(app)
batch_cmd.register(app)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
