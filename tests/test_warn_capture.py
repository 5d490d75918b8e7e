"""lmtask.serve.warn_capture: each worker thread records its own warnings, never another's."""

from __future__ import annotations

import threading
import warnings

import pytest

from lmtask.engine.prompting import TruncationWarning
from lmtask.serve.warn_capture import captured


def test_threads_record_only_their_own_warnings():
    """The race of catch_warnings: two served models' workers warning at the same time."""
    barrier = threading.Barrier(2)
    seen: dict[str, list[str]] = {}

    def worker(name: str) -> None:
        with captured() as got:
            barrier.wait()
            for _ in range(3):  # the same location thrice: each one recorded
                warnings.warn(f"from {name}", TruncationWarning, stacklevel=1)
            barrier.wait()
        seen[name] = [str(w.message) for w in got]

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"a": ["from a"] * 3, "b": ["from b"] * 3}


def test_outside_a_capture_warnings_go_where_they_went():
    with captured():
        pass
    with pytest.warns(UserWarning, match="still shown"):
        warnings.warn("still shown", UserWarning, stacklevel=1)
