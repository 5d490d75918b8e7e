"""Load a causal LM and its tokenizer from an alias, a ``.gguf`` file, a folder or a hub id.

>>> import lmtask
>>> lm = lmtask.load_model("smollm2-135m-instruct")  # doctest: +SKIP
>>> lm.chat, lm.max_length                              # doctest: +SKIP
(True, 8192)
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from typing import Any

import torch

from lmtask.errors import ModelNotFoundError
from lmtask.models.dtype import resolve_dtype
from lmtask.models.registry import DEFAULT_MODEL, MODELS, get_spec
from lmtask.models.resolve import resolve_model


@dataclass
class LoadedModel:
    """A model ready to score or generate: weights, tokenizer and what we know about them."""

    name: str
    model: Any
    tokenizer: Any
    chat: bool
    source_hash: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        return next(self.model.parameters()).dtype

    @property
    def max_length(self) -> int:
        """The context window in tokens (from the config)."""
        cfg = self.model.config.get_text_config()
        n = getattr(cfg, "max_position_embeddings", None) or getattr(
            self.tokenizer, "model_max_length", 2048
        )
        return int(min(n, 10**7))

    @classmethod
    def from_objects(
        cls, model: Any, tokenizer: Any, name: str = "custom", chat: bool | None = None
    ):
        """Wrap an already-built model and tokenizer (e.g. a tiny random model in tests)."""
        _prepare_tokenizer(tokenizer)
        model.eval()
        chat = bool(getattr(tokenizer, "chat_template", None)) if chat is None else chat
        return cls(name=name, model=model, tokenizer=tokenizer, chat=chat, source_hash="")


def _prepare_tokenizer(tok: Any) -> None:
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token if tok.eos_token is not None else tok.convert_ids_to_tokens(0)


def _default_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def load_model(
    name: str | LoadedModel = DEFAULT_MODEL,
    dtype: str | torch.dtype | None = "auto",
    device: str | None = None,
    trust_remote_code: bool = False,
) -> LoadedModel:
    """Load ``name``: an alias (``lmtask models``), a ``.gguf`` file, a local folder, or a
    hub id (needs the network or the local Hugging Face cache). Loads are memoised per
    process, so several classifiers on one model share its weights.
    """
    if isinstance(name, LoadedModel):
        return name
    device = device or _default_device()
    tdtype = resolve_dtype(dtype, device)
    return _load_cached(str(name), tdtype, device, trust_remote_code)


@functools.lru_cache(maxsize=4)
def _load_cached(name: str, dtype: torch.dtype, device: str, trust_remote_code: bool):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    res = resolve_model(name)
    if res.kind == "encoder":
        spec = get_spec(res.name)
        raise ModelNotFoundError(
            f"{res.name!r} is an encoder ({spec.description}); prompting needs a causal LM "
            f"such as {DEFAULT_MODEL!r}"
        )
    src = res.source

    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # a 2-second load needs no bar
    try:
        tok = AutoTokenizer.from_pretrained(src, trust_remote_code=trust_remote_code)
        # On CPU, eager attention: as fast here, and exact. SDPA scored the packaged Qwen
        # model up to 0.2 nats away from a plain forward pass with the prefix cache, and a
        # text differently alone than in a batch (tests/test_scoring.py).
        attn = {"attn_implementation": "eager"} if device == "cpu" else {}
        model = AutoModelForCausalLM.from_pretrained(
            src, dtype=dtype, trust_remote_code=trust_remote_code, **attn
        )
    except OSError as e:
        if res.is_hub:
            offline = os.environ.get("HF_HUB_OFFLINE") == "1"
            why = (
                "the hub is offline (HF_HUB_OFFLINE=1) and it is not in the local cache"
                if offline
                else str(e).splitlines()[0]
            )
            raise ModelNotFoundError(
                f"cannot load hub model {name!r}: {why}. Known offline aliases: {', '.join(MODELS)}"
            ) from None
        raise ModelNotFoundError(f"cannot load model from {src}: {e}") from None
    finally:
        if bars:  # as it was (the CLI turns bars off unless --verbose)
            hf_logging.enable_progress_bar()
    model.to(device)
    source_hash = res.source_hash
    if source_hash is None:  # a hub id: its commit
        source_hash = "hub:" + str(getattr(model.config, "_commit_hash", None) or name)
    lm = LoadedModel.from_objects(model, tok, name=res.name, chat=res.chat)
    lm.source_hash = source_hash
    return lm
