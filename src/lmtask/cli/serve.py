"""``lmtask serve``: classifiers behind an HTTP API and a web page.

lmtask serve --task sentiment                        # http://127.0.0.1:8000
lmtask serve runs/sentiment-lora runs/topics --port 8080 --api-key s3cret
lmtask serve --labels spam,ham --name spam --reports runs/
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lmtask.cli.common import (
    DtypeOpt,
    ExamplesOpt,
    LabelsOpt,
    ModelOpt,
    TaskOpt,
    fail,
    library_errors,
    note,
)


def serve(
    artifacts: Annotated[
        list[str] | None, typer.Argument(help="Saved classifier folders to serve.")
    ] = None,
    task: TaskOpt = None,
    labels: LabelsOpt = None,
    method: Annotated[
        str | None, typer.Option(help="Method spec for --task/--labels (default zero-shot).")
    ] = None,
    model: ModelOpt = None,
    dtype: DtypeOpt = "auto",
    examples: ExamplesOpt = None,
    name: Annotated[
        str | None, typer.Option(help="Name of the --task/--labels classifier in the API.")
    ] = None,
    host: Annotated[str, typer.Option(help="Address to bind (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535)] = 8000,
    api_key: Annotated[
        str | None,
        typer.Option(envvar="LMTASK_API_KEY", help="Require 'Authorization: Bearer KEY'."),
    ] = None,
    batching: Annotated[
        bool, typer.Option("--batching/--no-batching", help="Dynamic batching of requests.")
    ] = True,
    max_batch_texts: Annotated[int, typer.Option(min=1, help="Most texts per batch.")] = 64,
    max_wait_ms: Annotated[
        float, typer.Option(min=0, help="How long a batch waits for more requests.")
    ] = 5.0,
    max_queue: Annotated[int, typer.Option(min=1, help="Most texts waiting (then 429).")] = 256,
    max_input_chars: Annotated[int, typer.Option(min=1, help="Longest text accepted.")] = 20000,
    text_model: Annotated[
        str | None, typer.Option(help="Model for /v1/generate ('none' to turn it off).")
    ] = "default",
    reports: Annotated[
        str | None, typer.Option(help="Folder of eval/compare outputs to show on the page.")
    ] = None,
    cors_origin: Annotated[
        list[str] | None, typer.Option(help="Allow this origin by CORS (repeatable).")
    ] = None,
) -> None:
    """Serve classifiers over HTTP (API at /v1, docs at /docs, a web page at /)."""
    import uvicorn

    from lmtask.artifacts import read_manifest
    from lmtask.ladder import ClassifierSpec
    from lmtask.serve import ServeConfig, create_app

    specs = []
    with library_errors():
        for folder in artifacts or []:
            read_manifest(folder)  # a missing or broken artifact: one line now, not a log later
            specs.append(ClassifierSpec(artifact=folder, label=name if not (task or labels) and
                                        len(artifacts or []) == 1 else None))  # fmt: skip
        if task or labels:
            specs.append(ClassifierSpec(task=task, labels=labels, method=method, model=model,
                                        dtype=dtype, examples=examples, label=name))  # fmt: skip
        elif method or model or examples:
            fail("--method, --model and --examples describe a --task/--labels classifier")
        if not specs:
            fail("nothing to serve: give an artifact folder, --task or --labels")
        specs = _apart(specs)
        if reports is not None and not Path(reports).is_dir():
            fail(f"--reports {reports}: no such folder")
        config = ServeConfig(
            host=host, port=port, api_key=api_key, batching=batching,
            max_batch_texts=max_batch_texts, max_wait_ms=max_wait_ms, max_queue=max_queue,
            max_input_chars=max_input_chars, reports=reports, cors_origins=cors_origin or [],
            text_model=None if (text_model or "").lower() == "none" else text_model,
        )  # fmt: skip
        app = create_app(specs, config)
    _check_port(host, port)
    if host not in ("127.0.0.1", "localhost", "::1"):
        note(f"listening on {host}: reachable from other machines" +
             ("" if api_key else " without an API key"))  # fmt: skip
    note(f"lmtask serving {', '.join(s.name for s in specs)} at http://{host}:{port}/ "
         "(the model loads in the background; /healthz says when it is ready)")  # fmt: skip
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _check_port(host: str, port: int) -> None:
    """A one-line error now, rather than a "serving at" note and then uvicorn's own error,
    when the address is taken or cannot be bound (port 0: any free port, nothing to check)."""
    import socket

    if not port:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
            sock.bind(infos[0][4])
    except OSError as e:
        fail(f"cannot listen on {host}:{port}: {e.strerror or e} (is another server there? "
             "pick another --port)")  # fmt: skip


def _apart(specs: list) -> list:
    """Artifact folders with one name (runs/a/best, runs/b/best) are served as a-best and
    b-best: a server needs a name per classifier."""
    import dataclasses

    names = [s.name for s in specs]
    return [
        dataclasses.replace(s, label=f"{Path(s.artifact).resolve().parent.name}-{s.name}")
        if s.artifact is not None and not s.label and names.count(s.name) > 1
        else s
        for s in specs
    ]
