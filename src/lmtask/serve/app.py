"""The FastAPI app: any classifier behind ``/v1/classify``, with limits, auth and metrics.

>>> from fastapi.testclient import TestClient
>>> from lmtask.ladder import ClassifierSpec
>>> app = create_app([ClassifierSpec(task="code-language")], ServeConfig(max_wait_ms=1))
>>> with TestClient(app) as client:
...     wait_until_loaded(app)
...     r = client.post("/v1/classify", json={"input": "SELECT name FROM users;"})
>>> r.json()["data"][0]["label"]
'SQL'
"""

from __future__ import annotations

import hmac
import math
import os
import time
from collections.abc import Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response

from lmtask.errors import LmtaskError
from lmtask.ladder import ClassifierSpec
from lmtask.serve.batcher import BatchStats, QueueFull, Stopped
from lmtask.serve.metrics import Metrics
from lmtask.serve.schemas import ClassifyRequest, ClassifyResponse, ModelList
from lmtask.serve.settings import ServeConfig
from lmtask.serve.state import ServedModel, load_all

Served = ClassifierSpec | ServedModel


def create_app(
    models: Sequence[Served], config: ServeConfig | None = None, *, text_model: Any = None
) -> FastAPI:
    """An app serving ``models`` (specs are built in the background once it starts).

    ``text_model`` (a loaded model or an alias) overrides ``config.text_model`` for
    ``/v1/generate``.
    """
    from lmtask.serve import generate, page

    config = config or ServeConfig()
    served = [m if isinstance(m, ServedModel) else ServedModel.from_spec(m) for m in models]
    if not served:
        raise LmtaskError("nothing to serve: give an artifact folder, --task or --labels")
    names = [m.name for m in served]
    if len(set(names)) != len(names):
        raise LmtaskError(f"two served classifiers share a name: {names}; give them distinct "
                          "names (ServedModel name, ClassifierSpec label)")  # fmt: skip
    metrics = Metrics()

    def on_batch(name: str):
        def record(s: BatchStats) -> None:
            metrics.batch.labels(name).observe(s.texts)
            metrics.batch_seconds.labels(name).observe(s.seconds)
            for w in s.queue_wait:
                metrics.queue_wait.labels(name).observe(w)

        return record

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.loader = load_all(served, config, on_batch)
        yield
        for m in served:
            m.close()

    app = FastAPI(
        title="lmtask",
        summary="Classify and generate text with lmtask classifiers.",
        version="1",
        lifespan=lifespan,
        openapi_url=None,  # served below, behind the API key like every route but /healthz
        docs_url=None,
        redoc_url=None,
    )
    app.state.config, app.state.models, app.state.metrics = config, served, metrics
    app.state.text_model = text_model
    if config.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=config.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes)
    app.add_middleware(Timing, metrics=metrics)
    app.add_exception_handler(RequestValidationError, _validation_error)
    auth = [Depends(require_key)]

    @app.get("/healthz", tags=["status"])
    def healthz() -> JSONResponse:
        """200 when every classifier is loaded; 503 while loading (or if one failed)."""
        failed = {m.name: m.error for m in served if m.error}
        if failed:
            return JSONResponse({"status": "failed", "errors": failed}, status_code=503)
        if not all(m.loaded for m in served):
            return JSONResponse({"status": "loading"}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get("/metrics", tags=["status"], dependencies=auth)
    def prometheus() -> Response:
        for m in served:
            metrics.queue.labels(m.name).set(m.batcher.waiting if m.batcher else 0)
        return Response(metrics.render(), media_type=metrics.content_type)

    @app.get("/info", tags=["status"], dependencies=auth)
    def info() -> dict[str, Any]:
        """The limits a client must keep to."""
        return {
            "max_batch_texts": config.max_batch_texts,
            "max_batch_tokens": config.max_batch_tokens,
            "max_wait_ms": config.max_wait_ms,
            "max_queue": config.max_queue,
            "max_input_chars": config.max_input_chars,
            "max_texts_per_request": config.max_texts_per_request,
            "max_body_bytes": config.max_body_bytes,
            "batching": config.batching,
            "generate": config.text_model is not None or text_model is not None,
        }

    @app.get("/v1/models", tags=["classify"], dependencies=auth, response_model=ModelList)
    def list_models() -> dict[str, Any]:
        return {"data": [m.info() for m in served]}

    @app.post("/v1/classify", tags=["classify"], dependencies=auth)
    async def classify(body: ClassifyRequest, request: Request) -> ClassifyResponse:
        """Label and per-label probabilities for each text (a list in, a list out)."""
        m = find_model(request, body.model)
        texts = body.texts
        check_texts(config, texts)
        return await run_classify(request, m, texts, body.raw_scores)

    @app.get("/openapi.json", include_in_schema=False, dependencies=auth)
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False, dependencies=auth)
    def docs() -> Response:
        """Swagger UI from the swagger-ui-bundle package (offline); its CDN without it."""
        from fastapi.openapi.docs import get_swagger_ui_html

        local = {}
        if _swagger_dir() is not None:
            local = {"swagger_js_url": "/docs-assets/swagger-ui-bundle.js",
                     "swagger_css_url": "/docs-assets/swagger-ui.css"}  # fmt: skip
        return get_swagger_ui_html(openapi_url="/openapi.json", title="lmtask API", **local)

    @app.get("/docs-assets/{name}", include_in_schema=False)
    def docs_assets(name: str) -> Response:
        from fastapi.responses import FileResponse

        folder = _swagger_dir()
        if folder is None or name not in ("swagger-ui-bundle.js", "swagger-ui.css"):
            raise HTTPException(404, f"no asset {name!r}")
        kind = "text/javascript" if name.endswith(".js") else "text/css"
        return FileResponse(os.path.join(folder, name), media_type=kind)

    generate.register(app, auth)
    page.register(app, auth)
    return app


def _swagger_dir() -> str | None:
    try:
        import swagger_ui_bundle
    except ImportError:
        return None
    return str(swagger_ui_bundle.swagger_ui_path)


def find_model(request: Request, name: str | None) -> ServedModel:
    """The served model called ``name`` (the first when None): 404 unknown, 503 loading."""
    served: list[ServedModel] = request.app.state.models
    m = served[0] if name is None else next((x for x in served if x.name == name), None)
    if m is None:
        known = ", ".join(x.name for x in served)
        raise HTTPException(404, f"no model named {name!r}; this server has: {known}")
    if m.error:
        raise HTTPException(503, f"model {m.name!r} failed to load: {m.error}")
    if not m.loaded:
        raise HTTPException(503, f"model {m.name!r} is still loading", {"Retry-After": "5"})
    return m


def check_texts(config: ServeConfig, texts: list[str]) -> None:
    if not texts:
        raise HTTPException(422, "input: give at least one text")
    if len(texts) > config.max_texts_per_request:
        raise HTTPException(
            413, f"input: {len(texts)} texts; this server takes at most "
            f"{config.max_texts_per_request} per request",
        )  # fmt: skip
    for i, t in enumerate(texts):
        if len(t) > config.max_input_chars:
            raise HTTPException(
                413, f"input[{i}] is {len(t)} characters; this server takes at most "
                f"{config.max_input_chars}",
            )  # fmt: skip


async def run_classify(
    request: Request, m: ServedModel, texts: list[str], raw: bool
) -> ClassifyResponse:
    """Queue ``texts`` on ``m``'s batcher; 429 when the queue is full."""
    import asyncio

    tokens = m.count_tokens(texts)
    assert m.batcher is not None
    job = asyncio.ensure_future(m.batcher.submit(texts, tokens))
    while not job.done():  # a client that leaves does not keep its texts in the queue
        await asyncio.wait({job}, timeout=0.25)
        if not job.done() and await request.is_disconnected():
            job.cancel()
            raise HTTPException(499, "client closed the request")
    try:
        result = job.result()
    except QueueFull as e:
        raise HTTPException(429, str(e), {"Retry-After": str(e.retry_after)}) from None
    except Stopped as e:
        raise HTTPException(503, str(e)) from None
    except LmtaskError as e:
        raise HTTPException(422, str(e)) from None
    data = []
    for i, p in enumerate(result.predictions):
        scores = p.scores
        if raw:
            scores = {k: (math.log(v) if v > 0 else -1e30) for k, v in scores.items()}
        data.append({"index": i, "label": p.label, "scores": scores})
    warnings = []
    if result.truncated:
        warnings.append("a text was longer than the model's window and was cut in the middle")
    if result.contextual:
        from lmtask.engine.calibration import BATCH_MIN, PER_CALL

        mode = getattr(m.classifier, "calibration_mode", None)
        how = f"calibration={mode}" if mode in PER_CALL else "this calibration"
        warnings.append(f"{how} needs at least {BATCH_MIN} texts in one request; "
                        f"contextual calibration was used for these {len(texts)}")  # fmt: skip
    notes = getattr(m.classifier, "input_notes", None)  # any object with predict serves
    warnings += notes(texts) if notes is not None else []
    return ClassifyResponse(
        model=m.name, data=data, usage={"texts": len(texts), "tokens": sum(tokens)},
        warnings=warnings,
    )  # fmt: skip


def require_key(request: Request) -> None:
    """With ``--api-key``, 401 unless ``Authorization: Bearer KEY`` (the scheme in any case)."""
    key = request.app.state.config.api_key
    if not key:
        return
    scheme, _, given = request.headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), key.encode()):
        raise HTTPException(401, "missing or wrong API key", {"WWW-Authenticate": "Bearer"})


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 naming each bad field (``body.input: Field required``)."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    named = [
        "{}: {}".format(".".join(str(x) for x in e.get("loc", ())), e.get("msg")) for e in errors
    ]
    return JSONResponse({"detail": "; ".join(named) or "invalid request"}, status_code=422)


class BodyLimit:
    """413 for a request body over ``max_bytes`` (declared or streamed)."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            return await _too_large(self.max_bytes, send)
        seen = 0

        async def counted() -> dict:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise _BodyTooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _BodyTooLarge:
            await _too_large(self.max_bytes, send)


class _BodyTooLarge(Exception):
    pass


async def _too_large(limit: int, send: Any) -> None:
    body = f'{{"detail": "request body over {limit} bytes"}}'.encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Timing:
    """Counts every request by route and status, and its latency."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, status = time.perf_counter(), 500

        async def record(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "(unmatched)"
            self.metrics.observe_request(path, status, time.perf_counter() - start)


def wait_until_loaded(app: FastAPI, timeout: float = 600) -> None:
    """Block until the app's background loader finished (tests, benchmarks)."""
    deadline = time.monotonic() + timeout
    while not hasattr(app.state, "loader") and time.monotonic() < deadline:
        time.sleep(0.01)
    app.state.loader.join(max(0.0, deadline - time.monotonic()))


__all__ = ["create_app", "wait_until_loaded"]
