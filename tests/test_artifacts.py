"""Artifacts: save -> load predicts identically; corrupt, mismatched and crashed saves."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest
import torch

import lmtask
from lmtask import artifacts
from lmtask.artifacts import ArtifactError
from lmtask.methods.base import Classifier, register_method
from lmtask.prediction import Prediction
from lmtask.tasks import Task

TEXTS = ["I love it", "I hate it", ""]
EX = [("Great!", "positive"), ("Awful.", "negative"), ("Furious!", "angry"), ("Nice", "positive")]


@pytest.mark.parametrize("kind", ["zero-shot", "few-shot", "calibrated", "multi-label", "vader"])
def test_save_load_predicts_identically(smol, tmp_path, kind):
    if kind == "zero-shot":
        clf = lmtask.ZeroShot(task="sentiment", model=smol)
    elif kind == "calibrated":
        clf = lmtask.ZeroShot(task="sentiment", model=smol, calibrate=True, min_confidence=0.4)
    elif kind == "few-shot":
        clf = lmtask.FewShot(task="sentiment", model=smol, shots=3, select="random", examples=EX)
    elif kind == "multi-label":
        clf = lmtask.MultiLabel(labels="food,service", model=smol, thresholds={"food": 0.3})
    else:
        clf = lmtask.methods.Vader(labels="positive,negative,neutral")
    path = lmtask.save(clf, tmp_path / "art", metrics={"accuracy": 0.5})
    again = lmtask.load(path)
    assert type(again) is type(clf) and again.labels == clf.labels
    a, b = clf.predict(TEXTS), again.predict(TEXTS)
    assert [p.to_dict() for p in a] == [p.to_dict() for p in b]
    m = json.loads((path / "manifest.json").read_text())
    assert m["method"] == clf.method_name and m["metrics"] == {"accuracy": 0.5}
    assert not list(path.glob("*.pkl")) and not list(path.glob("*.bin"))


def test_model_mismatch_is_refused(smol, tmp_path, tiny_factory):
    path = lmtask.save(lmtask.ZeroShot(task="sentiment", model=smol), tmp_path / "a")
    other = tiny_factory()
    other.source_hash = "f" * 64
    with pytest.raises(ArtifactError, match="hash"):
        lmtask.load(path, model=other)
    assert lmtask.load(path, model=other, check_model=False).lm is other


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda p: (p / "manifest.json").unlink(), "not an lmtask artifact"),
        (lambda p: (p / "manifest.json").write_text("{oops"), "corrupt"),
        (lambda p: (p / "manifest.json").write_text('{"format": "other/9"}'), "unknown artifact"),
    ],
)
def test_damaged_artifact_is_refused(tmp_path, damage, message):
    path = lmtask.save(lmtask.methods.Vader(labels="positive,negative"), tmp_path / "v")
    damage(path)
    with pytest.raises(ArtifactError, match=message):
        lmtask.load(path)


@dataclass
class _Cfg:
    scale: float = 1.0


@register_method("test-linear")
class Linear(Classifier):
    """A toy trained method with weights, to test the weights path of artifacts."""

    def __init__(self, weight: torch.Tensor, task: Task | None = None):
        self.task = task or Task.from_labels("a,b")
        self.weight = weight
        self.config = _Cfg()

    def artifact_state(self):
        return {"tensors": {"weight": self.weight}, "note": "toy"}

    @classmethod
    def from_artifact(cls, task, lm, config, state, tensors):
        return cls(tensors["weight"], task)

    def predict(self, texts, progress=False):
        z = float(self.weight.sum())
        p = 1 / (1 + np.exp(-z))
        return [Prediction("a" if p >= 0.5 else "b", {"a": p, "b": 1 - p}) for _ in texts]


def test_weights_roundtrip_and_corruption(tmp_path):
    path = lmtask.save(Linear(torch.tensor([1.0, 2.0])), tmp_path / "lin")
    (w,) = list(path.glob("weights-*.safetensors"))
    assert torch.equal(lmtask.load(path).weight, torch.tensor([1.0, 2.0]))
    w.write_bytes(w.read_bytes()[:-3] + b"xyz")
    with pytest.raises(ArtifactError, match="corrupt"):
        lmtask.load(path)


def test_crash_during_save_keeps_the_old_artifact(tmp_path, monkeypatch):
    path = lmtask.save(Linear(torch.tensor([1.0, 2.0])), tmp_path / "lin")
    real = artifacts._write_atomic

    def crash_on_manifest(p, data):
        if p.name == "manifest.json":
            raise KeyboardInterrupt("killed while saving")
        real(p, data)

    monkeypatch.setattr(artifacts, "_write_atomic", crash_on_manifest)
    with pytest.raises(KeyboardInterrupt):
        lmtask.save(Linear(torch.tensor([-5.0, -5.0])), path)
    monkeypatch.setattr(artifacts, "_write_atomic", real)
    assert torch.equal(lmtask.load(path).weight, torch.tensor([1.0, 2.0]))  # old one intact
    lmtask.save(Linear(torch.tensor([-5.0, -5.0])), path)
    assert torch.equal(lmtask.load(path).weight, torch.tensor([-5.0, -5.0]))
    assert len(list(path.glob("weights-*.safetensors"))) == 1  # the stale weights are gone
    assert not list(path.glob(".*.tmp"))


def test_read_only_folder_is_a_clear_error(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        import os

        if os.access(ro, os.W_OK):  # running as root: permissions do not bind
            pytest.skip("root can write anywhere")
        with pytest.raises(lmtask.InputError, match="not writable"):
            lmtask.save(lmtask.methods.Vader(labels="positive,negative"), ro)
    finally:
        ro.chmod(0o700)


def test_disk_full_is_a_clear_error_and_keeps_the_old_artifact(tmp_path, monkeypatch):
    import errno

    from lmtask import atomic

    path = lmtask.save(Linear(torch.tensor([1.0, 2.0])), tmp_path / "lin")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(lmtask.InputError, match=r"cannot write the artifact.*No space left"):
        lmtask.save(Linear(torch.tensor([-5.0, -5.0])), path)
    monkeypatch.undo()
    assert torch.equal(lmtask.load(path).weight, torch.tensor([1.0, 2.0]))
    assert not list(path.glob(".*.tmp"))  # no half-written files left behind


def test_save_deletes_only_the_weights_its_own_manifest_listed(tmp_path):
    """save removed every weights-*.safetensors in the folder: a user's files, another
    artifact's weights copied there. Only the file the old manifest names may go."""
    path = tmp_path / "lin"
    path.mkdir()
    theirs = {
        "weights-mine.safetensors": b"a user's file",
        "weights-0123456789abcdef.safetensors": b"another artifact's weights",
        "notes.txt": b"unrelated",
    }
    for name, data in theirs.items():
        (path / name).write_bytes(data)
    lmtask.save(Linear(torch.tensor([1.0, 2.0])), path)
    (first,) = set(p.name for p in path.glob("weights-*.safetensors")) - set(theirs)
    lmtask.save(Linear(torch.tensor([-5.0, -5.0])), path)
    assert torch.equal(lmtask.load(path).weight, torch.tensor([-5.0, -5.0]))
    assert not (path / first).exists()  # the old artifact's own weights are replaced
    for name, data in theirs.items():
        assert (path / name).read_bytes() == data
    lmtask.save(lmtask.methods.Vader(labels="positive,negative"), path)  # no weights at all
    assert {p.name for p in path.glob("weights-*")} == set(theirs) - {"notes.txt"}


def test_a_manifest_naming_a_file_outside_its_own_weights_deletes_nothing(tmp_path):
    victim = tmp_path / "weights-0123456789abcdef.safetensors"
    victim.write_bytes(b"keep me")
    path = lmtask.save(Linear(torch.tensor([1.0, 2.0])), tmp_path / "lin")
    m = json.loads((path / "manifest.json").read_text())
    m["weights"]["file"] = f"../{victim.name}"
    (path / "manifest.json").write_text(json.dumps(m))
    lmtask.save(Linear(torch.tensor([-5.0, -5.0])), path)
    assert victim.read_bytes() == b"keep me"


@pytest.mark.parametrize("content", ['{"name": "my web app"}', "not json", '["a list"]'])
def test_a_folder_with_a_manifest_that_is_not_lmtask_s_is_refused(tmp_path, content):
    path = tmp_path / "site"
    path.mkdir()
    (path / "manifest.json").write_text(content)
    (path / "weights-mine.safetensors").write_bytes(b"a user's file")
    with pytest.raises(lmtask.InputError, match=r"holds a manifest\.json that is not an lmtask"):
        lmtask.save(Linear(torch.tensor([1.0, 2.0])), path)
    assert (path / "manifest.json").read_text() == content
    assert sorted(p.name for p in path.iterdir()) == ["manifest.json", "weights-mine.safetensors"]


def test_the_background_word_list_is_pinned_and_a_change_is_said(smol, tmp_path):
    """A classifier calibrated on the shipped background list keeps the list's id; loading
    it where the list differs (a later lmtask) says so in a warning, and an artifact that
    predates pins (none in the manifest) loads quietly."""
    import warnings

    from lmtask.engine.calibration import CalibrationWarning, background_id

    clf = lmtask.ZeroShot(task="sentiment", model=smol)  # the task recommends background
    path = lmtask.save(clf, tmp_path / "bg")
    m = json.loads((path / "manifest.json").read_text())
    assert m["pins"] == {"background": background_id("english")}
    with warnings.catch_warnings():
        warnings.simplefilter("error", CalibrationWarning)
        lmtask.load(path)  # same list: no warning
    for pins, warns in (({"background": "english:000000000000"}, True), (None, False)):
        if pins is None:
            m.pop("pins")
        else:
            m["pins"] = pins
        (path / "manifest.json").write_text(json.dumps(m))
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            again = lmtask.load(path)
        said = [str(w.message) for w in seen if w.category is CalibrationWarning]
        assert bool(said) is warns, said
        if warns:
            assert "english:000000000000" in said[0] and background_id("english") in said[0]
        assert [p.to_dict() for p in again.predict(TEXTS[:2])] == [
            p.to_dict() for p in clf.predict(TEXTS[:2])
        ]
    plain = lmtask.save(lmtask.ZeroShot(task="sentiment", model=smol, calibrate=False),
                        tmp_path / "plain")  # fmt: skip
    assert json.loads((plain / "manifest.json").read_text())["pins"] == {}
