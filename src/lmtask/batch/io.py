"""The inputs of a batch run: one file, a folder of shards or a glob, read with pyarrow.

Every shard must have the same columns (the order may differ); a column's type may differ
only where one shard has no values at all in it (JSON nulls). CSV/TSV columns are read as
text (CSV has no types: an id like ``007`` stays ``007``). Hidden files and files whose name
starts with ``_`` (``_SUCCESS``, a manifest) are skipped in a folder.

>>> import pathlib, tempfile
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.csv").write_text("id,text\\n1,print(1)\\n2,\\n")
>>> inputs = scan_inputs(str(d))
>>> inputs.text_column, [s.rows for s in inputs.shards], inputs.schema.names
('text', [2], ['id', 'text'])
>>> read_shard(inputs.shards[0], inputs.schema).column("text").to_pylist()
['print(1)', '']
"""

from __future__ import annotations

import glob
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lmtask.errors import InputError

FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".jsonl": "json",
    ".ndjson": "json",
    ".parquet": "parquet",
    ".pq": "parquet",
}
GLOB_CHARS = set("*?[")
TEXT_NAMES = (
    "text",
    "sentence",
    "review",
    "content",
    "code",
    "snippet",
    "body",
    "document",
    "message",
    "tweet",
    "comment",
    "question",
    "prompt",
    "input",
)


def pa_modules() -> tuple[Any, Any, Any, Any]:
    """(pyarrow, pyarrow.csv, pyarrow.json, pyarrow.parquet), or a one-line install hint."""
    try:
        import pyarrow as pa
        import pyarrow.csv as pcsv
        import pyarrow.json as pjson
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(
            "lmtask batch needs the 'pyarrow' package: pip install 'lmtask[data]'"
        ) from None
    return pa, pcsv, pjson, pq


@dataclass(frozen=True)
class Shard:
    """One input file: its place in the run (``index``), format, size and row count."""

    index: int
    path: str
    format: str  # csv, json or parquet
    size: int
    mtime_ns: int
    rows: int

    def fingerprint(self) -> dict[str, Any]:
        return {"path": self.path, "size": self.size, "mtime_ns": self.mtime_ns, "rows": self.rows}


@dataclass(frozen=True)
class Inputs:
    """The shards of a run, their common schema and the text column."""

    spec: str
    shards: list[Shard]
    schema: Any  # pyarrow.Schema
    text_column: str

    @property
    def rows(self) -> int:
        return sum(s.rows for s in self.shards)


def list_shards(spec: str) -> list[Path]:
    """The input files of ``spec`` (a file, a folder, searched recursively, or a glob), sorted."""
    p = Path(spec)
    if p.is_file():
        paths = [p]
    elif p.is_dir():
        paths = [
            f
            for f in sorted(p.rglob("*"))
            if f.is_file()
            and not any(part.startswith((".", "_")) for part in f.relative_to(p).parts)
        ]
    elif GLOB_CHARS & set(spec):
        paths = [Path(f) for f in sorted(glob.glob(spec, recursive=True)) if Path(f).is_file()]
        if not paths:
            raise InputError(f"no files match {spec!r}")
    else:
        raise InputError(f"input not found: {spec} (give a file, a folder of shards or a glob)")
    known = [f for f in paths if f.suffix.lower() in FORMATS]
    if p.is_file() and not known:
        raise InputError(f"don't know how to read {p.name!r}; use .csv, .tsv, .jsonl or .parquet")
    if not known:
        kinds = ", ".join(sorted(FORMATS))
        raise InputError(f"no CSV, JSONL or Parquet files in {spec!r} (names ending in {kinds})")
    return [f.absolute() for f in known]


def _csv_options(path: str, names: list[str] | None) -> dict[str, Any]:
    pa, pcsv, _, _ = pa_modules()
    delimiter = "\t" if path.lower().endswith(".tsv") else ","
    opts: dict[str, Any] = {
        "parse_options": pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=True)
    }
    if names is not None:
        opts["convert_options"] = pcsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=False
        )
    return opts


def _csv_header(path: str) -> list[str]:
    _, pcsv, _, _ = pa_modules()
    reader = pcsv.open_csv(path, **_csv_options(path, None))
    return list(reader.schema.names)


def reader_options(shard: Shard, schema: Any) -> dict[str, Any]:
    """Keyword arguments of pyarrow's (and Ray Data's) reader for ``shard``."""
    _, _, pjson, _ = pa_modules()
    if shard.format == "csv":
        return _csv_options(shard.path, list(schema.names))
    if shard.format == "json":
        return {"parse_options": pjson.ParseOptions(explicit_schema=schema)}
    return {}


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return "text"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "numbers"
    return {bool: "true/false", list: "lists", dict: "objects"}.get(type(value), "values")


def _check_jsonl(path: str) -> None:
    """One pass of Python's json over ``path``: a bad line, or a column holding text on one
    line and numbers on another, is an error naming the lines (pyarrow counts rows from 0,
    and says "changed from string to number")."""
    first: dict[str, tuple[str, int]] = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise InputError(f"{path}: line {n} is not valid JSON: {e.msg} (column "
                                 f"{e.colno})") from None  # fmt: skip
            if not isinstance(row, dict):
                raise InputError(f"{path}: line {n} is not a JSON object ({{...}})")
            for key, value in row.items():
                if value is None:
                    continue
                kind, where = first.setdefault(key, (_kind(value), n))
                if kind != _kind(value):
                    raise InputError(
                        f"{path}: column {key!r} holds {kind} (line {where}) and "
                        f"{_kind(value)} (line {n}); give it one kind in every row (quote "
                        "numbers meant as text)"
                    )


def _read(path: str, fmt: str, options: dict[str, Any]) -> Any:
    _, pcsv, pjson, pq = pa_modules()
    try:
        if fmt == "csv":
            if not path.lower().endswith(".tsv"):  # (a .tsv quote may be a character)
                from lmtask.data.delimited import check_csv

                check_csv(Path(path))
            if "convert_options" not in options:
                options = _csv_options(path, _csv_header(path))
            return pcsv.read_csv(path, **options)
        if fmt == "json":
            _check_jsonl(path)
            return pjson.read_json(path, **options)
        return pq.read_table(path)
    except InputError:
        raise
    except (OSError, ValueError) as e:  # pyarrow.ArrowInvalid is a ValueError
        what = {"csv": "CSV", "json": "JSONL", "parquet": "Parquet"}[fmt]
        msg = " ".join(str(e).split())[:300]
        raise InputError(f"{path} is not a readable {what} file: {msg}") from None


def conform(table: Any, schema: Any) -> Any:
    """``table`` with the columns of ``schema``, in its order and types."""
    return table.select(schema.names).cast(schema)


def read_shard(shard: Shard, schema: Any) -> Any:
    """The whole shard as a pyarrow Table in ``schema``."""
    return conform(_read(shard.path, shard.format, reader_options(shard, schema)), schema)


def _shard_schema(path: Path, fmt: str) -> tuple[Any, int]:
    _, _, _, pq = pa_modules()
    if fmt == "parquet":
        try:
            meta = pq.ParquetFile(path)
        except (OSError, ValueError) as e:
            raise InputError(f"{path} is not a readable Parquet file: {e}") from None
        return meta.schema_arrow, meta.metadata.num_rows
    table = _read(str(path), fmt, {})
    return table.schema, table.num_rows


def _unify(schemas: list[tuple[Path, Any]]) -> Any:
    """One schema for every shard (null-typed columns take the others' type), or an error."""
    pa = pa_modules()[0]
    first_path, first = schemas[0]
    fields = {f.name: f.type for f in first}
    for path, schema in schemas[1:]:
        if set(schema.names) != set(fields):
            missing = sorted(set(fields) - set(schema.names))
            extra = sorted(set(schema.names) - set(fields))
            diff = "; ".join(
                x
                for x in (
                    f"lacks {', '.join(map(repr, missing))}" if missing else "",
                    f"adds {', '.join(map(repr, extra))}" if extra else "",
                )
                if x
            )
            raise InputError(
                f"mixed schemas: shard {path.name} {diff} compared with {first_path.name} "
                f"(columns {', '.join(map(repr, first.names))}); give shards with the same columns"
            )
        for f in schema:
            have = fields[f.name]
            if pa.types.is_null(have):
                fields[f.name] = f.type
            elif not pa.types.is_null(f.type) and f.type != have:
                raise InputError(
                    f"mixed schemas: column {f.name!r} is {f.type} in shard {path.name} but "
                    f"{have} in {first_path.name}; give shards with the same column types"
                )
    for name, typ in fields.items():
        if pa.types.is_null(typ):
            fields[name] = pa.string()
    return pa.schema([(n, fields[n]) for n in first.names])


def _text_column(schema: Any, given: str | None, spec: str) -> str:
    pa = pa_modules()[0]
    names = list(schema.names)
    if given is not None:
        if given not in names:
            raise InputError(
                f"column {given!r} not found in {spec}; available columns: "
                f"{', '.join(map(repr, names))} (pass one of them with text_column)"
            )
        return given
    lower = {n.lower().strip(): n for n in reversed(names)}
    found = next((lower[n] for n in TEXT_NAMES if n in lower), None)
    if found is not None:
        return found
    strings = [
        f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
    ]
    if len(strings) == 1:
        return strings[0]
    raise InputError(
        f"no text column found in {spec} (none is named text, sentence, review, ...); "
        f"columns: {', '.join(map(repr, names))}; pass one with text_column"
    )


def scan_inputs(spec: str, text_column: str | None = None) -> Inputs:
    """List and check the shards of ``spec``: readable, same columns, a text column.

    CSV and JSONL shards are read once here to count their rows (Parquet: its metadata).
    """
    paths = list_shards(spec)
    shards, schemas = [], []
    for i, path in enumerate(paths):
        fmt = FORMATS[path.suffix.lower()]
        schema, rows = _shard_schema(path, fmt)
        st = os.stat(path)
        shards.append(Shard(i, str(path), fmt, st.st_size, st.st_mtime_ns, rows))
        schemas.append((path, schema))
    schema = _unify(schemas)
    return Inputs(spec, shards, schema, _text_column(schema, text_column, spec))


__all__ = [
    "FORMATS",
    "Inputs",
    "Shard",
    "conform",
    "list_shards",
    "read_shard",
    "reader_options",
    "scan_inputs",
]
