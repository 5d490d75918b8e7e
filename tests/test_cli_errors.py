"""Issue 15 replayed on the command line: each bad input is one ``error:`` line (no traceback),
given before any work starts; and what a run quietly changed (a sample larger than the data)
is said on stderr. No model is loaded here: where a command would load one, the work is
replaced by a stand-in that fails the test if reached."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

import lmtask.methods
from lmtask.cli import app
from lmtask.prediction import Prediction
from tests.helpers import assert_one_line_error

UNWRITABLE = "/proc/lmtask-no-such-folder/run"  # not writable, even for root


def run(*args, input: str | None = None):
    return CliRunner().invoke(app, [str(a) for a in args], input=input)


def write_csv(path, rows, header=("text", "label"), encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


DISTINCT = [(f"I really love thing number {i}!", "positive") for i in range(6)] + [
    (f"I truly hate thing number {i}.", "negative") for i in range(6)
]


@pytest.fixture()
def data_csv(tmp_path):
    return write_csv(tmp_path / "data.csv", DISTINCT)


@pytest.fixture()
def no_work(monkeypatch):
    """Fail the test if a command gets as far as building or running a classifier."""

    def boom(*a, **k):
        raise AssertionError("work started before the error")

    import lmtask.ladder.runs as runs
    import lmtask.ladder.template_search as template_search
    import lmtask.methods.prompt.base as prompt_base

    monkeypatch.setattr(runs, "build_and_fit", boom)
    monkeypatch.setattr(lmtask.methods, "build_and_fit", boom)
    monkeypatch.setattr(template_search, "search", boom)
    monkeypatch.setattr(prompt_base, "load_model", boom)


class Echo:
    """A stand-in classifier: every text gets label 'a' (no model)."""

    def predict(self, texts, progress=False):
        return [Prediction("a", {"a": 1.0, "b": 0.0}) for _ in texts]


@pytest.fixture()
def echo(monkeypatch):
    """classify builds an Echo instead of a prompt classifier."""
    monkeypatch.setattr(lmtask.methods, "build_and_fit", lambda *a, **k: Echo())


# -- errors before work ------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["eval", "{data}", "--labels", "positive,negative"],
        ["compare", "{data}", "--methods", "zero-shot,majority"],
        ["tune", "{data}", "--method", "finetune"],
        ["search-templates", "{data}", "--labels", "positive,negative"],
    ],
)
def test_unwritable_out_is_refused_before_work(command, data_csv, no_work):
    args = [str(data_csv) if a == "{data}" else a for a in command]
    res = run(*args, "--out", UNWRITABLE)
    assert_one_line_error(res, UNWRITABLE, "not writable")


def test_empty_stdin_is_refused_before_loading_a_model(no_work):
    res = run("classify", "-", "--task", "sentiment", input="")
    assert_one_line_error(res, "no text to classify: the input was empty")


def test_tune_on_too_few_rows_says_how_many_it_needs(tmp_path, no_work):
    two = write_csv(tmp_path / "two.csv", [("good", "pos"), ("bad", "neg")])
    res = run("tune", two, "--method", "majority", "--out", tmp_path / "art")
    assert_one_line_error(res, "has 2 rows", "too few", "--test-size 0.2", "at least 3")
    assert not (tmp_path / "art").exists()


def test_tune_into_a_folder_that_is_not_an_artifact_is_refused_before_work(
    data_csv, tmp_path, no_work
):
    site = tmp_path / "site"
    site.mkdir()
    (site / "manifest.json").write_text('{"name": "my web app"}')
    res = run("tune", data_csv, "--method", "finetune", "--out", site)
    assert_one_line_error(res, f"{site} holds a manifest.json that is not an lmtask artifact's")
    assert (site / "manifest.json").read_text() == '{"name": "my web app"}'


def test_tune_again_into_its_artifact_keeps_the_user_s_files(data_csv, tmp_path):
    art = tmp_path / "art"
    art.mkdir()
    (art / "weights-mine.safetensors").write_bytes(b"a user's file")
    for _ in range(2):  # a new artifact, then the same folder updated
        res = run("tune", data_csv, "--method", "majority", "--out", art)
        assert res.exit_code == 0, res.output
    assert (art / "weights-mine.safetensors").read_bytes() == b"a user's file"


@pytest.mark.parametrize(
    "spec, message",
    [
        ("finetune:epochs=0", "epochs=0.0 must be greater than 0"),
        ("lora:batch_size=0", "batch_size=0 must be at least 1"),
        ("finetune:lr=-1", "lr=-1.0 must be at least 0"),
        ("prompt-tuning:epochs=-2", "epochs=-2.0 must be greater than 0"),
        ("few-shot:shots=-1", "shots=-1 must be at least 0"),
        ("few-shot:pool_size=0", "pool_size=0 must be at least 1"),
    ],
)
def test_impossible_method_options_are_refused(spec, message, data_csv, tmp_path, no_work):
    res = run("tune", data_csv, "--method", spec, "--out", tmp_path / "art")
    assert_one_line_error(res, message)
    assert not (tmp_path / "art").exists()


def test_classify_column_error_names_classify_option(tmp_path, no_work):
    f = write_csv(tmp_path / "t.csv", [("first text", "1")], header=("body", "id"))
    res = run("classify", "--file", f, "--column", "review", "--labels", "a,b")
    line = assert_one_line_error(res, "column 'review' not found", "--column")
    assert "--text-column" not in line and "text_column" not in line


def test_generate_column_error_names_its_option(tmp_path):
    f = write_csv(tmp_path / "t.csv", [("first text", "1")], header=("body", "id"))
    res = run("generate", "--input", f, "--column", "review")
    line = assert_one_line_error(res, "column 'review' not found", "--column")
    assert "text_column" not in line


# -- TEXT arguments and --file (classify and predict alike) -----------------------------


@pytest.fixture()
def both_commands(majority_artifact, echo):
    """classify (an Echo stands in for its model) and predict (a majority artifact)."""
    return {"classify": ["classify", "--labels", "a,b"], "predict": ["predict", majority_artifact]}


@pytest.mark.parametrize("command", ["classify", "predict"])
def test_a_text_that_names_a_file_here_is_a_choice_not_a_guess(
    command, both_commands, tmp_path, monkeypatch
):
    """predict read a TEXT argument as a file whenever a file of that name was in the
    current folder; classify took it as text. Both now ask which was meant."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("first note\nsecond note\n", encoding="utf-8")
    cmd = both_commands[command]
    res = run(*cmd, "notes.txt", "--json")
    assert_one_line_error(res, "'notes.txt' is given as a text but is also a file here",
                          "--file notes.txt", f"lmtask {command} ... -")  # fmt: skip
    res = run(*cmd, "--file", "notes.txt", "--json")
    assert res.exit_code == 0, res.output
    assert [json.loads(x)["text"] for x in res.stdout.splitlines()] == ["first note", "second note"]
    res = run(*cmd, "-", "--json", input="notes.txt\n")
    assert res.exit_code == 0, res.output
    assert [json.loads(x)["text"] for x in res.stdout.splitlines()] == ["notes.txt"]
    res = run(*cmd, "no such file here", "--json")
    assert res.exit_code == 0, res.output
    assert [json.loads(x)["text"] for x in res.stdout.splitlines()] == ["no such file here"]


@pytest.mark.parametrize("command", ["classify", "predict"])
def test_a_text_too_long_to_be_a_file_name_is_a_text(command, both_commands):
    long_text = "word " * 80  # over 255 bytes: stat() raised OSError (a traceback) in predict
    res = run(*both_commands[command], long_text)
    assert res.exit_code == 0, res.output
    assert res.stdout.count("\n") == 1


def test_predict_reads_a_folder_of_files_as_classify_does(majority_artifact, tmp_path):
    folder = tmp_path / "snippets"
    folder.mkdir()
    (folder / "a.py").write_text("print(1)\n", encoding="utf-8")
    (folder / "b.sql").write_text("SELECT 1;\n", encoding="utf-8")
    res = run("predict", majority_artifact, "--file", folder, "--json")
    assert res.exit_code == 0, res.output
    rows = [json.loads(x)["text"] for x in res.stdout.splitlines()]
    assert rows == [str(folder / "a.py"), str(folder / "b.sql")]


@pytest.mark.parametrize("command", ["classify", "predict"])
def test_column_with_a_set_of_files_is_refused_not_ignored(command, both_commands, tmp_path):
    """A folder or glob is read one whole file a text: --column there was silently ignored
    (each CSV, header and all, became one text)."""
    folder = tmp_path / "tables"
    folder.mkdir()
    (folder / "a.csv").write_text("text,id\nfirst,1\n", encoding="utf-8")
    for given in (folder, f"{folder}/*.csv"):
        res = run(*both_commands[command], "--file", given, "--column", "text")
        assert_one_line_error(res, "--column picks a column of one table file",
                              "leave --column out")  # fmt: skip
    res = run(*both_commands[command], "--file", folder / "a.csv", "--column", "text", "--json")
    assert res.exit_code == 0, res.output
    assert [json.loads(x)["text"] for x in res.stdout.splitlines()] == ["first"]


def test_label_description_that_yaml_cut_is_refused(tmp_path, monkeypatch):
    import lmtask.methods.prompt.base as prompt_base

    def boom(*a, **k):
        raise AssertionError("a model was loaded before the task was checked")

    monkeypatch.setattr(prompt_base, "load_model", boom)
    task = tmp_path / "mood.yaml"
    task.write_text(
        "template: '{text}\\nMood: {labels}?'\n"
        "labels:\n  happy: {description: a glad, cheerful mood}\n  sad: {}\n"
    )
    res = run("classify", "hi", "--task", task)
    assert_one_line_error(res, "label 'happy'", "cheerful mood", "quoted")
    task.write_text("labels:\n  happy: {description: [glad, cheerful]}\n  sad: {}\n")
    assert_one_line_error(run("classify", "hi", "--task", task), "label 'happy'", "one string")


# -- --encoding, and binary files --------------------------------------------------------


LATIN = [(f"café number {i} was lovely", "positive") for i in range(6)] + [
    (f"crème number {i} was awful", "negative") for i in range(6)
]


@pytest.fixture()
def latin_csv(tmp_path):
    return write_csv(tmp_path / "latin.csv", LATIN, encoding="latin-1")


def _commands(path, tmp_path, artifact="unused"):
    return {
        "classify": ["classify", "--file", path, "--labels", "a,b"],
        "eval": ["eval", path, "--method", "majority", "--test-size", "0.5",
                 "--out", tmp_path / "ev"],
        "compare": ["compare", path, "--methods", "majority", "--test-size", "0.5",
                    "--out", tmp_path / "cmp"],
        "tune": ["tune", path, "--method", "majority", "--out", tmp_path / "art"],
        "predict": ["predict", artifact, "--file", path],
        "generate": ["generate", "--input", path],
        "search-templates": ["search-templates", path, "--labels", "positive,negative",
                             "--out", tmp_path / "s"],
    }  # fmt: skip


@pytest.fixture()
def majority_artifact(data_csv, tmp_path):
    res = run("tune", data_csv, "--method", "majority", "--out", tmp_path / "maj")
    assert res.exit_code == 0, res.output
    return tmp_path / "maj"


@pytest.mark.parametrize(
    "command", ["classify", "eval", "compare", "tune", "predict", "generate", "search-templates"]
)
def test_wrong_encoding_advises_the_encoding_option(
    command, latin_csv, tmp_path, majority_artifact, no_work
):
    args = _commands(latin_csv, tmp_path, majority_artifact)[command]
    res = run(*args)
    assert_one_line_error(res, "is not valid utf-8 (byte 0xe9)", "--encoding 'latin-1'")


def test_encoding_option_reads_latin1_in_every_command(
    latin_csv, tmp_path, majority_artifact, monkeypatch
):
    import lmtask.ladder.template_search as template_search
    import lmtask.text_tasks
    from lmtask.errors import InputError

    seen = {}

    def fake_generate(items, **kw):
        seen["generate"] = items
        return ["ok"] * len(items)

    def fake_search(base, model, dev, *a, **k):
        seen["search"] = dev.texts
        raise InputError("search reached")

    monkeypatch.setattr(lmtask.methods, "build_and_fit", lambda *a, **k: Echo())
    monkeypatch.setattr(lmtask.text_tasks, "generate", fake_generate)
    monkeypatch.setattr(template_search, "search", fake_search)
    for name, args in _commands(latin_csv, tmp_path, majority_artifact).items():
        res = run(*args, "--encoding", "latin-1")
        if name == "search-templates":
            assert_one_line_error(res, "search reached")
        else:
            assert res.exit_code == 0, (name, res.output)
        if name in ("classify", "predict"):
            assert "café number 0 was lovely" in res.stdout
    assert "café number 0 was lovely" in seen["generate"]
    assert any(t.startswith(("café", "crème")) for t in seen["search"])


def test_fit_and_distill_take_the_encoding_they_advise(latin_csv, tmp_path, monkeypatch):
    import lmtask.ladder
    from lmtask.errors import InputError

    fit_cmd = ["fit", latin_csv, "--out", tmp_path / "f", "--budget", "20s"]
    distill_cmd = ["distill", latin_csv, "--teacher", "majority", "--out", tmp_path / "d"]
    for cmd in (fit_cmd, distill_cmd):
        assert_one_line_error(run(*cmd), "is not valid utf-8", "--encoding 'latin-1'")
    seen = {}

    def fit(d, *a, **k):
        seen["fit"] = d.encoding
        raise InputError("fit reached")

    def distill(*a, **k):
        seen["distill"] = k["encoding"]
        raise InputError("distill reached")

    monkeypatch.setattr(lmtask.ladder, "fit", fit)
    monkeypatch.setattr(lmtask.ladder, "distill", distill)
    assert_one_line_error(run(*fit_cmd, "--encoding", "latin-1"), "fit reached")
    assert_one_line_error(run(*distill_cmd, "--encoding", "latin-1"), "distill reached")
    assert seen == {"fit": "latin-1", "distill": "latin-1"}


@pytest.mark.parametrize("command", ["classify", "eval", "tune", "generate"])
def test_binary_file_is_named_as_binary(command, tmp_path, no_work):
    blob = tmp_path / "data.csv"
    blob.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" * 4)
    res = run(*_commands(blob, tmp_path)[command])
    assert_one_line_error(res, "data.csv is a binary file (it holds NUL bytes)")


def test_utf16_file_advises_its_encoding(tmp_path, no_work):
    f = tmp_path / "wide.txt"
    f.write_text("first text\nsecond text\n", encoding="utf-16")
    assert_one_line_error(
        run("classify", "--file", f, "--labels", "a,b"), "UTF-16", "--encoding 'utf-16'"
    )


def test_generate_whole_file_takes_encoding(tmp_path, monkeypatch):
    import lmtask.text_tasks

    f = tmp_path / "doc.txt"
    f.write_bytes("Ça va très bien.\n".encode("cp1252"))
    assert_one_line_error(run("generate", "--input", f, "--whole-file"), "--encoding")
    monkeypatch.setattr(lmtask.text_tasks, "generate", lambda items, **k: [items[0].upper()])
    res = run("generate", "--input", f, "--whole-file", "--encoding", "cp1252", "--no-stream")
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == "ÇA VA TRÈS BIEN."


# -- a sample larger than the data -------------------------------------------------------


@pytest.fixture()
def ten_and_pool(tmp_path):
    ten = write_csv(tmp_path / "ten.csv", DISTINCT[:5] + DISTINCT[6:11])
    pool = write_csv(tmp_path / "pool.csv", [("so good", "positive"), ("so bad", "negative")])
    return ten, pool


NOTE = "note: --sample 50 asked, but the data has only 10 rows: all used"


@pytest.mark.parametrize("command", ["eval", "compare"])
def test_sample_larger_than_data_is_noted(command, ten_and_pool, tmp_path):
    ten, pool = ten_and_pool
    method = ["--method", "majority"] if command == "eval" else ["--methods", "majority"]
    res = run(command, ten, *method, "--examples", pool, "--sample", "50",
              "--out", tmp_path / "o")  # fmt: skip
    assert res.exit_code == 0, res.output
    assert NOTE in res.stderr


def test_sample_larger_than_data_is_noted_for_an_artifact(ten_and_pool, tmp_path):
    ten, pool = ten_and_pool
    assert run("tune", pool, "--method", "majority", "--test-size", "0",
               "--out", tmp_path / "art").exit_code == 0  # fmt: skip
    res = run("eval", ten, "--artifact", tmp_path / "art", "--sample", "50",
              "--out", tmp_path / "o")  # fmt: skip
    assert res.exit_code == 0, res.output
    assert NOTE in res.stderr


def test_sample_taking_every_row_says_why_nothing_is_left(ten_and_pool, tmp_path):
    ten, _ = ten_and_pool
    res = run("eval", ten, "--method", "majority", "--sample", "50", "--out", tmp_path / "o")
    assert_one_line_error(res, "--sample 50 takes all 10 rows", "leaving none to learn from")


def test_square_brackets_in_names_are_printed_as_they_are(tmp_path):
    """A column or label like '[/b]' is text, not rich markup (it raised MarkupError)."""
    data = tmp_path / "brk.csv"
    data.write_text("text,label\nhello,[/pos]\nbye,[/neg]\nhey,[/pos]\n", encoding="utf-8")
    odd = tmp_path / "odd.csv"
    odd.write_text("text,[/b]\nhello,x\nbye,y\n", encoding="utf-8")
    r = run("eval", str(odd), "--text-column", "nope", "--out", str(tmp_path / "a"))
    assert r.exit_code == 2 and "'[/b]'" in r.output, r.output
    r = run("eval", str(data), "--method", "majority", "--out", str(tmp_path / "b"))
    assert r.exit_code == 0, r.output
    assert "majority ([/pos])" in r.output
