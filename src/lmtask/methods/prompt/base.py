"""What every prompt method shares: scoring or generating, calibration, abstention.

A prompt method decides, for each text, which in-context examples its prompt shows (none for
zero-shot); texts that share examples share one :class:`~lmtask.engine.scoring.LabelScorer`
(so the prompt up to the text is encoded once). On top: calibration (``calibrate=True``; see
``calibration``) and abstention (``min_confidence``: below it the label is ``None``, "unknown").
"""

from __future__ import annotations

import typing
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from lmtask.config import Config, option
from lmtask.engine.answer_matching import match_label
from lmtask.engine.calibration import (
    BATCH_MIN,
    PER_CALL,
    background_bias,
    background_id,
    background_kind,
    batch_bias,
    calibrate,
    content_free_bias,
    domain_bias,
    warn_few_for_batch,
    words_bias,
)
from lmtask.engine.generation import generate_ids
from lmtask.engine.prompting import build_prompt, encode_prompts
from lmtask.engine.scoring import LabelScorer
from lmtask.errors import InputError
from lmtask.methods.base import Classifier, check_texts
from lmtask.models import load_model
from lmtask.prediction import Prediction
from lmtask.progress import progress_bar
from lmtask.tasks import Task, resolve_task

AUTO_NEEDS_FIT = (
    "calibration=auto chooses on labelled examples: fit the classifier first "
    "(fit(texts, labels); in the CLI, --examples FILE or rows of the data), or name one: "
    "background, contextual, domain, batch or words"
)
Mode = Literal["score", "generate"]
MODES: tuple[str, ...] = typing.get_args(Mode)  # the choices of PromptConfig.mode
MAX_SCORERS = 8
Examples = tuple[tuple[str, str], ...]


@dataclass
class PromptConfig(Config):
    """Options shared by the prompt methods (all have sensible defaults)."""

    mode: Mode = option(
        "score",
        "score: every label's likelihood (always a valid label); generate: free "
        "text matched to a label (the seed tutorial's way)",
    )
    normalize: bool = option(False, "divide each label's log-likelihood by its token count")
    batch_size: int = option(8, "texts per forward pass", min=1)
    max_new_tokens: int = option(16, "tokens to generate (generate mode)", min=1)
    max_length: int | None = option(None, "cap on prompt tokens (none: the model's window)", min=1)
    calibrate: bool | None = option(
        None,
        "calibrate the label scores (score mode), see calibration; none: as the task "
        "recommends (measured per wording: see lmtask.tasks.wordings)",
    )
    calibration: Literal["background", "contextual", "domain", "batch", "words", "auto"] | None = (
        option(
            None,
            "how calibrate estimates the prompt's bias: background (the mean answer to "
            "pseudo-texts of frequent English words, or of code tokens when the labels name "
            "programming languages), contextual (content-free inputs in place of the text), "
            "domain (PMI: the answer start with no question), batch (the mean answer over "
            "the texts classified together), words (the mean answer to pseudo-texts "
            "of random words from the texts classified together; one prompt for all texts); "
            f"batch and words use contextual for a call of under {BATCH_MIN} texts; or auto "
            "(whichever scores best on labelled examples given to fit); none: as the task "
            "recommends, else contextual",
        )
    )
    background: Literal["english", "code"] | None = option(
        None,
        "background calibration's pseudo-texts: english (frequent words) or code (frequent "
        "tokens of 25 languages); none: code when the labels name programming languages",
    )
    min_confidence: float = option(
        0.0, "answer 'unknown' (label None) below this probability", min=0.0, max=1.0
    )

    def check(self) -> None:
        super().check()
        if self.calibrate and self.mode != "score":
            raise InputError("calibrate applies to label scores: use it with mode='score'")


class PromptClassifier(Classifier):
    """Base of zero-shot, few-shot and chain-of-thought; see the module docstring."""

    config_class: type = PromptConfig

    def __init__(
        self,
        task: Task | str | None = None,
        model: Any = None,
        *,
        labels: Sequence[str] | str | None = None,
        dtype: str = "auto",
        config: PromptConfig | None = None,
        **options: Any,
    ) -> None:
        from lmtask.models import DEFAULT_MODEL

        self.config = self.make_config(config, options)
        self.task = resolve_task(task, labels)
        self.lm = load_model(model if model is not None else DEFAULT_MODEL, dtype=dtype)
        self._scorers: OrderedDict[Examples, LabelScorer] = OrderedDict()
        self._bias: dict[Examples, np.ndarray] = {}

    chosen_calibration: str | None = None  # what calibration="auto" chose ("none", ...)

    @property
    def wants_calibration(self) -> bool:
        """Score mode and calibrate on: the config's choice (naming a ``calibration`` asks
        for one), else the task's."""
        chosen = self.config.calibrate
        if chosen is None and self.config.calibration is not None:
            chosen = True
        on = self.task.calibrate if chosen is None else chosen
        return self.config.mode == "score" and bool(on)

    @property
    def calibration_mode(self) -> str | None:
        """ "background", "contextual", "domain", "batch", "words" or None; for
        calibration="auto", what fit chose; unset, the task's recommendation (contextual if
        it has none)."""
        if not self.wants_calibration:
            return None
        if self.config.calibration == "auto":
            return None if self.chosen_calibration in (None, "none") else self.chosen_calibration
        mode = self.config.calibration or self.task.calibration or "contextual"
        if mode in ("words", "background") and self.per_text_examples:
            # the task's recommendation (config refuses words): one bias per text is 20-40
            # scored pseudo-texts each, so per-text prompts get contextual's 3
            return mode if self.config.calibration else "contextual"
        return mode

    @property
    def background(self) -> str:
        """The word list of background calibration: the config's, else by the labels."""
        return self.config.background or background_kind(self.labels)

    def pins(self) -> dict[str, str]:
        """What its answers rest on besides the model and the options (the artifact keeps it,
        and loading says if it changed): the background word list, when it calibrates so."""
        return {"background": background_id(self.background)} if (
            self.calibration_mode == "background") else {}  # fmt: skip

    @property
    def per_text_examples(self) -> bool:
        """Whether texts get examples chosen for each one (few-shot select=nearest): calibration
        from the call's texts (words) would then need one bias per text."""
        return False

    @property
    def calibrating(self) -> bool:
        """Whether label scores are calibrated (see :attr:`calibration_mode`)."""
        return self.calibration_mode is not None

    def choose_calibration(self, texts: Sequence[str], labels: Sequence[str]) -> str:
        """Set calibration="auto"'s choice (see :func:`~.choosing.choose_calibration`)."""
        from lmtask.methods.prompt.choosing import choose_calibration

        self.chosen_calibration = choose_calibration(self, list(texts), list(labels))
        self._bias.clear()
        return self.chosen_calibration

    # -- what subclasses decide ---------------------------------------------------------
    def examples_for(self, texts: list[str]) -> list[Examples]:
        """The in-context examples of each text's prompt (none by default)."""
        return [()] * len(texts)

    # -- shared machinery ---------------------------------------------------------------
    def scorer(self, examples: Examples = ()) -> LabelScorer:
        """The scorer of one example list. Few are kept (each holds its prompt's cache): with
        per-text examples (nearest) memory stays flat."""
        if examples in self._scorers:
            self._scorers.move_to_end(examples)
        else:
            while len(self._scorers) >= MAX_SCORERS:
                self._scorers.popitem(last=False)
            self._scorers[examples] = LabelScorer.for_task(
                self.lm,
                self.task,
                examples,
                normalize=self.config.normalize,
                batch_size=self.config.batch_size,
                max_length=self.config.max_length,
            )
        return self._scorers[examples]

    def bias(self, examples: Examples = ()) -> np.ndarray:
        """log label distribution the prompt gives whatever the text (``calibration``; for
        batch, the contextual bias it falls back to on few texts)."""
        if examples not in self._bias:
            if self.calibration_mode == "domain":
                self._bias[examples] = domain_bias(
                    self.lm, self.task, examples, normalize=self.config.normalize
                )
            elif self.calibration_mode == "background":
                self._bias[examples] = background_bias(self.scorer(examples), self.background)
            else:
                self._bias[examples] = content_free_bias(self.scorer(examples))
        return self._bias[examples]

    def warm_up(self) -> None:
        """Compute now what a first call would: the bias of a prompt without examples (40
        scored pseudo-texts for background calibration). A server calls it when it loads."""
        if (self.calibrating and self.calibration_mode not in PER_CALL
                and type(self).examples_for is PromptClassifier.examples_for):  # fmt: skip
            self.bias(())

    @property
    def answers_depend_on_batch(self) -> bool:
        """Batch or words calibration: a text's answer depends on the texts classified with
        it."""
        return self.calibration_mode in PER_CALL

    def log_probs(
        self, texts: Sequence[str], progress: Any = None, requests: Sequence[int] = ()
    ) -> np.ndarray:
        """(n, n_labels) label log-probabilities (calibrated if configured). ``requests``:
        sizes of independent requests concatenated in ``texts``; batch and words calibration
        then estimate each one's bias on its own texts (default: all texts are one request)."""
        texts = list(texts)
        out = np.zeros((len(texts), len(self.labels)))
        groups: dict[Examples, list[int]] = {}
        for i, ex in enumerate(self.examples_for(texts)):
            groups.setdefault(ex, []).append(i)
        if (self.wants_calibration and self.config.calibration == "auto"
                and self.chosen_calibration is None):  # fmt: skip
            raise InputError(AUTO_NEEDS_FIT)
        mode = self.calibration_mode
        sizes = list(requests) or [len(texts)]
        if sum(sizes) != len(texts):
            raise InputError(f"requests of {sum(sizes)} texts given with {len(texts)} texts")
        request_of = np.repeat(np.arange(len(sizes)), sizes)
        for ex, idx in groups.items():
            lp = self.scorer(ex).log_probs([texts[i] for i in idx], progress)
            if mode in PER_CALL:  # a request of too few texts: contextual instead
                few = [k for k, i in enumerate(idx) if sizes[request_of[i]] < BATCH_MIN]
                if few and self.config.calibration in (mode, "auto"):  # not just the task's
                    warn_few_for_batch(min(sizes[request_of[idx[k]]] for k in few), mode)
                if few:
                    lp[few] = calibrate(lp[few], self.bias(ex))
                if mode == "words":
                    self._words_calibrate(lp, ex, texts, idx, request_of, sizes)
            elif mode is not None:
                lp = calibrate(lp, self.bias(ex))
            out[idx] = lp
        if mode == "batch":  # one bias per request, over every prompt of its texts
            start = 0
            for n in sizes:
                rows = slice(start, start + n)
                if n >= BATCH_MIN:
                    out[rows] = calibrate(out[rows], batch_bias(out[rows]))
                start += n
        return out

    def _words_calibrate(
        self,
        lp: np.ndarray,
        ex: Examples,
        texts: list[str],
        idx: list[int],
        request_of: np.ndarray,
        sizes: list[int],
    ) -> None:
        """Calibrate, in place, the rows ``lp`` (texts ``idx``, all with examples ``ex``) of
        each request of enough texts: the words bias of *all* the request's texts, scored
        with this prompt (a text that is itself an example gets other examples, so a
        request can span a few prompts)."""
        mine = request_of[idx]
        for r in np.unique(mine):
            if sizes[r] >= BATCH_MIN:
                request = [texts[i] for i in np.flatnonzero(request_of == r)]
                rows = np.flatnonzero(mine == r)
                lp[rows] = calibrate(lp[rows], words_bias(self.scorer(ex), request))

    def predict(self, texts: Sequence[str] | str, progress: bool = False) -> list[Prediction]:
        texts = check_texts(texts)
        if not texts:
            return []
        with progress_bar(len(texts), "classifying", enabled=progress) as advance:
            if self.config.mode == "generate":
                return self._generate(texts, advance)
            probs = np.exp(self.log_probs(texts, advance))
        return self._predictions(probs)

    def predict_each(self, requests: Sequence[Sequence[str]]) -> list[list[Prediction]]:
        """Each request's predictions, all scored in one pass; with batch calibration each
        request is calibrated on its own texts, so no request changes another's answers."""
        if not self.answers_depend_on_batch or self.config.mode != "score":
            return super().predict_each(requests)
        own = type(self).log_probs is PromptClassifier.log_probs
        if not own or type(self).predict is not PromptClassifier.predict:
            return [self.predict(r) if r else [] for r in requests]  # one call per request
        reqs = [check_texts(r) for r in requests]
        flat = [t for r in reqs for t in r]
        if not flat:
            return [[] for _ in reqs]
        probs = np.exp(self.log_probs(flat, requests=[len(r) for r in reqs]))
        preds, out = self._predictions(probs), []
        for r in reqs:
            out.append(preds[: len(r)])
            preds = preds[len(r) :]
        return out

    def _predictions(self, probs: np.ndarray) -> list[Prediction]:
        names = self.labels
        preds = []
        for row in probs:
            best = int(row.argmax())
            label = names[best] if row[best] >= self.config.min_confidence else None
            preds.append(Prediction(label, {n: float(p) for n, p in zip(names, row, strict=True)}))
        return preds

    def predict_proba(self, texts: Sequence[str] | str) -> np.ndarray:
        if self.config.mode == "score":
            texts = check_texts(texts)
            return np.exp(self.log_probs(texts)).reshape(len(texts), len(self.labels))
        return super().predict_proba(texts)

    def _generate(self, texts: list[str], advance: Any) -> list[Prediction]:
        window = min(self.lm.max_length, self.config.max_length or self.lm.max_length)
        answers = [""] * len(texts)
        groups: dict[Examples, list[int]] = {}
        for i, ex in enumerate(self.examples_for(texts)):
            groups.setdefault(ex, []).append(i)
        for ex, idx in groups.items():
            parts = build_prompt(self.task, self.lm, ex)
            ids = encode_prompts(
                self.lm.tokenizer,
                parts,
                [texts[i] for i in idx],
                window - self.config.max_new_tokens,
            )
            outs = generate_ids(
                self.lm,
                ids,
                self.config.max_new_tokens,
                batch_size=self.config.batch_size,
                progress=advance,
            )
            for i, a in zip(idx, outs, strict=True):
                answers[i] = a
        preds = []
        for a in answers:
            label = match_label(a, self.task)
            preds.append(Prediction(label, {n: float(n == label) for n in self.labels}, raw=a))
        return preds

    # -- artifacts ----------------------------------------------------------------------
    @classmethod
    def from_artifact(
        cls, task: Task, lm: Any, config: dict[str, Any], state: dict[str, Any], tensors: Any
    ) -> PromptClassifier:
        clf = cls(task=task, model=lm, config=cls.config_class(**config))
        clf.restore_state(state)
        return clf

    def restore_state(self, state: dict[str, Any]) -> None:
        """Inverse of :meth:`artifact_state`."""

    def describe(self) -> dict[str, Any]:
        return {
            **super().describe(),
            "model": self.lm.name,
            "model_hash": self.lm.source_hash,
            "mode": self.config.mode,
            "calibrate": self.calibrating,
            "calibration": self.calibration_mode,
            **({"batch_min": BATCH_MIN} if self.calibration_mode in PER_CALL else {}),
            **({"background": self.background} if self.calibration_mode == "background" else {}),
            "min_confidence": self.config.min_confidence,
        }
