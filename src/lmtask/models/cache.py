"""Convert a GGUF model once into a cached safetensors folder.

The GGUF (possibly shipped as several chunks) is dequantized by transformers, saved with
``save_pretrained`` (safetensors, float32, plus the tokenizer) into a temporary folder next
to the cache entry, and renamed into place: a crash leaves no half-written entry. Entries are
keyed by a fingerprint of the source files (path, size, mtime) and record the sha256 of the
source bytes, which artifacts use to check they are loaded on the same base model.

When the fingerprint changes (the package was reinstalled, so its files have new times) an
entry converted from the same bytes is moved (or, if still in use elsewhere, hard-linked)
into place instead of converted again, and
entries whose source files are still there but changed are deleted before a new conversion,
as are the leftovers of killed conversions: a converted model is a few GB, and stale ones
would otherwise pile up with every reinstall. An entry whose source files cannot be seen
(a cache shared with another folder or machine) is never deleted.

>>> from lmtask.models.cache import cache_root
>>> cache_root().name in ("lmtask", ".lmtask-home") or True
True
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from lmtask.atomic import write_atomic
from lmtask.errors import InputError
from lmtask.paths import cache_root, fingerprint

__all__ = ["MANIFEST", "cache_root", "converted_folder", "fingerprint", "read_manifest"]

MANIFEST = "lmtask-model.json"


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _concat(parts: list[Path], out: Path) -> str:
    """Write the concatenation of ``parts`` to ``out``; return its sha256."""
    h = hashlib.sha256()
    with open(out, "wb") as dst:
        for p in parts:
            with open(p, "rb") as src:
                while block := src.read(1 << 22):
                    h.update(block)
                    dst.write(block)
    return h.hexdigest()


def _sha256(parts: list[Path]) -> str:
    """The sha256 of the concatenated bytes of ``parts`` (what ``_concat`` would record)."""
    h = hashlib.sha256()
    for p in parts:
        with open(p, "rb") as f:
            while block := f.read(1 << 22):
                h.update(block)
    return h.hexdigest()


def read_manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_text())


def _stale(folder: Path) -> bool:
    """Whether a cache entry is stale *for sure*: every recorded source file exists here and
    their fingerprint changed (a reinstall, an edited file). An entry whose sources cannot be
    seen from here (another folder, container or machine sharing the cache) is kept."""
    try:
        sources = [Path(p) for p in read_manifest(folder)["source_files"]]
        if not sources or not all(p.is_absolute() and p.is_file() for p in sources):
            return False
        return fingerprint(sources) != folder.name
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _link_copy(src: Path, dst: Path, parts: list[Path]) -> bool:
    """``dst``: the files of ``src`` hard-linked (no extra disk, ``src`` stays valid for
    whoever uses it) and a manifest naming ``parts``; False where links are not possible."""
    tmp = dst.parent / f".tmp-{dst.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        for f in src.iterdir():
            if f.name != MANIFEST and f.is_file():
                os.link(f, tmp / f.name)
        manifest = read_manifest(src)
        manifest["source_files"] = [str(q) for q in parts]
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2))
        shutil.rmtree(dst, ignore_errors=True)
        os.replace(tmp, dst)
        return True
    except OSError:
        return False
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _complete(folder: Path) -> bool:
    """A finished entry: its manifest, config and weights are all there."""
    return all((folder / n).is_file() for n in (MANIFEST, "config.json")) and any(
        folder.glob("*.safetensors")
    )


def _delete(folder: Path) -> None:
    """Rename out of the way first (one step), then delete: a kill midway leaves a
    ``.tmp-*`` folder that the next conversion sweeps, never a half-deleted entry."""
    gone = folder.parent / f".tmp-del-{folder.name}-{os.getpid()}"
    try:
        os.replace(folder, gone)
    except OSError:
        return
    shutil.rmtree(gone, ignore_errors=True)


def _move(src: Path, dst: Path, parts: list[Path]) -> bool:
    """``src`` renamed to ``dst`` (no one else needs it), its manifest naming ``parts``."""
    try:
        os.replace(src, dst)
        manifest = read_manifest(dst)
        manifest["source_files"] = [str(q) for q in parts]
        write_atomic(dst / MANIFEST, json.dumps(manifest, indent=2))
        return True
    except OSError:
        return False


def _reuse_or_prune(entry: Path, parts: list[Path]) -> bool:
    """Under the alias lock: delete leftovers of killed conversions (``.tmp-*``), reuse an
    entry converted from the same bytes (renamed if stale, else hard-linked), delete
    entries stale for sure.

    Returns True when an entry was reused (no conversion needed).
    """
    for p in entry.parent.glob(".tmp-*"):  # no other converter of this alias runs now
        shutil.rmtree(p, ignore_errors=True)
    others = [p for p in entry.parent.iterdir()
              if p.is_dir() and not p.name.startswith(".") and p != entry]  # fmt: skip
    if not others:
        return False
    sha = _sha256(parts)
    reused = False
    for p in others:
        try:
            same = _complete(p) and read_manifest(p).get("source_sha256") == sha
        except (OSError, ValueError):
            same = False
        stale = _stale(p)
        if same and not reused:
            reused = _move(p, entry, parts) if stale else _link_copy(p, entry, parts)
            if reused and stale:
                continue
        if stale:
            _delete(p)
    return reused


def converted_folder(alias: str, parts: list[Path], log=None) -> Path:
    """The cached safetensors folder for a GGUF given as ``parts``; convert it if missing."""
    parts = [Path(p).expanduser().resolve() for p in parts]
    safe = "".join(c if c.isalnum() or c in "-._" else "_" for c in alias)
    entry = cache_root() / "models" / safe / fingerprint(parts)
    if (entry / MANIFEST).is_file():
        return entry
    with _lock(entry.parent / ".lock"):
        if (entry / MANIFEST).is_file():  # another process converted it while we waited
            return entry
        tmp = entry.parent / f".tmp-{entry.name}-{os.getpid()}"
        try:
            if _reuse_or_prune(entry, parts):
                return entry
            tmp.mkdir(parents=True)
            _convert(alias, parts, tmp, log or (lambda m: print(m, file=sys.stderr)))
            shutil.rmtree(entry, ignore_errors=True)
            os.replace(tmp, entry)
        except Exception as e:
            if _disk_full(e):
                need = sum(p.stat().st_size for p in parts) * 6 / 1e9
                raise InputError(
                    f"no space left on the disk of {entry.parent} to convert {alias} "
                    f"(it needs roughly {need:.1f} GB); free some space or point "
                    "LMTASK_HOME at a disk with more room"
                ) from e
            raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return entry


def _disk_full(e: BaseException | None) -> bool:
    """Whether ``e`` (or what caused it) is a full disk; safetensors' errors carry no errno."""
    for _ in range(8):
        if e is None:
            return False
        if getattr(e, "errno", None) == errno.ENOSPC or "No space left on device" in str(e):
            return True
        e = e.__cause__ or e.__context__
    return False


def _convert(alias: str, parts: list[Path], out: Path, log) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    t0 = time.perf_counter()
    log(f"lmtask: converting {alias} from GGUF once (cached at {out.parent}) ...")
    if len(parts) == 1:
        gguf = parts[0]
        sha = _sha256([gguf])
    else:
        gguf = out / "source.gguf"
        sha = _concat(parts, gguf)
    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(
            gguf.parent, gguf_file=gguf.name, dtype=torch.float32
        )
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:  # as it was (the CLI turns bars off unless --verbose)
            hf_logging.enable_progress_bar()
    # save_pretrained refuses a model still marked as quantized; the weights are plain floats.
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(out)
    tok.save_pretrained(out)
    if gguf.parent == out:
        gguf.unlink()
    manifest = {
        "alias": alias,
        "source_sha256": sha,
        "source_files": [str(p) for p in parts],
        "source_bytes": sum(p.stat().st_size for p in parts),
        "model_type": model.config.model_type,
        "converted_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2))
    log(f"lmtask: converted {alias} in {manifest['seconds']} s")
