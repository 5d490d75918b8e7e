"""The counterfactual bias probe: pairs, substitution, numbers recomputable, a planted bias
found where it was planted, the CLI's exit codes and errors."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

import lmtask
from lmtask.errors import InputError
from lmtask.methods import Classifier
from lmtask.prediction import Prediction
from lmtask.probe import (
    bias_probe,
    data_sets,
    load_attributes,
    load_templates,
    pairs_of,
    recompute,
    template_sets,
)
from lmtask.probe.pairs import substitute
from lmtask.tasks import resolve_task
from tests.helpers import assert_one_line_error

GOOD = ("happy", "glad", "excited", "relieved", "calm", "wonderful", "great", "funny")


class WordRule(Classifier):
    """positive when a cheerful word stands in the text; blind to every attribute."""

    method_name = "word-rule"

    def __init__(self) -> None:
        self.task = resolve_task(None, ["positive", "negative"])

    def score(self, text: str) -> float:
        return 0.8 if any(w in text.lower() for w in GOOD) else 0.3

    def predict(self, texts: Sequence[str] | str, progress: bool = False) -> list[Prediction]:
        out = []
        for t in [texts] if isinstance(texts, str) else texts:
            p = self.score(t)
            out.append(Prediction("positive" if p >= 0.5 else "negative",
                                  {"positive": p, "negative": 1 - p}))  # fmt: skip
        return out


class KeysOnName(WordRule):
    """WordRule, except that some names make any text positive: a planted bias."""

    def __init__(self, names: Sequence[str] = ("Amanda",)) -> None:
        super().__init__()
        self.names = names

    def score(self, text: str) -> float:
        return 0.95 if any(n in text.split() or f"{n}." in text for n in self.names) else (
            super().score(text))  # fmt: skip


@pytest.fixture(scope="module")
def attrs():
    return load_attributes()


def test_pairs_are_reproducible_and_keep_everything_but_the_attribute(attrs):
    a = template_sets(list(attrs.values()), load_templates(), per_attribute=6, seed=3)
    b = template_sets(list(attrs.values()), load_templates(), per_attribute=6, seed=3)
    c = template_sets(list(attrs.values()), load_templates(), per_attribute=6, seed=4)
    assert pairs_of(a) == pairs_of(b) and pairs_of(a) != pairs_of(c)
    assert {s.attribute for s in a} == set(attrs)
    for s in a:
        assert list(s.texts) == attrs[s.attribute].group_names
        assert len(set(s.texts.values())) == len(s.texts)  # every group's text differs
        masked = {
            re.sub(rf"(?<![\w-])(an? )?{re.escape(w)}(?![\w-])", "#", t, flags=re.IGNORECASE)
            for t, w in zip(s.texts.values(), s.words.values(), strict=True)
        }
        assert len(masked) == 1, s.texts  # only the attribute's word (and a/an) differs


def test_substitution_whole_words_case_and_articles(attrs):
    gw, names = attrs["gender-words"], attrs["gender-names"]
    assert substitute("HE said his son, the ACTOR, was a man.", gw, "female") == (
        "SHE said her daughter, the ACTRESS, was a woman."
    )
    assert substitute("Hemingway and Shell", gw, "female") == "Hemingway and Shell"
    assert substitute("amanda Amanda", names, "male", lambda w, g: "Adam") == "amanda Adam"
    nat = attrs["nationality"]
    assert substitute("An American and an Indian.", nat, "british") == ("A British and a British.")
    texts = ["I met Amanda and Amanda's dog.", "Nothing here.", "An old man and his wife."]
    sets = data_sets(texts, [names, attrs["age"], gw], seed=1)
    assert [(s.attribute, s.base) for s in sets] == [
        ("gender-names", "data row 0"), ("age", "data row 2"), ("gender-words", "data row 2")
    ]  # fmt: skip
    male = sets[0].texts["male"]
    assert male.count(male.split()[2]) == 2 and "Amanda" not in male  # one stand-in, twice
    assert sets[0].texts["female"] == texts[0]
    assert sets[1].texts["young"] == "A young man and his wife."
    assert sets[2].texts["female"] == "An old woman and her wife."
    assert data_sets(texts, [names], seed=1) == data_sets(texts, [names], seed=1)


def test_planted_bias_is_found_on_that_attribute_only(tmp_path):
    names = load_attributes()["gender-names"].groups["female"]
    rep = bias_probe(KeysOnName(names), tmp_path / "b", per_attribute=20, seed=0)
    rates = {a: v["flip_rate"] for a, v in rep.attributes.items()}
    pvals = {a: v["p_value"] for a, v in rep.attributes.items()}
    assert rates["gender-names"] > 0.5 and pvals["gender-names"] < 0.01
    assert all(r == 0 for a, r in rates.items() if a != "gender-names"), rates
    assert all(p == 1.0 for a, p in pvals.items() if a != "gender-names"), pvals
    from lmtask.probe.bias import permutation_p

    one_set = np.array([[[0.9, 0.1], [0.2, 0.8]]])  # 1 set, 2 groups: no test, not p = 1
    assert permutation_p(one_set, 0, "x") is None
    assert permutation_p(np.concatenate([one_set] * 3), 0, "x") is not None
    assert rep.flagged(0.0) == ["gender-names"]
    shift = rep.attributes["gender-names"]["group_shift"]
    assert shift["female"]["positive"] > 0 > shift["male"]["positive"]
    worst = rep.attributes["gender-names"]["worst_pairs"][0]
    assert worst["label_a"] != worst["label_b"]

    one = bias_probe(KeysOnName(["Amanda"]), None, per_attribute=40, seed=0)
    assert one.flagged(0.0) == ["gender-names"]
    for w in one.attributes["gender-names"]["worst_pairs"]:
        if w["label_a"] != w["label_b"]:
            assert "Amanda" in w["text_a"]


def test_numbers_are_recomputable_from_the_pairs_file(tmp_path):
    rep = bias_probe(KeysOnName(), tmp_path / "b", per_attribute=8, seed=5)
    saved = json.loads((tmp_path / "b" / "report.json").read_text())
    assert recompute(tmp_path / "b" / "pairs.jsonl", seed=saved["seed"]) == saved["attributes"]
    assert saved["attributes"] == json.loads(json.dumps(rep.attributes))
    assert saved["pairs"] == len((tmp_path / "b" / "pairs.jsonl").read_text().splitlines())
    md = (tmp_path / "b" / "report.md").read_text()
    assert "| gender-names |" in md and "flip rate" in md
    assert (tmp_path / "b" / "shifts.png").read_bytes()[:4] == b"\x89PNG"
    again = bias_probe(KeysOnName(), tmp_path / "c", per_attribute=8, seed=5)
    assert (tmp_path / "c" / "pairs.jsonl").read_text() == (
        tmp_path / "b" / "pairs.jsonl").read_text()  # fmt: skip
    assert again.attributes == rep.attributes


def test_bad_inputs(tmp_path):
    with pytest.raises(InputError, match="unknown attribute 'colour'; known: age"):
        bias_probe(WordRule(), None, attributes=["colour"])
    with pytest.raises(InputError, match="no counterfactual pairs"):
        bias_probe(WordRule(), None, data=["The weather was fine."])
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ngroups: {a: [one]}\n")
    with pytest.raises(InputError, match="at least two groups"):
        load_attributes([bad])
    bad.write_text("name: x\naligned: true\ngroups: {a: [one, two], b: [three]}\n")
    with pytest.raises(InputError, match="every group needs as many words"):
        load_attributes([bad])
    bad.write_text("name: x\nslot: colour\ngroups: {a: [red], b: [blue]}\n")
    with pytest.raises(InputError, match="no template has"):
        bias_probe(WordRule(), None, wordlists=[bad], attributes=["x"])
    (tmp_path / "file").write_text("")
    with pytest.raises(InputError, match="is a file"):
        bias_probe(WordRule(), tmp_path / "file")


def test_user_wordlist_extends_the_probe(tmp_path):
    own = tmp_path / "lists"
    own.mkdir()
    (own / "pets.yaml").write_text(
        "name: pets\nslot: person\ngroups: {cat: [my cat], dog: [my dog]}\n"
    )
    rep = bias_probe(WordRule(), None, wordlists=[own], attributes=["pets", "age"],
                     per_attribute=5)  # fmt: skip
    assert list(rep.attributes) == ["pets", "age"] and rep.attributes["pets"]["pairs"] == 5
    (own / "pets.yaml").write_text("name: pets\nslot: person\ngroups: {on: [my cat], off: [x]}\n")
    with pytest.raises(InputError, match="read as a boolean or null"):
        bias_probe(WordRule(), None, wordlists=[own], attributes=["pets"], per_attribute=5)


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    from lmtask.cli import app as main_app  # the real CLI, every command registered

    return main_app


def test_cli_fail_above_and_data(app, tmp_path, monkeypatch):
    from lmtask.ladder import ClassifierSpec

    art = lmtask.save(lmtask.methods.Majority(labels="positive,negative").fit(
        ["a", "b", "c"], ["positive", "positive", "negative"]), tmp_path / "maj")  # fmt: skip
    run = CliRunner().invoke
    r = run(app, ["probe", "bias", str(art), "--out", str(tmp_path / "m"), "--fail-above", "0",
                  "--per-attribute", "3"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert (tmp_path / "m" / "report.json").is_file() and "gender-names" in r.stdout

    monkeypatch.setattr(ClassifierSpec, "build", lambda self: KeysOnName(["Amanda", "Jack"]))
    data = tmp_path / "texts.txt"
    data.write_text("Amanda was tired.\nJack went to see my mother.\nNo attribute here.\n")
    args = ["probe", "bias", "--task", "sentiment", "--data", str(data), "--out",
            str(tmp_path / "d"), "--seed", "1"]  # fmt: skip
    r = run(app, [*args, "--fail-above", "0.1"])
    assert r.exit_code == 1, r.output
    assert "flip rate above 0.1: gender-names" in r.output
    rows = [json.loads(x) for x in (tmp_path / "d" / "pairs.jsonl").read_text().splitlines()]
    assert {x["attribute"] for x in rows} == {"gender-names", "gender-words"}
    assert run(app, [*args, "--fail-above", "1"]).exit_code == 0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--out", "X"], "name a classifier"),
        (["runs/a", "--task", "sentiment", "--out", "X"], "not both"),
        (["--task", "sentiment", "--attributes", "hair", "--out", "X"], "unknown attribute"),
        (["--task", "sentiment", "--data", "/no/file.txt", "--out", "X"], "file not found"),
    ],
)
def test_cli_bad_inputs_one_line(app, args, needle, monkeypatch):
    from lmtask.ladder import ClassifierSpec

    monkeypatch.setattr(ClassifierSpec, "build", lambda self: WordRule())
    r = CliRunner().invoke(app, ["probe", "bias", *args])
    assert_one_line_error(r, needle)
