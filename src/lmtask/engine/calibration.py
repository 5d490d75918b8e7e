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
far less than for batch; it also needs many texts at once. *Background*: the bias is the mean
label distribution of pseudo-texts of random words of the labels' kind of text, drawn from
shipped word lists (:func:`background_bias`): frequent English words, or, when the labels
name programming languages, frequent tokens of 25 languages' code. Like words calibration
it removes a bias that any text of that kind brings (Fei et al. 2023 also measure random
English words), but it does not depend on the texts of the call. All divide the bias out the
same way (:func:`calibrate`).

>>> import numpy as np
>>> bias = np.log(np.array([0.7, 0.2, 0.1]))
>>> np.exp(calibrate(np.log(np.array([[0.7, 0.2, 0.1]])), bias)).round(3)
array([[0.333, 0.333, 0.333]])
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from lmtask.engine.notices import collected, notice

CONTENT_FREE = ("N/A", "", "[MASK]")
BATCH_MIN = 16  # texts a call needs for a batch bias (bench/adhoc_calibration.py)
AUTO_ROWS = 200  # labelled texts zero-shot's calibration="auto" chooses on (a sample)
PER_CALL = ("batch", "words")  # calibrations whose bias comes from the texts of one call
BACKGROUND_SAMPLES, BACKGROUND_WORDS = (
    40,
    30,
)  # pseudo-texts, words each (bench/adhoc_words_calibration.py)


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


# Names of programming languages and formats beside the code corpus's 25 (lower case). Those
# that are also English words or single letters only count with another language name.
CODE_NAMES = frozenset((
    "bash", "sh", "zsh", "powershell", "js", "ts", "py", "cpp", "c/c++", "golang", "json",
    "xml", "toml", "ini", "dockerfile", "fortran", "cobol", "pascal", "assembly", "asm",
    "objective-c", "dart", "elixir", "erlang", "clojure", "matlab", "ocaml", "f#", "groovy",
    "vb.net", "visual basic", "latex", "tex", "jsx", "tsx", "vue", "svelte", "scss",
    "graphql", "protobuf", "terraform", "hcl", "nix", "zig", "solidity", "verilog", "vhdl",
))  # fmt: skip
AMBIGUOUS_NAMES = frozenset(("c", "r", "go", "rust", "ruby", "swift", "shell", "java",
                             "python", "markdown", "less", "sass", "crystal", "julia"))  # fmt: skip


def background_kind(labels: Sequence[str]) -> str:
    """ "code" when at least half of the labels name programming languages (the code
    corpus's 25 and other common ones, any case) and the names are not all words that can
    mean something else ("Go", "R", "Ruby"... count only with another language name), else
    "english": which word list :func:`background_bias` draws from.

    >>> background_kind(["Python", "c++", "Go"]), background_kind(["spam", "ham"])
    ('code', 'english')
    >>> [background_kind(ls) for ls in (["go", "stop"], ["D", "R"], ["Go", "Rust"])]
    ['english', 'english', 'code']
    """
    from lmtask.data.code.languages import LANGUAGES

    names = {lang.lower() for lang in LANGUAGES} | CODE_NAMES | AMBIGUOUS_NAMES
    found = [lb.strip().lower() for lb in labels if lb.strip().lower() in names]
    plain = [n for n in found if n not in AMBIGUOUS_NAMES]
    sure = bool(plain) or len(found) >= 2
    return "code" if sure and 2 * len(found) >= len(labels) else "english"


@functools.lru_cache(maxsize=2)
def _background(kind: str) -> tuple[list[str], list[float]]:
    """Words and weights of a shipped list (``backgrounds/``): English words by frequency, or
    code tokens with each language's counts scaled to the same total (languages weigh
    alike)."""
    from importlib.resources import files

    lines = (files("lmtask.engine") / "backgrounds" / f"{kind}.tsv").read_text("utf-8")
    rows = [line.split("\t") for line in lines.splitlines()]
    if kind == "english":
        return [w for _, w in rows], [float(q) for q, _ in rows]
    total: dict[str, float] = {}
    for lang, count, _ in rows:
        total[lang] = total.get(lang, 0.0) + float(count)
    return [t for *_, t in rows], [float(c) / total[lang] for lang, c, _ in rows]


@functools.lru_cache(maxsize=2)
def background_id(kind: str) -> str:
    """``kind`` and the start of the shipped list's sha256. Saved with a classifier that
    calibrates on it, so a later edit of the list is noticed when the classifier loads.

    >>> background_id("english").startswith("english:")
    True
    """
    from importlib.resources import files

    data = (files("lmtask.engine") / "backgrounds" / f"{kind}.tsv").read_bytes()
    return f"{kind}:{hashlib.sha256(data).hexdigest()[:12]}"


def background_texts(
    kind: str, samples: int = BACKGROUND_SAMPLES, words: int = BACKGROUND_WORDS, seed: int = 0
) -> list[str]:
    """The pseudo-texts of a background: ``samples`` texts of ``words`` random words of
    ``kind`` ("english" or "code"); the same draw for the same ``seed``.

    >>> len(background_texts("english")), len(background_texts("code")[0].split())
    (40, 30)
    >>> background_texts("english") == background_texts("english")
    True
    """
    import random

    vocab, weights = _background(kind)
    rng = random.Random(seed)
    return [" ".join(rng.choices(vocab, weights=weights, k=words)) for _ in range(samples)]


def background_bias(scorer: Any, kind: str, seed: int = 0) -> np.ndarray:
    """log of the mean label distribution of the background pseudo-texts of ``kind``
    ("english" or "code"; :func:`background_kind` picks one from the labels): the same for
    every text and every call."""
    with collected():  # a pseudo-text cut to the window is no news to the user
        p = np.exp(scorer.log_probs(background_texts(kind, seed=seed))).mean(axis=0)
    return np.log(np.maximum(p, 1e-12))


def calibrate(log_probs: np.ndarray, log_bias: np.ndarray) -> np.ndarray:
    """Divide by the bias and renormalise, in log space. Rows are texts, columns labels."""
    z = log_probs - log_bias[None, :]
    z -= z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))
