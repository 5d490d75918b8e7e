"""Baselines every method must beat: the majority label, VADER for sentiment, and a
character n-gram linear model (fast, trained, no language model)."""

from lmtask.methods.baseline.majority import Majority, majority_label
from lmtask.methods.baseline.ngram import Ngram, NgramConfig
from lmtask.methods.baseline.vader import Vader

__all__ = ["Majority", "Ngram", "NgramConfig", "Vader", "majority_label"]
