"""``lmtask batch --engine ray`` on one local Ray cluster (2 CPUs) for the whole module.

Ray and local engines must write the same rows (labels, scores, order); an actor killed
mid-run is restarted by Ray with its batch retried, and a driver killed between waves is
resumed by running again: rows in = rows out, never a duplicate.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("ray")

from lmtask.batch import MANIFEST, predict_dataset, run_batch
from lmtask.batch import manifest as manifest_module
from lmtask.ladder import ClassifierSpec
from tests.test_batch import SPEC, expected, read_out, write_shards

# The driver's torch on one thread, as Ray's 1-CPU actors have it: the code detector's head
# then rounds alike in both, and their scores can be compared exactly.
pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.usefixtures("one_thread")]  # fmt: skip


def by_id(table):
    """Rows sorted by shard, then row (the Ray engine may reorder rows within a shard)."""
    key = [tuple(map(int, i.split("-"))) for i in table.column("id").to_pylist()]
    return table.take(sorted(range(len(key)), key=key.__getitem__))


@pytest.fixture(scope="module")
def ray_cluster():
    os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    # the classes below travel to the workers by value (the workers need not import tests/)
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield ray
    ray.shutdown()


class _KillOnce:
    """Delegates to the detector, but the first process to see a ``KILL`` text dies."""

    def __init__(self, clf, marker: str) -> None:
        self.clf, self.marker = clf, marker
        self.labels, self.method_name = clf.labels, clf.method_name

    def describe(self):
        return self.clf.describe()

    def predict(self, texts, progress=False):
        if any("KILL" in t for t in texts) and not os.path.exists(self.marker):
            Path(self.marker).write_text(str(os.getpid()))
            os._exit(1)  # a hard kill: no exception, no cleanup
        return self.clf.predict(texts)


@dataclasses.dataclass(frozen=True)
class KillOnceSpec(ClassifierSpec):
    marker: str = ""

    def build(self):
        return _KillOnce(super().build(), self.marker)


def test_ray_and_local_write_the_same_rows(ray_cluster, tmp_path):
    rows = write_shards(tmp_path / "in", sizes=(9, 7, 8), kind="parquet")
    res = run_batch(str(tmp_path / "in"), tmp_path / "ray", SPEC, engine="ray", concurrency=2,
                    batch_size=4)  # fmt: skip
    local = run_batch(str(tmp_path / "in"), tmp_path / "local", SPEC, batch_size=4)
    assert res.rows_in == res.rows_out == local.rows_out == len(rows) == 24
    assert res.rows_error == local.rows_error == 3
    ray_rows, local_rows = by_id(read_out(tmp_path / "ray")), by_id(read_out(tmp_path / "local"))
    assert ray_rows.column_names == local_rows.column_names
    assert ray_rows.equals(local_rows)  # the same labels and scores for every row
    manifest = json.loads((tmp_path / "ray" / MANIFEST).read_text())
    assert manifest["runs"][0]["engine"] == "ray" and manifest["status"] == "complete"
    assert [e["rows_out"] for e in manifest["shards"].values()] == [9, 7, 8]
    assert not (tmp_path / "ray" / "_staging").exists()

    # the Python API on a Dataset of one's own
    ds = ray_cluster.data.from_items(rows[:9])
    got = predict_dataset(ds, SPEC, text_column="code", batch_size=4).take_all()
    want = expected(rows[:9])
    texts = [r["code"] for r in rows[:9] if r["code"]]
    by_text = {r["code"]: r for r in got}  # Ray Data keeps no row order across blocks
    assert len(got) == 9 and set(by_text) == {r["code"] for r in rows[:9]}
    assert [by_text[t]["label"] for t in texts] == [p.label for p in want]
    assert [by_text[t]["p_SQL"] for t in texts] == [p.scores["SQL"] for p in want]
    assert [r["error"] for r in got if not r["code"]] == ["empty text"]


def test_killed_actor_then_killed_driver_then_resume(ray_cluster, tmp_path, monkeypatch):
    write_shards(tmp_path / "in", sizes=(5, 6, 5))
    shard1 = tmp_path / "in" / "shard-1.csv"
    shard1.write_text(shard1.read_text() + "9,SELECT KILL FROM t;\n")
    marker = tmp_path / "killed"
    spec = KillOnceSpec(task="code-language", marker=str(marker))
    out = tmp_path / "out"

    real_record = manifest_module.Run.record

    def driver_dies_at_shard_1(self, shard, files, seconds):
        if shard.index == 1:  # its files are in out/, but not yet in the manifest
            raise KeyboardInterrupt
        return real_record(self, shard, files, seconds)

    monkeypatch.setattr(manifest_module.Run, "record", driver_dies_at_shard_1)
    with pytest.raises(KeyboardInterrupt):
        run_batch(str(tmp_path / "in"), out, spec, engine="ray", wave=1)
    assert marker.is_file()  # an actor died in shard 1's wave; Ray restarted it and went on
    assert (out / "part-00001-000.parquet").is_file()  # written, never recorded
    manifest = json.loads((out / MANIFEST).read_text())
    assert list(manifest["shards"]) == ["0"] and manifest["status"] == "running"

    monkeypatch.setattr(manifest_module.Run, "record", real_record)
    res = run_batch(str(tmp_path / "in"), out, spec, engine="ray", wave=1)
    assert (res.shards_skipped, res.shards_done) == (1, 2)
    local = run_batch(str(tmp_path / "in"), tmp_path / "local", SPEC)
    assert res.rows_in == res.rows_out == local.rows_out == 17
    assert by_id(read_out(out)).equals(by_id(read_out(tmp_path / "local")))  # none lost or doubled
