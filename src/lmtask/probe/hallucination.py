"""A hallucination check for generated answers: does the source text support what they say?

For an answer and its source, every sentence of the answer is scored by label scoring (the
zero-shot machinery of :mod:`lmtask.methods`): the model reads the source and the sentence and
is asked "Does the text above say this? Answer yes or no."; the sentence's support is the
probability of "yes". The source goes into the prompt's shared part, so all sentences of one
answer reuse its key/value cache. The answer's support is its weakest sentence's. Optionally,
agreement: the same question is sampled again N times and each sample, taken as a source, is
asked whether it says each sentence (SelfCheckGPT's idea); reported, not used to withhold.

An answer whose support is below ``threshold`` is withheld: shown as ``WITHHELD``. The default
threshold was chosen on a dev split of supported and swapped answers over BBC News articles
(``bench/hallucination.py``; AUROC and accuracy on the test split in ``bench/RESULTS.md``).

>>> split_sentences("Paris is the capital. It has 2.1 million people!  Really?")
['Paris is the capital.', 'It has 2.1 million people!', 'Really?']
>>> choose_threshold([0.9, 0.8, 0.3, 0.2], [1, 1, 0, 0])
0.55
>>> check_support(["Paris is in France."], ["Paris is in France."])[0].supported  # doctest: +SKIP
True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lmtask.errors import InputError

WITHHELD = "not supported by the text"
# Chosen on the dev split of bench/hallucination.py with the default model (contextual
# calibration per source: dev AUROC 0.965 against 0.961 plain; the threshold: best dev accuracy,
# 0.5696, rounded). On the test split: AUROC 0.92, accuracy 0.875 (bench/RESULTS.md).
DEFAULT_THRESHOLD = 0.57
CALIBRATE = True
QUESTION = "Does the text above say this? Answer yes or no."
SOURCE_ROOM = 512  # tokens of the window kept for the sentence and the answer
_SENT = re.compile(r"(?<=[.!?])\s+(?=\S)|\n+")
SHORT_WORDS = 5  # a shorter answer to a question is checked together with the question


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` (split after . ! ? and at line breaks), stripped."""
    return [s.strip() for s in _SENT.split(text) if s and s.strip() and re.search(r"\w", s)]


def choose_threshold(scores: Sequence[float], labels: Sequence[int]) -> float:
    """The cut between supported (1) and unsupported (0) scores with the best accuracy on
    these rows (a midpoint between two scores; ties: the lowest such cut)."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(labels, dtype=int)
    if len(s) == 0 or len(s) != len(y):
        raise InputError("choose_threshold needs as many scores as labels, at least one")
    u = np.unique(s)
    cuts = np.concatenate([[u[0] - 1e-6], (u[:-1] + u[1:]) / 2, [u[-1] + 1e-6]])
    acc = [float(((s >= c) == (y == 1)).mean()) for c in cuts]
    return float(round(cuts[int(np.argmax(acc))], 6))


def auroc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Area under the ROC curve of ``scores`` for ``labels`` 1 (supported) against 0."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(np.asarray(labels), np.asarray(scores)))


@dataclass
class SupportCheck:
    """One answer's check: ``score`` (its weakest sentence's support), each sentence's
    support, ``agreement`` with sampled answers (None: not asked) and the decision."""

    score: float
    sentences: list[tuple[str, float]]
    threshold: float
    agreement: float | None = None
    sample_agreement: list[float] = field(default_factory=list)

    @property
    def supported(self) -> bool:
        return self.score >= self.threshold

    def shown(self, answer: str) -> str:
        """``answer`` if supported, else :data:`WITHHELD`."""
        return answer if self.supported else WITHHELD

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "support": self.score,
            "supported": self.supported,
            "threshold": self.threshold,
            "sentences": [{"sentence": s, "support": p} for s, p in self.sentences],
        }
        if self.agreement is not None:
            out["agreement"] = self.agreement
        return out


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


class SupportScorer:
    """P(the source says this sentence), by label scoring with ``model``.

    ``calibrate`` divides out the prompt's bias per source (contextual calibration);
    ``max_source_tokens`` cuts longer sources in the middle (default: the window less 512).
    """

    def __init__(
        self,
        model: Any = None,
        dtype: str = "auto",
        batch_size: int = 8,
        calibrate: bool = CALIBRATE,
        max_source_tokens: int | None = None,
    ) -> None:
        from lmtask.models import DEFAULT_MODEL, load_model

        self.lm = load_model(model if model is not None else DEFAULT_MODEL, dtype=dtype)
        self.batch_size = batch_size
        self.calibrate = calibrate
        room = self.lm.max_length - SOURCE_ROOM
        self.max_source_tokens = max_source_tokens or max(room, 64)
        self._last: tuple[str, Any] | None = None  # the last source's classifier (its cache)

    def _source(self, source: str) -> str:
        tok = self.lm.tokenizer
        ids = tok.encode(source, add_special_tokens=False)
        if len(ids) <= self.max_source_tokens:
            return source
        half = self.max_source_tokens // 2
        return tok.decode(ids[:half]) + " ... " + tok.decode(ids[-half:])

    def classifier(self, source: str) -> Any:
        """The zero-shot yes/no classifier whose prompt holds ``source``."""
        from lmtask.methods import ZeroShot
        from lmtask.tasks import Label, Task

        if self._last is not None and self._last[0] == source:
            return self._last[1]

        template = f"Text:\n{_escape(self._source(source))}\n\nStatement: {{text}}\n\n{QUESTION}"
        task = Task(name="support", labels=(Label("yes"), Label("no")), template=template)
        clf = ZeroShot(task=task, model=self.lm, calibrate=self.calibrate,
                       batch_size=self.batch_size)  # fmt: skip
        self._last = (source, clf)
        return clf

    def claim_scores(self, source: str, claims: Sequence[str]) -> np.ndarray:
        """P("yes") for each claim, given ``source``."""
        if not claims:
            return np.zeros(0)
        return self.classifier(source).predict_proba(list(claims))[:, 0]

    def check(
        self,
        source: str,
        answer: str,
        threshold: float = DEFAULT_THRESHOLD,
        samples: Sequence[str] = (),
        question: str | None = None,
    ) -> SupportCheck:
        """Check one answer (see the module docstring). An answer with no sentence has
        support 0 (withheld)."""
        sentences = split_sentences(answer)
        claims = list(sentences)
        if question and len(answer.split()) < SHORT_WORDS:
            claims = [f"{question.strip()} {s}" for s in sentences]
        p = self.claim_scores(source, claims)
        score = float(p.min()) if len(p) else 0.0
        check = SupportCheck(score, [(s, float(v)) for s, v in zip(sentences, p, strict=True)],
                             threshold)  # fmt: skip
        if samples and claims:
            per = [float(self.claim_scores(s, claims).min()) for s in samples]
            check.sample_agreement = per
            check.agreement = float(np.mean(per))
        return check


def check_support(
    sources: Sequence[str],
    answers: Sequence[str],
    model: Any = None,
    threshold: float = DEFAULT_THRESHOLD,
    samples: Sequence[Sequence[str]] | None = None,
    question: str | None = None,
    dtype: str = "auto",
    batch_size: int = 8,
) -> list[SupportCheck]:
    """Check each answer against its source (``samples[i]``: answers sampled for item i)."""
    if len(sources) != len(answers):
        raise InputError(f"{len(answers)} answers for {len(sources)} source texts")
    if not 0.0 <= threshold <= 1.0:
        raise InputError(f"threshold must be between 0 and 1, not {threshold}")
    if samples is not None and len(samples) != len(answers):
        raise InputError(f"samples for {len(samples)} answers, but {len(answers)} answers")
    if not answers:
        return []
    scorer = SupportScorer(model, dtype=dtype, batch_size=batch_size)
    return [
        scorer.check(src, ans, threshold, samples[i] if samples else (), question)
        for i, (src, ans) in enumerate(zip(sources, answers, strict=True))
    ]


def sample_answers(
    texts: Sequence[str],
    n: int,
    task: str = "answer",
    model: Any = None,
    temperature: float = 0.7,
    seed: int = 0,
    dtype: str = "auto",
    template: str | None = None,
    **fields: Any,
) -> list[list[str]]:
    """``n`` sampled answers per text (for :func:`check_support`'s agreement), from the same
    prompt as the answer checked (``template``: one that replaced the task's)."""
    from lmtask.models import DEFAULT_MODEL
    from lmtask.text_tasks import generate

    if n < 1:
        raise InputError(f"samples must be at least 1, not {n}")
    runs = [generate(list(texts), task=task, model=model or DEFAULT_MODEL, temperature=temperature,
                     seed=seed + k + 1, dtype=dtype, template=template, **fields)
            for k in range(n)]  # fmt: skip
    return [list(col) for col in zip(*runs, strict=True)]


__all__ = [
    "DEFAULT_THRESHOLD",
    "WITHHELD",
    "SupportCheck",
    "SupportScorer",
    "auroc",
    "check_support",
    "choose_threshold",
    "sample_answers",
    "split_sentences",
]
