"""``POST /v1/generate``: summarize, translate or answer, whole or streamed (server-sent events).

The text model loads on the first request (``ServeConfig.text_model``; "default" is the
packaged default model). Generations run one at a time in a worker thread, so a long one
never blocks classification requests.

A streamed response is a series of ``data: {"text": "..."}`` events and a last
``data: {"done": true, "output": "..."}``.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import StreamingResponse

from lmtask.engine.notices import collected
from lmtask.errors import LmtaskError
from lmtask.serve.schemas import GenerateRequest, GenerateResponse

_lock = threading.Lock()


def text_model(app: FastAPI) -> Any:
    """The loaded text model (loading it on first use); 404 when this server has none."""
    from lmtask.models import DEFAULT_MODEL, LoadedModel, load_model

    lm = app.state.text_model
    if lm is None:
        name = app.state.config.text_model
        if name is None:
            raise HTTPException(404, "this server does not generate (started without a model)")
        lm = DEFAULT_MODEL if name == "default" else name
    if not isinstance(lm, LoadedModel):
        with _lock:
            lm = app.state.text_model = load_model(lm)
    return lm


def _run(lm: Any, body: GenerateRequest, stream: Any = None) -> tuple[str, list[str]]:
    from lmtask.text_tasks import generate

    with _lock, collected() as caught:  # this call's notices only
        out = generate(
            [body.input], task=body.task, model=lm, stream=stream,
            max_new_tokens=body.max_new_tokens, temperature=body.temperature, seed=body.seed,
            **body.fields,
        )[0]  # fmt: skip
    notes = [str(w.message) for w in caught if w.category.__name__ == "TruncationWarning"]
    return out, notes


def register(app: FastAPI, auth: list[Any]) -> None:
    @app.post("/v1/generate", tags=["generate"], dependencies=auth, response_model=None)
    async def generate_route(body: GenerateRequest) -> GenerateResponse | StreamingResponse:
        """Run a text task on ``input``; ``"stream": true`` sends pieces as they come."""
        from lmtask.text_tasks import get_text_task

        if len(body.input) > app.state.config.max_input_chars:
            raise HTTPException(413, f"input is {len(body.input)} characters; this server takes "
                                f"at most {app.state.config.max_input_chars}")  # fmt: skip
        try:
            get_text_task(body.task).resolve_fields(None, **body.fields)
        except LmtaskError as e:
            raise HTTPException(422, f"fields: {e}") from None
        lm = await asyncio.to_thread(text_model, app)
        if not body.stream:
            try:
                out, notes = await asyncio.to_thread(_run, lm, body)
            except LmtaskError as e:
                raise HTTPException(422, str(e)) from None
            return GenerateResponse(task=body.task, model=lm.name, output=out, warnings=notes)
        return StreamingResponse(_events(lm, body), media_type="text/event-stream")


async def _events(lm: Any, body: GenerateRequest) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    pieces: asyncio.Queue[str | None] = asyncio.Queue()

    def push(piece: str) -> None:
        loop.call_soon_threadsafe(pieces.put_nowait, piece)

    task = asyncio.ensure_future(asyncio.to_thread(_run, lm, body, push))
    task.add_done_callback(lambda _: loop.call_soon_threadsafe(pieces.put_nowait, None))
    while (piece := await pieces.get()) is not None:
        yield f"data: {json.dumps({'text': piece}, ensure_ascii=False)}\n\n"
    try:
        out, notes = task.result()
    except LmtaskError as e:
        yield f"data: {json.dumps({'error': str(e)})}\n\n"
        return
    yield f"data: {json.dumps({'done': True, 'output': out, 'warnings': notes})}\n\n"


__all__ = ["register", "text_model"]
