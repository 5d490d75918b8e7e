"""What every classifier returns for one text.

>>> p = Prediction(label="positive", scores={"positive": 0.9, "negative": 0.1})
>>> p.confidence
0.9
>>> p.to_dict()["label"]
'positive'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Prediction:
    """``label`` is ``None`` when no label could be given (generate mode, no match).

    ``scores`` maps every label to its probability (score mode; they sum to 1). In generate
    mode it is 1.0 for the matched label and 0.0 elsewhere, or all 0.0 for no match; the
    model's own words are kept in ``raw``.
    """

    label: str | None
    scores: dict[str, float] = field(default_factory=dict)
    raw: str | None = None
    rationale: str | None = None  # chain-of-thought reasoning, when the method writes one
    labels: list[str] | None = None  # multi-label: every label given (scores are per label)

    @property
    def confidence(self) -> float:
        return self.scores.get(self.label, 0.0) if self.label is not None else 0.0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("raw", "rationale", "labels"):
            if d[k] is None:
                del d[k]
        return d
