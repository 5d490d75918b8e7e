"""Running the ladder: evaluate, compare and tune rungs on data; template search.

Everything here builds classifiers through :mod:`lmtask.methods`' factory and measures them
with :mod:`lmtask.evaluation`; the CLI (and later the server and the automatic ladder) call
these functions and only print.
"""

from lmtask.ladder.auto import RUNGS, FitRun, Rung, fit
from lmtask.ladder.cascade import Cascade, CascadeConfig
from lmtask.ladder.classify import ClassifierSpec, classifier_for
from lmtask.ladder.distill import DistillRun, distill
from lmtask.ladder.runs import (
    DataArgs,
    EvalRun,
    TuneRun,
    compare_specs,
    evaluate_artifact,
    evaluate_multilabel_spec,
    evaluate_spec,
    text_hash,
    tune,
)
from lmtask.ladder.template_search import (
    Candidate,
    SearchResult,
    builtin_candidates,
    load_candidates,
    search,
)

__all__ = [
    "RUNGS",
    "Candidate",
    "Cascade",
    "CascadeConfig",
    "ClassifierSpec",
    "DataArgs",
    "DistillRun",
    "EvalRun",
    "FitRun",
    "Rung",
    "SearchResult",
    "TuneRun",
    "builtin_candidates",
    "classifier_for",
    "compare_specs",
    "distill",
    "evaluate_artifact",
    "evaluate_multilabel_spec",
    "evaluate_spec",
    "fit",
    "load_candidates",
    "search",
    "text_hash",
    "tune",
]
