"""Few-shot classification: K labelled examples in the prompt, then the text.

Examples come from ``examples=[(text, label), ...]`` or from :meth:`FewShot.fit` (a training
split); see :mod:`lmtask.engine.examples` for ``select`` (random, balanced, nearest) and ``order``.
``nearest`` embeds at most ``pool_size`` pool rows (default 2,000, a stratified sample), and
caches their embeddings on disk.
For chat models each example is an earlier user/assistant turn. Texts that share examples
share one scorer, so the prompt up to the text (examples included) is encoded once.

>>> import lmtask
>>> ex = [("Great!", "positive"), ("Awful.", "negative")]
>>> clf = lmtask.FewShot(task="sentiment", shots=2, examples=ex)  # doctest: +SKIP
>>> clf.predict(["I love it"])[0].label  # doctest: +SKIP
'positive'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from lmtask.config import option
from lmtask.data import LabeledData, stratified_sample
from lmtask.engine.examples import ExampleSelector
from lmtask.errors import InputError
from lmtask.methods.base import register_method
from lmtask.methods.prompt.base import Examples, PromptClassifier, PromptConfig
from lmtask.prediction import Prediction
from lmtask.tasks import Task


@dataclass
class FewShotConfig(PromptConfig):
    """Options of :class:`FewShot`: those of PromptConfig plus the example choice."""

    shots: int = option(4, "examples per prompt", min=0)
    select: Literal["random", "balanced", "nearest"] = option(
        "balanced",
        "how examples are chosen: random, balanced over labels, or nearest to "
        "each text (sentence embeddings)",
    )
    order: Literal["fixed", "shuffle"] = option("fixed", "example order: fixed or shuffled")
    seed: int = option(0, "seed of random selection and shuffling")
    example_chars: int | None = option(None, "cut each example text to this many characters", min=1)
    pool_size: int | None = option(
        2000,
        "select=nearest: embed at most this many pool rows, a stratified sample by seed "
        "(none: the whole pool; embeddings are cached on disk either way)",
        min=1,
    )

    def check(self) -> None:
        super().check()
        if self.select == "nearest" and self.calibration == "words":
            raise InputError(
                "calibration=words needs one prompt for many texts, and select=nearest gives "
                "each text its own examples: use calibration=batch or contextual"
            )


@register_method("few-shot")
class FewShot(PromptClassifier):
    """K-shot prompting; see the module docstring."""

    config_class = FewShotConfig
    needs_training_data = True

    @property
    def per_text_examples(self) -> bool:
        return self.config.select == "nearest"

    def __init__(
        self,
        task: Task | str | None = None,
        model: Any = None,
        *,
        examples: Sequence[tuple[str, str]] | None = None,
        **kw: Any,
    ) -> None:
        """Takes the shape of every method, plus ``examples=[(text, label), ...]``."""
        super().__init__(task, model, **kw)
        self.selector: ExampleSelector | None = None
        self.pool_rows = 0  # rows given to fit (the selector may hold a sample of them)
        if examples is not None:
            ex = list(examples)
            self.fit([t for t, _ in ex], [y for _, y in ex])

    def fit(self, texts: Sequence[str], labels: Sequence[str], choose: bool = True) -> FewShot:
        """Take (texts, labels) as the example pool. With ``calibration="auto"``, first hold
        out part of the pool (stratified, at most 100 rows) to choose the calibration on."""
        if choose and self.wants_calibration and self.config.calibration == "auto":
            self._choose_on_held_out(list(texts), [str(y) for y in labels])
        unknown = sorted(set(labels) - set(self.labels))
        if unknown:
            raise InputError(f"example labels {unknown} are not labels of the task {self.labels}")
        c = self.config
        if len(texts) != len(labels):
            raise InputError(f"{len(texts)} example texts but {len(labels)} labels")
        self.pool_rows = len(texts)
        if c.select == "nearest" and c.pool_size is not None and len(texts) > c.pool_size:
            pool = LabeledData(list(texts), list(labels), source="the example pool")
            pool = stratified_sample(pool, c.pool_size, seed=c.seed)
            texts, labels = pool.texts, pool.labels or []
        self.selector = ExampleSelector(
            texts, labels, c.shots, c.select, c.order, c.seed,
            clip=lambda t: _clip(t, c.example_chars),
        )  # fmt: skip
        self._scorers.clear()
        self._bias.clear()
        return self

    def _choose_on_held_out(self, texts: list[str], labels: list[str]) -> None:
        from sklearn.model_selection import train_test_split

        n_dev = min(100, len(texts) // 5)
        if n_dev < len(set(labels)) or min(labels.count(y) for y in set(labels)) < 2:
            need = 5 * len(set(labels))
            raise InputError(f"calibration=auto needs at least {need} labelled examples, 2 per "
                             f"label, to hold some out; got {len(texts)}")  # fmt: skip
        keep, dev, y_keep, y_dev = train_test_split(
            texts, labels, test_size=n_dev, stratify=labels, random_state=self.config.seed
        )
        self.fit(keep, y_keep, choose=False)
        self.choose_calibration(dev, y_dev)

    def predict(self, texts: Sequence[str] | str, progress: bool = False) -> list[Prediction]:
        """As every prompt method; ``nearest`` first embeds the pool (its own progress bar,
        or the disk cache), so the classifying bar counts only classifying."""
        if self.selector is not None and self.config.select == "nearest" and self.config.shots:
            self.selector.embed_pool(progress=progress)
        return super().predict(texts, progress)

    def artifact_state(self) -> dict[str, Any]:
        sel = self.selector
        pool = None if sel is None else {"texts": sel.texts, "labels": sel.labels}
        return {"pool": pool, "chosen_calibration": self.chosen_calibration}

    def restore_state(self, state: dict[str, Any]) -> None:
        pool = state.get("pool")
        if pool:
            self.fit(pool["texts"], pool["labels"], choose=False)
        self.chosen_calibration = state.get("chosen_calibration")

    def examples_for(self, texts: list[str]) -> list[Examples]:
        if self.selector is None:
            raise InputError(
                "few-shot needs examples: pass examples=... or call fit(texts, labels)"
            )
        return self.selector.for_texts(texts)

    def describe(self) -> dict[str, Any]:
        c = self.config
        d = {**super().describe(), "shots": c.shots, "select": c.select, "order": c.order,
             "seed": c.seed}  # fmt: skip
        if c.select == "nearest" and self.selector is not None:
            d["pool"] = {"rows": self.pool_rows, "embedded": len(self.selector.texts),
                         "pool_size": c.pool_size}  # fmt: skip
        return d


def _clip(text: str, n: int | None) -> str:
    """Long examples (news articles) cut to ``n`` characters at a word boundary, with "..."."""
    if n is None or len(text) <= n:
        return text
    cut = text[:n].rsplit(" ", 1)[0]
    return cut + " ..."
