"""A cascade: a fast classifier answers alone when it is sure; for the other texts the language
model is asked too and the two are combined.

For each text the fast classifier (an n-gram model, say) gives label probabilities ``p_fast``.
If its top probability is at least ``threshold``, that is the answer. Otherwise the zero-shot
language model scores the labels (``p_lm``, with the task's wording) and the answer's
probabilities are ``softmax(log p_fast + weight * log p_lm)``. Only the unsure texts cost a
language-model pass, so the cascade runs at the fast model's speed on easy texts.

``fast`` is a method spec trained on the training data (``ngram`` by default), a saved
artifact folder, or ``detector``: the task's shipped detector (``code-language``). On the code
corpus (bench/code_cascade.py) the n-grams with the default 0.5B model for the snippets under
0.8 reach 0.954 macro on dev and 0.938 on test (n-grams alone 0.922 / 0.910), asking the model
about 1 snippet in 4.

>>> import lmtask
>>> clf = lmtask.methods.build("cascade:fast=detector", task="code-language")  # doctest: +SKIP
>>> clf.predict(["fn main() { println!(\\"hi\\"); }"])[0].label                  # doctest: +SKIP
'Rust'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lmtask.config import Config, option
from lmtask.data.code.notcode import NotCodeWarning, not_code_note
from lmtask.engine.notices import notice
from lmtask.errors import ArtifactError, InputError, LmtaskError
from lmtask.inputs import check_texts
from lmtask.methods.base import Classifier, get_method, register_method
from lmtask.methods.baseline.ngram import looks_binary
from lmtask.prediction import Prediction
from lmtask.tasks import Task, builtin_detector, resolve_task

__all__ = ["Cascade", "CascadeConfig", "NotCodeWarning", "combine"]


@dataclass
class CascadeConfig(Config):
    """Options of ``cascade``: which fast classifier, when to ask the LM, how to combine."""

    fast: str = option(
        "auto",
        "the fast classifier: 'detector' (the task's shipped one), a saved artifact folder, a "
        "method name trained on the training data with its default options, or 'auto' "
        "(detector if the task has one, else ngram)",
    )
    threshold: float = option(
        0.8, "the fast classifier answers alone when its top probability is at least this",
        min=0, max=1,
    )  # fmt: skip
    slow: str = option(
        "zero-shot",
        "what is asked about the unsure texts: 'zero-shot' (the LM with the task's wording), "
        "'detector' (the task's shipped lm-features head: code-language), a saved artifact "
        "folder, or a method trained on the training data (e.g. lm-features)",
    )
    weight: float = option(1.0, "weight of the slow member's log-probabilities", min=0)
    batch_size: int = option(8, "texts per LM scoring batch", min=1)
    min_confidence: float = option(
        0.0, "answer 'unknown' (label None) below this final probability", min=0.0, max=1.0
    )
    slow_min_lines: int = option(
        0, "ask the slow member only about texts of at least this many non-blank lines; a "
        "shorter one gets the fast member's own answer, with its own 'unknown' threshold (the "
        "code detector's head never saw a text of under 3: its answers there are guesses)",
        min=0,
    )  # fmt: skip
    warn_not_code: bool = option(
        False, "say when texts read as prose or a table, not code (a code task's answer "
        "for them is a guess); the answers stay as they are",
    )  # fmt: skip

    def check(self) -> None:
        super().check()
        if not self.fast.strip():
            raise InputError("cascade needs a fast classifier: fast=detector, a folder or a spec")
        if not self.slow.strip():
            raise InputError("cascade needs a slow member: slow=zero-shot, a folder or a spec")


def _task_name(task: Any) -> str | None:
    """A task given by name, or a Task with a built-in task's name and labels: that name
    (what ``builtin_detector`` looks up). A task of one's own (other labels) has none."""
    if task is None or isinstance(task, str):
        return task
    from lmtask.tasks import get_task

    name = getattr(task, "name", None)
    try:
        same = list(get_task(name).label_names) == list(task.label_names)
    except (LmtaskError, TypeError, AttributeError):
        return None
    return name if same else None


def _no_shipped(task: Any, kind: str, which: str) -> InputError:
    what = "trained detector" if which == "fast" else f"{kind} head"
    who = f"task {task!r} ships" if task else "ad-hoc labels ship"
    return InputError(f"{which}=detector: {who} no {what} (only code-language does); name a "
                      "spec or an artifact folder")  # fmt: skip


@register_method("cascade")
class Cascade(Classifier):
    """A fast classifier, and the zero-shot LM for the texts it is unsure of."""

    config_class = CascadeConfig
    tensors_as = "numpy"

    def __init__(
        self,
        task: Task | str | None = None,
        model: Any = None,
        *,
        labels: Sequence[str] | str | None = None,
        dtype: str = "auto",
        config: CascadeConfig | None = None,
        **options: Any,
    ) -> None:
        self.config: CascadeConfig = self.make_config(config, options)  # type: ignore[assignment]
        self.task = resolve_task(task, labels) if (task or labels) else None
        self.dtype, self._model, self._slow = dtype, model, None
        name = _task_name(task)
        self.fast: Classifier | None = self._ready_fast(name)
        self._train_fast = self.fast is None  # a method spec, trained by fit
        slow = self.config.slow
        self._train_slow = slow not in ("zero-shot", "detector") and _trains(slow, "slow")
        if slow == "detector":
            self._slow = self._shipped(name, "lm-features", "slow")
        elif slow != "zero-shot" and not self._train_slow:
            self._slow = _per_text(self._load_member(Path(slow).expanduser(), "slow"))

    @property
    def answers_depend_on_batch(self) -> bool:
        """If a member calibrates over the texts it is given (a saved batch-calibrated one)."""
        members = (self.fast, self._slow)
        return any(getattr(m, "answers_depend_on_batch", False) for m in members if m)

    @property  # type: ignore[override]
    def needs_training_data(self) -> bool:  # type: ignore[override]
        """Until both members exist (a method spec is trained by ``fit``)."""
        return self.fast is None or (self._train_slow and self._slow is None)

    @classmethod
    def trains_on(cls, options: Any, task: Any = None) -> bool:
        """Only when the fast classifier is a method to train (not a detector or a folder).

        A shipped member the task lacks is an error here, before any examples are asked for.
        """
        task = _task_name(task)
        slow = str(options.get("slow", "zero-shot"))
        for which, kind, default in (("fast", "", "auto"), ("slow", "lm-features", "zero-shot")):
            if str(options.get(which, default)) == "detector" and not builtin_detector(task, kind):
                raise _no_shipped(task, kind, which)
        if slow not in ("zero-shot", "detector") and _trains(slow, "slow"):
            return True
        fast = str(options.get("fast", "auto"))
        if fast in ("auto", "detector"):
            return fast == "auto" and builtin_detector(task) is None
        return _trains(fast, "fast")

    def _ready_fast(self, task: Any) -> Classifier | None:
        """The fast classifier if it exists already (detector or artifact), else None."""
        fast = self.config.fast
        if fast == "auto":  # the task's detector, or ngram trained by fit
            return self._shipped(task, "", "fast") if builtin_detector(task) else None
        if fast == "detector":
            return self._shipped(task, "", "fast")
        return None if _trains(fast, "fast") else self._load_member(Path(fast).expanduser(), "fast")

    def _shipped(self, task: Any, kind: str, which: str) -> Classifier:
        """The classifier of ``kind`` a built-in task ships (``lmtask.tasks.builtin_detector``)."""
        folder = builtin_detector(task, kind)
        if folder is None:
            raise _no_shipped(task, kind, which)
        return self._load_member(folder, which)

    def _load_member(self, folder: Path, which: str) -> Classifier:
        """A saved member (a folder with a manifest); its labels must be the task's."""
        from lmtask.artifacts import load

        clf = load(folder)
        if self.task is None:
            self.task = clf.task
        elif sorted(clf.labels) != sorted(self.labels):
            raise InputError(f"the {which} classifier in {folder} has labels {clf.labels}, the "
                             f"task {self.labels}")  # fmt: skip
        return clf

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> Cascade:
        """Train the members given as method specs on ``texts``/``labels``."""
        from lmtask.methods.factory import build, fit

        if self._train_fast:
            spec = "ngram" if self.config.fast == "auto" else self.config.fast
            self.fast = fit(build(spec, task=self.task, dtype=self.dtype), texts=texts,
                            labels=labels)  # fmt: skip
            self.task = self.fast.task
        if self._train_slow:
            slow = build(self.config.slow, task=self.task, model=self._model, dtype=self.dtype)
            self._slow = _per_text(fit(slow, texts=texts, labels=labels))
        return self

    @property
    def slow(self) -> Classifier:
        """The member asked about unsure texts (zero-shot: built on first use)."""
        if self._slow is None and self._train_slow:
            raise LmtaskError("this cascade is not trained: call fit(texts, labels) first")
        if self._slow is None:
            from lmtask.engine.calibration import PER_CALL
            from lmtask.methods.prompt.zero_shot import ZeroShot

            # the unsure texts are a chosen subset: a bias estimated over them would be skewed
            extra = {"calibration": "contextual"} if self.task.calibration in PER_CALL else {}
            self._slow = ZeroShot(task=self.task, model=self._model, dtype=self.dtype,
                                  batch_size=self.config.batch_size, **extra)  # fmt: skip
        return self._slow

    @property
    def lm(self) -> Any:
        """The zero-shot member's language model (recorded in artifacts, passed back by
        ``lmtask.load``); None when the slow member is another classifier (it loads its own)."""
        if self.config.slow != "zero-shot":
            return None
        return self.slow.lm  # type: ignore[attr-defined]

    def _proba(self, clf: Classifier, texts: list[str]) -> np.ndarray:
        p = clf.predict_proba(texts)
        return p[:, [clf.labels.index(lb) for lb in self.labels]]

    def predict(self, texts: Sequence[str] | str, progress: bool = False) -> list[Prediction]:
        if self.fast is None:
            raise LmtaskError("this cascade is not trained: call fit(texts, labels) first")
        texts = check_texts(texts)
        if not texts:
            return []
        p = self._proba(self.fast, texts)
        blank = np.array([not t.strip() or looks_binary(t) for t in texts])  # never asked
        need = self.config.slow_min_lines
        short = np.array([need > 0 and sum(1 for x in t.splitlines() if x.strip()) < need
                          for t in texts])  # fmt: skip
        unsure = np.flatnonzero((p.max(axis=1) < self.config.threshold) & ~blank & ~short)
        if len(unsure) and self.config.weight > 0:
            slow = self._proba(self.slow, [texts[i] for i in unsure])
            p[unsure] = combine(p[unsure], slow, self.config.weight)
        for note in self.input_notes(texts):
            notice(note, NotCodeWarning, stacklevel=2)
        names, least = self.labels, self.config.min_confidence
        own = max(least, float(getattr(self.fast.config, "min_confidence", 0.0) or 0.0))
        return [Prediction(None if no or row.max() < (own if alone else least)
                           else names[int(row.argmax())],
                           dict(zip(names, map(float, row), strict=True)))
                for row, no, alone in zip(p, blank, short, strict=True)]  # fmt: skip

    def input_notes(self, texts: Sequence[str]) -> list[str]:
        """With ``warn_not_code``: how many of ``texts`` read as prose or a table."""
        if not self.config.warn_not_code:
            return []
        note = not_code_note(list(texts))
        return [note] if note else []

    # -- artifacts ----------------------------------------------------------------------
    def artifact_state(self) -> dict[str, Any]:
        if self.fast is None or (self._train_slow and self._slow is None):
            raise LmtaskError("cannot save an untrained cascade: call fit first")
        state, tensors = {}, {}
        members = {
            "fast": self.fast,
            "slow": self._slow if self.config.slow != "zero-shot" else None,
        }
        for which, clf in members.items():
            if clf is not None:
                state[which], mine = _pack(which, clf)
                tensors.update(mine)
        return {**state, "tensors": tensors}

    @classmethod
    def from_artifact(
        cls, task: Task, lm: Any, config: dict[str, Any], state: dict[str, Any], tensors: Any
    ) -> Cascade:
        names = {w: state[w]["method"] for w in ("fast", "slow") if w in state}
        clf = cls.__new__(cls)  # the members come from the state, not from names or folders
        clf.config = CascadeConfig(**{**config, **names})
        clf.task, clf.dtype, clf._model = task, "auto", lm
        clf._train_fast = clf._train_slow = False
        clf.fast = _unpack("fast", state["fast"], tensors)
        clf._slow = _per_text(_unpack("slow", state["slow"], tensors)) if "slow" in state else None
        return clf

    def pins(self) -> dict[str, str]:  # the slow member's (lmtask.artifacts)
        return getattr(self.slow if self._slow is None else self._slow, "pins", dict)()

    def describe(self) -> dict[str, Any]:
        fast = self.fast.describe() if self.fast is not None else self.config.fast
        info = {**super().describe(), "fast": fast, "threshold": self.config.threshold,
                "weight": self.config.weight}  # fmt: skip
        if self.config.slow == "zero-shot":  # "model": what a server shows as its base model
            return {**info, "model": self._slow.lm.name if self._slow is not None else None}  # type: ignore[attr-defined]
        slow = self._slow.describe() if self._slow is not None else self.config.slow
        model = slow.get("model") if isinstance(slow, dict) else None
        return {**info, "slow": slow, "model": model}


def combine(fast: np.ndarray, slow: np.ndarray, weight: float) -> np.ndarray:
    """The cascade's rule for an unsure text: ``softmax(log p_fast + weight * log p_slow)``
    (rows of probabilities in the same label order).

    >>> combine(np.array([[0.6, 0.4]]), np.array([[0.2, 0.8]]), 1.0).round(3).tolist()
    [[0.273, 0.727]]
    """
    z = np.log(np.clip(fast, 1e-12, None)) + weight * np.log(np.clip(slow, 1e-12, None))
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _per_text(clf: Classifier) -> Classifier:
    """``clf`` (the slow member), set to contextual calibration if it calibrates per call.

    The slow member is asked about a chosen subset of a call's texts, the ones the fast one is
    unsure of: a bias estimated over them (batch or words calibration) would be skewed by that
    choice, and would make a text's answer depend on the others'. So such a member uses
    contextual calibration, as the cascade's zero-shot member does, and says so once.
    """
    from lmtask.engine.calibration import PER_CALL, CalibrationWarning

    switched = []
    for part in getattr(clf, "members", None) or [clf]:  # a prompt ensemble's wordings
        mode = getattr(part, "calibration_mode", None)
        if mode in PER_CALL:
            part.config.calibration = "contextual"
            switched.append(mode)
    if switched:
        notice(f"the cascade asks its slow member ({clf.method_name}, calibration="
               f"{switched[0]}) about the texts the fast one is unsure of only: it uses "
               "contextual calibration there", CalibrationWarning, stacklevel=3)  # fmt: skip
    return clf


def _trains(spec: str, which: str) -> bool:
    """Whether the ``which`` member named ``spec`` is a method to train (not a saved folder);
    a folder without a manifest, or an unknown method, is refused here."""
    from lmtask.methods.factory import parse_spec

    if (Path(spec).expanduser() / "manifest.json").is_file():
        return False
    if "/" in spec or Path(spec).expanduser().exists():
        raise InputError(f"{which}={spec!r} is not a saved artifact folder (no manifest.json)")
    parse_spec(spec)
    return True


def _pack(which: str, clf: Classifier) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """A member's method, task, config and state, and its tensors prefixed ``which.``."""
    state = dict(clf.artifact_state())
    tensors = state.pop("tensors", None) or {}
    as_np = {f"{which}.{k}": v if isinstance(v, np.ndarray) else v.detach().cpu().numpy()
             for k, v in tensors.items()}  # fmt: skip
    lm = getattr(clf, "lm", None)  # a prompt method's model: loaded again with the member
    model = {"model": lm.name, "model_hash": lm.source_hash,
             "dtype": str(lm.dtype).replace("torch.", "")} if lm is not None else {}  # fmt: skip
    return {"method": clf.method_name, "state": state, "task": clf.task.to_dict(),
            "config": dataclasses.asdict(clf.config), **model}, as_np  # fmt: skip


def _unpack(which: str, packed: dict[str, Any], tensors: Any) -> Classifier:
    """Inverse of :func:`_pack` (the member keeps its own label order)."""
    from lmtask.models.hash_check import checking_models

    mcls = get_method(packed["method"])
    mine = {k[len(which) + 1 :]: v for k, v in (tensors or {}).items()
            if k.startswith(f"{which}.")}  # fmt: skip
    if mine and getattr(mcls, "tensors_as", "torch") != "numpy":
        import torch

        mine = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in mine.items()}
    lm = None
    if packed.get("model"):
        from lmtask.models import load_model

        lm = load_model(packed["model"], dtype=packed.get("dtype") or "auto")
        if (
            checking_models()
            and packed.get("model_hash")
            and lm.source_hash != packed["model_hash"]
        ):
            raise ArtifactError(f"the cascade's {which} member was saved on model "
                                f"{packed['model']!r} with another hash than the one loaded "
                                "now: it would not predict as it did (pass check_model=False "
                                "to load it anyway)")  # fmt: skip
    own = Task.from_dict(packed["task"])
    return mcls.from_artifact(task=own, lm=lm, config=packed["config"], state=packed["state"],
                              tensors=mine)  # fmt: skip
