"""Models: the registry of aliases, the GGUF conversion cache and the loader.

The loader (torch, transformers) is imported on first use of ``LoadedModel``/``load_model``,
so reading the registry (``lmtask.models.registry``, the CLI's help texts) stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

from lmtask.models.cache import cache_root
from lmtask.models.registry import DEFAULT_MODEL, MODELS, ModelSpec, get_spec

__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "LoadedModel",
    "ModelSpec",
    "cache_root",
    "get_spec",
    "load_model",
]


def __getattr__(name: str) -> Any:
    if name in ("LoadedModel", "load_model"):
        value = getattr(importlib.import_module("lmtask.models.loader"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lmtask.models' has no attribute {name!r}")
