"""Extract the source files of an archive (tar in any compression, a tar stream, zip/wheel),
never outside the destination and never files that cannot become snippets."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from lmtask.data.code.languages import is_source_member


def _safe_target(dest: Path, name: str, strip: int = 0) -> Path | None:
    parts = [p for p in PurePosixPath(name).parts if p not in ("", ".")]
    parts = parts[strip:]
    if not parts or any(p == ".." for p in parts) or PurePosixPath(name).is_absolute():
        return None
    return dest.joinpath(*parts)


def extract_tar(src: Path | io.IOBase | Any, dest: Path, drop_top: bool = True) -> int:
    """Extract the wanted regular files of a tar archive (a path, or a stream) into ``dest``;
    a single top folder (``package/``, ``name-1.0/``) is dropped when ``drop_top``."""
    n = 0
    strip = 0
    if isinstance(src, Path) and drop_top:
        with tarfile.open(src, "r:*") as tf:
            tops = {PurePosixPath(x).parts[0] for x in tf.getnames() if PurePosixPath(x).parts}
            if len(tops) == 1 and not any(
                m.isfile() and len(PurePosixPath(m.name).parts) == 1 for m in tf.getmembers()
            ):
                strip = 1
    opened = (
        tarfile.open(src, "r:*")  # noqa: SIM115 (closed by the with below)
        if isinstance(src, Path)
        else tarfile.open(fileobj=src, mode="r|*")  # noqa: SIM115
    )
    with opened as tf:
        for m in tf:
            if not m.isfile() or not is_source_member(m.name, m.size):
                continue
            target = _safe_target(dest, m.name, strip)
            if target is None:
                continue
            f = tf.extractfile(m)
            if f is None:
                continue
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(f.read())
            except OSError:  # a file and a folder of the same name: keep the first
                continue
            n += 1
    return n


def _extract_zip(path: Path, dest: Path) -> int:
    n = 0
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if info.is_dir() or not is_source_member(info.filename, info.file_size):
                continue
            target = _safe_target(dest, info.filename)
            if target is None:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(info))
            n += 1
    return n


def extract_archive(path: Path, dest: Path) -> int:
    if path.suffix in (".whl", ".zip", ".egg"):
        return _extract_zip(path, dest)
    return extract_tar(path, dest)
