"""The training-only package pool (lmtask.data.code.pool), offline: the fake trees and fetch
of tests/test_code.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lmtask.data import code as cc
from lmtask.data.code import builder, extra, pool
from lmtask.errors import InputError
from tests.test_code import FAKE_SOURCES, FIELDS, LICENCE, _fake_fetch, _python, _read

POOL = [cc.Source("pypi", f"pool{c}", "3.0", ("Python",)) for c in "klm"]


@pytest.fixture
def corpus(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(builder, "fetch", _fake_fetch([]))
    monkeypatch.setattr(extra, "fetch", _fake_fetch([]))
    return cc.build(tmp_path / "corpus", FAKE_SOURCES, seed=0, progress=False, max_per_package=2)


def _test_package(corpus: Path) -> str:
    manifest = cc.load_manifest(corpus)
    return next(e["name"] for e in manifest["packages"] if e["split"] == "test")


def test_pool_adds_training_rows_and_leaves_the_splits_alone(corpus, monkeypatch):
    before = _read(corpus)
    held_out = _test_package(corpus)
    calls: list[str] = []
    fake = _fake_fetch(calls)

    def fetch(source, work_dir):
        tree = fake(source, work_dir)
        if source.name == "poolm":  # a copy of a test package's file
            (tree / "src" / "copied.py").write_text(LICENCE + _python(40, held_out))
        return tree

    monkeypatch.setattr(builder, "fetch", fetch)
    path = pool.build_pool(corpus, POOL, progress=False)
    assert path.name == "pool-train.jsonl" and _read(corpus) == before
    rows = [json.loads(x) for x in path.read_text().splitlines()]
    assert rows and all(set(r) == FIELDS for r in rows)
    assert {r["package"] for r in rows} == {"poolk", "pooll", "poolm"}
    assert not any(r["path"] == "src/copied.py" for r in rows)
    corpus_texts = {r["text"] for rs in before.values() for r in rs}
    assert not corpus_texts & {r["text"] for r in rows}
    assert len({r["text"] for r in rows}) == len(rows)
    manifest = json.loads((corpus / "pool-manifest.json").read_text())
    assert manifest["total"] == len(rows) and manifest["side"] == "train"
    assert [p["name"] for p in manifest["packages"]] == ["poolk", "pooll", "poolm"]
    assert all(p["snippets"]["Python"] <= 40 for p in manifest["packages"])

    calls.clear()  # built again: from the caches, nothing fetched, the same rows
    assert pool.build_pool(corpus, POOL, progress=False).read_text() == path.read_text()
    assert calls == []
    # a new corpus build makes the pool stale: it is removed
    cc.build(corpus, FAKE_SOURCES, seed=1, progress=False, max_per_package=2)
    assert not (corpus / "pool-train.jsonl").exists()
    assert not (corpus / "pool-manifest.json").exists()


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        ([cc.Source("npm", "PkgA", "1.0", ("Python",))], "already in the corpus as pypi:pkga"),
        ([cc.Source("npm", "axios", "1.0", ("JavaScript",))], "reserved"),
        ([POOL[0], cc.Source("npm", "poolK", "1.0", ("Python",))], "listed twice"),
        ([], "no pool packages"),
    ],
)
def test_pool_refuses_corpus_reserved_and_repeated_packages(corpus, sources, message):
    with pytest.raises(InputError, match=message):
        pool.build_pool(corpus, sources, progress=False)


def test_a_package_that_cannot_be_fetched_is_recorded(corpus, monkeypatch):
    monkeypatch.setattr(builder, "fetch", _fake_fetch([], fail={"pooll"}))
    path = pool.build_pool(corpus, POOL, progress=False)
    manifest = json.loads((corpus / "pool-manifest.json").read_text())
    assert [f["package"] for f in manifest["failed"]] == ["pypi:pooll"]
    assert "pooll" not in path.read_text()
    with pytest.raises(InputError, match="404"):
        pool.build_pool(corpus, POOL, progress=False, strict=True)


def test_cli_builds_the_pool_when_asked(tmp_path, monkeypatch):
    """`lmtask datasets build code-languages --pool` builds the corpus, then the pool."""
    from typer.testing import CliRunner

    from lmtask.cli import app

    manifest = {"languages": ["Python"], "counts": {s: {"Python": 2} for s in cc.SPLITS},
                "package_counts": {s: {"Python": 1} for s in cc.SPLITS},
                "totals": dict.fromkeys(cc.SPLITS, 2)}  # fmt: skip
    calls: list[str] = []
    monkeypatch.setattr(cc, "build", lambda out, sources, seed, log: calls.append("build") or out)
    monkeypatch.setattr(cc, "load_manifest", lambda folder: manifest)

    def fake_pool(folder, log):
        calls.append("pool")
        (folder / "pool-train.jsonl").write_text('{"text": "x"}\n' * 3)
        return folder / "pool-train.jsonl"

    monkeypatch.setattr(cc, "build_pool", fake_pool)
    args = ["datasets", "build", "code-languages", "--out", str(tmp_path)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0 and calls == ["build"], res.output
    res = CliRunner().invoke(app, [*args, "--pool"])
    assert res.exit_code == 0 and calls == ["build", "build", "pool"], res.output
    assert "training-only pool: 3 snippets" in res.output
    calls.clear()

    def fake_extra(folder, sides, log):
        calls.append(f"extra {','.join(sides)}")
        out = [folder / f"extra-{s}.jsonl" for s in sides]
        for path in out:
            path.write_text('{"text": "x"}\n' * 2)
        return out

    monkeypatch.setattr(cc, "build_extra", fake_extra)
    res = CliRunner().invoke(app, [*args, "--extra"])
    assert res.exit_code == 0 and calls == ["build", "extra train,dev"], res.output
    assert "extra training windows: 2 snippets" in res.output
