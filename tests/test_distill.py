"""lmtask.ladder.distill: teacher labels (resumable), a student learns the soft labels."""

from __future__ import annotations

import json

import numpy as np
import pytest

import lmtask
from lmtask import ladder
from lmtask.errors import InputError
from lmtask.ladder.distill import label_texts, match_rates

TEXTS = [f"I really love thing number {i}" for i in range(12)] + [
    f"I truly hate thing number {i}" for i in range(12)
]


class Teacher:
    """A fixed teacher: 'love' -> 0.9 positive; counts its predict calls."""

    method_name = "fixed"
    labels = ("negative", "positive")
    task = lmtask.Task.from_labels(list(labels))

    def __init__(self) -> None:
        self.calls = 0

    def predict(self, texts, progress=False):
        self.calls += 1
        p = [0.9 if "love" in t else 0.2 for t in texts]
        return [lmtask.Prediction("positive" if q > 0.5 else "negative",
                                  {"negative": 1 - q, "positive": q}) for q in p]  # fmt: skip

    def describe(self):
        return {"method": "fixed"}


def test_labels_are_saved_by_chunk_and_reused(tmp_path):
    teacher = Teacher()
    state = tmp_path / "state"
    first = label_texts(teacher, TEXTS, state, chunk=5)
    assert teacher.calls == 5 and len(first) == len(TEXTS)
    (state / "labels-000000020.jsonl").unlink()  # as if killed before the last chunk
    again = label_texts(teacher, TEXTS, state, chunk=5)
    assert teacher.calls == 6 and again == first  # only the missing chunk was labelled
    with pytest.raises(InputError, match="other texts or another teacher"):
        label_texts(teacher, TEXTS[:3], state, chunk=5)


def test_a_teacher_refitted_on_other_examples_does_not_reuse_its_labels(tmp_path):
    """The same method and description, other training rows: other weights, other key."""
    from lmtask.methods import build_and_fit

    rows = lmtask.data.LabeledData(
        texts=TEXTS, labels=["positive"] * 12 + ["negative"] * 12, source="a"
    )
    flipped = lmtask.data.LabeledData(
        texts=TEXTS, labels=["negative"] * 12 + ["positive"] * 12, source="b"
    )
    state = tmp_path / "state"
    label_texts(build_and_fit("ngram", rows, labels="negative,positive"), TEXTS, state)
    with pytest.raises(InputError, match="other texts or another teacher"):
        label_texts(build_and_fit("ngram", flipped, labels="negative,positive"), TEXTS, state)


def test_a_teacher_that_answers_no_label_is_refused(tmp_path):
    class Silent(Teacher):
        def predict(self, texts, progress=False):
            return [lmtask.Prediction(None, {"negative": 0.0, "positive": 0.0}) for _ in texts]

    with pytest.raises(InputError, match="answered none of the texts"):
        ladder.distill(TEXTS, Silent(), tmp_path / "out")


@pytest.mark.slow
def test_student_learns_soft_labels_and_is_saved(tmp_path, tiny_bert, monkeypatch):
    teacher = Teacher()
    out = tmp_path / "student"
    spec = (f"finetune:model={tiny_bert}:epochs=3:lr=1e-3:dev_fraction=0:batch_size=8"
            ":warmup_ratio=0")  # fmt: skip
    seen = {}
    real = lmtask.methods.Finetune.fit

    def spy(self, texts, labels, *a, soft_labels=None, **k):
        seen["soft"] = soft_labels
        return real(self, texts, labels, *a, soft_labels=soft_labels, **k)

    monkeypatch.setattr(lmtask.methods.Finetune, "fit", spy)
    dev = tmp_path / "dev.csv"
    dev.write_text("text,label\n" + "".join(f"{t},{'positive' if 'love' in t else 'negative'}\n"
                                             for t in TEXTS[::3]))  # fmt: skip
    run = ladder.distill(TEXTS, teacher, out, student=spec, dev=dev)
    assert seen["soft"][0] == pytest.approx({"negative": 0.1, "positive": 0.9})
    again = lmtask.load(out)
    np.testing.assert_allclose(again.predict_proba(TEXTS[:3]), run.student.predict_proba(TEXTS[:3]))
    doc = json.loads((out / "distill.json").read_text())
    assert doc["n_texts"] == 24 and set(doc["dev"]) == {"teacher", "student"}
    assert doc["dev"]["teacher"]["accuracy"] == 1.0


def test_bad_input_is_refused(tmp_path):
    with pytest.raises(InputError, match="neither an artifact folder nor a method spec"):
        ladder.distill(TEXTS, "no-such-method", tmp_path / "o", labels="a,b")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n \n")
    with pytest.raises(InputError, match="is empty"):
        ladder.distill(str(empty), Teacher(), tmp_path / "o")
    with pytest.raises(InputError, match="must learn soft labels"):
        ladder.distill(TEXTS, Teacher(), tmp_path / "o", student="majority")


def test_the_cli_and_the_library_share_the_default_student():
    """The default student (measured in bench/distill_target.py) is one spec, everywhere."""
    import inspect

    from lmtask.cli.distill import distill as cli_distill
    from lmtask.ladder.distill import STUDENT
    from lmtask.methods import parse_spec

    assert inspect.signature(ladder.distill).parameters["student"].default == STUDENT
    assert inspect.signature(cli_distill).parameters["student"].default == STUDENT
    spec = parse_spec(STUDENT)
    assert spec.name == "finetune" and spec.config(spec.options).layers == 3


def test_a_student_that_cannot_be_built_is_refused_before_the_teacher_labels(tmp_path, tiny_bert):
    class Teacher:  # would fail the test if asked to label anything
        labels = ("neg", "pos")
        method_name = "stub"

        def predict(self, texts):
            raise AssertionError("the teacher labelled texts for a student that cannot exist")

    with pytest.raises(InputError, match="layers=9"):
        ladder.distill(["good", "bad"], Teacher(), tmp_path / "s",
                       student=f"finetune:model={tiny_bert}:layers=9")  # fmt: skip
    assert not (tmp_path / "s" / ".distill").exists()


def test_match_rates_gives_each_label_as_often_as_the_teacher():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(500, 3))
    z[:, 0] += 2.0  # a student that answers label 0 almost everywhere
    teacher = rng.choice(3, size=500, p=[0.2, 0.5, 0.3])
    offset = match_rates(z, teacher.tolist(), 3)
    got = np.bincount((z + offset).argmax(axis=1), minlength=3)
    assert np.abs(got - np.bincount(teacher, minlength=3)).max() <= 2
    assert np.bincount(z.argmax(axis=1), minlength=3)[0] > 300  # it did need moving


@pytest.mark.slow
@pytest.mark.parametrize("method", ["finetune", "lora"])
def test_the_student_of_a_skewed_teacher_keeps_its_rare_label(tmp_path, tiny_bert, method):
    class Skewed(Teacher):
        """'positive' (p=0.6) for 3 of 24 texts, 'negative' (p=0.7) for the rest."""

        def predict(self, texts, progress=False):
            q = [0.6 if t.endswith((" 0", " 1", " 2")) and "love" in t else 0.3 for t in texts]
            return [lmtask.Prediction("positive" if p > 0.5 else "negative",
                                      {"negative": 1 - p, "positive": p}) for p in q]  # fmt: skip

    spec = f"{method}:model={tiny_bert}:epochs=1:dev_fraction=0:batch_size=8"
    run = ladder.distill(TEXTS, Skewed(), tmp_path / "s", student=spec)
    said = [p.label for p in run.student.predict(TEXTS)]
    assert abs(said.count("positive") - 3) <= 1
    again = [p.label for p in lmtask.load(tmp_path / "s").predict(TEXTS)]
    assert again == said  # the moved bias is in the saved student
