"""Template search: ranking with the real scorer, saving, the task file, the CLI."""

from __future__ import annotations

import csv
import json
from dataclasses import replace

import pytest
import torch
import typer
from typer.testing import CliRunner

import lmtask
from lmtask.cli.search import register
from lmtask.data import LabeledData, fingerprint
from lmtask.errors import InputError
from lmtask.ladder.template_search import (
    Candidate,
    SearchResult,
    builtin_candidates,
    load_candidates,
    search,
)
from lmtask.tasks import Task

SMOL = "smollm2-135m-instruct"
ROWS = [("I love it, wonderful!", "positive"), ("Awful, I hate it.", "negative")] * 10
TEXTS = ["The food was fine.", "We waited an hour.", "Lovely staff!", "Cold soup again."]


@pytest.fixture(scope="module")
def yes_model(smol):
    """A tiny random model whose next-token distribution is fixed: "yes" (any case, with or
    without a leading space) far above everything else, whatever the prompt."""
    from transformers import Qwen2Config, Qwen2ForCausalLM

    from lmtask.models import LoadedModel

    tok = smol.tokenizer
    torch.manual_seed(0)
    cfg = Qwen2Config(
        vocab_size=len(tok),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=512,
        pad_token_id=tok.pad_token_id,
        eos_token_id=tok.eos_token_id,
        tie_word_embeddings=False,
    )
    model = Qwen2ForCausalLM(cfg)
    head = torch.nn.Linear(cfg.hidden_size, len(tok), bias=True)
    with torch.no_grad():
        head.weight.zero_()
        head.bias.zero_()
        for w in ("yes", " yes", "Yes", " Yes", "YES", " YES"):
            head.bias[tok.encode(w, add_special_tokens=False)] = 12.0
    model.lm_head = head
    return LoadedModel.from_objects(model.eval(), tok, name="tiny-yes", chat=True)


@pytest.fixture()
def task() -> Task:
    return Task.from_labels(["pos", "neg"], name="toy")


@pytest.fixture()
def dev() -> LabeledData:
    return LabeledData(texts=TEXTS, labels=["pos"] * len(TEXTS), source="toy-dev")


SWAPPED = Candidate("b-swapped", "{text}\nIs it {labels}?", "", {"pos": ["no"], "neg": ["yes"]})
RIGHT = Candidate("a-right", "Review: {text}\nVerdict:", "", {"pos": ["yes"], "neg": ["no"]})


def test_search_picks_the_candidate_the_model_prefers(yes_model, task, dev):
    result = search(task, yes_model, dev, [SWAPPED, RIGHT])
    assert [r.name for r in result.rows] == ["a-right", "b-swapped"]
    assert result.best.accuracy == 1.0
    assert result.rows[1].accuracy == 0.0
    assert result.best_task.template == RIGHT.template
    assert result.best_task.labels[0].words == ("yes",)
    assert result.model == "tiny-yes"
    assert result.dev_fingerprint == fingerprint(dev)


def test_ties_go_to_macro_f1_then_order(yes_model, task, dev):
    twin = Candidate("c-twin", "Text: {text}\nAnswer:", "", {"pos": ["yes"], "neg": ["no"]})
    result = search(task, yes_model, dev, [SWAPPED, twin, RIGHT])
    assert [r.name for r in result.rows] == ["c-twin", "a-right", "b-swapped"]


def test_invalid_candidates_are_recorded_not_fatal(yes_model, task, dev):
    bad = Candidate("bad-placeholder", "{txt}: {text}")
    unknown = Candidate("unknown-label", "{text}", "", {"maybe": ["perhaps"]})
    notext = Candidate("no-text", "Classify this.")
    result = search(task, yes_model, dev, [bad, RIGHT, unknown, notext])
    assert len(result.rows) == 4
    assert result.best.name == "a-right"
    errors = {r.name: r.error for r in result.rows if r.error}
    assert set(errors) == {"bad-placeholder", "unknown-label", "no-text"}
    assert "txt" in errors["bad-placeholder"] and "maybe" in errors["unknown-label"]
    assert all(r.accuracy is None for r in result.rows[1:])


def test_all_invalid_or_wrong_labels_raise(yes_model, task, dev):
    with pytest.raises(InputError, match="no candidate"):
        search(task, yes_model, dev, [Candidate("bad", "{nope} {text}")])
    other = LabeledData(texts=TEXTS[:2], labels=["pos", "maybe"], source="x")
    with pytest.raises(InputError, match="maybe"):
        search(task, yes_model, other, [RIGHT])


def test_builtin_candidates_all_run(yes_model, dev):
    sentiment = lmtask.get_task("sentiment").with_labels(["pos", "neg"])
    cands = builtin_candidates(lmtask.get_task("sentiment"))
    names = [c.name for c in cands]
    assert names[:2] == ["task", "task+start"] and "task+desc-words" in names
    assert len(names) == len(set(names)) == 13
    assert all("{text}" in c.template for c in cands)
    assert {c.answer_start for c in cands} == {"", "The tone of this sentence is"}
    words = cands[-1].apply(lmtask.get_task("sentiment")).labels[0].words
    assert words == ("positive", "favourable")
    result = search(sentiment, yes_model, dev)  # built-ins of a task without descriptions
    assert len(result.rows) == 12 and all(r.error is None for r in result.rows)


def test_save_round_trips_and_task_yaml_loads(yes_model, task, dev, tmp_path):
    result = search(task, yes_model, dev, [SWAPPED, RIGHT])
    path = result.save(tmp_path / "out" / "search.json")
    doc = json.loads(path.read_text())
    assert doc["best"] == "a-right" and doc["dev"]["fingerprint"] == fingerprint(dev)
    assert [c["name"] for c in doc["candidates"]] == ["a-right", "b-swapped"]
    assert doc["task"]["template"] == RIGHT.template
    assert SearchResult.load(path) == result
    assert not list(path.parent.glob(".*.tmp"))
    yml = result.task_yaml(tmp_path / "best-task.yaml")
    loaded = lmtask.get_task(str(yml))
    assert loaded == result.best_task
    assert loaded.template == RIGHT.template
    assert loaded.labels[1].words == ("no",)
    # measured uncalibrated: the file says so, with no calibration left from the base task
    based = search(replace(task, calibrate=True, calibration="background"), yes_model, dev,
                   [SWAPPED, RIGHT])  # fmt: skip
    assert based.best_task.calibrate is False and based.best_task.calibration == ""


def test_load_candidates(tmp_path, task):
    y = tmp_path / "c.yaml"
    y.write_text(
        "- name: short\n  template: '{text} -> {labels}?'\n"
        "- template: 'Text: {text}'\n  answer_start: 'It is'\n  words: {pos: good, neg: [bad]}\n"
    )
    cands = load_candidates(y)
    assert [c.name for c in cands] == ["short", "candidate-2"]
    assert cands[1].answer_start == "It is" and cands[1].words == {"pos": ["good"], "neg": ["bad"]}
    assert cands[1].apply(task).labels[0].words == ("good",)
    j = tmp_path / "c.json"
    j.write_text(json.dumps({"candidates": [{"name": "x", "template": "{text}"}]}))
    assert load_candidates(j) == [Candidate("x", "{text}")]
    for bad in ("[]", "- name: x\n", "- template: '{text}'\n  color: red\n", ": ["):
        y.write_text(bad)
        with pytest.raises(InputError):
            load_candidates(y)
    with pytest.raises(InputError, match="cannot read"):
        load_candidates(tmp_path / "missing.yaml")


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _main() -> None:  # a group, as in the real CLI (one command alone is collapsed)
        """lmtask."""

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
def test_cli_end_to_end(app, csv_file, tmp_path, smol):
    cands = tmp_path / "cands.yaml"
    cands.write_text(
        "- name: plain\n  template: '{text}\\nIs this review {labels}?'\n"
        "- name: started\n  template: 'Review: {text}\\nSentiment ({labels}):'\n"
        "  answer_start: 'The sentiment is'\n"
    )
    out = tmp_path / "search"
    args = ["search-templates", csv_file, "--labels", "positive,negative", "--candidates", cands]
    args += ["--model", SMOL, "--dtype", "float32", "--dev-size", 4, "--out", out]
    res = _run(app, args)
    assert res.exit_code == 0, res.output
    assert "dev split" in res.output and "plain" in res.output and "started" in res.output
    doc = json.loads((out / "search.json").read_text())
    assert {c["name"] for c in doc["candidates"]} == {"plain", "started"}
    assert doc["dev"]["n"] == 4 and doc["model"]  # a stratified sample of the 20 rows
    assert all(c["error"] is None for c in doc["candidates"])
    chosen = lmtask.get_task(str(out / "best-task.yaml"))
    assert chosen.template == doc["task"]["template"]
    assert chosen.label_names == ["positive", "negative"]


def test_cli_errors_exit_2(app, csv_file, tmp_path):
    out = tmp_path / "s"
    res = _run(app, ["search-templates", csv_file, "--labels", "a,b", "--text-column", "nope",
                     "--out", out])  # fmt: skip
    assert res.exit_code == 2 and "nope" in res.output and "Traceback" not in res.output
    res = _run(app, ["search-templates", csv_file, "--out", out])
    assert res.exit_code == 2 and "--labels" in res.output
    res = _run(app, ["search-templates", csv_file, "--labels", "positive,negative",
                     "--candidates", tmp_path / "missing.yaml", "--out", out])  # fmt: skip
    assert res.exit_code == 2 and "cannot read" in res.output
    assert not out.exists()
