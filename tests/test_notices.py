"""lmtask.engine.notices: a server's worker threads each collect their own notices."""

from __future__ import annotations

import threading

import pytest

from lmtask.engine.notices import collected, notice
from lmtask.engine.prompting import TruncationWarning


def test_threads_collect_only_their_own_notices():
    """What warnings.catch_warnings cannot do: two workers told apart at the same moment."""
    barrier = threading.Barrier(2)
    seen: dict[str, list[str]] = {}

    def worker(name: str) -> None:
        with collected() as got:
            barrier.wait()
            for _ in range(3):  # the same place thrice: each one kept
                notice(f"from {name}", TruncationWarning)
            barrier.wait()
        seen[name] = [n.message for n in got]

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"a": ["from a"] * 3, "b": ["from b"] * 3}


def test_outside_a_collection_a_notice_is_a_warning():
    with collected() as inner:
        notice("kept", TruncationWarning)
    with pytest.warns(TruncationWarning, match="shown"):
        notice("shown", TruncationWarning)
    assert [n.message for n in inner] == ["kept"]
