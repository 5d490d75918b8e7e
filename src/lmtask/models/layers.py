"""The first layers of a causal LM: token embeddings and ``layers`` transformer layers.

:func:`load_first_layers` loads only those (the rest of the weights are never read), so a
feature extractor on layer 2 of the default 0.5B model costs a twelfth of a full forward
pass (:mod:`lmtask.methods.trained.lm_features` averages that layer's output over a text's
tokens). A :class:`~lmtask.models.loader.LoadedModel` (a whole model already in memory, e.g.
a tiny random one in tests) is used whole: the caller reads its layer ``layers`` with a hook.

>>> fl = load_first_layers("default", 2)        # doctest: +SKIP
>>> len(fl.model.layers), fl.hidden_size        # doctest: +SKIP
(2, 896)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import torch

from lmtask.errors import InputError, ModelNotFoundError
from lmtask.models.dtype import resolve_dtype
from lmtask.models.registry import ALIASES, MODELS, get_spec
from lmtask.models.resolve import resolve_model

__all__ = ["FirstLayers", "load_first_layers"]


@dataclass
class FirstLayers:
    """A tokenizer and a causal LM's base model whose layer ``layers`` output is read."""

    name: str
    source_hash: str
    tokenizer: Any
    model: Any  # the base model (no LM head), truncated to ``layers`` layers, or whole
    layers: int

    @property
    def hidden_size(self) -> int:
        return int(self.model.config.get_text_config().hidden_size)


def _base(model: Any) -> Any:
    """The decoder stack of a causal LM (``model.model`` for Llama/Qwen-style models)."""
    base = getattr(model, "model", model)
    if not hasattr(base, "layers"):
        raise ModelNotFoundError(f"{type(model).__name__} has no decoder layers to read")
    return base


def _check_layers(n_model: int, layers: int, name: str) -> None:
    if not 1 <= layers <= n_model:
        raise InputError(f"layers={layers}: model {name!r} has {n_model} layers")


def load_first_layers(name: Any, layers: int, dtype: str = "auto") -> FirstLayers:
    """Embeddings and the first ``layers`` layers of the causal LM ``name`` (an alias, a
    folder, a ``.gguf`` file or a hub id; or a ``LoadedModel``, used whole). Memoised."""
    from lmtask.models.loader import LoadedModel

    if isinstance(name, LoadedModel):
        base = _base(name.model)
        _check_layers(len(base.layers), layers, name.name)
        return FirstLayers(name.name, name.source_hash, name.tokenizer, base, layers)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    alias = ALIASES.get(str(name), str(name))  # "default" and its alias: one cached load
    return _load(alias, int(layers), resolve_dtype(dtype, device), device)


@functools.lru_cache(maxsize=2)
def _load(name: str, layers: int, dtype: torch.dtype, device: str) -> FirstLayers:
    """A packaged Qwen2/Llama model on CPU: :mod:`lmtask.models.fast_layers` (no transformers
    import: the detector's pair loads in about a third of the time); else transformers."""
    from lmtask.models.fast_layers import fast_config, load_fast

    res = resolve_model(name)
    if res.kind == "encoder":
        raise ModelNotFoundError(f"{res.name!r} is an encoder ({get_spec(res.name).description});"
                                 " lm-features reads the layers of a causal LM")  # fmt: skip
    # Only the packaged models (converted in the model cache, tokenizer_class
    # TokenizersBackend): for another folder transformers may pick a tokenizer class that
    # rewrites tokenizer.json's pre-tokenizer, and the features would differ.
    packaged = res.name in MODELS and not res.is_hub
    cfg = fast_config(res.source) if device == "cpu" and packaged else None
    if cfg is None:
        return _load_transformers(res, layers, dtype, device)
    _check_layers(int(cfg["num_hidden_layers"]), layers, res.name)
    try:
        tok, model = load_fast(res.source, layers, dtype)
    except (KeyError, ValueError, OSError):  # a layout this module does not know
        return _load_transformers(res, layers, dtype, device)
    return FirstLayers(res.name, res.source_hash or res.name, tok, model, layers)


def _load_transformers(res: Any, layers: int, dtype: torch.dtype, device: str) -> FirstLayers:
    """The first layers through transformers (any architecture, hub ids, GPUs)."""
    from transformers import AutoConfig, AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    name = res.name
    cfg = AutoConfig.from_pretrained(res.source)
    text_cfg = cfg.get_text_config()
    _check_layers(int(text_cfg.num_hidden_layers), layers, res.name)
    text_cfg.num_hidden_layers = layers  # the later layers' weights are never read
    if hasattr(text_cfg, "layer_types") and text_cfg.layer_types:
        text_cfg.layer_types = list(text_cfg.layer_types)[:layers]
    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()  # "unused weights": the layers left out, on purpose
    hf_logging.disable_progress_bar()
    try:
        tok = AutoTokenizer.from_pretrained(res.source)
        model = AutoModel.from_pretrained(res.source, config=cfg, dtype=dtype,
                                          attn_implementation="eager")  # fmt: skip
    except OSError as e:
        raise ModelNotFoundError(f"cannot load model {name!r}: {str(e).splitlines()[0]}") from None
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    model.to(device).eval()
    src_hash = res.source_hash or f"hub:{getattr(cfg, '_commit_hash', None) or name}"
    return FirstLayers(res.name, src_hash, tok, _base(model), layers)
