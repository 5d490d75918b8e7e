"""The command line, end to end on the packaged SmolLM2 (real weights, offline)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lmtask.cli import app

SMOL = ["--model", "smollm2-135m-instruct"]
runner = CliRunner()


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def test_classify_plain_output(smol):
    r = run("classify", "I love it.", "I hate it.", "--task", "sentiment", *SMOL)
    assert r.exit_code == 0, r.output
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 2
    for line in lines:
        label, prob, _ = line.split("\t")
        assert label in {"positive", "negative", "angry"}
        assert 0 < float(prob) <= 1


def test_classify_says_when_batch_calibration_had_too_few_texts(smol):
    method = ["--method", "zero-shot:calibrate:batch", "--labels", "positive,negative"]
    r = run("classify", "I love it.", "I hate it.", *method, *SMOL)
    assert r.exit_code == 0, r.output
    assert r.stderr.count("contextual calibration was used") == 1
    assert len(r.stdout.strip().splitlines()) == 2


def test_stdin_lines_are_read_as_a_file_of_lines_is(tmp_path):
    """Blank lines skipped, CRLF ends a line, U+2028 inside a line does not split it."""
    r = run("classify", "-", "--task", "code-language", "--json",
            input="SELECT 1;\n\nfn main() {}\r\nx = 1\u2028y = 2\n")  # fmt: skip
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in r.stdout.strip().split("\n")]
    assert [row["text"] for row in rows] == ["SELECT 1;", "fn main() {}", "x = 1\u2028y = 2"]


def test_a_file_named_with_brackets_is_read_as_that_file(tmp_path):
    f = tmp_path / "snip[1].sql"
    f.write_text("SELECT name FROM users WHERE id = 1;\n", encoding="utf-8")
    r = run("classify", "--task", "code-language", "--file", str(f))
    assert r.exit_code == 0, r.output
    assert "SQL" in r.stdout


def test_classify_json_and_stdin(smol):
    r = run("classify", "-", "--labels", "C++,Python", "--json", *SMOL, input="x = 1\nint y;\n")
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in r.stdout.strip().splitlines()]
    assert [row["text"] for row in rows] == ["x = 1", "int y;"]
    for row in rows:
        assert row["label"] in {"C++", "Python"}
        assert abs(sum(row["scores"].values()) - 1) < 1e-6


@pytest.mark.parametrize(
    "name, content, extra",
    [
        ("t.txt", "first text\nsecond text\n", []),
        ("t.csv", "id,review\n1,first text\n2,second text\n", []),
        (
            "t.jsonl",
            '{"body": "first text", "n": 1}\n{"body": "second text", "n": 2}\n',
            ["--column", "body"],
        ),
    ],
)
def test_classify_file(smol, tmp_path, name, content, extra):
    p = tmp_path / name
    p.write_text(content)
    r = run("classify", "--file", str(p), "--labels", "a,b", "--json", *extra, *SMOL)
    assert r.exit_code == 0, r.output
    assert [json.loads(x)["text"] for x in r.stdout.splitlines()] == ["first text", "second text"]


def test_generate_mode(smol):
    r = run("classify", "I love it.", "--task", "sentiment", "--mode", "generate", *SMOL)
    assert r.exit_code == 0, r.output
    label = r.stdout.split("\t")[0]
    assert label in {"positive", "negative", "angry", "unknown"}


@pytest.mark.parametrize(
    "args, message",
    [
        (["classify", "x", "--labels", "a"], "only one label"),
        (["classify", "x", "--labels", "a,A"], "differ only by case"),
        (["classify", "x", "--task", "nope"], "unknown task 'nope'"),
        (["classify", "x", "--labels", "a,b", "--model", "nope"], "known aliases"),
        (["classify", "--labels", "a,b"], "give texts"),
        (["classify", "--file", "/no/such.txt", "--labels", "a,b"], "file not found"),
        (["classify", "x"], "give a task"),
    ],
)
def test_errors_are_one_line(args, message):
    r = run(*args)
    assert r.exit_code == 2
    assert message in r.output
    assert "Traceback" not in r.output


def test_models_and_tasks_listing():
    r = run("models")
    assert r.exit_code == 0
    assert "qwen2.5-coder-0.5b-instruct" in r.output and "smollm2-135m-instruct" in r.output
    r = run("tasks")
    assert r.exit_code == 0 and "code-language" in r.output


def test_classify_few_shot_with_examples_file(smol, tmp_path):
    ex = tmp_path / "ex.csv"
    ex.write_text(
        "text,label\nWhat a lovely day!,positive\nWorst service ever.,negative\n"
        "I am furious!,angry\n"
    )
    r = run("classify", "I hate this.", "--task", "sentiment", "--method", "few-shot",
            "--examples", str(ex), "--shots", "3", "--json", *SMOL)  # fmt: skip
    assert r.exit_code == 0, r.output
    row = json.loads(r.stdout)
    assert row["label"] in {"positive", "negative", "angry"}
    r = run("classify", "x", "--task", "sentiment", "--method", "few-shot", *SMOL)
    assert r.exit_code == 2 and "needs labelled examples" in r.output


def test_classify_abstains_and_explains(smol):
    r = run("classify", "hm", "--task", "sentiment", "--min-confidence", "0.99", *SMOL)
    assert r.exit_code == 0, r.output
    label, prob, _ = r.stdout.strip().split("\t")
    assert label == "unknown" and 0 < float(prob) < 0.99
    r = run("classify", "I love it.", "--task", "sentiment", "--method",
            "chain-of-thought:max_reasoning_tokens=8", "--explain", *SMOL)  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "reasoning:" in r.stdout


def test_quiet_libraries_hides_library_bars_and_warnings_unless_verbose():
    """Run in a fresh process: quiet_libraries changes process-wide state (env, filters)."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent("""
        import os, warnings
        for k in ("HF_HUB_DISABLE_PROGRESS_BARS", "TRANSFORMERS_VERBOSITY"):
            os.environ.pop(k, None)
        from transformers.utils import logging as hf_logging
        from lmtask.cli.common import quiet_libraries
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            quiet_libraries(verbose=True)
            warnings.warn("shown with --verbose", FutureWarning, stacklevel=1)
            assert len(caught) == 1 and hf_logging.is_progress_bar_enabled()
            quiet_libraries(verbose=False)
            warnings.warn("hidden", FutureWarning, stacklevel=1)
            warnings.warn("hidden", DeprecationWarning, stacklevel=1)
        assert len(caught) == 1, caught
        assert not hf_logging.is_progress_bar_enabled()
        assert os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] == "1"  # for libraries imported later
        assert os.environ["TRANSFORMERS_VERBOSITY"] == "error"
        print("ok")
    """)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr[-2000:]


def _lmtask(*args, cwd):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items()
           if k not in ("HF_HUB_DISABLE_PROGRESS_BARS", "TRANSFORMERS_VERBOSITY")}  # fmt: skip
    return subprocess.run([sys.executable, "-m", "lmtask", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900, check=False)  # fmt: skip


@pytest.mark.slow
def test_stderr_has_only_lmtask_messages(tmp_path):
    """Issue 15: no "Loading weights" bars (the MiniLM encoder of nearest examples) and no
    FutureWarnings (peft's LoRA under transformers) in a plain run."""
    data = tmp_path / "d.csv"
    rows = [
        f"I really love thing {i}!,positive\nI truly hate thing {i}.,negative" for i in range(8)
    ]
    data.write_text("text,label\n" + "\n".join(rows) + "\n")
    r = _lmtask("classify", "I love it", "--task", "sentiment", "--method", "few-shot",
                "--examples", data, "--select", "nearest", *SMOL, cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "Loading weights" not in r.stderr and "Warning" not in r.stderr, r.stderr
    r = _lmtask("tune", data, "--method", "lora:epochs=1", "--out", tmp_path / "lora", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Warning" not in r.stderr and "warnings.warn" not in r.stderr, r.stderr
    assert "Loading weights" not in r.stderr, r.stderr
