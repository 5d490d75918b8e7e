"""LmFeatures: a linear head on a causal LM's early hidden states (a "linear probe").

Each text (cut to ``max_tokens`` tokens) runs through the token embeddings and the first
``layers`` transformer layers of a causal LM: the packaged default model unless ``model``
names another; the later layers are never loaded. Its hidden states after layer ``layers``
are averaged over its tokens, standardised, and a class-balanced multinomial logistic
regression (scikit-learn, training only) maps them to labels. The LM is frozen: training
costs one short forward pass per text and a few seconds of regression.

Why: the LM's tokens and early layers carry what it learnt about code and prose, so the head
generalises from fewer rows than character n-grams. On the code corpus (trained on one
split's packages, scored on others) layer 2 of the 0.5B model is ahead of n-grams trained on
the same rows, at a twelfth of a full forward pass; asked only about the snippets the n-gram
model is unsure of (``cascade:slow=lm-features``) it lifts test macro from 0.920 to 0.939 at
about 290 snippets/s on 2 CPU cores (bench/RESULTS.md, "n-grams + LM features").

The model is loaded on first use (not by ``lmtask.load``), and only its first layers; its
hash is saved and checked then. Nothing is pickled: the head is four arrays (feature mean
and scale, coefficients, intercepts) in the safetensors file.

>>> import lmtask
>>> clf = lmtask.methods.build("lm-features:layers=2")                  # doctest: +SKIP
>>> clf = clf.fit(texts, labels)                                        # doctest: +SKIP
>>> clf.predict(["fn main() {}"])[0].label                              # doctest: +SKIP
'Rust'
"""

from __future__ import annotations

import threading
import warnings
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from lmtask.config import Config, option
from lmtask.engine.notices import notice
from lmtask.engine.prompting import TruncationWarning
from lmtask.errors import InputError, LmtaskError
from lmtask.methods.base import Classifier, check_texts, register_method
from lmtask.methods.baseline.ngram import in_task_order
from lmtask.methods.trained.train_data import check_labels, check_training_data
from lmtask.models.registry import DEFAULT_MODEL
from lmtask.prediction import Prediction
from lmtask.progress import progress_bar
from lmtask.tasks import Task, resolve_task

__all__ = ["FeatureCutWarning", "LmFeatures", "LmFeaturesConfig", "pooled_states"]


class FeatureCutWarning(TruncationWarning):
    """Texts cut to ``max_tokens`` before their features were read (the start is kept).

    Its own class: the server's "cut in the middle to the model's window" notice is about the
    language model's prompt, not this (a cascade's fast member still sees the whole text)."""


_LOCKS: weakref.WeakKeyDictionary[Any, threading.Lock] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()  # (not on the module itself: a lock cannot be deep-copied)


@dataclass
class LmFeaturesConfig(Config):
    """Options of ``lm-features``: which layers of which LM, and the head's regularisation."""

    model: str = option(DEFAULT_MODEL, "the causal LM whose early layers give the features")
    layers: int = option(
        2, "read the hidden states after this many transformer layers (only these load)", min=1
    )
    max_tokens: int = option(256, "cut each text to its first max_tokens tokens", min=1)
    C: float = option(
        0.1, "inverse L2 strength of the logistic regression (on the code corpus's dev split "
        "0.1 and 1 are within 0.002 macro; 0.1 is the safer one for few rows)", gt=0,
    )  # fmt: skip
    balanced: bool = option(True, "weight each label inversely to its training frequency")
    batch_size: int = option(
        1, "texts per forward pass; 1 (the default): a text's features never depend on the "
        "texts beside it (other batch shapes round bfloat16 differently), as fast on CPU as 16",
        min=1,
    )  # fmt: skip
    dtype: str = option("auto", "the LM's dtype: auto (bfloat16 where the CPU is fast at it)")


@register_method("lm-features")
class LmFeatures(Classifier):
    """Logistic regression on mean-pooled early hidden states of a frozen causal LM."""

    config_class = LmFeaturesConfig
    needs_training_data = True
    tensors_as = "numpy"
    config: LmFeaturesConfig

    def __init__(
        self,
        task: Task | str | None = None,
        model: Any = None,
        *,
        labels: Sequence[str] | str | None = None,
        dtype: str = "auto",
        config: LmFeaturesConfig | None = None,
        **options: Any,
    ) -> None:
        self.config = self.make_config(config, options)  # type: ignore[assignment]
        if dtype != "auto" and self.config.dtype == "auto":  # --dtype, build(dtype=...)
            self.config.dtype = dtype
        name = model if isinstance(model, str) else getattr(model, "name", None)
        if name:  # a model given to the constructor is the one used (and saved)
            self.config.model = name
        self.task = resolve_task(task, labels) if (task or labels) else None
        self._given = model  # None: config.model, loaded on first use
        self._layers: Any = None
        self.model_hash: str | None = None  # of the LM the head was trained on
        self._trained_on: str | None = None  # its name, when loaded with another model
        self.check_model = True  # False: loaded with check_model=False, no hash check
        self.mean = self.scale = self.coef = self.intercept = None  # type: ignore[var-annotated]
        self.n_train = 0

    # -- the LM ---------------------------------------------------------------------------
    @property
    def first_layers(self) -> Any:
        """The LM's first ``layers`` layers, loaded on first use (hash checked if trained)."""
        if self._layers is None:
            from lmtask.models.layers import load_first_layers

            c = self.config
            fl = load_first_layers(self._given or c.model, c.layers, c.dtype)
            mismatch = fl.source_hash and fl.source_hash != self.model_hash
            if self.check_model and self.model_hash and mismatch:
                was = self._trained_on or c.model
                raise InputError(
                    f"this lm-features head was trained on {was!r} with hash "
                    f"{self.model_hash[:12]}..., but {fl.name!r} has hash "
                    f"{fl.source_hash[:12]}...: retrain it (or load it with check_model=False)"
                )
            self._layers = fl
        return self._layers

    def features(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """(texts, hidden) mean-pooled hidden states after layer ``layers``."""
        c = self.config
        return pooled_states(self.first_layers, list(texts), c.max_tokens, c.batch_size, progress)

    # -- training and prediction ----------------------------------------------------------
    def fit(
        self, texts: Sequence[str], labels: Sequence[str], progress: bool = False
    ) -> LmFeatures:
        """Train the head on labelled rows (one LM pass per text); needs two labels."""
        texts, labels, _, _ = check_training_data(texts, labels, task_labels=self._task_labels())
        return self.fit_features(self.features(texts, progress), labels)

    def fit_features(self, x: np.ndarray, labels: Sequence[str]) -> LmFeatures:
        """Train the head on features already computed by :meth:`features` (e.g. cached
        for a sweep over ``C``); ``fit`` is ``fit_features(features(texts), labels)``."""
        labels = check_labels(labels, self._task_labels())
        if len(x) != len(labels):
            raise InputError(f"{len(x)} feature rows but {len(labels)} labels")
        if self.task is None:
            self.task = resolve_task(None, sorted(set(labels)))
        mean, scale = x.mean(axis=0), x.std(axis=0)
        scale[scale < 1e-6] = 1.0
        from sklearn.linear_model import LogisticRegression

        weights = "balanced" if self.config.balanced else None
        head = LogisticRegression(C=self.config.C, max_iter=1000, class_weight=weights)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*(max_iter|iterations).*")
            head.fit((x - mean) / scale, labels)
        raw_coef, raw_b = np.atleast_2d(head.coef_), np.atleast_1d(head.intercept_)
        if len(head.classes_) == 2:  # binary: one score z for classes_[1]; softmax([0, z])
            raw_coef = np.vstack([np.zeros_like(raw_coef), raw_coef])
            raw_b = np.array([0.0, raw_b[0]])
        coef, intercept = in_task_order(head.classes_, raw_coef, raw_b, self.labels)
        self.mean, self.scale = mean.astype(np.float32), scale.astype(np.float32)
        self.coef, self.intercept = coef, intercept
        self.model_hash, self.n_train = self.first_layers.source_hash, len(labels)
        return self

    def _task_labels(self) -> list[str] | None:
        return self.labels if self.task is not None else None

    def probabilities(self, texts: Sequence[str] | str, progress: bool = False) -> np.ndarray:
        """(texts, labels) probabilities in ``self.labels`` order."""
        if self.coef is None:
            raise LmtaskError("lm-features is not fitted: call fit(texts, labels) first")
        texts = check_texts(texts)
        if not texts:
            return np.zeros((0, len(self.labels)))
        return self.proba_from_features(self.features(texts, progress))

    def proba_from_features(self, x: np.ndarray) -> np.ndarray:
        """The head alone: (rows, labels) probabilities of features from :meth:`features`."""
        if self.coef is None:
            raise LmtaskError("lm-features is not fitted: call fit(texts, labels) first")
        # one row at a time: a matrix product's rounding can depend on how many rows it has,
        # and a text's answer must not depend on the texts beside it
        std = (x - self.mean) / self.scale
        if not len(std):
            return np.zeros((0, len(self.intercept)))
        z = (np.stack([row @ self.coef.T for row in std]) + self.intercept).astype(np.float64)
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def predict_proba(self, texts: Sequence[str] | str) -> np.ndarray:
        return self.probabilities(texts)

    def predict(self, texts: Sequence[str] | str, progress: bool = False) -> list[Prediction]:
        texts = check_texts(texts)
        probs, names = self.probabilities(texts, progress), self.labels
        return [Prediction(names[int(row.argmax())] if text.strip() else None,  # empty: unknown
                           dict(zip(names, map(float, row), strict=True)))
                for text, row in zip(texts, probs, strict=True)]  # fmt: skip

    # -- artifacts ------------------------------------------------------------------------
    def artifact_state(self) -> dict[str, Any]:
        if self.coef is None:
            raise LmtaskError("cannot save an untrained lm-features classifier: call fit first")
        tensors = {"mean": self.mean, "scale": self.scale, "coef": self.coef,
                   "intercept": self.intercept}  # fmt: skip
        return {"n_train": self.n_train, "model_hash": self.model_hash,
                "tensors": {k: np.ascontiguousarray(v) for k, v in tensors.items()}}  # fmt: skip

    @classmethod
    def from_artifact(
        cls, task: Task, lm: Any, config: dict[str, Any], state: dict[str, Any], tensors: Any
    ) -> LmFeatures:
        clf = cls(task=task, model=lm, config=LmFeaturesConfig(**config))
        need = ("mean", "scale", "coef", "intercept")
        if not tensors or any(k not in tensors for k in need):
            raise InputError(f"this lm-features artifact lacks its head ({', '.join(need)})")
        arr = {k: np.asarray(tensors[k] if isinstance(tensors[k], np.ndarray)
                             else tensors[k].numpy(), dtype=np.float32) for k in need}  # fmt: skip
        if arr["coef"].shape[0] != len(clf.labels) or arr["coef"].shape[1] != len(arr["mean"]):
            raise InputError(f"lm-features head of shape {arr['coef'].shape} does not fit "
                             f"{len(clf.labels)} labels")  # fmt: skip
        clf.mean, clf.scale, clf.coef, clf.intercept = (arr[k] for k in need)
        clf.model_hash, clf.n_train = state.get("model_hash"), int(state.get("n_train", 0))
        clf._trained_on = config.get("model")
        from lmtask.models.hash_check import checking_models

        clf.check_model = checking_models()
        return clf

    def describe(self) -> dict[str, Any]:
        c = self.config
        return {**super().describe(), "model": c.model, "layers": c.layers,
                "max_tokens": c.max_tokens, "trained_on": self.n_train}  # fmt: skip


def pooled_states(
    fl: Any,
    texts: Sequence[str],
    max_tokens: int,
    batch_size: int = 16,
    progress: bool = False,
) -> np.ndarray:
    """(texts, hidden) float32: each text's layer-``fl.layers`` states averaged over its
    tokens (texts cut to their first ``max_tokens`` tokens, with one warning per call)."""
    tok = fl.tokenizer
    limit = 64 * max_tokens  # characters: no token is that long, and a huge text tokenizes fast
    ids = [tok(t[:limit], add_special_tokens=False)["input_ids"] for t in texts]
    cut = sum(len(x) > max_tokens for x in ids)
    if cut:
        notice(f"{cut} text(s) longer than max_tokens={max_tokens} tokens were cut to their "
               "start", FeatureCutWarning, stacklevel=2)  # fmt: skip
    ids = [x[:max_tokens] or [tok.pad_token_id] for x in ids]  # an empty text: one pad token
    # One caller at a time per model: a hook would also see another thread's forward pass.
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(fl.model, threading.Lock())
    with lock:
        return _forward(fl, ids, batch_size, progress)


def _forward(fl: Any, ids: list[list[int]], batch_size: int, progress: bool) -> np.ndarray:
    """The batched, right-padded forward passes of :func:`pooled_states`."""
    pad = fl.tokenizer.pad_token_id
    out = np.zeros((len(ids), fl.hidden_size), dtype=np.float32)
    captured: list[torch.Tensor] = []

    def hook(_mod: Any, _inp: Any, output: Any) -> None:
        captured.append(output[0] if isinstance(output, tuple) else output)

    handle = fl.model.layers[fl.layers - 1].register_forward_hook(hook)
    order = np.argsort([len(x) for x in ids], kind="stable")
    try:
        with torch.inference_mode(), progress_bar(len(ids), "features", progress) as advance:
            for s in range(0, len(order), batch_size):
                idx = order[s : s + batch_size]
                width = max(len(ids[i]) for i in idx)
                batch = torch.full((len(idx), width), pad, dtype=torch.long)
                mask = torch.zeros((len(idx), width), dtype=torch.long)
                for j, i in enumerate(idx):
                    batch[j, : len(ids[i])] = torch.tensor(ids[i])
                    mask[j, : len(ids[i])] = 1
                captured.clear()
                dev = fl.model.device
                fl.model(input_ids=batch.to(dev), attention_mask=mask.to(dev))
                h = captured[-1].float().cpu()
                m = mask[..., None].float()
                out[idx] = ((h * m).sum(1) / m.sum(1)).numpy()
                advance(len(idx))
    finally:
        handle.remove()
    return out
