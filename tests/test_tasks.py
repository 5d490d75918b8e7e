from __future__ import annotations

import json

import pytest

from lmtask.errors import TaskError
from lmtask.tasks import Label, Task, get_task, join_labels, list_tasks, resolve_task


def test_builtin_tasks():
    assert {"sentiment", "code-language"} <= set(list_tasks())
    s = get_task("sentiment")
    assert s.label_names == ["positive", "negative", "angry"]
    assert s.render_instruction("I love the sunny weather today.") == (
        "I love the sunny weather today.\n"
        "What is the tone of this sentence positive, negative, or angry?"
    )
    code = get_task("code-language")
    assert len(code.label_names) == 25
    assert {"C++", "C#", "Makefile", "Markdown", "Python"} <= set(code.label_names)


@pytest.mark.parametrize(
    "labels, message",
    [
        ([], "no labels"),
        (["a"], "only one label"),
        (["a", "a"], "duplicate label"),
        (["Yes", "yes"], "differ only by case"),
        (["a", " "], "non-empty"),
    ],
)
def test_bad_labels(labels, message):
    with pytest.raises(TaskError, match=message):
        Task.from_labels(labels)


def test_surface_word_collision():
    with pytest.raises(TaskError, match="used by two labels"):
        Task("t", (Label("good", ("fine",)), Label("ok", ("Fine",))))


def test_template_checks():
    with pytest.raises(TaskError, match=r"\{text\}"):
        Task.from_labels("a,b", template="no slot here")
    with pytest.raises(TaskError, match="unknown placeholder"):
        Task.from_labels("a,b", template="{text} {oops}")


def test_braces_and_text_with_braces():
    t = Task.from_labels("a,b", template="{{json}} {text} -> {labels}")
    assert t.render_instruction("{text} {x}") == "{json} {text} {x} -> a or b"


def test_join_labels():
    assert join_labels(["a", "b"]) == "a or b"
    assert join_labels(["a", "b", "c"]) == "a, b, or c"


def test_case_variants():
    t = Task.from_labels("positive,negative")
    assert t.expanded_words(t.labels[0]) == ["positive", "Positive"]
    t2 = Task.from_labels("positive,negative", case_variants=False)
    assert t2.expanded_words(t2.labels[0]) == ["positive"]


def test_yaml_and_json_files(tmp_path):
    y = tmp_path / "mood.yaml"
    y.write_text(
        "template: 'Text: {text}\\nMood ({labels})?'\n"
        "labels:\n  happy: {words: [happy, glad]}\n  sad: a sad mood\n"
    )
    t = get_task(str(y))
    assert t.name == "mood"
    assert t.labels[0].words == ("happy", "glad")
    assert t.labels[1].description == "a sad mood"
    j = tmp_path / "t.json"
    j.write_text(json.dumps(t.to_dict()))
    assert Task.from_file(j).label_names == ["happy", "sad"]


@pytest.mark.parametrize(
    "content, message",
    [
        ("labels: [a, b]\nbogus: 1\n", "unknown task field"),
        ("[1, 2", "not valid"),
        ("x: 1", "labels"),
    ],
)
def test_bad_task_files(tmp_path, content, message):
    p = tmp_path / "bad.yaml"
    p.write_text(content)
    with pytest.raises(TaskError, match=message):
        Task.from_file(p)


def test_unknown_task_lists_known():
    with pytest.raises(TaskError, match="known tasks: code-language, sentiment"):
        get_task("nope")


def test_resolve_task():
    assert resolve_task(labels="C++,Python").label_names == ["C++", "Python"]
    s = resolve_task("sentiment", "positive,negative")
    assert s.label_names == ["positive", "negative"]
    assert s.template == get_task("sentiment").template
    with pytest.raises(TaskError):
        resolve_task()


def test_builtin_label_descriptions_are_whole():
    """YAML braces cut an unquoted description at its first comma: the files quote them."""
    descriptions = {lb.name: lb.description for lb in get_task("sentiment").labels}
    assert descriptions["positive"] == "a favourable, happy or approving tone"
    assert descriptions["negative"] == "an unfavourable, sad or disapproving tone"
    assert descriptions["angry"] == "an angry, hostile tone"


@pytest.mark.parametrize(
    "label_yaml, message",
    [
        ("{description: a glad, cheerful mood}", r"label 'happy': unknown key.*quoted"),
        ("{description: [glad, cheerful]}", "label 'happy': the description must be one string"),
        ("{description: 3}", "label 'happy': the description must be one string, not int"),
        ("{words: [happy], colour: red}", r"label 'happy': unknown key\(s\) \['colour'\]"),
    ],
)
def test_label_description_must_be_one_string(tmp_path, label_yaml, message):
    p = tmp_path / "mood.yaml"
    p.write_text(f"labels:\n  happy: {label_yaml}\n  sad: {{}}\n")
    with pytest.raises(TaskError, match=message):
        Task.from_file(p)


def test_every_built_in_task_ships_with_a_measured_number():
    """No default ships unmeasured: each built-in task has its RESULTS.md line."""
    from pathlib import Path

    from lmtask.tasks import list_tasks
    from lmtask.tasks.measured import MEASURED

    results = (Path(__file__).resolve().parents[1] / "bench" / "RESULTS.md").read_text()
    builtin = Path(__file__).resolve().parents[1] / "src" / "lmtask" / "tasks" / "builtin"
    names = {p.stem for p in builtin.glob("*.yaml")}
    assert names <= set(list_tasks()) and names == set(MEASURED)
    for line in MEASURED.values():
        for number in [w.strip(",;()") for w in line.split() if w[:2] == "0."]:
            assert number in results, number


@pytest.mark.parametrize(
    "labels", ["[yes, no]", "[on, off]", "[true, false, other]", "{yes: {}, no: {}}",
               "{'yes': [yes, sure], 'no': {}}", "[a, null]"],
)  # fmt: skip
def test_yaml_booleans_as_labels_are_refused_not_renamed(tmp_path, labels):
    """Unquoted yes/no/on/off/true/false/null are YAML booleans or null: str() would make
    them "True"/"False"/"None", another label than written (and scored on those words)."""
    from lmtask.errors import TaskError

    path = tmp_path / "t.yaml"
    path.write_text(f'name: t\ntemplate: "{{text}}"\nlabels: {labels}\n')
    with pytest.raises(TaskError, match="quote it"):
        Task.from_file(path)
    path.write_text("name: t\ntemplate: '{text}'\nlabels: ['yes', 'no']\ncalibrate: true\n")
    assert Task.from_file(path).label_names == ["yes", "no"]
