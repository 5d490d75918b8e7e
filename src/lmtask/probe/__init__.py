"""Measuring the limits: a counterfactual bias probe and a hallucination check.

:func:`bias_probe` asks whether a classifier's answer moves when only a name, a gendered word,
a nationality, a religion or an age changes (:mod:`lmtask.probe.bias`); :func:`check_support`
scores whether a source text supports each sentence of a generated answer and withholds the
answer below a threshold (:mod:`lmtask.probe.hallucination`).
"""

from lmtask.probe.attributes import Attribute, Templates, load_attributes, load_templates
from lmtask.probe.bias import bias_probe, probe, recompute, summarize
from lmtask.probe.hallucination import (
    DEFAULT_THRESHOLD,
    WITHHELD,
    SupportCheck,
    SupportScorer,
    check_support,
)
from lmtask.probe.pairs import CounterfactualSet, data_sets, pairs_of, template_sets
from lmtask.probe.report import BiasReport

__all__ = [
    "DEFAULT_THRESHOLD",
    "WITHHELD",
    "Attribute",
    "BiasReport",
    "CounterfactualSet",
    "SupportCheck",
    "SupportScorer",
    "Templates",
    "bias_probe",
    "check_support",
    "data_sets",
    "load_attributes",
    "load_templates",
    "pairs_of",
    "probe",
    "recompute",
    "summarize",
    "template_sets",
]
