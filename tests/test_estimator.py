"""TextClassifier: a scikit-learn estimator (clone, Pipeline, cross_val_score) over methods."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from lmtask.errors import InputError
from lmtask.estimator import TextClassifier
from tests.helpers import X, Y

OPTS = dict(mode="head", lr=5e-2, epochs=3, batch_size=8, warmup_ratio=0.0, dev_fraction=0,
            early_stopping_patience=None)  # fmt: skip


pytestmark = pytest.mark.usefixtures("one_thread")


def test_params_round_trip_and_clone(tiny_bert):
    est = TextClassifier(model=tiny_bert, options=OPTS)
    assert est.get_params() == {"method": "finetune", "model": tiny_bert, "task": None,
                                "options": OPTS}  # fmt: skip
    est.set_params(options={**OPTS, "epochs": 1})
    assert clone(est).get_params()["options"]["epochs"] == 1


def test_fit_predict_proba_with_int_classes(tiny_bert):
    y = np.array([1 if v == "pos" else 0 for v in Y])
    est = TextClassifier(model=tiny_bert, options=OPTS).fit(X, y)
    assert est.classes_.tolist() == [0, 1]
    proba = est.predict_proba(X[:3])
    assert proba.shape == (3, 2) and np.allclose(proba.sum(axis=1), 1)
    assert est.predict(X[:3]).dtype == y.dtype
    assert 0.0 <= est.score(X, y) <= 1.0


def test_cross_val_score_and_pipeline(tiny_bert):
    est = TextClassifier(model=tiny_bert, options=OPTS)
    scores = cross_val_score(est, X, Y, cv=2)
    assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))
    lower = FunctionTransformer(lambda xs: [x.lower() for x in xs])
    pipe = Pipeline([("lower", lower), ("clf", clone(est))]).fit(X, Y)
    assert set(pipe.predict(["GOOD good", "awful AWFUL"])) <= {"pos", "neg"}


def test_method_without_training_just_records_labels():
    pytest.importorskip("vaderSentiment")
    est = TextClassifier(method="vader").fit(["so good", "so bad"], ["positive", "negative"])
    assert est.classes_.tolist() == ["negative", "positive"]
    assert est.predict(["I love it", "I hate it"]).tolist() == ["positive", "negative"]


def test_bad_input_is_refused(tiny_bert):
    est = TextClassifier(model=tiny_bert, options=OPTS)
    with pytest.raises(InputError, match="2 or more"):
        est.fit(["a", "b"], ["x", "x"])
    with pytest.raises(InputError, match="texts"):
        est.fit([1, 2], ["x", "y"])
    with pytest.raises(InputError, match="one label per text"):
        est.fit(["a", "b"], ["x"])
