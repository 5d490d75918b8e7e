"""Report plots a person can read (issue 15): axis labels, no made-up points, counts clear of
the bars, titles, tick labels turned only when needed. Each plot function returns its figure,
inspected here after the PNG is written."""

from __future__ import annotations

import pytest

from lmtask.evaluation import coverage_curve, reliability_bins
from lmtask.evaluation.plots import (
    confusion_matrix_plot,
    coverage_plot,
    curves_figure,
    plot_curves,
    reliability_diagram,
)

PNG = b"\x89PNG\r\n\x1a\n"


def test_coverage_leaves_out_accuracy_where_nothing_is_answered(tmp_path):
    curve = coverage_curve([0.9, 0.8, 0.6, 0.4], [True, False, True, False], [0.0, 0.5, 0.95])
    assert curve[-1] == {"threshold": 0.95, "coverage": 0.0, "accuracy": None}
    fig = coverage_plot(curve, tmp_path / "coverage.png")
    assert (tmp_path / "coverage.png").read_bytes()[:8] == PNG
    ax = fig.axes[0]
    assert ax.get_ylabel() and ax.get_xlabel()
    acc, cov = ax.get_lines()
    assert list(acc.get_xdata()) == [0.0, 0.5]  # no point at 0.95, where no row is answered
    assert list(cov.get_xdata()) == [0.0, 0.5, 0.95]


def test_reliability_counts_stand_in_their_own_panel(tmp_path):
    conf = [0.35, 0.45, 0.55, 0.65, 0.92, 0.95, 0.97, 0.99] * 25
    ok = [True, False, True, True, True, True, False, True] * 25
    bins = reliability_bins(conf, ok)
    fig = reliability_diagram(bins, tmp_path / "rel.png", ece=0.1)
    assert (tmp_path / "rel.png").read_bytes()[:8] == PNG
    main, counts = fig.axes
    assert not main.texts  # nothing written over the accuracy bars or the legend
    shown = sorted(int(t.get_text()) for t in counts.texts)
    assert shown == sorted(int(b["count"]) for b in bins if b["count"])
    assert all(t.get_fontsize() >= 9 for t in counts.texts)
    assert counts.get_ylim()[1] > max(shown)  # labels above the tallest bar stay inside
    assert "ECE = 0.100" in main.get_title()


@pytest.mark.parametrize(
    "labels, turned",
    [
        (["positive", "negative", "angry", "unknown"], False),
        (["business", "entertainment", "politics", "sports", "tech", "unknown"], True),
        ([f"language-{i}" for i in range(25)], True),
    ],
)
def test_confusion_matrix_turns_tick_labels_only_when_long(tmp_path, labels, turned):
    n = len(labels)
    matrix = [[int(i == j) for j in range(n)] for i in range(n)]
    fig = confusion_matrix_plot(matrix, labels, labels, tmp_path / "cm.png")
    rotations = {t.get_rotation() for t in fig.axes[0].get_xticklabels()}
    assert rotations == ({45.0} if turned else {0.0})


def test_training_curves_of_a_short_run(tmp_path):
    history = [{"loss": 0.7 - 0.1 * s, "epoch": s / 3, "step": s} for s in (1, 2, 3)]
    history += [{"eval_accuracy": 0.5, "epoch": 1.0, "step": 3}, {"train_loss": 0.6, "step": 3}]
    out = plot_curves(history, tmp_path / "curves.png", title="lora on reviews.csv (9 rows)")
    assert out.read_bytes()[:8] == PNG
    fig = curves_figure(history, title="lora on reviews.csv (9 rows)")
    loss_ax, acc_ax = fig.axes
    assert list(loss_ax.get_lines()[0].get_xdata()) == [1, 2, 3]  # a point per step
    assert [t.get_text() for t in acc_ax.texts] == ["0.500"]  # the one dev value, written
    assert fig._suptitle.get_text() == "lora on reviews.csv (9 rows)"
    assert curves_figure(history)._suptitle.get_text() == "Training curves"


def test_training_curves_without_loss_logs_say_so():
    fig = curves_figure([{"eval_accuracy": 0.5, "epoch": 1.0}, {"train_loss": 0.69}])
    assert "no loss was logged" in fig.axes[0].texts[0].get_text()
    assert "0.690" in fig.axes[0].texts[0].get_text()
