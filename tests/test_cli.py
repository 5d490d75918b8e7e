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
