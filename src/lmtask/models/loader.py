"""Load a causal LM and its tokenizer from an alias, a ``.gguf`` file, a folder or a hub id.

>>> import lmtask
>>> lm = lmtask.load_model("smollm2-135m-instruct")  # doctest: +SKIP
>>> lm.chat, lm.max_length                              # doctest: +SKIP
(True, 8192)
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from lmtask.errors import ModelNotFoundError
from lmtask.models.cache import MANIFEST, converted_folder, read_manifest
from lmtask.models.dtype import resolve_dtype
from lmtask.models.registry import ALIASES, DEFAULT_MODEL, MODELS, get_spec


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

    chat: bool | None = None
    source_hash = ""
    alias = ALIASES.get(name, name)
    if alias in MODELS:
        spec = get_spec(alias)
        if spec.kind != "causal-lm":
            raise ModelNotFoundError(
                f"{alias!r} is an encoder ({spec.description}); prompting needs a causal LM "
                f"such as {DEFAULT_MODEL!r}"
            )
        folder = converted_folder(alias, spec.parts())
        chat = spec.chat
        source_hash = read_manifest(folder)["source_sha256"]
        src: str | Path = folder
    elif name.endswith(".gguf"):
        p = Path(name).expanduser()
        if not p.is_file():
            raise ModelNotFoundError(f"GGUF file not found: {p}")
        folder = converted_folder(p.stem, [p])
        source_hash = read_manifest(folder)["source_sha256"]
        src = folder
    elif Path(name).expanduser().is_dir():
        src = Path(name).expanduser()
        if not (src / "config.json").is_file():
            raise ModelNotFoundError(f"{src} is a folder but has no config.json: not a model")
        if (src / MANIFEST).is_file():
            source_hash = read_manifest(src)["source_sha256"]
        else:
            source_hash = _folder_hash(src)
    elif name.count("/") == 1 and not name.startswith((".", "/")):
        src = name  # a hub id
    else:
        get_spec(name)  # raises with the list of known aliases
        raise AssertionError("unreachable")

    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a 2-second load needs no bar
    try:
        tok = AutoTokenizer.from_pretrained(src, trust_remote_code=trust_remote_code)
        model = AutoModelForCausalLM.from_pretrained(
            src, dtype=dtype, trust_remote_code=trust_remote_code
        )
    except OSError as e:
        if isinstance(src, str):
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
        hf_logging.enable_progress_bar()
    model.to(device)
    if not source_hash and isinstance(src, str):
        source_hash = "hub:" + str(getattr(model.config, "_commit_hash", None) or name)
    lm = LoadedModel.from_objects(model, tok, name=alias, chat=chat)
    lm.source_hash = source_hash
    return lm


def _folder_hash(folder: Path) -> str:
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
