"""lmtask.ladder.auto: the automatic ladder (planning, budget, choice, resume)."""

from __future__ import annotations

import csv
import dataclasses
import json

import pytest

import lmtask
from lmtask import ladder
from lmtask.errors import InputError
from lmtask.ladder import auto

ROWS = [(f"I really love thing number {i}, wonderful!", "positive") for i in range(20)] + [
    (f"I truly hate thing number {i}, awful.", "negative") for i in range(20)
]


@pytest.fixture()
def data_csv(tmp_path):
    path = tmp_path / "d.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(ROWS)
    return path


@pytest.fixture()
def small_ladder(monkeypatch, tiny_factory, tiny_bert):
    """Tiny models, fixed probe timings: planning is deterministic and runs take seconds."""
    lm = tiny_factory()
    rungs = tuple(
        dataclasses.replace(r, model=tiny_bert if r.kind == "train" else r.model,
                            spec=r.spec.replace("epochs=3", "epochs=1"))
        for r in auto.RUNGS if r.name in ("majority", "zero-shot", "finetune-head")
    )  # fmt: skip
    monkeypatch.setattr(auto, "RUNGS", rungs)
    monkeypatch.setattr(auto, "timed_probe", lambda *a, **k: auto.Probe(0.01, 0.05))
    return lm


def test_plan_respects_budget_and_rows_per_class():
    train = lmtask.data.LabeledData(texts=["a"] * 6, labels=["x", "y"] * 3, source="t")
    probe = auto.Probe(lm_text_s=1.0, encoder_step_s=1.0)
    plan, skipped = auto._plan(train, n_eval=10, budget_s=18.0, probe=probe)
    names = [r.name for r in plan]
    assert names[:2] == ["majority", "zero-shot"]  # cheapest first; 10 + 6 s for zero-shot
    assert "few-shot-nearest" not in names and "over the budget" in skipped["few-shot-nearest"]
    assert skipped["finetune-head"] == "needs 8 labelled rows per class, has 3"
    with pytest.raises(InputError, match="too small for any rung"):
        auto._plan(train, n_eval=10, budget_s=5.0, probe=probe)


def test_zero_shot_rung_chooses_a_calibration_only_with_two_rows_a_label():
    rung = auto.RUNGS[[r.name for r in auto.RUNGS].index("zero-shot")]
    two = lmtask.data.LabeledData(texts=["a"] * 4, labels=["x", "y"] * 2, source="t")
    one = lmtask.data.LabeledData(texts=["a"] * 3, labels=["x", "y", "y"], source="t")
    assert auto._spec(rung, two) == "zero-shot:calibrate:auto"
    assert auto._spec(rung, one) == "zero-shot"


def test_time_left_after_the_plan_adds_a_skipped_rung_re_estimated():
    """Rungs that ran 4x faster than estimated: a rung skipped for time now fits."""
    train = lmtask.data.LabeledData(texts=["a"] * 6, labels=["x", "y"] * 3, source="t")
    probe = auto.Probe(lm_text_s=1.0, encoder_step_s=1.0)
    _, skipped = auto._plan(train, n_eval=10, budget_s=18.0, probe=probe)
    full = auto.estimate(auto.RUNGS[[r.name for r in auto.RUNGS].index("few-shot-nearest")],
                         6, 10, probe)  # fmt: skip
    assert auto._more(dict(skipped), 6, 10, probe, left=full / 2, scale=1.0) == []
    more = auto._more(skipped, 6, 10, probe, left=full / 2, scale=0.25)
    assert [r.name for r in more] == ["few-shot-nearest"] and "few-shot-nearest" not in skipped
    assert "finetune-head" in skipped  # skipped for rows per class: never added


@pytest.mark.slow
def test_fit_chooses_by_dev_saves_and_resumes(data_csv, tmp_path, small_ladder, monkeypatch):
    out = tmp_path / "best"
    events: list[str] = []
    run = ladder.fit(ladder.DataArgs(data_csv), out, budget_s=600, model=small_ladder,
                     on_event=events.append)  # fmt: skip
    tried = {r["method"]: r for r in run.dev}
    assert set(tried) == {"majority", "zero-shot", "finetune-head"}
    best = max((r for r in run.dev if r["method"] != "majority"), key=lambda r: r["macro_f1"])
    assert run.best == best["method"]
    doc = json.loads((out / "compare" / "compare.json").read_text())
    assert {m["method"] for m in doc["methods"]} == set(tried)
    clf = lmtask.load(out, model=small_ladder if run.best == "zero-shot" else None)
    assert clf.method_name == tried[run.best]["classifier"]["method"]
    assert json.loads((out / "manifest.json").read_text())["metrics"]["rung"] == run.best
    assert any("[1] " in e for e in events)
    calls = []
    real = auto.build_and_fit
    monkeypatch.setattr(auto, "build_and_fit", lambda *a, **k: calls.append(a) or real(*a, **k))
    again = ladder.fit(ladder.DataArgs(data_csv), out, budget_s=600, model=small_ladder)
    assert calls == [] and again.best == run.best  # every rung was finished: none redone
    with pytest.raises(InputError, match="fit run on other seed"):  # rows of its train split
        ladder.fit(ladder.DataArgs(data_csv, seed=1), out, budget_s=600, model=small_ladder)


def test_a_fit_folder_of_other_data_is_not_resumed(tmp_path):
    out = tmp_path / "o"
    auto._same_run(out, {"fingerprint": "a", "seed": 0})
    auto._same_run(out, {"fingerprint": "a", "seed": 0})  # the same run: resumes
    with pytest.raises(InputError, match=r"other data: its rungs cannot be resumed"):
        auto._same_run(out, {"fingerprint": "b", "seed": 0})
    (out / "fit-key.json").write_text("{not json")
    with pytest.raises(InputError, match="cannot be read"):
        auto._same_run(out, {"fingerprint": "a", "seed": 0})


def test_too_few_rows_is_a_clear_error(tmp_path):
    path = tmp_path / "few.csv"
    path.write_text("text,label\na,x\nb,y\n")
    with pytest.raises(InputError, match="fit needs at least 10"):
        ladder.fit(ladder.DataArgs(path), tmp_path / "o", budget_s=60)
