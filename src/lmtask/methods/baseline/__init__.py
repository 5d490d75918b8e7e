"""Baselines every method must beat: the majority label, and VADER for sentiment."""

from lmtask.methods.baseline.majority import Majority, majority_label
from lmtask.methods.baseline.vader import Vader

__all__ = ["Majority", "Vader", "majority_label"]
