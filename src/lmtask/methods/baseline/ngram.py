"""Ngram: hashed character n-grams (plus word and punctuation tokens) and a linear model.

A fast trained baseline that needs no language model: each text becomes hashed counts of its
character n-grams, whitespace kept as it is (``whitespace="keep"``: newlines, tabs and runs
of spaces are characters too, so indentation and line starts count; ``"collapse"``: every
run of whitespace is one space first) and, with ``words=True``, of its word and
punctuation-run tokens (unigrams and bigrams, case kept). Counts are log-scaled
(``log(1 + count)``) and L2-normalised; a one-vs-rest logistic regression (scikit-learn
``SGDClassifier`` with ``log_loss``, used for training only) gives a score per label, and
the probabilities are its per-label sigmoids normalised to sum to 1.

The hashing is this module's own (numpy: a polynomial hash of each n-gram's code points,
CRC-32 for tokens, both mixed into ``2**features_log2`` buckets), so it is the same on every
machine and predicting needs neither scikit-learn, scipy nor torch (numpy alone: loading and
predicting import no other method either). Nothing is pickled: the
linear model is the coefficient matrix (stored as float16; prediction uses those rounded
values from the start, so save -> load predicts identically) and the intercepts. With the
default ``features_log2=16`` and 25 labels the weights are 3.3 MB.

Inputs that are not code:

- an empty (or whitespace-only) text, and one that looks binary (a NUL character, or more
  than 10% control or replacement characters), get label ``None`` ("unknown"), with the
  scores the model gives them (for an empty text: the intercepts alone);
- a text longer than ``max_chars`` is cut to its first ``max_chars`` characters, with one
  :class:`~lmtask.engine.prompting.TruncationWarning` per call;
- prose or data in no listed language gets whatever label scores highest, usually with a low
  confidence: ``min_confidence`` turns those into ``None``.

>>> clf = Ngram(labels="py,c").fit(["def f(x):\\n    return x", "int f(int x) { return x; }"],
...                                ["py", "c"])
>>> clf.predict(["def g(y):\\n    return y", ""])[0].label, clf.predict([""])[0].label
('py', None)
"""

from __future__ import annotations

import itertools
import re
import warnings
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from lmtask.config import Config, option
from lmtask.engine.notices import notice
from lmtask.engine.prompting import TruncationWarning
from lmtask.errors import InputError, LmtaskError
from lmtask.inputs import check_texts
from lmtask.methods.base import Classifier, register_method
from lmtask.prediction import Prediction
from lmtask.tasks import Task, resolve_task

_TOKENS = re.compile(r"\w+|[^\w\s]+")
_SPACES = re.compile(r"\s+")
_M64 = (1 << 64) - 1
_P = np.uint64(0x100000001B3)  # FNV-64 prime: the polynomial hash's base
_SALT = [np.uint64((0x9E3779B97F4A7C15 * (n + 1)) & _M64) for n in range(12)]  # per n
_MIX = np.uint64(0xFF51AFD7ED558CCD)
_S33 = np.uint64(33)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd]")
_UNSEEN = -30.0  # intercept of a task label with no training row: probability ~ 0


@dataclass
class NgramConfig(Config):
    """Options of the ``ngram`` method (see the module docstring)."""

    whitespace: Literal["keep", "collapse"] = option(
        "keep",
        "keep: newlines, tabs and space runs are n-gram characters; collapse: each "
        "whitespace run is one space first",
    )
    ngram_min: int = option(1, "shortest character n-gram", min=1, max=10)
    ngram_max: int = option(3, "longest character n-gram", min=1, max=10)
    words: bool = option(True, "also hash word and punctuation tokens (uni- and bigrams)")
    features_log2: int = option(
        16, "hash into 2**features_log2 features (the weights: 2 bytes each per label)",
        min=8, max=22,
    )  # fmt: skip
    lowercase: bool = option(False, "lowercase the text first (case matters in code)")
    alpha: float = option(3e-6, "L2 regularisation strength", gt=0.0)
    epochs: int = option(50, "at most this many passes over the training data", min=1)
    balanced: bool = option(True, "weight each label inversely to its training frequency")
    max_chars: int = option(20_000, "cut longer texts to their first max_chars", min=1)
    min_confidence: float = option(
        0.0, "answer 'unknown' (label None) below this probability", min=0.0, max=1.0
    )
    seed: int = option(0, "random seed of the training order")

    def check(self) -> None:
        super().check()
        if self.ngram_min > self.ngram_max:
            raise InputError(
                f"ngram_min={self.ngram_min} must be at most ngram_max={self.ngram_max}"
            )


def looks_binary(text: str) -> bool:
    """A NUL character, or over 10% control/replacement characters (tabs and newlines are
    text).

    >>> looks_binary("x = 1\\n"), looks_binary("\\x00ELF\\x02\\x01"), looks_binary("")
    (False, True, False)
    """
    if "\x00" in text:
        return True
    head = text[:4096]
    return bool(head) and len(_CONTROL.findall(head)) > 0.1 * len(head)


def _bucket(h: np.ndarray, bits: int) -> np.ndarray:
    """64-bit hashes mixed (murmur3's finaliser) into ``bits``-bit bucket numbers."""
    h = h ^ (h >> _S33)
    h = h * _MIX
    h = h ^ (h >> _S33)
    return (h >> np.uint64(64 - bits)).astype(np.int64)


def hashed_ids(text: str, nmin: int, nmax: int, words: bool, bits: int) -> np.ndarray:
    """The bucket of every character n-gram (``nmin``..``nmax``) of ``text`` and, with
    ``words``, of every token and token bigram; repeated n-grams repeat.

    >>> ids = hashed_ids("ab ab", 1, 2, False, 10)  # a b ' ' a b, ab 'b ' ' a' ab
    >>> len(ids), len(set(ids.tolist())), int(ids.max()) < 2**10
    (9, 6, True)
    """
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    codes = codes.astype(np.uint64)
    m = len(codes)
    out = []
    for n in range(nmin, min(nmax, m) + 1):
        h = np.full(m - n + 1, _SALT[n], dtype=np.uint64)
        for k in range(n):
            h = h * _P + codes[k : m - n + 1 + k]
        out.append(_bucket(h, bits))
    if words:
        toks = [t.encode("utf-8", "surrogatepass") for t in _TOKENS.findall(text)]
        crc = [zlib.crc32(b"\x01" + t) for t in toks]
        crc += [zlib.crc32(b"\x02" + a + b"\x00" + b) for a, b in itertools.pairwise(toks)]
        if crc:
            h = np.array(crc, dtype=np.uint64) * _P + _SALT[11]
            out.append(_bucket(h, bits))
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def in_task_order(
    classes: Sequence[str], coef: np.ndarray, intercept: np.ndarray, labels: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """A linear model's rows (one per ``classes`` entry) rearranged into ``labels`` order,
    float32; a label with no training row gets zero weights and intercept -30 (probability
    ~0). Shared by the trained linear heads (ngram, lm-features).

    >>> c, b = in_task_order(["b"], np.ones((1, 2)), np.array([0.5]), ["a", "b"])
    >>> c.tolist(), b.tolist()
    ([[0.0, 0.0], [1.0, 1.0]], [-30.0, 0.5])
    """
    out_coef = np.zeros((len(labels), coef.shape[1]), dtype=np.float32)
    out_b = np.full(len(labels), _UNSEEN, dtype=np.float32)
    for row, lb in enumerate(classes):
        out_coef[list(labels).index(lb)] = coef[row]
        out_b[list(labels).index(lb)] = intercept[row]
    return out_coef, out_b


def _array(t: Any) -> np.ndarray:
    """A float32 numpy copy of saved weights (numpy arrays, or torch tensors)."""
    return np.asarray(t if isinstance(t, np.ndarray) else t.numpy(), dtype=np.float32)


@register_method("ngram")
class Ngram(Classifier):
    """Character n-gram linear classifier; ``model`` is ignored (there is none)."""

    config_class = NgramConfig
    needs_training_data = True
    tensors_as = "numpy"  # lmtask.load reads the weights with safetensors.numpy: no torch
    config: NgramConfig

    def __init__(
        self,
        task: Task | str | None = None,
        model: Any = None,
        *,
        labels: Sequence[str] | str | None = None,
        dtype: str = "auto",
        config: NgramConfig | None = None,
        **options: Any,
    ) -> None:
        self.config = self.make_config(config, options)  # type: ignore[assignment]
        self.task = resolve_task(task, labels) if (task or labels) else None
        self.coef: np.ndarray | None = None  # (labels, features) float32, float16 values
        self.intercept: np.ndarray | None = None  # (labels,) float32
        self.n_train = 0
        self._coef_t_cache: tuple[np.ndarray, np.ndarray] | None = None

    # -- features ---------------------------------------------------------------------------
    def _weights(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(buckets, weights) of one text: log(1 + count) per bucket, L2-normed."""
        c = self.config
        if c.lowercase:
            text = text.lower()
        if c.whitespace == "collapse":
            text = _SPACES.sub(" ", text)
        ids = hashed_ids(text, c.ngram_min, c.ngram_max, c.words, c.features_log2)
        uniq, counts = np.unique(ids, return_counts=True)
        w = np.log1p(counts).astype(np.float32)
        norm = float(np.sqrt(np.dot(w, w)))
        return uniq, (w / norm if norm else w)

    def features(self, texts: Sequence[str]) -> Any:
        """The (texts, 2**features_log2) sparse matrix: log(1 + count) per bucket, L2-normed
        (for training; prediction uses :meth:`_weights` and numpy alone)."""
        from scipy.sparse import csr_matrix

        parts = [self._weights(t) for t in texts]
        indptr = np.cumsum([0] + [len(ids) for ids, _ in parts])
        cols = np.concatenate([ids for ids, _ in parts] + [np.zeros(0, np.int64)])
        data = np.concatenate([w for _, w in parts] + [np.zeros(0, np.float32)])
        shape = (len(texts), 2**self.config.features_log2)
        return csr_matrix((data, cols, indptr), shape=shape, dtype=np.float32)

    def _cut(self, texts: list[str]) -> list[str]:
        limit = self.config.max_chars
        n = sum(len(t) > limit for t in texts)
        if n:
            notice(
                f"{n} text(s) longer than max_chars={limit} characters were cut to their start",
                TruncationWarning,
                stacklevel=3,
            )
            texts = [t[:limit] for t in texts]
        return texts

    # -- training and prediction ------------------------------------------------------------
    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> Ngram:
        """Train on labelled rows; needs at least two different labels."""
        texts = check_texts(texts)
        labels = list(labels)
        if len(texts) != len(labels) or not labels:
            raise InputError(f"ngram needs labelled rows: got {len(texts)} texts and "
                             f"{len(labels)} labels")  # fmt: skip
        if self.task is None:
            self.task = resolve_task(None, sorted(set(labels)))
        unknown = sorted(set(labels) - set(self.labels))
        if unknown:
            raise InputError(f"training labels {unknown} are not labels of the task {self.labels}")
        seen = sorted(set(labels))
        if len(seen) < 2:
            raise InputError(f"ngram needs at least two different labels to learn; got {seen}")
        from sklearn.linear_model import SGDClassifier

        c = self.config
        model = SGDClassifier(
            loss="log_loss",
            alpha=c.alpha,
            max_iter=c.epochs,
            tol=1e-4,
            random_state=c.seed,
            class_weight="balanced" if c.balanced else None,
        )
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*max_iter.*")  # ConvergenceWarning
            model.fit(self.features(self._cut(texts)), labels)
        raw_coef = np.atleast_2d(model.coef_)
        raw_b = np.atleast_1d(model.intercept_)
        if len(seen) == 2:  # binary: one score d for classes_[1]; rows -d, d give sigmoid(d)
            raw_coef = np.vstack([-raw_coef, raw_coef])
            raw_b = np.array([-raw_b[0], raw_b[0]])
        coef, intercept = in_task_order(model.classes_, raw_coef, raw_b, self.labels)
        self.coef = coef.astype(np.float16).astype(np.float32)  # what is saved, exactly
        self.intercept = intercept
        self.n_train = len(texts)
        return self

    def _coef_t(self) -> np.ndarray:
        """The (features, labels) weights, contiguous by feature (one row per bucket)."""
        assert self.coef is not None
        if self._coef_t_cache is None or self._coef_t_cache[0] is not self.coef:
            self._coef_t_cache = (self.coef, np.ascontiguousarray(self.coef.T))
        return self._coef_t_cache[1]

    def _check_fitted(self) -> None:
        if self.coef is None or self.intercept is None:
            raise LmtaskError("ngram is not fitted: call fit(texts, labels) first")

    def probabilities(self, texts: Sequence[str] | str) -> np.ndarray:
        """(texts, labels) probabilities in ``self.labels`` order."""
        self._check_fitted()
        assert self.coef is not None and self.intercept is not None
        texts = self._cut(check_texts(texts))
        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float64)
        parts = [self._weights(t) for t in texts]
        sizes = np.array([len(ids) for ids, _ in parts])
        ids = np.concatenate([i for i, _ in parts] + [np.zeros(0, np.int64)])
        w = np.concatenate([x for _, x in parts] + [np.zeros(0, np.float32)])
        scores = np.zeros((len(texts), len(self.labels)), dtype=np.float64)
        if len(ids):  # each text's weighted sum of its buckets' rows, in one gather
            full = sizes > 0  # reduceat needs starts inside the array: empty texts left out
            starts = (np.cumsum(sizes) - sizes)[full]
            scores[full] = np.add.reduceat(self._coef_t()[ids] * w[:, None], starts, axis=0)
        scores += self.intercept
        sig = 1.0 / (1.0 + np.exp(-np.clip(scores.astype(np.float64), -50, 50)))
        return sig / sig.sum(axis=1, keepdims=True)

    def predict(self, texts: Sequence[str] | str, progress: bool = False) -> list[Prediction]:
        texts = check_texts(texts)
        probs = self.probabilities(texts)
        names = self.labels
        preds = []
        for text, row in zip(texts, probs, strict=True):
            best = int(row.argmax())
            ok = row[best] >= self.config.min_confidence and text.strip() and not looks_binary(text)
            scores = {n: float(p) for n, p in zip(names, row, strict=True)}
            preds.append(Prediction(names[best] if ok else None, scores))
        return preds

    def predict_proba(self, texts: Sequence[str] | str) -> np.ndarray:
        return self.probabilities(texts)

    # -- artifacts --------------------------------------------------------------------------
    def artifact_state(self) -> dict[str, Any]:
        self._check_fitted()
        assert self.coef is not None and self.intercept is not None
        return {
            "n_train": self.n_train,
            "tensors": {
                "coef": self.coef.astype(np.float16),
                "intercept": self.intercept.copy(),
            },
        }

    @classmethod
    def from_artifact(
        cls, task: Task, lm: Any, config: dict[str, Any], state: dict[str, Any], tensors: Any
    ) -> Ngram:
        clf = cls(task=task, config=NgramConfig(**config))
        if not tensors or "coef" not in tensors or "intercept" not in tensors:
            raise InputError("this ngram artifact has no weights (coef, intercept)")
        coef = _array(tensors["coef"])
        intercept = _array(tensors["intercept"])
        want = (len(clf.labels), 2**clf.config.features_log2)
        if coef.shape != want or intercept.shape != want[:1]:
            raise InputError(f"ngram weights of shape {coef.shape} do not fit {want}")
        clf.coef, clf.intercept, clf.n_train = coef, intercept, int(state.get("n_train", 0))
        return clf

    def describe(self) -> dict[str, Any]:
        c = self.config
        return {
            **super().describe(),
            "features": f"char {c.ngram_min}-{c.ngram_max} (whitespace {c.whitespace})"
            + (" + words" if c.words else "")
            + f", 2**{c.features_log2} hashed",
            "trained_on": self.n_train,
        }
