"""``calibration="auto"``: the calibration that scores best on labelled texts.

Every candidate is applied to the same label scores, so the choice costs one scoring pass
over the texts plus each candidate's bias.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from lmtask.engine.calibration import (
    BATCH_MIN,
    background_bias,
    batch_bias,
    calibrate,
    content_free_bias,
    domain_bias,
    words_bias,
)


def choose_calibration(clf: Any, texts: list[str], labels: Sequence[str]) -> str:
    """The best of none, background and words (only with one prompt for all texts: with a
    prompt per text each would score its pseudo-texts for every text), contextual, domain
    and batch (batch and words given enough texts) for prompt classifier ``clf``, by macro-F1
    on the labelled ``texts`` (with the prompts they would get); a tie goes to the first."""
    from sklearn.metrics import f1_score

    names = list(clf.labels)
    many = len(texts) >= BATCH_MIN
    own = clf.per_text_examples  # a prompt per text: background costs 40 pseudo-texts each
    modes = ["none"] + ([] if own else ["background"]) + ["contextual", "domain"]
    modes += (["batch"] if many else []) + (["words"] if many and not own else [])
    biases: dict[str, Callable[[Any, Any], np.ndarray]] = {
        "none": lambda scorer, ex: np.zeros(len(names)),
        "background": lambda scorer, ex: background_bias(scorer, clf.background),
        "contextual": lambda scorer, ex: content_free_bias(scorer),
        "domain": lambda scorer, ex: domain_bias(clf.lm, clf.task, ex,
                                                 normalize=clf.config.normalize),
        "words": lambda scorer, ex: words_bias(scorer, texts),
    }  # fmt: skip
    raw = np.zeros((len(texts), len(names)))
    scored = {m: np.zeros_like(raw) for m in modes}
    groups: dict[Any, list[int]] = {}
    for i, ex in enumerate(clf.examples_for(texts)):
        groups.setdefault(ex, []).append(i)
    for ex, idx in groups.items():
        scorer = clf.scorer(ex)
        lp = scorer.log_probs([texts[i] for i in idx])
        raw[idx] = lp
        for m in (m for m in modes if m != "batch"):
            scored[m][idx] = calibrate(lp, biases[m](scorer, ex))
    if "batch" in modes:
        scored["batch"] = calibrate(raw, batch_bias(raw))
    scores = {
        m: f1_score(list(labels), [names[j] for j in scored[m].argmax(1)], average="macro",
                    labels=names, zero_division=0)
        for m in modes
    }  # fmt: skip
    return max(scores, key=lambda m: (scores[m], m == "none"))
