"""The first layers of a packaged Qwen2/Llama-style causal LM in plain torch, for a fast start.

``lm-features`` (the code-language detector's second member) reads the hidden states after
the first few layers of the default 0.5B model. Through transformers that costs about 3 s
before the first text: importing transformers alone takes 1-2 s on 2 CPU cores, longer than
the detector's whole load target (issue 11: under 2 s). This module runs the same layers
with torch, ``tokenizers`` and the safetensors file of the model cache, none of which
import transformers:

- the token embeddings stay on disk (a read-only memory map): only the rows of the tokens
  seen are read, not the 545 MB matrix;
- each layer is transformers' own computation, in the same order and dtypes (RMSNorm in
  float32, rotary embeddings, grouped-query attention with a float32 softmax as in its
  "eager" attention, SwiGLU MLP), so the features match transformers' to bfloat16 rounding
  (tests/test_lm_features.py compares them on the packaged model).

Only for the packaged models (converted in the model cache) of the architectures written
here (``qwen2``, ``llama``), on CPU; anything else goes through transformers
(:func:`lmtask.models.layers.load_first_layers` decides, and falls back to transformers if a
layout is not one this module knows).

>>> fl = load_fast("/path/to/converted/model", 4, torch.bfloat16)  # doctest: +SKIP
>>> fl.model(input_ids=torch.tensor([[1, 2, 3]])).shape             # doctest: +SKIP
torch.Size([1, 3, 896])
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = ["ARCHITECTURES", "FastTokenizer", "fast_config", "load_fast"]

ARCHITECTURES = ("qwen2", "llama")
# what the model cache writes; bfloat16 is read as int16 and viewed as bfloat16 in torch
_NP = {"F32": np.float32, "F16": np.float16, "BF16": np.int16}


def fast_config(folder: str | Path) -> dict[str, Any] | None:
    """The model's config.json if this module can run it (architecture, files), else None."""
    folder = Path(folder)
    try:
        cfg = json.loads((folder / "config.json").read_text())
    except (OSError, ValueError):
        return None
    ok = (
        cfg.get("model_type") in ARCHITECTURES
        and (folder / "tokenizer.json").is_file()
        and (folder / "model.safetensors").is_file()
        and cfg.get("hidden_act", "silu") == "silu"
        and (cfg.get("rope_parameters") or {}).get("rope_type", "default") == "default"
        and not cfg.get("rope_scaling")
    )
    return cfg if ok else None


def _tensors(path: Path) -> dict[str, tuple[np.ndarray, str]]:
    """Every tensor of a safetensors file as (a read-only numpy memory map, its dtype name):
    nothing is read until used. ``safetensors`` itself reads a tensor whole, and the token
    embeddings are 545 MB of which a text needs a few rows; the format is simple (an 8-byte
    header length, a JSON header of dtypes, shapes and offsets, then the data)."""
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        kind = info["dtype"]
        if kind not in _NP:
            raise ValueError(f"{path}: tensor {name} has dtype {kind}")
        begin, end = info["data_offsets"]
        shape = tuple(info["shape"])
        arr = (np.memmap(path, dtype=_NP[kind], mode="r", offset=8 + n + begin, shape=shape)
               if end > begin else np.zeros(shape, _NP[kind]))  # fmt: skip
        out[name] = (arr, kind)
    return out


def _torch(entry: tuple[np.ndarray, str], dtype: torch.dtype) -> torch.Tensor:
    arr, kind = entry
    t = torch.from_numpy(np.array(arr))
    return (t.view(torch.bfloat16) if kind == "BF16" else t).to(dtype)


class _RMSNorm(nn.Module):
    def __init__(self, weight: torch.Tensor, eps: float) -> None:
        super().__init__()
        self.weight, self.eps = nn.Parameter(weight, requires_grad=False), eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dtype = x.dtype
        x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dtype)


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class _Layer(nn.Module):
    """One decoder layer: pre-norm attention and pre-norm SwiGLU MLP, each with a residual."""

    def __init__(self, w: dict[str, torch.Tensor], cfg: dict[str, Any]) -> None:
        super().__init__()
        self.heads = cfg["num_attention_heads"]
        self.kv_heads = cfg.get("num_key_value_heads") or self.heads  # as transformers defaults
        self.head_dim = cfg.get("head_dim") or cfg["hidden_size"] // self.heads
        eps = cfg.get("rms_norm_eps", 1e-6)
        self.norm1, self.norm2 = _RMSNorm(w["input_layernorm"], eps), _RMSNorm(
            w["post_attention_layernorm"], eps)  # fmt: skip
        self.w = w

    def _lin(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return nn.functional.linear(x, self.w[f"{name}.weight"], self.w.get(f"{name}.bias"))

    def forward(self, h: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        b, n, _ = h.shape
        x = self.norm1(h)
        q = self._lin(x, "self_attn.q_proj").view(b, n, -1, self.head_dim).transpose(1, 2)
        k = self._lin(x, "self_attn.k_proj").view(b, n, -1, self.head_dim).transpose(1, 2)
        v = self._lin(x, "self_attn.v_proj").view(b, n, -1, self.head_dim).transpose(1, 2)
        q, k = q * cos + _rotate_half(q) * sin, k * cos + _rotate_half(k) * sin
        rep = self.heads // self.kv_heads
        k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
        scores = torch.matmul(q, k.transpose(2, 3)) * self.head_dim**-0.5
        causal = torch.ones(n, n, dtype=torch.bool, device=h.device).triu(1)
        scores = scores.masked_fill(causal, torch.finfo(scores.dtype).min)
        attn = torch.matmul(torch.softmax(scores, dim=-1, dtype=torch.float32).to(q.dtype), v)
        h = h + self._lin(attn.transpose(1, 2).reshape(b, n, -1), "self_attn.o_proj")
        x = self.norm2(h)
        gate = nn.functional.silu(self._lin(x, "mlp.gate_proj"))
        return h + self._lin(gate * self._lin(x, "mlp.up_proj"), "mlp.down_proj")


class _FirstLayers(nn.Module):
    """Embeddings (memory-mapped) and the first layers; ``forward`` returns the last one's
    output. Right padding needs no mask: with causal attention a text's tokens never see
    the pads after them (their outputs are left out of the mean by the caller)."""

    def __init__(self, embed: Any, layers: list[_Layer], cfg: dict[str, Any], dtype: Any) -> None:
        super().__init__()
        self.embed, self.layers, self.dtype = embed, nn.ModuleList(layers), dtype
        self.config = SimpleNamespace(**cfg)
        self.config.get_text_config = lambda: self.config
        dim = layers[0].head_dim
        theta = (cfg.get("rope_parameters") or {}).get("rope_theta") or cfg.get("rope_theta", 1e4)
        self.inv_freq = 1.0 / (theta ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))

    @property
    def device(self) -> torch.device:
        return torch.device("cpu")

    def forward(self, input_ids: torch.Tensor, attention_mask: Any = None) -> torch.Tensor:
        ids = input_ids.numpy()
        h = _torch((self.embed[0][ids.reshape(-1)], self.embed[1]), self.dtype)
        h = h.view(*ids.shape, -1)
        pos = torch.arange(ids.shape[1], dtype=torch.float32)
        freqs = pos[:, None] * self.inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos().to(self.dtype), emb.sin().to(self.dtype)
        for layer in self.layers:
            h = layer(h, cos, sin)
        return h


class FastTokenizer:
    """The ``tokenizers`` tokenizer of ``tokenizer.json``, called as transformers' is here:
    ``tok(text, add_special_tokens=False)["input_ids"]`` and ``tok.pad_token_id``."""

    def __init__(self, path: Path, pad_token_id: int) -> None:
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_file(str(path))
        self.pad_token_id = pad_token_id

    def __call__(
        self, text: str, add_special_tokens: bool = True, return_tensors: str | None = None
    ) -> dict[str, Any]:
        ids = self._tok.encode(text, add_special_tokens=add_special_tokens).ids
        return {"input_ids": torch.tensor([ids]) if return_tensors == "pt" else ids}


def _pad_id(folder: Path, tok: FastTokenizer, cfg: dict[str, Any]) -> int:
    """The pad token as transformers' tokenizer has it (tokenizer_config.json's pad token,
    else its end-of-sequence token), else the model config's; an empty text is that token."""
    try:
        tcfg = json.loads((folder / "tokenizer_config.json").read_text())
    except (OSError, ValueError):
        tcfg = {}
    for key in ("pad_token", "eos_token"):
        word = tcfg.get(key)
        word = word.get("content") if isinstance(word, dict) else word
        found = tok._tok.token_to_id(word) if isinstance(word, str) else None
        if found is not None:
            return int(found)
    for key in ("pad_token_id", "eos_token_id"):
        found = cfg.get(key)
        found = found[0] if isinstance(found, list) and found else found
        if isinstance(found, int):
            return found
    return 0


def load_fast(folder: str | Path, layers: int, dtype: torch.dtype) -> tuple[Any, Any]:
    """(tokenizer, model) of the first ``layers`` layers of the model in ``folder`` (a folder
    :func:`fast_config` accepts)."""
    folder = Path(folder)
    cfg = fast_config(folder)
    if cfg is None:
        raise ValueError(f"{folder} is not a model this module can run")
    tensors = _tensors(folder / "model.safetensors")
    base = "model." if "model.embed_tokens.weight" in tensors else ""  # a causal LM, or its base
    blocks = []
    for i in range(layers):
        pre = f"{base}layers.{i}."
        w = {k[len(pre) :]: _torch(v, dtype) for k, v in tensors.items() if k.startswith(pre)}
        w["input_layernorm"] = w.pop("input_layernorm.weight")
        w["post_attention_layernorm"] = w.pop("post_attention_layernorm.weight")
        blocks.append(_Layer(w, cfg))
    tok = FastTokenizer(folder / "tokenizer.json", 0)
    tok.pad_token_id = _pad_id(folder, tok, cfg)
    model = _FirstLayers(tensors[f"{base}embed_tokens.weight"], blocks, cfg, dtype)
    return tok, model.eval()
