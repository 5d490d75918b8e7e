import pytest

from lmtask.engine.answer_matching import match_label
from lmtask.tasks import Label, Task

CODE = Task.from_labels(["C", "C++", "C#", "Python", "Java", "JavaScript"])


@pytest.mark.parametrize(
    "answer, label",
    [
        ("C++", "C++"),
        ("This code is written in C++.", "C++"),
        ("It's C#", "C#"),
        ("plain C code", "C"),
        ("javascript", "JavaScript"),
        ("Java, not JavaScript", "Java"),
        ("Python or C++", "Python"),
        ("Rust", None),
        ("", None),
        (None, None),
        ("Cobol", None),
    ],
)
def test_match(answer, label):
    assert match_label(answer, CODE) == label


def test_surface_words():
    t = Task("s", (Label("positive", ("positive", "good")), Label("negative", ("negative", "bad"))))
    assert match_label("That is good.", t) == "positive"
    assert match_label("Pretty bad", t) == "negative"
    assert match_label("The tone is neutral", t) is None
