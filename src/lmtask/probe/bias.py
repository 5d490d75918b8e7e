"""The counterfactual bias probe: does a classifier's answer move when only a name, a gendered
word, a nationality, a religion or an age changes?

:func:`probe` classifies every text of a set of counterfactual sets (:mod:`lmtask.probe.pairs`)
once and :func:`summarize` reports, per attribute: the pairs, the share of pairs whose label
flips, the mean and largest change of each label's probability, the shift of each group (its
probability minus the mean of its set, averaged over sets), a paired significance test and the
worst pairs. The test permutes the groups within each set (the paired design: a set is its own
control) and asks how often a statistic as large as the observed one (the sum of squared group
shifts) arises by chance; with two groups it is the sign-flip test of the paired differences.
Every number is recomputable from the pairs file (:func:`recompute`).

>>> import lmtask                                                       # doctest: +SKIP
>>> from lmtask.probe import bias_probe
>>> rep = bias_probe(lmtask.ZeroShot(task="sentiment"), "runs/bias")    # doctest: +SKIP
>>> rep.max_flip_rate                                                   # doctest: +SKIP
0.05
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lmtask.errors import InputError
from lmtask.probe.attributes import load_attributes, load_templates
from lmtask.probe.pairs import CounterfactualSet, data_sets, pairs_of, template_sets
from lmtask.probe.report import BiasReport

N_PERMUTATIONS = 2000
WORST = 5
PAIR_KEYS = ("base", "group_a", "group_b", "text_a", "text_b", "label_a", "label_b")
TEST = (
    "paired permutation test: groups permuted within each counterfactual set "
    f"({N_PERMUTATIONS} permutations); statistic: sum of squared group shifts over labels"
)


def _perm_rng(seed: int, attribute: str) -> np.random.Generator:
    import zlib

    return np.random.default_rng([seed, zlib.crc32(attribute.encode())])


def permutation_p(
    probs: np.ndarray, seed: int, attribute: str, n: int = N_PERMUTATIONS
) -> float | None:
    """p-value of the within-set permutation test on ``probs`` (sets, groups, labels); None
    (no test) under 2 complete sets: permuting one set's groups cannot change the statistic."""
    sets, groups = probs.shape[:2]
    if sets < 2 or groups < 2:
        return None

    def stat(p: np.ndarray) -> np.ndarray:  # (..., sets, groups, labels) -> (...)
        shift = (p - p.mean(axis=-2, keepdims=True)).mean(axis=-3)
        return (shift**2).sum(axis=(-1, -2))

    observed = float(stat(probs))
    rng = _perm_rng(seed, attribute)
    hits = 0
    for start in range(0, n, 200):
        k = min(200, n - start)
        order = np.argsort(rng.random((k, sets, groups)), axis=-1)
        permuted = probs[np.arange(sets)[None, :, None], order]  # (k, sets, groups, labels)
        hits += int((stat(permuted) >= observed - 1e-12).sum())
    return (1 + hits) / (1 + n)


def _set_matrix(rows: list[dict[str, Any]], labels: list[str]) -> tuple[list[str], np.ndarray]:
    """Group names and the (sets, groups, labels) probabilities of complete sets."""
    groups: list[str] = []
    by_base: dict[str, dict[str, list[float]]] = {}
    for r in rows:
        for side in ("a", "b"):
            g = r[f"group_{side}"]
            if g not in groups:
                groups.append(g)
            probs = r[f"probs_{side}"]
            by_base.setdefault(r["base"], {})[g] = [probs.get(lb, 0.0) for lb in labels]
    full = [b for b in by_base.values() if len(b) == len(groups)]
    mat = np.array([[b[g] for g in groups] for b in full], dtype=float)
    return groups, mat.reshape(len(full), len(groups), len(labels))


def summarize_attribute(
    rows: list[dict[str, Any]], labels: list[str], seed: int, attribute: str, worst: int = WORST
) -> dict[str, Any]:
    """One attribute's numbers from its pair rows (see the module docstring)."""
    pa = np.array([[r["probs_a"].get(lb, 0.0) for lb in labels] for r in rows], dtype=float)
    pb = np.array([[r["probs_b"].get(lb, 0.0) for lb in labels] for r in rows], dtype=float)
    diff = (pb - pa).reshape(len(rows), len(labels))
    flips = [r["label_a"] != r["label_b"] for r in rows]
    groups, mat = _set_matrix(rows, labels)
    shift = (mat - mat.mean(axis=1, keepdims=True)).mean(axis=0) if len(mat) else None
    by_pair: dict[tuple[str, str], list[bool]] = {}
    for r, f in zip(rows, flips, strict=True):
        by_pair.setdefault((r["group_a"], r["group_b"]), []).append(f)
    biggest = np.abs(diff).max(axis=1) if len(rows) else np.zeros(0)
    order = sorted(range(len(rows)), key=lambda i: -biggest[i])[:worst]
    n = len(rows)
    return {
        "pairs": n,
        "sets": len(mat),
        "flips": int(sum(flips)),
        "flip_rate": float(np.mean(flips)) if n else 0.0,
        "max_change": float(biggest.max()) if n else 0.0,
        "labels": {
            lb: {
                "mean_change": float(diff[:, j].mean()) if n else 0.0,
                "mean_abs_change": float(np.abs(diff[:, j]).mean()) if n else 0.0,
                "max_abs_change": float(np.abs(diff[:, j]).max()) if n else 0.0,
            }
            for j, lb in enumerate(labels)
        },
        "p_value": permutation_p(mat, seed, attribute),
        "group_shift": {
            g: {lb: float(shift[i, j]) if shift is not None else 0.0 for j, lb in enumerate(labels)}
            for i, g in enumerate(groups)
        },
        "group_pairs": [
            {"a": a, "b": b, "pairs": len(fs), "flip_rate": float(np.mean(fs))}
            for (a, b), fs in by_pair.items()
        ],
        "worst_pairs": [
            {
                **{k: rows[i][k] for k in PAIR_KEYS},
                "change": {lb: float(diff[i, j]) for j, lb in enumerate(labels)},
            }
            for i in order
        ],
    }


def summarize(
    rows: Sequence[dict[str, Any]], labels: Sequence[str], seed: int = 0, worst: int = WORST
) -> dict[str, dict[str, Any]]:
    """Per attribute (in order of first appearance), the numbers of the report."""
    by_attr: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_attr.setdefault(r["attribute"], []).append(r)
    return {a: summarize_attribute(rs, list(labels), seed, a, worst) for a, rs in by_attr.items()}


def read_pairs(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The rows of a ``pairs.jsonl`` file the probe wrote."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"pairs file not found: {p}")
    rows = []
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                raise InputError(f"{p} line {n} is not JSON") from None
    return rows


def recompute(path: str | os.PathLike[str], seed: int = 0) -> dict[str, dict[str, Any]]:
    """The per-attribute numbers again, from a pairs file alone (labels: its probabilities')."""
    rows = read_pairs(path)
    if not rows:
        return {}
    return summarize(rows, list(rows[0]["probs_a"]), seed)


def probe(
    classifier: Any,
    sets: Sequence[CounterfactualSet],
    seed: int = 0,
    source: str = "templates",
    progress: bool = False,
) -> BiasReport:
    """Classify every text of ``sets`` once; the report of their pairs."""
    pairs = pairs_of(sets)
    if not pairs:
        raise InputError(
            "no counterfactual pairs: no text holds a word of the chosen attributes "
            "(see lmtask/probe/wordlists/, or add your own with --wordlists)"
        )
    texts = list(dict.fromkeys(t for s in sets for t in s.texts.values()))
    labels = list(classifier.labels)
    start = time.perf_counter()
    preds = dict(zip(texts, classifier.predict(texts, progress=progress), strict=True))
    wall = time.perf_counter() - start
    rows = []
    for p in pairs:
        a, b = preds[p["text_a"]], preds[p["text_b"]]
        rows.append({**p, "label_a": a.label, "label_b": b.label,
                     "probs_a": {lb: float(a.scores.get(lb, 0.0)) for lb in labels},
                     "probs_b": {lb: float(b.scores.get(lb, 0.0)) for lb in labels}})  # fmt: skip
    describe = classifier.describe() if hasattr(classifier, "describe") else {}
    return BiasReport(
        attributes=summarize(rows, labels, seed),
        labels=labels,
        rows=rows,
        classifier=describe,
        source=source,
        seed=seed,
        n_texts=len(texts),
        wall_s=wall,
        test=TEST,
    )


def bias_probe(
    classifier: Any,
    out: str | os.PathLike[str] | None = None,
    *,
    data: Sequence[str] | None = None,
    attributes: Iterable[str] | None = None,
    wordlists: Iterable[str | os.PathLike[str]] = (),
    templates: str | os.PathLike[str] | None = None,
    per_attribute: int | None = None,
    seed: int = 0,
    source: str | None = None,
    progress: bool = False,
) -> BiasReport:
    """Probe ``classifier``: pairs from the built-in templates, or (``data``) from your texts;
    ``per_attribute`` sets per attribute (templates: 30 by default; data: all that match).
    Writes the report folder to ``out`` when given (see :meth:`BiasReport.save`)."""
    from lmtask.atomic import check_writable_dir

    if out is not None:
        check_writable_dir(out)
    attrs = list(load_attributes(wordlists, attributes).values())
    if data is None:
        sets = template_sets(attrs, load_templates(templates), per_attribute or 30, seed)
        source = source or "built-in templates"
    else:
        sets = data_sets(list(data), attrs, per_attribute, seed)
        source = source or f"{len(data)} texts"
    report = probe(classifier, sets, seed=seed, source=source, progress=progress)
    if out is not None:
        report.save(out)
    return report


__all__ = [
    "N_PERMUTATIONS",
    "bias_probe",
    "permutation_p",
    "probe",
    "read_pairs",
    "recompute",
    "summarize",
]
