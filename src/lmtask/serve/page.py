"""The web page and what only it needs: a CSV/JSONL table classified row by row, and a view
of ``eval``/``compare`` output folders (``--reports DIR``).

The page is plain HTML/JS/CSS in ``serve/static`` (no build step, no CDN: it works offline).
Its shell (``/`` and ``/static/*``) holds no data and needs no key; every API call it makes
sends the key the user typed when the server asks for one.
"""

from __future__ import annotations

import asyncio
import csv
import io
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from lmtask.errors import LmtaskError
from lmtask.serve.schemas import TableRequest

STATIC = {"app.js": "text/javascript", "style.css": "text/css"}
REPORT_FILES = {".md": "text/markdown", ".json": "application/json", ".png": "image/png",
                ".csv": "text/csv", ".txt": "text/plain"}  # fmt: skip
REPORT_MARKERS = ("report.md", "comparison.md", "compare.md", "report.json")


def _static(name: str) -> str:
    return resources.files("lmtask.serve").joinpath("static", name).read_text("utf-8")


def reports_root(request: Request) -> Path:
    root = request.app.state.config.reports
    if not root:
        raise HTTPException(404, "no reports folder served (start with --reports DIR)")
    return Path(root).resolve()


def list_reports(root: Path) -> list[dict[str, Any]]:
    """Every folder under ``root`` (itself included) that holds an eval/compare report."""
    found = []
    for folder in sorted({root, *(p for p in root.rglob("*") if p.is_dir())}):
        files = sorted(p.name for p in folder.iterdir() if p.suffix in REPORT_FILES)
        if any(name in files for name in REPORT_MARKERS):
            rel = folder.relative_to(root).as_posix()
            found.append({"path": "" if rel == "." else rel, "files": files})
    return found


def register(app: FastAPI, auth: list[Any]) -> None:
    from lmtask.serve.app import check_texts, find_model, run_classify

    @app.get("/", include_in_schema=False)
    def index() -> HTMLResponse:
        return HTMLResponse(_static("index.html"))

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name not in STATIC:
            raise HTTPException(404, f"no static file {name!r}")
        return Response(_static(name), media_type=STATIC[name])

    @app.post("/v1/classify/table", tags=["page"], dependencies=auth)
    async def classify_table(body: TableRequest, request: Request) -> Response:
        """A CSV/JSONL file's rows classified: a CSV of the text column, the file's other
        columns (ids to join on), its gold label column if any, the predicted ``label``
        (``predicted_label`` when the file has a ``label`` column) and one ``p_<label>``
        probability column per label."""
        from lmtask.data import read_table

        m = find_model(request, body.model)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"upload.{body.format}"
            path.write_text(body.content, encoding="utf-8")
            try:
                data = await asyncio.to_thread(read_table, path, body.text_column)
            except LmtaskError as e:
                raise HTTPException(422, str(e).replace(str(path), "the file")) from None
        config = request.app.state.config
        for t in data.texts:
            check_texts(config, [t])
        results: list[Any] = []
        step = min(config.max_batch_texts, config.max_queue)
        for i in range(0, len(data.texts), step):
            part = await run_classify(request, m, data.texts[i : i + step], raw=False)
            results.extend(part.data)
        labels = m.info()["labels"]
        out = io.StringIO()
        w = csv.writer(out)
        gold = [data.label_column] if data.labels is not None else []
        predicted = "predicted_label" if "label" in gold else "label"
        extra = [c for c in data.extra if c not in (predicted, *(f"p_{lb}" for lb in labels))]
        w.writerow([data.text_column or "text", *extra, *gold, predicted,
                    *(f"p_{lb}" for lb in labels)])  # fmt: skip
        for n, (text, r) in enumerate(zip(data.texts, results, strict=True)):
            gold_cell = [data.labels[n]] if data.labels is not None else []
            row = [text, *(data.extra[c][n] or "" for c in extra), *gold_cell, r.label or ""]
            w.writerow(row + [f"{r.scores.get(lb, 0.0):.6f}" for lb in labels])
        return Response(
            out.getvalue(),
            media_type="text/csv",
            headers={
                "Content-Disposition": 'attachment; filename="predictions.csv"',
                "X-Lmtask-Rows": str(len(data.texts)),
            },
        )

    @app.get("/v1/reports", tags=["page"], dependencies=auth)
    def reports(request: Request) -> dict[str, Any]:
        """The eval/compare output folders under ``--reports``."""
        return {"data": list_reports(reports_root(request))}

    @app.get("/reports/{path:path}", tags=["page"], dependencies=auth)
    def report_file(path: str, request: Request) -> FileResponse:
        """One file of a report folder (Markdown, JSON, CSV or PNG)."""
        root = reports_root(request)
        target = (root / path).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            raise HTTPException(404, f"no report file {path!r}")
        if target.suffix not in REPORT_FILES:
            raise HTTPException(404, f"{path!r} is not a report file ({', '.join(REPORT_FILES)})")
        return FileResponse(target, media_type=REPORT_FILES[target.suffix])


__all__ = ["list_reports", "register"]
