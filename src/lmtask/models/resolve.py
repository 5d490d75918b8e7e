"""The one place that turns a model name into where its weights are and a content hash.

A name is a registry alias (``lmtask models``), a ``.gguf`` file (converted once into a
cached safetensors folder), a local model folder, or a Hugging Face hub id. Both the prompt
methods (causal LMs, :func:`lmtask.models.load_model`) and the trained methods (a base with a
classification head) resolve names here, so an artifact's base-model hash means the same
thing everywhere.

>>> resolve_model("org/some-model").is_hub
True
>>> resolve_model("no-such-alias")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
lmtask.errors.ModelNotFoundError: unknown model 'no-such-alias'; ...
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from lmtask.errors import ModelNotFoundError
from lmtask.models.cache import MANIFEST, converted_folder, read_manifest
from lmtask.models.registry import ALIASES, MODELS, get_spec


@dataclass(frozen=True)
class ResolvedModel:
    """Where a model's weights are (``source``: a folder, or a hub id) and their hash."""

    name: str  # the alias, or the name as given
    source: str
    source_hash: str | None  # None for a hub id until loaded (then its commit)
    kind: str = "unknown"  # "causal-lm", "encoder" or "unknown"
    chat: bool | None = None  # None: decide from the tokenizer's chat template
    is_hub: bool = False


def resolve_model(name: str) -> ResolvedModel:
    """Resolve ``name``; converts a packaged or given GGUF file on first use (cached)."""
    name = str(name)
    alias = ALIASES.get(name, name)
    if alias in MODELS:
        spec = get_spec(alias)
        if spec.folder is not None:
            folder = spec.folder()
            return ResolvedModel(alias, str(folder), folder_hash(folder), spec.kind, spec.chat)
        folder = converted_folder(alias, spec.parts())  # type: ignore[misc]
        src_hash = read_manifest(folder)["source_sha256"]
        return ResolvedModel(alias, str(folder), src_hash, spec.kind, spec.chat)
    if name.endswith(".gguf"):
        p = Path(name).expanduser()
        if not p.is_file():
            raise ModelNotFoundError(f"GGUF file not found: {p}")
        folder = converted_folder(p.stem, [p])
        return ResolvedModel(name, str(folder), read_manifest(folder)["source_sha256"])
    p = Path(name).expanduser()
    if p.is_dir():
        if not (p / "config.json").is_file():
            raise ModelNotFoundError(f"{p} is a folder but has no config.json: not a model")
        h = read_manifest(p)["source_sha256"] if (p / MANIFEST).is_file() else folder_hash(p)
        return ResolvedModel(name, str(p), h)
    if name.count("/") == 1 and not name.startswith((".", "/")):
        return ResolvedModel(name, name, None, is_hub=True)
    get_spec(name)  # raises with the list of known aliases
    raise AssertionError("unreachable")


def folder_hash(folder: Path) -> str:
    """sha256 over the folder's weight files (names and sizes + first/last MiB, for speed)."""
    h = hashlib.sha256()
    for p in sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")):
        st = p.stat()
        h.update(f"{p.name}|{st.st_size}".encode())
        with open(p, "rb") as f:
            h.update(f.read(1 << 20))
            f.seek(max(0, st.st_size - (1 << 20)))
            h.update(f.read(1 << 20))
    return "folder:" + h.hexdigest()


__all__ = ["ResolvedModel", "folder_hash", "resolve_model"]
