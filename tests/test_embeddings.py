"""The example pool's embeddings: cached on disk keyed by the texts, with a progress bar."""

from __future__ import annotations

import numpy as np
import pytest

POOL = ["The cat sat on the mat.", "Stock markets fell sharply today.", "I adore this film."]


@pytest.mark.slow
def test_pool_embeddings_are_cached_on_disk_keyed_by_the_texts(tmp_path, monkeypatch):
    from lmtask.models import embeddings

    monkeypatch.setenv("LMTASK_HOME", str(tmp_path))
    bars = []

    class Bar:
        def __init__(self, total, what, enabled=True):
            bars.append({"total": total, "enabled": enabled, "done": 0})

        def __enter__(self):
            return lambda n: bars[-1].__setitem__("done", bars[-1]["done"] + n)

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(embeddings, "progress_bar", Bar)
    e = embeddings.Embedder()
    first = e.encode_pool(POOL, progress=True)
    path = embeddings.pool_cache_file(e.alias, POOL, e.max_length)
    assert path.is_file() and path.is_relative_to(tmp_path / "embeddings")
    assert bars == [{"total": 3, "enabled": True, "done": 3}]
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, rtol=1e-5)

    def no_encoding(*a, **k):
        raise AssertionError("the cached pool was embedded again")

    monkeypatch.setattr(e, "_encode", no_encoding)
    np.testing.assert_array_equal(e.encode_pool(POOL), first)  # read back, not recomputed
    assert len(bars) == 1
    other = embeddings.pool_cache_file(e.alias, [*POOL[:2], "I adore this film!"])
    assert other != path  # changed data: another key


@pytest.mark.slow
def test_an_unwritable_cache_only_costs_time(monkeypatch):
    from lmtask.models import embeddings

    monkeypatch.setenv("LMTASK_HOME", "/proc/lmtask-no-cache")
    vecs = embeddings.Embedder().encode_pool(POOL)
    assert vecs.shape == (3, 384)
