"""Label-prior correction from unlabelled texts (Saerens, Latinne & Decaestecker 2002).

A classifier trained on balanced examples predicts as if every label were equally common.
When the texts it will see are not balanced, the label frequencies there can be estimated
from its own posteriors on unlabelled texts by EM, and its predictions reweighted by
``new_prior / train_prior`` (Bayes' rule with the likelihoods kept).

>>> import numpy as np
>>> post = np.array([[0.9, 0.1], [0.8, 0.2], [0.6, 0.4], [0.3, 0.7]])
>>> prior = em_prior(post, np.array([0.5, 0.5]))
>>> bool(prior[0] > 0.65), round(float(prior.sum()), 6)
(True, 1.0)
>>> adjust(np.array([[0.5, 0.5]]), np.array([0.5, 0.5]), np.array([0.8, 0.2])).round(2)
array([[0.8, 0.2]])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from lmtask.errors import InputError

__all__ = ["adjust", "em_prior", "estimate", "reweight", "scale", "temperature"]


def _check(posteriors: np.ndarray, train_prior: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(posteriors, dtype=np.float64)
    t = np.asarray(train_prior, dtype=np.float64)
    if p.ndim != 2 or t.ndim != 1 or p.shape[1] != t.shape[0]:
        raise InputError(f"posteriors {p.shape} and train prior {t.shape} do not fit")
    if (t <= 0).any():
        raise InputError(f"every label needs a positive training prior, got {t.tolist()}")
    return p, t / t.sum()


def adjust(posteriors: np.ndarray, train_prior: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """``posteriors`` (n, k) under ``train_prior``, reweighted to ``prior``; rows sum to 1."""
    p, t = _check(posteriors, train_prior)
    w = p * (np.asarray(prior, dtype=np.float64) / t)
    s = w.sum(axis=1, keepdims=True)
    return np.divide(w, s, out=np.full_like(w, 1.0 / w.shape[1]), where=s > 0)


def em_prior(
    posteriors: np.ndarray,
    train_prior: np.ndarray,
    *,
    max_iter: int = 1000,
    tol: float = 1e-8,
    floor: float = 1e-3,
) -> np.ndarray:
    """The label prior of the texts behind ``posteriors`` (n, k), by EM.

    ``posteriors`` are the classifier's probabilities on unlabelled texts, made under
    ``train_prior`` (the label frequencies it was trained on). Each step reweights them to
    the current estimate and takes their mean as the next one; it stops when no label's
    share moves by more than ``tol``. Every share is kept at ``floor`` or more, so that no
    label can be ruled out by the estimate alone.
    """
    p, t = _check(posteriors, train_prior)
    if not len(p):
        return t
    prior = t.copy()
    for _ in range(max_iter):
        new = np.maximum(adjust(p, t, prior).mean(axis=0), floor)
        new /= new.sum()
        done = np.abs(new - prior).max() < tol
        prior = new
        if done:
            break
    return prior


def temperature(log_probs: np.ndarray, labels: np.ndarray) -> float:
    """The temperature T that makes ``softmax(log_probs / T)`` fit ``labels`` best (NLL).

    ``log_probs`` (n, k) should be held out (e.g. out-of-fold); T < 1 sharpens
    under-confident probabilities, T > 1 softens over-confident ones; T is kept in
    [0.02, 20].
    """
    from scipy.optimize import minimize_scalar

    z, y = np.asarray(log_probs, dtype=np.float64), np.asarray(labels)
    if z.ndim != 2 or len(z) != len(y) or not len(y):
        raise InputError(f"log-probabilities {z.shape} and {len(y)} labels do not fit")

    def nll(log_t: float) -> float:
        s = z / np.exp(log_t)
        s = s - s.max(axis=1, keepdims=True)
        return float(np.mean(np.log(np.exp(s).sum(axis=1)) - s[np.arange(len(y)), y]))

    return float(
        np.exp(minimize_scalar(nll, bounds=(np.log(0.02), np.log(20)), method="bounded").x)
    )


def scale(probs: np.ndarray, temp: float) -> np.ndarray:
    """``probs`` (n, k) at temperature ``temp``: ``softmax(log(probs) / temp)``."""
    z = np.log(np.clip(np.asarray(probs, dtype=np.float64), 1e-300, 1.0)) / temp
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def estimate(
    x: np.ndarray,
    y: np.ndarray,
    unlabelled: np.ndarray,
    make_head: Callable[[], Any],
    seed: int = 0,
) -> dict[str, Any]:
    """The label prior of ``unlabelled`` embeddings, for a head trained on ``x``, ``y``.

    ``make_head()`` gives an unfitted scikit-learn classifier like the one used (with
    ``predict_log_proba``). Its temperature is fitted on out-of-fold predictions of the
    labelled rows (up to 4 stratified folds), the fitted head's probabilities on
    ``unlabelled`` are calibrated with it, and EM estimates the prior from them.
    Returns ``{"train": [...], "target": [...], "temperature": T}`` (JSON-ready).
    """
    from sklearn.model_selection import StratifiedKFold

    y = np.asarray(y)
    k = int(y.max()) + 1
    counts = np.bincount(y, minlength=k)
    if counts.min() < 2:
        raise InputError("setfit:prior=em needs at least 2 labelled rows of every class (it "
                         "calibrates on held-out folds of them)")  # fmt: skip
    train = counts / counts.sum()
    oof = np.zeros((len(y), k))
    folds = StratifiedKFold(int(min(4, counts.min())), shuffle=True, random_state=seed)
    for a, b in folds.split(x, y):
        oof[b] = make_head().fit(x[a], y[a]).predict_log_proba(x[b])
    temp = temperature(oof, y)
    head = make_head().fit(x, y)
    target = em_prior(scale(head.predict_proba(unlabelled), temp), train)
    return {"train": train.tolist(), "target": target.tolist(), "temperature": temp}


def reweight(probs: np.ndarray, prior: dict[str, Any] | None) -> np.ndarray:
    """The head's ``probs`` reweighted to an :func:`estimate`'s prior (unchanged for None).

    The temperature serves the estimate only: fitted on rows the SetFit encoder was tuned
    on, it is too sharp for new texts (on dev, reweighting calibrated probabilities gained
    nothing; reweighting the head's own gained a little accuracy, bench/RESULTS.md).
    """
    if not prior:
        return probs
    return adjust(probs, np.array(prior["train"]), np.array(prior["target"]))
