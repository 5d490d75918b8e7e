"""Confusable label groups: declared by a task, counted by the evaluation report."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from lmtask.data import LabeledData
from lmtask.data.files import is_file_set
from lmtask.errors import TaskError
from lmtask.evaluation import evaluate
from lmtask.evaluation.confusions import confusable_groups, top_confusions
from lmtask.methods.base import Classifier
from lmtask.prediction import Prediction
from lmtask.tasks import Task, get_task

GOLD = ["C", "C", "C++", "C++", "C++", "JS", "TS", "Go"]
PRED = ["C", "C++", "C", "C", "C++", None, "JS", "C"]


class Fixed(Classifier):
    method_name = "fixed"

    def __init__(self, task: Task, preds: Sequence[str | None]) -> None:
        self.task, self.preds = task, list(preds)

    def predict(self, texts, progress=False):
        return [Prediction(p, {lb: float(lb == p) for lb in self.labels}) for p in self.preds]


def test_groups_count_confusions_within_and_unknown_is_not_one():
    c, web = confusable_groups(GOLD, PRED, [("C", "C++"), ("JS", "TS")])
    assert (c["rows"], c["right"], c["within"], c["pairs"]) == (5, 2, 3, {"C→C++": 1, "C++→C": 2})
    assert (web["rows"], web["right"], web["within"], web["pairs"]) == (2, 0, 1, {"TS→JS": 1})
    top = top_confusions(GOLD, PRED, k=2)
    assert top == [{"gold": "C++", "predicted": "C", "count": 2},
                   {"gold": "C", "predicted": "C++", "count": 1}]  # fmt: skip


def test_task_declares_groups_checked_and_kept_through_a_round_trip():
    task = Task.from_dict({"labels": ["C", "C++", "Go"], "confusable": [["C", "C++"]]})
    assert task.confusable == (("C", "C++"),)
    assert Task.from_dict(task.to_dict()) == task
    assert task.with_labels("C,Go").confusable == ()  # a group loses a label: dropped
    assert "confusable" not in Task.from_labels("a,b").to_dict()  # unchanged without groups
    for bad in ([["C", "Rust"]], [["C"]]):
        with pytest.raises(TaskError, match="must name two or more of its labels"):
            Task.from_dict({"labels": ["C", "C++"], "confusable": bad})
    groups = get_task("code-language").confusable
    assert ("C", "C++") in groups and ("Java", "Kotlin", "Scala") in groups


def test_report_has_the_section_and_the_json(tmp_path):
    task = Task.from_dict({"name": "t", "labels": ["C", "C++", "JS", "TS", "Go"],
                           "confusable": [["C", "C++"], ["JS", "TS"]]})  # fmt: skip
    data = LabeledData(texts=[f"x{i}" for i in range(len(GOLD))], labels=GOLD, source="d")
    rep = evaluate(Fixed(task, PRED), data)
    out = rep.save(tmp_path / "r")
    saved = json.loads((out / "report.json").read_text())
    assert [g["within"] for g in saved["confusable"]] == [3, 1]
    assert saved["top_confusions"][0] == {"gold": "C++", "predicted": "C", "count": 2}
    md = (out / "report.md").read_text()
    assert "## Confusable labels (the task's groups)" in md
    assert "| C / C++ | 5 | 0.4000 | 3 | C→C++ 1, C++→C 2 |" in md
    plain = evaluate(Fixed(Task.from_labels(["C", "C++", "JS", "TS", "Go"]), PRED), data)
    assert plain.confusable == [] and "Confusable" not in plain.to_markdown()


def test_a_single_source_file_is_one_text_and_a_table_is_a_table(tmp_path):
    src, table = tmp_path / "x.py", tmp_path / "rows.csv"
    src.write_text("print(1)\n")
    table.write_text("text\nhello\n")
    assert is_file_set(str(src)) and not is_file_set(str(table))
    assert is_file_set(str(tmp_path)) and is_file_set(str(tmp_path / "*.py"))
