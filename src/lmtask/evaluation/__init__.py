"""Evaluation: metrics, the report folder, multi-label scores, side-by-side comparison, plots.

Takes any object with ``labels``, ``predict`` and ``describe``; never imports the methods.
"""

from lmtask.evaluation.compare import Comparison, compare, result_row, save_comparison
from lmtask.evaluation.metrics import (
    compute_metrics,
    coverage_curve,
    expected_calibration_error,
    reliability_bins,
)
from lmtask.evaluation.multilabel import (
    evaluate_multilabel,
    multilabel_metrics,
    save_multilabel_report,
)
from lmtask.evaluation.report import Report, evaluate

__all__ = [
    "Comparison",
    "Report",
    "compare",
    "compute_metrics",
    "coverage_curve",
    "evaluate",
    "evaluate_multilabel",
    "expected_calibration_error",
    "multilabel_metrics",
    "reliability_bins",
    "result_row",
    "save_comparison",
    "save_multilabel_report",
]
