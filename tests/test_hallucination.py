"""The hallucination check: sentence support by label scoring, the withholding threshold,
agreement with sampled answers, ``generate --check``; one behaviour test on the default model."""

from __future__ import annotations

import json

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from lmtask.errors import InputError
from lmtask.probe.hallucination import (
    WITHHELD,
    SupportScorer,
    auroc,
    check_support,
    choose_threshold,
    split_sentences,
)

SOURCE = "The bridge over the river was built in 1932 by a local firm. It is 300 metres long."


@pytest.fixture
def tiny(tiny_factory):
    return tiny_factory("qwen2")


def test_sentences_thresholds_and_auroc():
    got = split_sentences("One. Two!\nThree? 4.5 stays.")
    assert got == ["One.", "Two!", "Three?", "4.5 stays."]
    assert split_sentences("  \n ") == []
    assert choose_threshold([0.2, 0.4, 0.6, 0.9], [0, 1, 0, 1]) in (0.3, 0.75)
    assert auroc([0.9, 0.8, 0.1], [1, 1, 0]) == 1.0
    with pytest.raises(InputError, match="as many scores as labels"):
        choose_threshold([0.5], [1, 0])


def test_scores_are_probabilities_and_the_weakest_sentence_counts(tiny):
    scorer = SupportScorer(tiny)
    claims = ["The bridge was built in 1932.", "The bridge is made of cheese.", "Weird {text}."]
    p = scorer.claim_scores(SOURCE + " {labels} {x}", claims)  # braces in the source are text
    assert p.shape == (3,) and np.all((p > 0) & (p < 1))
    assert scorer.classifier(SOURCE) is scorer.classifier(SOURCE)  # one prompt cache per source
    c = scorer.check(SOURCE, " ".join(claims[:2]), threshold=0.5)
    q = scorer.claim_scores(SOURCE, claims[:2])
    assert [s for s, _ in c.sentences] == claims[:2]
    assert c.score == pytest.approx(q.min()) and c.supported == (c.score >= 0.5)
    assert c.shown("the answer") == ("the answer" if c.supported else WITHHELD)
    assert scorer.check(SOURCE, "", 0.5).score == 0.0  # nothing said: withheld
    short = scorer.check(SOURCE, "1932.", 0.5, question="When was it built?")
    assert short.sentences[0][0] == "1932."  # checked with the question, reported as given


def test_long_sources_are_cut_and_agreement_is_reported(tiny):
    scorer = SupportScorer(tiny, max_source_tokens=20)
    long = " ".join(f"Sentence number {i} of a long report." for i in range(100))
    cut = scorer._source(long)
    assert " ... " in cut and len(cut) < len(long) / 5
    c = scorer.check(long, "It is a report.", 0.5, samples=["A report.", "Not a report."])
    assert len(c.sample_agreement) == 2
    assert c.agreement == pytest.approx(np.mean(c.sample_agreement))
    assert "agreement" in c.to_dict()


def test_check_support_thresholds_and_errors(tiny):
    lo = check_support([SOURCE, SOURCE], ["It is long.", "It is short."], model=tiny, threshold=0)
    hi = check_support([SOURCE], ["It is long."], model=tiny, threshold=1)
    assert all(c.supported for c in lo) and not hi[0].supported
    assert lo[0].score == pytest.approx(hi[0].score)
    assert check_support([], [], model=tiny) == []
    with pytest.raises(InputError, match="1 answers for 2 source texts"):
        check_support(["a", "b"], ["x"], model=tiny)
    with pytest.raises(InputError, match="threshold must be between 0 and 1"):
        check_support(["a"], ["x"], model=tiny, threshold=1.5)


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    from lmtask.cli import app as main_app  # the real CLI, every command registered

    return main_app


def test_generate_check_cli(app, tiny, monkeypatch):
    import lmtask.models
    import lmtask.text_tasks as tt

    monkeypatch.setattr(tt, "load_model", lambda model, dtype="auto": tiny)
    monkeypatch.setattr(lmtask.models, "load_model", lambda model, dtype="auto": tiny)
    base = ["generate", SOURCE, "--task", "answer", "--question", "How long?", "--check",
            "--max-new-tokens", "4"]  # fmt: skip
    r = CliRunner().invoke(app, [*base, "--json", "--check-threshold", "0"])
    assert r.exit_code == 0, r.output
    row = json.loads(r.stdout)
    assert row["supported"] and row["output"] == row["generated"] and 0 < row["support"] < 1
    assert row["sentences"] and row["threshold"] == 0
    r = CliRunner().invoke(app, [*base, "--check-threshold", "1", "--check-samples", "1"])
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == WITHHELD and "withheld 1 of 1" in r.stderr
    r = CliRunner().invoke(app, ["generate", "x", "--task", "translate", "--check"])
    assert r.exit_code == 2 and "--check works with --task answer or summarize" in r.stderr


@pytest.mark.slow
def test_default_model_prefers_the_supported_answer():
    article = (
        "Shares in the carmaker rose 8% on Tuesday after it reported record sales in China. "
        "The firm sold 1.2 million cars in the country last year, up from 900,000. Its chief "
        "executive said new factories in Shanghai would open in 2006."
    )
    scorer = SupportScorer()
    own, swapped = scorer.claim_scores(article, [
        "The firm sold 1.2 million cars in China last year.",
        "The band's new album went straight to number one in the UK charts.",
    ])  # fmt: skip
    assert own > swapped + 0.1
