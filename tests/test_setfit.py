"""SetFit: contrastive encoder tuning + a head, saved without pickles.

Mechanics run on the tiny random BERT (seconds); one slow test trains the real packaged
all-MiniLM-L6-v2 on 8 examples per class.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

import lmtask
from lmtask.cli import app
from lmtask.errors import InputError, LmtaskError
from lmtask.methods import SetFit, SetFitConfig, build_and_fit, parse_spec
from lmtask.methods.trained.priors import adjust, em_prior, reweight, scale, temperature
from tests.helpers import X, Y, assert_one_line_error

pytestmark = pytest.mark.usefixtures("one_thread")
TINY = dict(num_iterations=2, batch_size=8)
X3 = [*X, "meh meh", "so so", "okay okay", "average average"]
Y3 = [*Y, "mid", "mid", "mid", "mid"]


@pytest.fixture(scope="module")
def clf(tiny_bert):
    return SetFit(model=tiny_bert, **TINY).fit(X, Y)


def test_fit_tunes_the_encoder_and_predicts_probabilities(clf, tiny_bert):
    assert clf.labels == ["neg", "pos"]
    preds = clf.predict(["good good", "awful awful", ""])
    assert len(preds) == 3
    for p in preds:
        assert set(p.scores) == {"neg", "pos"} and abs(sum(p.scores.values()) - 1) < 1e-6
        assert p.label == max(p.scores, key=p.scores.get)
    assert clf.predict([]) == [] and clf.predict_proba([]).shape == (0, 2)
    # 2 x num_iterations x texts pairs, batch 8: the encoder took steps and moved
    assert clf.info["pairs"] == 2 * 2 * len(X) and clf.info["steps"] == 2 * 2 * len(X) // 8
    fresh = SetFit(model=tiny_bert)
    fresh._build_body()
    before, after = fresh.body.state_dict(), clf.body.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)
    info = clf.describe()
    assert info["method"] == "setfit" and info["head"] == "logistic" and info["model"] == tiny_bert


def test_same_seed_same_model(clf, tiny_bert):
    again = SetFit(model=tiny_bert, **TINY).fit(X, Y)
    np.testing.assert_allclose(again.predict_proba(X), clf.predict_proba(X), atol=1e-6)


def test_artifact_has_weights_and_coefficients_not_pickles(clf, tmp_path):
    path = lmtask.save(clf, tmp_path / "art")
    files = sorted(p.name for p in path.iterdir())
    assert files[0] == "manifest.json" and files[1].endswith(".safetensors") and len(files) == 2
    m = json.loads((path / "manifest.json").read_text())
    assert m["method"] == "setfit" and m["state"]["base_hash"] and m["state"]["head"] == "logistic"
    again = lmtask.load(path)
    assert isinstance(again, SetFit) and again.labels == ["neg", "pos"]
    assert again.predict_proba(X).tolist() == clf.predict_proba(X).tolist()
    from safetensors.torch import load_file

    keys = set(load_file(path / files[1]))
    assert {"head.coef", "head.intercept"} <= keys and any(k.startswith("body.") for k in keys)


@pytest.mark.parametrize("head", ["logistic", "differentiable"])
def test_three_labels_and_both_heads_round_trip(tiny_bert, tmp_path, head):
    clf = SetFit(model=tiny_bert, head=head, head_epochs=2, **TINY).fit(X3, Y3)
    assert clf.labels == ["mid", "neg", "pos"]
    p = clf.predict_proba(X3)
    assert p.shape == (len(X3), 3)
    np.testing.assert_allclose(p.sum(axis=1), 1, atol=1e-6)
    again = lmtask.load(lmtask.save(clf, tmp_path / head))
    np.testing.assert_allclose(again.predict_proba(X3), p, atol=1e-6)


def test_task_labels_fix_the_order(tiny_bert):
    clf = SetFit(model=tiny_bert, labels="pos,neg", **TINY).fit(X, Y)
    assert clf.labels == ["pos", "neg"]
    p = clf.predict(["good good"])[0]
    assert list(p.scores) == ["pos", "neg"]


def test_too_few_examples_per_class_is_one_line_saying_how_many(tiny_bert):
    with pytest.raises(InputError) as e:
        SetFit(model=tiny_bert).fit(["good", "great", "fine", "bad", "awful"], list("pppnn"))
    msg = str(e.value)
    assert "\n" not in msg
    assert "at least 4 labelled examples per class" in msg and "n 2, p 3" in msg
    assert "add examples of n, p" in msg and "min_per_class=2" in msg
    # a task label with no example at all is short too
    with pytest.raises(InputError, match="mid 0"):
        SetFit(model=tiny_bert, labels="neg,pos,mid", **TINY).fit(X, Y)
    # lowering the minimum is allowed, down to one example
    SetFit(model=tiny_bert, min_per_class=2, **TINY).fit(X[:2] + X[-2:], ["pos"] * 2 + ["neg"] * 2)


def test_too_few_on_the_command_line(tmp_path):
    data = tmp_path / "few.csv"
    with open(data, "w", newline="") as f:
        csv.writer(f).writerows(
            [("text", "label"), *zip(X[:3] + X[-3:], Y[:3] + Y[-3:], strict=True)]
        )
    res = CliRunner().invoke(
        app, ["tune", str(data), "--method", "setfit", "--test-size", "0", "--out",
              str(tmp_path / "art")],
    )  # fmt: skip
    assert_one_line_error(res, "setfit needs at least 4", "neg 3, pos 3", "min_per_class=3")
    assert not (tmp_path / "art").exists()


def test_options_and_misuse_are_refused(tiny_bert):
    assert parse_spec("setfit:differentiable").options == {"head": "differentiable"}
    with pytest.raises(InputError, match="num_iterations=0 must be at least 1"):
        parse_spec("setfit:num_iterations=0")
    with pytest.raises(InputError, match="head='svm' must be one of"):
        SetFitConfig(head="svm")
    with pytest.raises(InputError, match="float32"):
        SetFit(dtype="bfloat16")
    with pytest.raises(InputError, match="not a loaded"):
        SetFit(model=object())
    with pytest.raises(LmtaskError, match="not trained"):
        SetFit(model=tiny_bert).predict(["x"])
    with pytest.raises(LmtaskError, match="untrained"):
        SetFit(model=tiny_bert).artifact_state()


def test_artifact_for_a_changed_base_is_refused(clf, tmp_path):
    path = lmtask.save(clf, tmp_path / "art")
    m = json.loads((path / "manifest.json").read_text())
    m["state"]["base_hash"] = "folder:" + "0" * 64
    (path / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(lmtask.artifacts.ArtifactError, match="retrain it"):
        lmtask.load(path)


@pytest.mark.slow
def test_packaged_encoder_learns_sentiment_from_8_per_class(tmp_path):
    pos = [
        "I loved this film, wonderful acting",
        "What a great day, I feel happy",
        "The food was delicious and the staff were kind",
        "Brilliant book, I enjoyed it",
        "Fantastic service, highly recommended",
        "This made me smile, lovely",
        "An excellent product that works perfectly",
        "Best concert I have been to",
    ]
    neg = [
        "I hated this film, awful acting",
        "What a terrible day, I feel miserable",
        "The food was disgusting and the staff were rude",
        "Boring book, a waste of time",
        "Horrible service, never again",
        "This made me angry, dreadful",
        "A broken product that does not work",
        "Worst concert I have been to",
    ]
    test = {
        "positive": ["Such a delightful surprise, thank you", "I really like it, great job",
                     "A joy from start to finish", "Superb quality and fast delivery"],
        "negative": ["Really disappointing and sad", "It broke after a day, useless",
                     "Terrible, I want my money back", "The worst meal I ever had"],
    }  # fmt: skip
    pool = lmtask.data.LabeledData(pos + neg, ["positive"] * 8 + ["negative"] * 8, source="t")
    clf = build_and_fit("setfit:num_iterations=10", pool)
    texts = [t for ts in test.values() for t in ts]
    gold = [y for y, ts in test.items() for _ in ts]
    got = [p.label for p in clf.predict(texts)]
    assert sum(g == y for g, y in zip(got, gold, strict=True)) >= 7, list(
        zip(texts, got, strict=True)
    )
    again = lmtask.load(lmtask.save(clf, tmp_path / "real"))
    assert [p.label for p in again.predict(texts)] == got


# -- label priors from unlabelled texts (prior=em) -------------------------------------------
def _mixture(prior, n=20000, seed=0):
    """Texts as 1-d Gaussians around -2/0/2; the exact posteriors under a uniform prior."""
    rng = np.random.default_rng(seed)
    y = rng.choice(3, size=n, p=prior)
    lik = np.exp(-((rng.normal(np.array([-2.0, 0.0, 2.0])[y], 1)[:, None] - [-2, 0, 2]) ** 2) / 2)
    return lik / lik.sum(axis=1, keepdims=True), y


@pytest.mark.parametrize("prior", [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [1 / 3, 1 / 3, 1 / 3]])
def test_em_recovers_a_known_prior_from_exact_posteriors(prior):
    post, _ = _mixture(prior)
    got = em_prior(post, np.ones(3) / 3)
    np.testing.assert_allclose(got, prior, atol=0.02)
    # the mean posterior alone is pulled towards the training prior
    assert np.abs(post.mean(axis=0) - prior).max() > 0.05 or prior[0] == 1 / 3
    # reweighting gives Bayes' posteriors under the new prior: accuracy goes up
    before = (post.argmax(1) == _mixture(prior)[1]).mean()
    after = (adjust(post, np.ones(3) / 3, got).argmax(1) == _mixture(prior)[1]).mean()
    assert after >= before - 1e-9 and np.allclose(adjust(post, [1, 1, 1], got).sum(1), 1)


def test_temperature_undoes_softened_posteriors_so_em_works_again():
    post, y = _mixture([0.7, 0.2, 0.1])
    soft = scale(post, 3.0)  # under-confident, like a strongly regularised head
    far = em_prior(soft, np.ones(3) / 3)
    assert np.abs(far - [0.7, 0.2, 0.1]).max() > 0.05  # EM on miscalibrated ones is off
    t = temperature(np.log(soft), y)
    assert 0.25 < t < 0.45  # about 1/3
    np.testing.assert_allclose(em_prior(scale(soft, t), np.ones(3) / 3), [0.7, 0.2, 0.1], atol=0.03)


def test_em_keeps_every_label_above_the_floor_and_checks_shapes():
    post = np.array([[1.0, 0.0], [0.99, 0.01]])
    assert em_prior(post, np.array([0.5, 0.5]))[1] >= 1e-3 / (1 + 1e-3) - 1e-12
    np.testing.assert_allclose(em_prior(np.zeros((0, 2)), np.array([1.0, 3.0])), [0.25, 0.75])
    with pytest.raises(InputError, match="do not fit"):
        em_prior(post, np.ones(3) / 3)
    with pytest.raises(InputError, match="positive training prior"):
        adjust(post, np.array([1.0, 0.0]), np.array([0.5, 0.5]))


def test_prior_em_estimates_from_unlabelled_texts_and_saves_it(tiny_bert, tmp_path):
    # unlabelled texts mostly like the "pos" examples: the estimate leans to pos
    pool = [x for x, y in zip(X, Y, strict=True) if y == "pos"] * 3 + X[-2:]
    clf = SetFit(model=tiny_bert, prior="em", **TINY).fit(X, Y, unlabelled=pool)
    pr = clf.prior
    assert pr["train"] == [0.5, 0.5] and pr["temperature"] > 0 and clf.info["unlabelled"] == 50
    assert abs(sum(pr["target"]) - 1) < 1e-9 and pr["target"][1] > 0.5
    plain = SetFit(model=tiny_bert, **TINY).fit(X, Y)  # same seed: the same body and head
    p, q = clf.predict_proba(X), plain.predict_proba(X)
    np.testing.assert_allclose(p, reweight(q, pr), atol=1e-6)
    assert not np.allclose(p, q) and (p[:, 1] / p[:, 0] > 0).all()
    again = lmtask.load(lmtask.save(clf, tmp_path / "em"))
    assert again.prior == pr and again.describe()["prior"] == [round(v, 3) for v in pr["target"]]
    np.testing.assert_allclose(again.predict_proba(X), p, atol=1e-6)
    # from a file through a spec, as on the command line
    (tmp_path / "pool.txt").write_text("\n".join(pool) + "\n")
    spec = f"setfit:prior=em:unlabelled={tmp_path / 'pool.txt'}:num_iterations=2:batch_size=8"
    pool_data = lmtask.data.LabeledData(X, Y, source="t")
    from_file = build_and_fit(spec, pool_data, model=tiny_bert)
    assert from_file.prior == pr


def test_prior_em_misuse_is_one_line(tiny_bert):
    with pytest.raises(InputError, match="needs unlabelled texts"):
        SetFit(model=tiny_bert, prior="em", **TINY).fit(X, Y)
    with pytest.raises(InputError, match="only with setfit:prior=em"):
        SetFit(model=tiny_bert, **TINY).fit(X, Y, unlabelled=["x"])
    with pytest.raises(InputError, match="logistic head"):
        SetFit(model=tiny_bert, prior="em", head="differentiable").fit(X, Y, unlabelled=["x"])
    with pytest.raises(InputError, match="no unlabelled texts"):
        SetFit(model=tiny_bert, prior="em", **TINY).fit(X, Y, unlabelled=[])
    with pytest.raises(InputError, match="file not found"):
        SetFit(model=tiny_bert, prior="em", unlabelled="/nonexistent.txt").fit(X, Y)


def test_prior_em_refuses_a_class_with_one_row():
    from lmtask.methods.trained.priors import estimate

    x = np.eye(5)
    with pytest.raises(InputError, match="at least 2 labelled rows of every class"):
        estimate(x, np.array([0, 0, 0, 0, 1]), x, lambda: None)
