"""Calibration of label scores: contextual (Zhao et al. 2021, "Calibrate Before Use") and
domain-conditional PMI (Holtzman et al. 2021, "Surface Form Competition").

A prompt biases a model towards some labels whatever the text. *Contextual*: the bias is
estimated from content-free inputs ("N/A", "", "[MASK]") put where the text goes: their mean
label probabilities ``p_cf``; calibrated probabilities are ``p / p_cf``, renormalised (the
paper's W = diag(p_cf)^-1, b = 0), so a content-free input gets uniform probabilities.
*Domain* (PMI_DC): the bias is the probability of each label's words after the answer's own
lead-in alone (no instruction, no text: for chat models an empty user turn, then the
prefilled answer start), so a label that is likely in any answer ("positive") no longer wins
for that reason. Both divide it out the same way (:func:`calibrate`).

>>> import numpy as np
>>> bias = np.log(np.array([0.7, 0.2, 0.1]))
>>> np.exp(calibrate(np.log(np.array([[0.7, 0.2, 0.1]])), bias)).round(3)
array([[0.333, 0.333, 0.333]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

CONTENT_FREE = ("N/A", "", "[MASK]")


def content_free_bias(scorer: Any, inputs: tuple[str, ...] = CONTENT_FREE) -> np.ndarray:
    """log of the mean label distribution the scorer gives content-free inputs."""
    p = np.exp(scorer.log_probs(list(inputs))).mean(axis=0)
    return np.log(np.maximum(p, 1e-12))


def domain_bias(lm: Any, task: Any, examples: Any = (), **scorer_options: Any) -> np.ndarray:
    """log label distribution after the domain premise: the answer start with no question."""
    import dataclasses

    from lmtask.engine.scoring import LabelScorer

    premise = dataclasses.replace(task, template="{text}")
    scorer = LabelScorer.for_task(lm, premise, examples, **scorer_options)
    return scorer.log_probs([""])[0]


def calibrate(log_probs: np.ndarray, log_bias: np.ndarray) -> np.ndarray:
    """Divide by the bias and renormalise, in log space. Rows are texts, columns labels."""
    z = log_probs - log_bias[None, :]
    z -= z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))
