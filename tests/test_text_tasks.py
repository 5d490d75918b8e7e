"""Text tasks by prompt: templates, prompt assembly, stop strings, sampling, streaming, CLI."""

from __future__ import annotations

import json
import warnings

import pytest
import torch
import typer
from typer.testing import CliRunner

from lmtask.cli.generate import register
from lmtask.engine.prompting import TruncationWarning
from lmtask.errors import TaskError
from lmtask.text_tasks import (
    GenerationConfig,
    TextTask,
    build_parts,
    cut_at_stop,
    generate,
    get_text_task,
    list_text_tasks,
)

SMOL = "smollm2-135m-instruct"
TEXT = "The river flooded the old town twice this spring."
FIELDS = {"summarize": {}, "translate": {"target_language": "German"}, "answer": {"question": "Q?"}}


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _main() -> None:  # keeps "generate" a subcommand, as in the real app
        pass

    register(app)
    return app


def _run(app: typer.Typer, args: list[str], stdin: str | None = None):
    return CliRunner().invoke(app, ["generate", *map(str, args)], input=stdin)


def test_builtin_registry():
    assert {"summarize", "translate", "answer", "custom"} <= set(list_text_tasks())
    assert get_text_task("translate").render("x") == (
        "Translate the following text into French. Reply with the translation only.\n\nx"
    )
    assert (
        get_text_task("answer")
        .render("ctx", question="Who?")
        .endswith("Context:\nctx\n\nQuestion: Who?")
    )


@pytest.mark.parametrize("name", ["summarize", "translate", "answer"])
def test_prompt_chat_and_plain(tiny_factory, name):
    task = get_text_task(name)
    instruction = task.render(TEXT, **FIELDS[name])
    chat = build_parts(task, tiny_factory("qwen2", chat=True), **FIELDS[name])
    rendered = chat.render(TEXT)
    assert instruction in rendered
    assert rendered.startswith("<|im_start|>")
    assert rendered.rstrip().endswith("<|im_start|>assistant")
    assert not chat.add_special_tokens
    plain = build_parts(task, tiny_factory("qwen2", chat=False), **FIELDS[name])
    assert plain.render(TEXT) == instruction + "\n" + task.answer_prefix
    assert "<|im_start|>" not in plain.render(TEXT)
    assert plain.add_special_tokens


def test_custom_template_and_system(tiny_factory):
    lm = tiny_factory("qwen2", chat=True)
    tpl = "Title for {text} in {lang}"
    parts = build_parts(get_text_task("custom"), lm, template=tpl, lang="en")
    assert "Title for X in en" in parts.render("X")
    sys_task = TextTask("t", "Do: {text}", system="You are terse.")
    assert "You are terse." in build_parts(sys_task, lm).render("X")
    plain = build_parts(sys_task, tiny_factory("qwen2", chat=False))
    assert plain.render("X") == "You are terse.\n\nDo: X\n"


@pytest.mark.parametrize("task", ["summarize", "translate"])
def test_cli_template_replaces_the_whole_prompt_of_a_task(app, tiny_factory, monkeypatch, task):
    """generate --task summarize/translate --template on a base model: the task's answer
    line ("Summary:") followed the template and made any template a summary request."""
    import lmtask.text_tasks as tt

    lm = tiny_factory("qwen2", chat=False)
    seen: list[str] = []
    real = tt.encode_prompts

    def spy(tokenizer, parts, texts, budget):
        seen.append(parts.render("X"))
        return real(tokenizer, parts, texts, budget)

    monkeypatch.setattr(tt, "load_model", lambda model, dtype="auto": lm)
    monkeypatch.setattr(tt, "encode_prompts", spy)
    args = ["X", "--task", task, "--max-new-tokens", 2, "--no-stream"]
    r = _run(app, [*args, "--template", "Give a title for: {text}"])
    assert r.exit_code == 0, r.output
    r = _run(app, args)  # without --template: the task's own prompt and answer line
    assert r.exit_code == 0, r.output
    own = get_text_task(task)
    assert seen == ["Give a title for: X\n", own.render("X") + "\n" + own.answer_prefix]


def test_cli_check_samples_use_the_given_template(app, monkeypatch):
    """generate --template --check --check-samples N: the samples the answer is compared
    with came from the task's own prompt, not the template the answer came from."""
    import lmtask.probe.hallucination as hallucination
    import lmtask.text_tasks as tt

    templates: list[str | None] = []

    def fake_generate(items, **kw):
        templates.append(kw.get("template"))
        return ["A title."] * len(items)

    def fake_check(sources, answers, **kw):
        return [hallucination.SupportCheck(0.9, [], 0.5) for _ in answers]

    monkeypatch.setattr(tt, "generate", fake_generate)
    monkeypatch.setattr(hallucination, "check_support", fake_check)
    tpl = "Give a title for: {text}"
    r = _run(app, [TEXT, "--template", tpl, "--check", "--check-samples", 2, "--json"])
    assert r.exit_code == 0, r.output
    assert templates == [tpl] * 3  # the answer, then two samples


@pytest.mark.parametrize(
    ("task", "kwargs", "needle"),
    [
        ("answer", {}, "'question'"),
        ("answer", {"question": "  "}, "'question'"),
        ("custom", {}, "template"),
        ("custom", {"template": "no slot here"}, "{text}"),
        ("custom", {"template": "bad {text"}, "bad template"),
        ("custom", {"template": "{text} {0}"}, "bad template field"),
        ("summarize", {"question": "Why?"}, "no field 'question'"),
        ("translate", {"target_langauge": "German"}, "target_language"),
    ],
)
def test_field_errors(task, kwargs, needle):
    with pytest.raises(TaskError, match=None) as info:
        generate(["x"], task=task, model="no-such-model-is-loaded", **kwargs)
    assert needle in str(info.value)


def test_unknown_task_lists_known():
    with pytest.raises(TaskError) as info:
        get_text_task("poem")
    msg = str(info.value)
    assert "poem" in msg
    assert all(n in msg for n in ("summarize", "translate", "answer", "custom"))


def test_bad_config():
    with pytest.raises(TaskError):
        GenerationConfig(temperature=-1)
    with pytest.raises(TaskError):
        GenerationConfig(top_p=0)


def test_cut_at_stop():
    assert cut_at_stop("abc END def", ["END"]) == "abc"
    assert cut_at_stop("a\n\nb. c", ["\n\n", "."]) == "a"
    assert cut_at_stop("a. b\n\nc", ["\n\n", "."]) == "a"
    assert cut_at_stop("nothing to cut ", ["zz", ""]) == "nothing to cut"
    assert cut_at_stop("STOP first", ["STOP"]) == ""


def test_greedy_is_deterministic_and_batched(tiny_factory):
    lm = tiny_factory("qwen2")
    texts = [TEXT, "Short one.", "A third, rather longer text about the weather and rivers."]
    a = generate(texts, model=lm, max_new_tokens=6)
    b = generate(texts, model=lm, max_new_tokens=6, batch_size=1)
    assert a == generate(texts, model=lm, max_new_tokens=6)
    assert len(a) == 3
    assert any(a)
    assert a[0] == b[0]  # left padding does not change the longest prompt's output


def test_stop_strings_cut_output(tiny_factory):
    lm = tiny_factory("llama")
    full = generate([TEXT], model=lm, max_new_tokens=12)[0]
    assert len(full) > 4
    stop = full[len(full) // 2 : len(full) // 2 + 2]
    cut = generate([TEXT], model=lm, max_new_tokens=12, stop=[stop])[0]
    assert stop not in cut
    assert full.startswith(cut)
    assert cut == full[: full.find(stop)].strip()


def test_seeded_sampling_reproducible(tiny_factory):
    lm = tiny_factory("qwen2")
    cfg = GenerationConfig(max_new_tokens=5, temperature=1.5, top_p=0.95, seed=7)
    texts = ["Other.", "More."]
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = generate(texts, model=lm, config=cfg)
    assert torch.equal(torch.rand(1), before)  # the global RNG is left alone
    assert a == generate(texts, model=lm, config=cfg)
    assert a != generate(texts, model=lm, config=cfg, seed=8)


@pytest.mark.parametrize("stop", [None, ["e"]])
def test_streaming_pieces_concatenate(tiny_factory, stop):
    lm = tiny_factory("qwen2")
    pieces: list[str] = []
    out = generate([TEXT], model=lm, max_new_tokens=10, stop=stop, stream=pieces.append)
    assert "".join(pieces) == out[0]
    assert out == generate([TEXT], model=lm, max_new_tokens=10, stop=stop)
    if stop:
        assert "e" not in "".join(pieces)


def test_long_text_cut_with_warning(tiny_factory):
    lm = tiny_factory("qwen2", max_pos=96)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = generate([TEXT * 40], model=lm, max_new_tokens=4)
    assert len(out) == 1
    assert any(issubclass(w.category, TruncationWarning) for w in caught)


def test_empty_input_returns_empty():
    assert generate([], model="not-loaded") == []


@pytest.mark.slow
def test_cli_summarize_real_model(app, smol):
    r = _run(app, [TEXT, "--model", SMOL, "--max-new-tokens", 8, "--dtype", "float32"])
    assert r.exit_code == 0, r.output
    assert r.stdout.strip()


def test_cli_json_and_stdin(app, tiny_factory, monkeypatch):
    import lmtask.text_tasks as tt

    lm = tiny_factory("qwen2")
    monkeypatch.setattr(tt, "load_model", lambda model, dtype="auto": lm)
    r = _run(app, ["-", "--json", "--max-new-tokens", 3], stdin="one\n\ntwo\n")
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["text"] for row in rows] == ["one", "two"]
    assert all(row["task"] == "summarize" and isinstance(row["output"], str) for row in rows)
    r = _run(app, ["-", "--whole-file", "--no-stream", "--max-new-tokens", 3], stdin="a\nb\n")
    assert r.exit_code == 0, r.output
    streamed = _run(app, ["-", "--whole-file", "--max-new-tokens", 3], stdin="a\nb\n")
    assert streamed.stdout == r.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--input", "/no/such/file.txt"], "file not found"),
        (["x", "--task", "poem"], "unknown text task"),
        (["x", "--task", "answer"], "question"),
        (["x", "--task", "custom", "--template", "no slot"], "{text}"),
        ([], "no text"),
    ],
)
def test_cli_bad_input_one_line_error(app, args, needle):
    r = _run(app, args)
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error:")
    assert needle in lines[0]
