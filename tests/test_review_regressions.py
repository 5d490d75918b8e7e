"""Regressions for bad input found in review: each gives a clear error or the right answer."""

from __future__ import annotations

import csv

import pytest
from typer.testing import CliRunner

import lmtask
from lmtask.cli import app
from lmtask.engine.examples import ExampleSelector
from lmtask.errors import TaskError
from lmtask.tasks import Task

SMOL = ["--model", "smollm2-135m-instruct", "--dtype", "float32"]


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.mark.parametrize(
    "data, message",
    [
        (dict(labels={"a": 5, "b": 1}), "give a description"),
        (dict(labels=["a", "b"], template=5), "must be text"),
        (dict(labels=["a", "b"], template="{text} / {text}"), "exactly once"),
        (dict(labels=["a", "b"], template="{{text}} only"), "exactly once"),
        (dict(labels=["a", "b"], case_variants="no"), "true or false"),
    ],
)
def test_bad_task_fields(data, message):
    with pytest.raises(TaskError, match=message):
        Task.from_dict(data)


def test_single_word_string_is_one_word():
    t = Task.from_dict({"labels": {"a": {"words": "good"}, "b": None}})
    assert t.labels[0].words == ("good",)


def test_balanced_examples_never_show_the_text_itself():
    pool = ["nice one", "bad one", "fine one", "awful one"]
    sel = ExampleSelector(pool, ["p", "n", "p", "n"], k=2, select="balanced")
    for text in pool:
        (ex,) = sel.for_texts([text])
        assert text not in [t for t, _ in ex]
    assert sel.for_texts(["unrelated"])[0] == sel.fixed()


def test_nearest_with_clipping_still_excludes_the_text():
    from tests.helpers import FakeEmbedder

    pool = [f"v {i}" for i in range(5)]
    sel = ExampleSelector(pool, ["a"] * 5, k=2, select="nearest", embedder=FakeEmbedder(),
                          clip=lambda t: t[:1] + " ...")  # fmt: skip
    (ex,) = sel.for_texts(["v 2"])
    assert len(ex) == 2 and all(t == "v ..." for t, _ in ex)  # clipped copies of v1 and v3


def test_scorer_cache_is_bounded(tiny_factory):
    from lmtask.methods.prompt.base import MAX_SCORERS

    clf = lmtask.FewShot(task="sentiment", model=tiny_factory(), shots=1, select="nearest")
    clf.fit([f"t{i}" for i in range(20)], ["positive", "negative"] * 10)
    for i in range(MAX_SCORERS + 5):
        clf.scorer(((f"x{i}", "positive"),))
    assert len(clf._scorers) == MAX_SCORERS


@pytest.fixture()
def three_labels(tmp_path):
    path = tmp_path / "d.csv"
    rows = [(f"good thing {i}", "positive") for i in range(6)]
    rows += [(f"bad thing {i}", "negative") for i in range(6)] + [("meh", "neutral")]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(rows)
    return path


def test_label_set_comes_from_all_rows(three_labels, tmp_path, smol):
    out = tmp_path / "c"
    r = run("compare", three_labels, "--methods", "majority", "--limit", "4", "--out", out)
    assert r.exit_code == 0, r.output
    import json

    assert json.loads((out / "compare.json").read_text())["labels"] == [
        "negative", "neutral", "positive",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "args, message",
    [
        (["classify", "hi", "--labels", "a,b", "--method", "majority"], "needs labelled examples"),
        (["classify", "hi", "--labels", "a,b", "--method", "few-shot:shots=abc"],
         "shots='abc' must be int"),
        (["classify", "hi", "--labels", "a,b", "--method", "zero-shot:batch_size=0"], "at least 1"),
        (["classify", "hi", "--labels", "a,b", "--method", "zero-shot:min_confidence=abc"],
         "min_confidence='abc' must be float"),
        (["classify", "hi", "--labels", "a,b", "--method", "vader:x=1"], "vader has no option 'x'"),
        (["classify", "hi", "--labels", "a,b", "--mode", "generate", "--calibrate"],
         "calibrate applies to label scores"),
    ],
)  # fmt: skip
def test_bad_options_are_clear_errors(args, message, smol):
    r = run(*args, *SMOL)
    assert r.exit_code == 2, r.output
    assert message in r.output and "Traceback" not in r.output


def test_examples_file_without_labels(tmp_path, smol):
    ex = tmp_path / "nolab.txt"
    ex.write_text("one\ntwo\n")
    r = run("classify", "hi", "--labels", "a,b", "--method", "few-shot", "--examples", ex, *SMOL)
    assert r.exit_code == 2 and "has no labels" in r.output


def test_out_is_a_file(three_labels, tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    r = run("eval", three_labels, "--method", "vader", "--labels", "positive,negative,neutral",
            "--out", f)  # fmt: skip
    assert r.exit_code == 2 and "is a file" in r.output
