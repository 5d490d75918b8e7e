"""The classifiers a server holds: built in the background, each behind its own batcher.

>>> from lmtask.ladder import ClassifierSpec
>>> served = ServedModel.from_spec(ClassifierSpec(task="code-language"))
>>> served.name, served.loaded
('code-language', False)
>>> served.load(ServeConfig(max_wait_ms=1))      # builds the classifier, starts its batcher
>>> served.info()["method"], served.loaded
('cascade', True)
>>> served.close()
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lmtask.errors import LmtaskError
from lmtask.ladder import ClassifierSpec
from lmtask.serve.batcher import Batcher, BatchStats
from lmtask.serve.settings import ServeConfig

log = logging.getLogger("lmtask.serve")


@dataclass
class ServedModel:
    """One named classifier: its spec (or a ready classifier), and once loaded, a batcher."""

    name: str
    spec: ClassifierSpec | None = None
    classifier: Any = None
    batcher: Batcher | None = None
    error: str | None = None
    tokenizer: Any = field(default=None, repr=False)
    window: int | None = None

    @classmethod
    def from_spec(cls, spec: ClassifierSpec) -> ServedModel:
        return cls(spec.name, spec=spec)

    @classmethod
    def from_classifier(cls, name: str, classifier: Any) -> ServedModel:
        return cls(name, classifier=classifier)

    @property
    def loaded(self) -> bool:
        return self.batcher is not None

    def load(self, config: ServeConfig, on_batch: Callable[[BatchStats], None] | None = None):
        """Build the classifier (when given a spec) and start its batcher (once)."""
        if self.batcher is not None:  # loaded before: (re)start its worker
            self.batcher.start()
            return
        if self.classifier is None:
            assert self.spec is not None
            self.classifier = self.spec.build()
        getattr(self.classifier, "warm_up", lambda: None)()  # the first request waits less
        lm = getattr(self.classifier, "lm", None)
        self.tokenizer = getattr(lm, "tokenizer", None) or getattr(
            self.classifier, "tokenizer", None
        )
        self.window = getattr(lm, "max_length", None)
        self.batcher = Batcher(
            lambda texts: self.classifier.predict(texts),
            batching=config.batching,
            max_batch_texts=config.max_batch_texts,
            max_batch_tokens=config.max_batch_tokens,
            max_wait_ms=config.max_wait_ms,
            max_queue=config.max_queue,
            window=self.window,
            on_batch=on_batch,
            predict_each=self.classifier.predict_each
            if getattr(self.classifier, "answers_depend_on_batch", False)
            else None,
        )
        self.batcher.start()

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens per text by the model's tokenizer (whitespace words without one)."""
        if self.tokenizer is None:
            return [max(1, len(t.split())) for t in texts]
        ids = self.tokenizer(list(texts), add_special_tokens=False)["input_ids"]
        return [max(1, len(x)) for x in ids]

    def info(self) -> dict[str, Any]:
        clf = self.classifier
        described: dict[str, Any] = {}
        if clf is not None:
            try:
                described = clf.describe()
            except LmtaskError:
                described = {}
        return {
            "name": self.name,
            "loaded": self.loaded,
            "labels": list(described.get("labels") or []),
            "method": described.get("method") or (self.spec.method if self.spec else None),
            "base_model": described.get("model")
            or (self.spec.model if self.spec else None)
            or (None if self.loaded else "(loading)"),
            "error": self.error,
        }

    def close(self) -> None:
        if self.batcher is not None:
            self.batcher.stop()


def load_all(
    models: Sequence[ServedModel],
    config: ServeConfig,
    on_batch: Callable[[str], Callable[[BatchStats], None]] | None = None,
) -> threading.Thread:
    """Load every model in a background thread (so ``/healthz`` can answer 503 meanwhile)."""

    def run() -> None:
        for m in models:
            try:
                m.load(config, on_batch(m.name) if on_batch else None)
            except Exception as e:
                m.error = f"{type(e).__name__}: {e}"
                log.error("could not load %s: %s", m.name, m.error)

    t = threading.Thread(target=run, name="lmtask-loader", daemon=True)
    t.start()
    return t


__all__ = ["ServedModel", "load_all"]
