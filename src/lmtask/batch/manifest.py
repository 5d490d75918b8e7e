"""The output folder of a batch run and its manifest: what makes a run resumable.

``OUT/_manifest.json`` names the classifier (spec, method, labels, model hash), the input
shards (path, size, modification time, rows) and, for every finished shard, its output
files and row counts. Shard ``i``'s output is ``OUT/part-<i:05d>-<j:03d>.parquet``
(``j`` counts the files of one shard: the Ray engine may write several). Names starting with
``_`` are skipped by Parquet readers, so ``pandas.read_parquet(OUT)`` or
``ray.data.read_parquet(OUT)`` reads the predictions alone.

A shard is finished only once the manifest, replaced atomically, says so. A run started again
with the same ``OUT`` (and the same classifier and inputs) deletes whatever an unfinished shard
left behind, skips the finished ones and redoes the others, so no row is written twice or
lost; rows in and out are counted from the files themselves, per shard and in total.

>>> part_name(3, 0)
'part-00003-000.parquet'
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lmtask.atomic import check_writable_dir, write_atomic
from lmtask.batch.io import Inputs, Shard, pa_modules
from lmtask.batch.rows import ERROR, added_columns
from lmtask.errors import InputError, LmtaskError

FORMAT = "lmtask-batch/1"
MANIFEST = "_manifest.json"
STAGING = "_staging"


class BatchError(LmtaskError):
    """A batch run went wrong: rows lost or duplicated, or the cluster failed."""


def part_name(shard: int, j: int) -> str:
    return f"part-{shard:05d}-{j:03d}.parquet"


def count_rows(files: list[Path]) -> tuple[int, int]:
    """(rows, rows with an error) in Parquet ``files``, read from the files themselves."""
    _, _, _, pq = pa_modules()
    rows = errors = 0
    for f in files:
        rows += pq.ParquetFile(f).metadata.num_rows
        errors += pq.read_table(f, columns=[ERROR]).column(ERROR).drop_null().__len__()
    return rows, errors


@dataclass
class Run:
    """A batch run's output folder and manifest (``data``): made or resumed by :func:`open_run`."""

    out: Path
    inputs: Inputs
    data: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.time)

    @property
    def path(self) -> Path:
        return self.out / MANIFEST

    @property
    def staging(self) -> Path:
        return self.out / STAGING

    @property
    def labels(self) -> list[str]:
        return list(self.data["classifier"]["labels"])

    def finished(self) -> set[int]:
        return {int(k) for k in self.data["shards"]}

    def pending(self) -> list[Shard]:
        done = self.finished()
        return [s for s in self.inputs.shards if s.index not in done]

    def save(self) -> None:
        write_atomic(self.path, json.dumps(self.data, indent=2, default=str) + "\n")

    def record(self, shard: Shard, files: list[Path], seconds: float) -> dict[str, Any]:
        """Mark ``shard`` finished with its output ``files`` (already in ``out``), after
        checking that they hold exactly the shard's rows."""
        rows, errors = count_rows(files)
        if rows != shard.rows:
            raise BatchError(
                f"shard {shard.path}: {shard.rows} rows in but {rows} rows out; "
                "it was not recorded and will be redone when you run again"
            )
        entry = {
            "path": shard.path,
            "rows_in": shard.rows,
            "rows_out": rows,
            "rows_error": errors,
            "files": [f.name for f in files],
            "seconds": round(seconds, 3),
            "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        self.data["shards"][str(shard.index)] = entry
        self.save()
        return entry

    def finish(self, engine: str, seconds: float) -> dict[str, Any]:
        """Check every shard is done and rows in equal rows out; write the totals."""
        missing = [s.path for s in self.pending()]
        if missing:
            raise BatchError(f"{len(missing)} shard(s) not finished, e.g. {missing[0]}")
        shards = self.data["shards"].values()
        rows_in = sum(e["rows_in"] for e in shards)
        rows_out = sum(e["rows_out"] for e in shards)
        if rows_in != self.inputs.rows or rows_out != rows_in:
            raise BatchError(f"{self.inputs.rows} rows in the input but {rows_out} rows out")
        self.data.update(
            status="complete",
            rows_in=rows_in,
            rows_out=rows_out,
            rows_error=sum(e["rows_error"] for e in shards),
            finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        )
        self.data["runs"].append(
            {"engine": engine, "started": self.started, "seconds": round(seconds, 3)}
        )
        self.data["seconds"] = round(sum(r["seconds"] for r in self.data["runs"]), 3)
        self.save()
        shutil.rmtree(self.staging, ignore_errors=True)
        return self.data


def _fresh(inputs: Inputs, classifier: dict[str, Any]) -> dict[str, Any]:
    from lmtask import __version__

    labels = classifier["labels"]
    return {
        "format": FORMAT,
        "lmtask_version": __version__,
        "status": "running",
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "classifier": classifier,
        "input": {
            "spec": inputs.spec,
            "text_column": inputs.text_column,
            "columns": list(inputs.schema.names),
            "shards": [s.fingerprint() for s in inputs.shards],
        },
        "output": {
            "added_columns": added_columns(labels),
            "probability_columns": {lb: f"p_{lb}" for lb in labels},
            "files": "part-<shard:05d>-<file:03d>.parquet",
        },
        "rows_in": inputs.rows,
        "rows_out": None,
        "shards": {},
        "runs": [],
    }


ANSWER_KEYS = ("calibrate", "calibration", "mode", "normalize", "min_confidence")


def _answers_made(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(what, the run's, now) for what decides the answers besides the spec: the labels,
    the model's weights and dtype, the word lists it rests on (pins) and the description's
    calibration and mode. A key that a run from an older lmtask lacks is not compared."""
    pairs = [("labels", old.get("labels"), new.get("labels")),
             ("model weights", old.get("model_hash"), new.get("model_hash"))]  # fmt: skip
    pairs += [(what, old[k], new.get(k)) for k, what in (("dtype", "model dtype"),
              ("pins", "word lists")) if k in old]  # fmt: skip
    was, now = old.get("description") or {}, new.get("description") or {}
    return pairs + [(k, was.get(k), now.get(k)) for k in ANSWER_KEYS if k in was or k in now]


def _check_same(old: dict[str, Any], new: dict[str, Any], out: Path) -> None:
    def differs(what: str) -> InputError:
        return InputError(
            f"{out} holds a run with another {what}; give a new --out folder, or delete "
            f"{out} to start over"
        )

    if old.get("format") != FORMAT:
        raise InputError(f"{out / MANIFEST} is not an lmtask batch manifest")
    if old["classifier"]["spec"] != new["classifier"]["spec"]:
        raise differs("classifier")
    for what, was, now in _answers_made(old["classifier"], new["classifier"]):
        if was != now:  # the same spec, but a default changed since (a new lmtask version)
            raise differs(f"classifier {what} (the run has {was!r}, now {now!r})")
    if old["input"]["text_column"] != new["input"]["text_column"]:
        raise differs("text column")
    if old["input"]["shards"] != new["input"]["shards"]:
        raise differs("input (files added, removed or changed since)")


def open_run(out: str | os.PathLike[str], inputs: Inputs, classifier: dict[str, Any]) -> Run:
    """Start a run in ``out``, or resume the one there: finished shards stay, the leftovers
    of unfinished ones (staging files, part files not in the manifest) are deleted."""
    out = check_writable_dir(out)
    for s in inputs.shards:
        if Path(s.path).is_relative_to(out.absolute()):
            raise InputError(f"input file {s.path} is inside the output folder {out}")
    new = json.loads(json.dumps(_fresh(inputs, classifier), default=str))
    run = Run(out, inputs, new)
    if run.path.is_file():
        try:
            old = json.loads(run.path.read_text())
        except (OSError, ValueError) as e:
            raise InputError(f"{run.path} is corrupt ({e}); delete {out} to start over") from None
        _check_same(old, new, out)
        run.data = old
        run.data["status"] = "running"
    elif out.is_dir() and any(out.glob("part-*.parquet")):
        raise InputError(f"{out} holds Parquet part files but no {MANIFEST}; give a new --out")
    out.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(run.staging, ignore_errors=True)
    keep = {name for e in run.data["shards"].values() for name in e["files"]}
    for f in out.glob("part-*.parquet"):
        if f.name not in keep:
            f.unlink()
    run.save()
    return run


__all__ = ["MANIFEST", "STAGING", "BatchError", "Run", "count_rows", "open_run", "part_name"]
