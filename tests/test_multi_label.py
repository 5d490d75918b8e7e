"""Multi-label: independent yes/no per label, thresholds, metrics (tiny models)."""

from __future__ import annotations

import numpy as np
import pytest

import lmtask
from lmtask.errors import InputError, TaskError
from lmtask.evaluation import evaluate_multilabel, multilabel_metrics

TEXTS = ["The minister opened a stadium.", "New phone chips are fast.", ""]


@pytest.fixture
def clf(tiny_factory):
    return lmtask.MultiLabel(labels="sports,politics,tech", model=tiny_factory())


def test_probabilities_are_independent_yes_no(clf):
    p = clf.predict_proba(TEXTS)
    assert p.shape == (3, 3)
    assert ((p > 0) & (p < 1)).all()
    # each column is P(yes) / (P(yes) + P(no)) of its own question
    lp = clf.scorer("tech").log_probs(TEXTS)
    np.testing.assert_allclose(p[:, 2], np.exp(lp[:, 0]))
    assert "Does this text talk about tech?" in clf.scorer("tech").parts.render("x")


def test_thresholds_decide_each_label(clf, tiny_factory):
    p = clf.predict_proba(TEXTS)
    lo = lmtask.MultiLabel(labels="sports,politics,tech", model=tiny_factory(), thresholds=0.0)
    hi = lmtask.MultiLabel(labels="sports,politics,tech", model=tiny_factory(), thresholds=1.0)
    assert all(x.labels == ["sports", "politics", "tech"] for x in lo.predict(TEXTS))
    assert all(x.labels == [] and x.label is None for x in hi.predict(TEXTS))
    cut = float(p[0, 1])  # exactly text 0's politics probability
    per = lmtask.MultiLabel(
        labels="sports,politics,tech", model=tiny_factory(),
        thresholds={"sports": 1.0, "politics": cut, "tech": 0.0},
    )  # fmt: skip
    preds = per.predict(TEXTS)
    assert preds[0].labels == ["politics", "tech"]
    for row, pred in zip(p, preds, strict=True):
        assert ("politics" in pred.labels) == (row[1] >= cut)
        assert "sports" not in pred.labels and "tech" in pred.labels
        assert pred.label == max(pred.labels, key=pred.scores.get)


def test_bad_options(tiny_factory):
    with pytest.raises(InputError, match="unknown labels"):
        lmtask.MultiLabel(labels="a,b", model=tiny_factory(), thresholds={"c": 0.5})
    with pytest.raises(InputError, match=r"threshold=1\.5 must be at most 1"):
        lmtask.MultiLabel(labels="a,b", model=tiny_factory(), thresholds=1.5)
    with pytest.raises(TaskError, match="question"):
        lmtask.MultiLabel(labels="a,b", model=tiny_factory(), question="{text} only")


def test_metrics_match_sklearn():
    from sklearn.metrics import f1_score
    from sklearn.preprocessing import MultiLabelBinarizer

    labels = ["a", "b", "c"]
    gold = [["a"], ["a", "b"], [], ["c"]]
    pred = [["a"], ["b"], ["c"], ["c"]]
    m = multilabel_metrics(labels, gold, pred)
    mlb = MultiLabelBinarizer(classes=labels)
    yt, yp = mlb.fit_transform(gold), mlb.transform(pred)
    assert m["micro_f1"] == pytest.approx(f1_score(yt, yp, average="micro"))
    assert m["macro_f1"] == pytest.approx(f1_score(yt, yp, average="macro"))
    assert m["subset_accuracy"] == 0.5
    assert m["per_label"]["a"]["recall"] == 0.5
    with pytest.raises(InputError, match="not labels"):
        multilabel_metrics(labels, [["z"]], [[]])


def test_evaluate_multilabel_end_to_end(clf):
    m = evaluate_multilabel(clf, TEXTS, [["politics", "sports"], ["tech"], []])
    assert 0 <= m["micro_f1"] <= 1 and m["n"] == 3
    assert m["classifier"]["multi_label"] is True


def test_cli_multilabel_eval(tmp_path, smol):
    import json

    from typer.testing import CliRunner

    from lmtask.cli import app

    data = tmp_path / "ml.jsonl"
    rows = [
        {"text": "The minister opened a football stadium.", "label": "sports;politics"},
        {"text": "The new phone has a faster chip.", "label": "tech"},
        {"text": "Parliament voted on the budget.", "label": "politics"},
    ]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["eval", str(data), "--method", "multi-label:threshold=0.3",
                                 "--model", "smollm2-135m-instruct", "--dtype", "float32",
                                 "--out", str(out)])  # fmt: skip
    assert r.exit_code == 0, r.output
    rep = json.loads((out / "report.json").read_text())
    preds = [json.loads(x) for x in (out / "predictions.jsonl").read_text().splitlines()]
    assert [p["gold"] for p in preds] == [["sports", "politics"], ["tech"], ["politics"]]
    exact = sum(sorted(p["gold"]) == sorted(p["labels"]) for p in preds) / 3
    assert rep["subset_accuracy"] == pytest.approx(exact)
    assert rep["classifier"]["thresholds"] == {"politics": 0.3, "sports": 0.3, "tech": 0.3}
