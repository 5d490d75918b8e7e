"""Models: the registry of aliases, the GGUF conversion cache and the loader."""

from lmtask.models.cache import cache_root
from lmtask.models.loader import LoadedModel, load_model
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
