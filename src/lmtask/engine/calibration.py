"""Calibration of label scores: contextual (Zhao et al. 2021, "Calibrate Before Use") and
domain-conditional PMI (Holtzman et al. 2021, "Surface Form Competition").

A prompt biases a model towards some labels whatever the text. *Contextual*: the bias is
estimated from content-free inputs ("N/A", "", "[MASK]") put where the text goes: their mean
label probabilities ``p_cf``; calibrated probabilities are ``p / p_cf``, renormalised (the
paper's W = diag(p_cf)^-1, b = 0), so a content-free input gets uniform probabilities.
*Domain* (PMI_DC): the bias is the probability of each label's words after the answer's own
lead-in alone (no instruction, no text: for chat models an empty user turn, then the
prefilled answer start), so a label that is likely in any answer ("positive") no longer wins
for that reason. *Batch* (Zhou et al. 2024, "Batch Calibration"): the bias is the mean label
distribution over the texts being classified themselves (:func:`batch_bias`), so a prompt
that pulls every text towards one label is evened out by the texts' own answers; it needs
many texts at once (:data:`BATCH_MIN`). *Words* (Fei et al. 2023, "Mitigating Label Biases
for In-context Learning": domain-context calibration): the bias is the mean label
distribution of pseudo-texts of random words drawn from the texts being classified
(:func:`words_bias`), so the prompt's bias *in the texts' domain* is removed (a political
speech pulls towards "republican" whatever its party) while the texts' own label mix matters
far less than for batch; it also needs many texts at once. All divide the bias out the same
way (:func:`calibrate`).

>>> import numpy as np
>>> bias = np.log(np.array([0.7, 0.2, 0.1]))
>>> np.exp(calibrate(np.log(np.array([[0.7, 0.2, 0.1]])), bias)).round(3)
array([[0.333, 0.333, 0.333]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lmtask.engine.notices import collected, notice

CONTENT_FREE = ("N/A", "", "[MASK]")
BATCH_MIN = 16  # texts a call needs for a batch bias (bench/adhoc_calibration.py)
AUTO_ROWS = 200  # labelled texts zero-shot's calibration="auto" chooses on (a sample)
PER_CALL = ("batch", "words")  # calibrations whose bias comes from the texts of one call


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


class CalibrationWarning(UserWarning):
    """Batch or words calibration was asked for with too few texts: contextual was used."""


def warn_few_for_batch(n: int, mode: str = "batch") -> None:
    """Say that ``n`` texts are too few for batch (or words) calibration: contextual is used."""
    notice(f"calibration={mode} needs at least {BATCH_MIN} texts classified together; "
           f"{n} given, so contextual calibration was used for them",
           CalibrationWarning, stacklevel=3)  # fmt: skip


def batch_bias(log_probs: np.ndarray) -> np.ndarray:
    """log of the mean label distribution of a batch of texts (rows of ``log_probs``).

    >>> lp = np.log(np.array([[0.9, 0.1], [0.6, 0.4]]))
    >>> np.exp(batch_bias(lp)).round(2)
    array([0.75, 0.25])
    """
    p = np.exp(log_probs).mean(axis=0)
    return np.log(np.maximum(p, 1e-12))


WORDS_SAMPLES = 20  # pseudo-texts per words bias (the paper's number)


def words_bias(
    scorer: Any, texts: list[str], samples: int = WORDS_SAMPLES, seed: int = 0
) -> np.ndarray:
    """log of the mean label distribution of ``samples`` pseudo-texts, each as many random
    words (drawn with replacement from all words of ``texts``) as the texts' mean length.

    The draw is seeded by the texts' words (sorted) and ``seed``, so the same texts in any
    order give the same bias.

    >>> class Scorer:  # stands in for a LabelScorer: "good" pulls towards the first label
    ...     def log_probs(self, xs):
    ...         p = np.array([[0.5 + 0.4 * ("good" in x), 0.5 - 0.4 * ("good" in x)] for x in xs])
    ...         return np.log(p)
    >>> words_bias(Scorer(), ["bad day", "bad food"]).round(2)  # no "good" in any pseudo-text
    array([-0.69, -0.69])
    """
    import hashlib
    import random

    words = sorted(w for t in texts for w in t.split())
    if not words:
        return content_free_bias(scorer)
    length = max(1, round(len(words) / len(texts)))
    key = (f"{seed}\x00" if seed else "") + "\x00".join(words)
    rng = random.Random(hashlib.sha256(key.encode()).digest())
    pseudo = [" ".join(rng.choices(words, k=length)) for _ in range(samples)]
    with collected():  # a pseudo-text cut to the window is no news to the user
        p = np.exp(scorer.log_probs(pseudo)).mean(axis=0)
    return np.log(np.maximum(p, 1e-12))


def calibrate(log_probs: np.ndarray, log_bias: np.ndarray) -> np.ndarray:
    """Divide by the bias and renormalise, in log space. Rows are texts, columns labels."""
    z = log_probs - log_bias[None, :]
    z -= z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))
