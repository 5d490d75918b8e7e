"""One folder format for every classifier: ``manifest.json`` plus safetensors weights.

The manifest records the method, task, options, base model (alias and source hash), labels,
training data fingerprint, metrics and the lmtask version; weights hold only what a method
trained (nothing for prompt methods, whose few-shot examples live in the manifest).

Writes are crash-safe: weights go to content-named files (``weights-<sha>.safetensors``),
then ``manifest.json`` is replaced atomically (the commit point), then the weights file the
old manifest listed is removed. A crash at any moment leaves a loadable artifact: the old one
or the new one. Nothing else in the folder is ever deleted (a user's files, another copy of
weights: only the file an lmtask manifest there names), and a folder whose ``manifest.json``
is not an lmtask artifact's is refused rather than overwritten. A crash between the two
steps can leave an unlisted weights file behind: harmless, and never deleted for the user.
Nothing is ever unpickled; the loader refuses a manifest whose model hash does not match
the model it loads.

>>> import lmtask, tempfile
>>> clf = lmtask.ZeroShot(task="sentiment")                   # doctest: +SKIP
>>> path = lmtask.save(clf, tempfile.mkdtemp() + "/sentiment")  # doctest: +SKIP
>>> lmtask.load(path).predict(["I love it"])[0].label          # doctest: +SKIP
'positive'
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import numpy as np

from lmtask.atomic import write_atomic as _write_atomic
from lmtask.errors import ArtifactError, InputError
from lmtask.models.hash_check import model_checks

__all__ = [
    "FORMAT",
    "MANIFEST",
    "ArtifactError",
    "check_artifact_folder",
    "load",
    "read_manifest",
    "save",
]


FORMAT = "lmtask-artifact/1"
MANIFEST = "manifest.json"
_WEIGHTS = re.compile(r"weights-[0-9a-f]{16}\.safetensors")


def check_artifact_folder(path: str | os.PathLike[str]) -> str | None:
    """Refuse a folder ``save`` must not write into: one with a ``manifest.json`` that is
    not an lmtask artifact's (it would be replaced). Returns the weights file the artifact
    already there lists (the only file a save may delete), or None.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "manifest.json").write_text('{"name": "my web app"}')
    >>> check_artifact_folder(d)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lmtask.errors.InputError: ... holds a manifest.json that is not an lmtask artifact's ...
    """
    out = Path(path)
    if not os.path.lexists(out / MANIFEST):
        return None
    try:
        m = read_manifest(out)
    except ArtifactError:
        raise InputError(
            f"{out} holds a {MANIFEST} that is not an lmtask artifact's (saving would replace "
            "it): give a new folder, or an lmtask artifact folder to update"
        ) from None
    weights = m.get("weights")
    name = weights.get("file") if isinstance(weights, dict) else None
    return name if isinstance(name, str) and _WEIGHTS.fullmatch(name) else None


def _is_blob(path: Path, sha: str) -> bool:
    """Whether ``path`` is a file holding exactly the bytes of sha256 ``sha``."""
    try:
        return path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == sha
    except OSError:
        return False


def _dtype_name(lm: Any) -> str | None:
    """The dtype the model ran in ("float32", "bfloat16"): predictions depend on it."""
    return None if lm is None else str(lm.dtype).replace("torch.", "")


def save(
    classifier: Any,
    path: str | os.PathLike[str],
    *,
    metrics: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> Path:
    """Save ``classifier`` to the folder ``path`` (created or updated crash-safely)."""
    from lmtask import __version__

    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"cannot create artifact folder {out}: {e.strerror or e}") from None
    if not os.access(out, os.W_OK):
        raise InputError(f"artifact folder {out} is not writable")
    old_weights = check_artifact_folder(out)
    state = classifier.artifact_state() if hasattr(classifier, "artifact_state") else {}
    tensors = state.pop("tensors", None)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "lmtask_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "method": classifier.method_name,
        "task": classifier.task.to_dict(),
        "labels": list(classifier.labels),
        "config": dataclasses.asdict(classifier.config) if hasattr(classifier, "config") else {},
        "model": getattr(getattr(classifier, "lm", None), "name", None),
        "model_hash": getattr(getattr(classifier, "lm", None), "source_hash", None),
        "dtype": _dtype_name(getattr(classifier, "lm", None)),
        "state": state,
        "pins": classifier.pins() if hasattr(classifier, "pins") else {},
        "metrics": metrics or {},
        "data": data or {},
        "weights": None,
    }
    try:
        if tensors and all(isinstance(v, np.ndarray) for v in tensors.values()):
            from safetensors.numpy import save as np_save  # the same file format, no torch

            blob = np_save({k: np.ascontiguousarray(v) for k, v in tensors.items()})
        elif tensors:
            from safetensors.torch import save as st_save

            blob = st_save({k: v.contiguous().cpu() for k, v in tensors.items()})
        if tensors:
            sha = hashlib.sha256(blob).hexdigest()
            name = f"weights-{sha[:16]}.safetensors"
            if not _is_blob(out / name, sha):  # kept from a save cut short: reused
                _write_atomic(out / name, blob)
            manifest["weights"] = {"file": name, "sha256": sha}
        _write_atomic(out / MANIFEST, json.dumps(manifest, indent=2).encode())
    except OSError as e:
        raise InputError(f"cannot write the artifact to {out}: {e.strerror or e}") from None
    new_weights = manifest["weights"]["file"] if manifest["weights"] else None
    if old_weights is not None and old_weights != new_weights:
        with contextlib.suppress(OSError):  # left behind, it is only unused bytes
            (out / old_weights).unlink(missing_ok=True)
    return out


def read_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    p = Path(path) / MANIFEST
    if not p.is_file():
        raise ArtifactError(f"{path} is not an lmtask artifact (no {MANIFEST})")
    try:
        m = json.loads(p.read_text())
    except (OSError, ValueError) as e:
        raise ArtifactError(f"{p} is corrupt: {e}") from None
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        raise ArtifactError(
            f"{p}: unknown artifact format {m.get('format') if isinstance(m, dict) else m!r}"
        )
    return m


def load(path: str | os.PathLike[str], *, model: Any = None, check_model: bool = True) -> Any:
    """The classifier saved at ``path``; it predicts as the saved one did.

    ``model`` overrides the base model (alias or LoadedModel); the model's source hash must
    match the manifest's unless ``check_model=False``.
    """
    with model_checks(check_model):
        return _load(path, model, check_model)


def _load(path: str | os.PathLike[str], model: Any, check_model: bool) -> Any:
    from lmtask.methods import get_method
    from lmtask.tasks import Task

    m = read_manifest(path)
    cls = get_method(m["method"])
    tensors = None
    if m.get("weights"):
        wf = Path(path) / m["weights"]["file"]
        if not wf.is_file():
            raise ArtifactError(f"{path}: weights file {wf.name} is missing")
        blob = wf.read_bytes()
        if hashlib.sha256(blob).hexdigest() != m["weights"]["sha256"]:
            raise ArtifactError(f"{wf} is corrupt (sha256 does not match the manifest)")
        if getattr(cls, "tensors_as", "torch") == "numpy":  # numpy arrays: no torch import
            from safetensors.numpy import load as st_load
        else:
            from safetensors.torch import load as st_load

        tensors = st_load(blob)
    task = Task.from_dict(m["task"])
    lm = None
    if m.get("model"):
        from lmtask.models import load_model

        lm = load_model(model if model is not None else m["model"], dtype=m.get("dtype") or "auto")
        if check_model and m.get("model_hash") and lm.source_hash != m["model_hash"]:
            raise ArtifactError(
                f"{path} was saved on model {m['model']!r} with hash {m['model_hash'][:12]}..., "
                f"but the model loaded now has hash {lm.source_hash[:12]}...; the artifact would "
                "not predict as it did (pass check_model=False to load it anyway)"
            )
    elif model is not None:  # a method that loads its model itself (lm-features): as given
        lm = model
    if not hasattr(cls, "from_artifact"):
        raise ArtifactError(f"method {m['method']!r} cannot be loaded from an artifact")
    clf = cls.from_artifact(task=task, lm=lm, config=m["config"], state=m["state"],
                            tensors=tensors)  # fmt: skip
    _check_pins(path, m.get("pins") or {}, clf)
    return clf


def _check_pins(path: Any, saved: dict[str, str], clf: Any) -> None:
    """Say so when what the classifier's answers rest on (its ``pins()``: the background
    calibration's word list) is not what it was at the save: the answers may move a little."""
    from lmtask.engine.calibration import CalibrationWarning
    from lmtask.engine.notices import notice

    now = clf.pins() if saved and hasattr(clf, "pins") else {}
    for key, was in saved.items():
        if now.get(key) != was:
            notice(f"{path} was saved with the {key} word list {was}; this lmtask has "
                   f"{now.get(key) or 'none'}, so its answers may differ slightly from "
                   "when it was saved (save it again to keep the new list)",
                   CalibrationWarning, stacklevel=4)  # fmt: skip
