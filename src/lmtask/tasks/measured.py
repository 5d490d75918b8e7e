"""What each built-in task scored on real labelled data (``lmtask tasks`` shows it).

Every line comes from ``bench/RESULTS.md`` (the command that reproduces it is there); a
built-in task ships only with a measured number.

>>> "tweets" in MEASURED["sentiment"]
True
"""

from __future__ import annotations

MEASURED: dict[str, str] = {
    "sentiment": "zero-shot: 0.482 accuracy on 1,000 tweets (majority 0.424, VADER 0.437)",
    "topic": "zero-shot: 0.767 accuracy on 30 held-out bbc-news articles (majority 0.233; "
    "0.596 on all 2,225 before its calibration)",
    "code-language": "detector (n-grams + a head on the LM's first 4 layers when unsure): "
    "0.950 macro, 0.947 accuracy on 3,854 test snippets at 141/s (n-grams alone 0.940); "
    "--method cascade (+ the whole LM when unsure): 0.952 macro (0.5B model, n-grams "
    "before session 11); zero-shot alone: 0.82 (0.5B) on 500 of them",
}


def measured(task: str) -> str:
    """The measured accuracy line of a built-in task ('' for others)."""
    return MEASURED.get(task, "")


__all__ = ["MEASURED", "measured"]
