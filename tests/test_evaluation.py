"""Metrics, calibration and the report folder of lmtask.evaluation.report (fast, offline)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

from lmtask.data import LabeledData
from lmtask.errors import InputError
from lmtask.evaluation import (
    compute_metrics,
    evaluate,
    expected_calibration_error,
    reliability_bins,
)
from lmtask.evaluation.plots import compare_bar_chart
from lmtask.methods import Majority
from lmtask.methods.base import Classifier
from lmtask.prediction import Prediction
from lmtask.tasks import resolve_task

PNG = b"\x89PNG\r\n\x1a\n"
LABELS = ["cat", "dog", "fish"]
GOLD = ["cat", "cat", "dog", "dog", "fish", "fish", "cat", "dog"]
PRED = ["cat", "dog", "dog", None, "fish", "cat", "cat", "dog"]
CONF = [0.9, 0.6, 0.8, 0.0, 0.95, 0.5, 0.7, 0.85]


class Fixed(Classifier):
    """Returns the given predictions, in order."""

    method_name = "fixed"

    def __init__(self, labels: Sequence[str], preds: Sequence[Prediction]) -> None:
        self.task = resolve_task(None, list(labels))
        self.preds = list(preds)

    def predict(self, texts: Sequence[str] | str, progress: bool = False) -> list[Prediction]:
        return self.preds[: len(texts)]


def _preds() -> list[Prediction]:
    out = []
    for label, c in zip(PRED, CONF, strict=True):
        if label is None:
            out.append(Prediction(None, dict.fromkeys(LABELS, 0.0), raw="no idea"))
        else:
            rest = (1 - c) / 2
            out.append(Prediction(label, {lb: c if lb == label else rest for lb in LABELS}))
    return out


def _data() -> LabeledData:
    return LabeledData(texts=[f"text {i}" for i in range(len(GOLD))], labels=GOLD, source="t")


@pytest.fixture()
def report():
    return evaluate(Fixed(LABELS, _preds()), _data())


def test_metrics_match_sklearn(report):
    y_pred = [p if p is not None else "unknown" for p in PRED]
    assert report.accuracy == pytest.approx(accuracy_score(GOLD, y_pred))
    assert report.macro_f1 == pytest.approx(
        f1_score(GOLD, y_pred, labels=LABELS, average="macro", zero_division=0)
    )
    p, r, f, s = precision_recall_fscore_support(GOLD, y_pred, labels=LABELS, zero_division=0)
    for i, lb in enumerate(LABELS):
        m = report.per_class[lb]
        assert (m["precision"], m["recall"], m["f1"], m["support"]) == pytest.approx(
            (p[i], r[i], f[i], s[i])
        )
    cm = report.confusion_matrix
    assert cm["columns"] == [*LABELS, "unknown"]  # a None prediction adds the column
    expected = confusion_matrix(GOLD, y_pred, labels=[*LABELS, "unknown"])[:3]
    assert cm["matrix"] == expected.tolist()
    assert report.n == len(GOLD) and report.labels == LABELS
    assert report.baseline["label"] == "cat"  # cat and dog tie at 3: first in label order
    assert report.baseline["accuracy"] == pytest.approx(3 / 8)


def test_no_unknown_column_without_none():
    m = compute_metrics(["a", "b"], ["a", "b", "b"], ["a", "a", "b"])
    assert m["confusion_matrix"]["columns"] == ["a", "b"]
    assert m["confusion_matrix"]["matrix"] == [[1, 0], [1, 1]]


def test_ece_hand_computation():
    # 15 bins of width 1/15: 0.95 and 0.99 share the last bin (14/15, 1]; 0.5 is in bin 7
    # (7/15, 8/15]; 0.1 in bin 1 (1/15, 2/15].
    conf = [0.95, 0.99, 0.5, 0.5, 0.1]
    correct = [True, False, True, True, False]
    # last bin: acc 0.5, conf 0.97 -> |0.47| * 2/5; bin 7: acc 1, conf .5 -> .5 * 2/5;
    # bin 1: acc 0, conf .1 -> .1 * 1/5
    expected = 0.47 * 2 / 5 + 0.5 * 2 / 5 + 0.1 * 1 / 5
    assert expected_calibration_error(conf, correct) == pytest.approx(expected)
    bins = reliability_bins(conf, correct)
    assert len(bins) == 15 and sum(b["count"] for b in bins) == 5
    assert bins[14]["count"] == 2 and bins[7]["count"] == 2 and bins[1]["count"] == 1
    assert expected_calibration_error([1.0, 0.0], [True, False]) == pytest.approx(0.0)


def test_report_ece_uses_top_label_confidence(report):
    correct = [p == g for p, g in zip(PRED, GOLD, strict=True)]
    assert report.ece == pytest.approx(expected_calibration_error(CONF, correct))


def test_save_writes_consistent_folder(report, tmp_path):
    out = report.save(tmp_path / "run")
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "confusion_matrix.png",
        "coverage.png",
        "predictions.jsonl",
        "reliability.png",
        "report.json",
        "report.md",
    ]
    doc = json.loads((out / "report.json").read_text())
    for key in (
        "accuracy", "macro_f1", "ece", "n", "texts_per_s", "wall_s", "per_class",
        "confusion_matrix", "labels", "baseline", "classifier", "data",
    ):  # fmt: skip
        assert key in doc
    rows = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert len(rows) == doc["n"] == len(GOLD)
    assert {"text", "gold", "label", "scores"} <= set(rows[0])
    assert rows[3]["label"] is None and rows[3]["raw"] == "no idea"
    assert "raw" not in rows[0]
    acc = np.mean([r["label"] == r["gold"] for r in rows])
    assert doc["accuracy"] == pytest.approx(acc)
    assert doc["classifier"]["method"] == "fixed"
    assert doc["data"]["source"] == "t"
    md = (out / "report.md").read_text()
    assert f"{doc['accuracy']:.4f}" in md and "| fish |" in md
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left
    _check_png(out / "confusion_matrix.png")
    _check_png(out / "reliability.png")


def _check_png(path):
    import matplotlib.image

    assert path.read_bytes()[:8] == PNG
    img = matplotlib.image.imread(path)
    assert img.ndim == 3 and img.shape[0] > 50


def test_compare_bar_chart(tmp_path):
    rows = [
        {"method": "zero-shot", "accuracy": 0.8, "macro_f1": 0.7},
        {"method": "majority", "accuracy": 0.5, "macro_f1": 0.33},
    ]
    compare_bar_chart(rows, tmp_path / "c.png")
    _check_png(tmp_path / "c.png")


def test_limit_and_gold_label_check():
    rep = evaluate(Fixed(LABELS, _preds()), _data(), limit=3)
    assert rep.n == 3 and rep.accuracy == pytest.approx(2 / 3)
    bad = LabeledData(texts=["x"], labels=["Cat"], source="bad.csv")
    with pytest.raises(InputError, match="did you mean 'cat'"):
        evaluate(Fixed(LABELS, _preds()), bad)
    with pytest.raises(InputError, match="no labels"):
        evaluate(Fixed(LABELS, _preds()), LabeledData(texts=["x"], labels=None, source="u"))


def test_majority_classifier():
    clf = Majority(labels=["a", "b"]).fit(["1", "2", "3"], ["b", "a", "b"])
    rep = evaluate(clf, LabeledData(texts=["1", "2", "3"], labels=["b", "a", "b"], source="m"))
    assert rep.accuracy == pytest.approx(2 / 3) == rep.baseline["accuracy"]
    assert rep.macro_f1 == pytest.approx(rep.baseline["macro_f1"])
    assert rep.predictions[0].scores == pytest.approx({"a": 1 / 3, "b": 2 / 3})


def test_tiny_model_end_to_end(tiny_factory, tmp_path):
    import lmtask

    clf = lmtask.ZeroShot(labels="a,b", model=tiny_factory("qwen2"))
    data = LabeledData(
        texts=["one", "two", "three", "four"], labels=["a", "b", "a", "b"], source="s"
    )
    rep = evaluate(clf, data)
    assert 0 <= rep.accuracy <= 1 and 0 <= rep.ece <= 1 and rep.n == 4
    assert rep.classifier["model"] == "tiny-qwen2"
    out = rep.save(tmp_path / "tiny")
    assert json.loads((out / "report.json").read_text())["classifier"]["mode"] == "score"
    assert rep.rich_table().row_count >= 2


def test_coverage_curve_by_hand():
    from lmtask.evaluation import coverage_curve

    curve = coverage_curve([0.9, 0.8, 0.6, 0.4], [True, False, True, False], [0.0, 0.5, 0.85])
    assert curve == [
        {"threshold": 0.0, "coverage": 1.0, "accuracy": 0.5},
        {"threshold": 0.5, "coverage": 0.75, "accuracy": 2 / 3},
        {"threshold": 0.85, "coverage": 0.25, "accuracy": 1.0},
    ]


def test_abstaining_classifier_report(tmp_path):
    from lmtask.data import LabeledData
    from lmtask.evaluation import evaluate
    from lmtask.methods.base import Classifier
    from lmtask.prediction import Prediction
    from lmtask.tasks import Task

    class Unsure(Classifier):
        task = Task.from_labels("a,b")

        def predict(self, texts, progress=False):
            out = []
            for t in texts:
                pa = 0.9 if t.startswith("sure") else 0.55
                label = "a" if pa >= 0.6 else None  # abstains below 0.6
                out.append(Prediction(label, {"a": pa, "b": 1 - pa}))
            return out

    data = LabeledData(texts=["sure 1", "sure 2", "maybe 1", "maybe 2"],
                       labels=["a", "a", "a", "b"], source="t")  # fmt: skip
    rep = evaluate(Unsure(), data)
    assert rep.coverage == 0.5
    assert rep.accuracy == 0.5  # abstentions count as wrong
    at = {c["threshold"]: c for c in rep.coverage_accuracy}
    assert at[0.0]["coverage"] == 1.0 and at[0.0]["accuracy"] == 0.75
    assert at[0.6]["coverage"] == 0.5 and at[0.6]["accuracy"] == 1.0
    rep.save(tmp_path)
    assert (tmp_path / "coverage.png").read_bytes()[:4] == b"\x89PNG"
    assert "Coverage versus accuracy" in (tmp_path / "report.md").read_text()


def test_report_md_prints_no_accuracy_where_no_row_is_answered(tmp_path):
    """Above the highest confidence nothing is answered: report.md shows '-', not 0.0000."""
    rep = evaluate(Fixed(LABELS, _preds()), LabeledData(GOLD[:8], GOLD[:8], source="t"))
    at = {c["threshold"]: c for c in rep.coverage_accuracy}
    assert at[0.95]["coverage"] > 0 and at[0.95]["accuracy"] == 1.0  # one row at 0.95
    assert rep.coverage_accuracy[-1]["threshold"] == 0.95
    rep = evaluate(Fixed(LABELS, _preds()[:3]), LabeledData(GOLD[:3], GOLD[:3], source="t"))
    empty = [c for c in rep.coverage_accuracy if c["coverage"] == 0]
    assert empty and all(c["accuracy"] is None for c in empty)
    md = rep.save(tmp_path).joinpath("report.md").read_text()
    for c in empty:
        assert f"| {c['threshold']:.2f} | 0.0000 | - |" in md
    section = md.split("## Coverage versus accuracy")[1].split("## Per class")[0]
    assert "| 0.0000 | 0.0000 |" not in section
    assert (
        json.loads((tmp_path / "report.json").read_text())["coverage_accuracy"][-1]["accuracy"]
        is None
    )


def test_compare_refuses_two_methods_that_share_a_report_folder(tmp_path):
    from lmtask.evaluation.compare import compare

    built: list[str] = []

    def builder(name):
        return lambda: built.append(name) or Fixed(LABELS, _preds())

    with pytest.raises(InputError, match="would share the report folder"):
        compare([("majority", builder("a")), ("majority", builder("b"))], _data(), tmp_path)
    assert built == [] and not any(tmp_path.iterdir())  # refused before any work
