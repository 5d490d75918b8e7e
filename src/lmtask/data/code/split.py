"""Train/dev/test by package: no package (or Debian source package) on two sides."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from lmtask.errors import InputError

SPLITS = ("train", "dev", "test")


def _package_of(snippet: dict[str, Any]) -> str:
    return f"{snippet['registry']}:{snippet['package']}"


def _targets(n: int, min_packages: int) -> dict[str, int]:
    """Packages wanted on each side for a language with ``n`` (counted) packages: up to
    ``min_packages`` on each side, fewer than a third of them on dev and on test, so that
    train keeps the most; 1 per side from 3 packages on."""
    if n < 3:
        return dict.fromkeys(SPLITS, 0)
    m = max(1, min(min_packages, (n - 1) // 3))
    return {"train": m, "dev": m, "test": m}


def assign_splits(
    package_languages: dict[str, Any],
    seed: int = 0,
    dev: float = 0.15,
    test: float = 0.25,
    *,
    min_packages: int = 1,
    min_snippets: int = 5,
) -> dict[str, str]:
    """``{package: split}`` from each package's languages (a set, or ``{language: snippets}``).

    Every language with ``n`` >= 3 packages gets ``min(min_packages, (n - 1) // 3)`` (at
    least 1) packages on each side where that can be done (a package counts for a language where it
    has ``min_snippets`` snippets of it, or where languages are given as a set), and each
    language's snippets are spread as close to ``dev``/``test`` as whole packages allow: a
    greedy start in a seeded order, then single-package moves that lower the cost
    (deterministic for a seed).

    >>> pl = {f"p{i}": {"Go"} for i in range(8)}
    >>> Counter(assign_splits(pl, seed=1).values()) == Counter(train=5, dev=1, test=2)
    True
    >>> pl = {f"p{i}": {"Go": 10} for i in range(13)}
    >>> Counter(assign_splits(pl, seed=1, min_packages=4).values()) == Counter(
    ...     train=5, dev=4, test=4)
    True
    """
    if not (0 <= dev < 1 and 0 <= test < 1 and dev + test < 1):
        raise InputError(f"dev ({dev}) and test ({test}) must be fractions that add up below 1")
    weights: dict[str, dict[str, float]] = {}
    counted: dict[str, dict[str, int]] = {}  # 1 where the package counts for the language
    for k, langs in package_languages.items():
        if isinstance(langs, dict):
            weights[k] = {lang: float(n) for lang, n in langs.items() if n > 0}
            counted[k] = {lang: int(n >= min_snippets) for lang, n in weights[k].items()}
        else:
            weights[k] = {lang: 1.0 for lang in langs}
            counted[k] = {lang: 1 for lang in langs}
    keys = sorted(weights)
    random.Random(f"split:{seed}").shuffle(keys)
    by_lang: dict[str, list[str]] = defaultdict(list)
    for k in keys:
        for lang in weights[k]:
            by_lang[lang].append(k)
    frac = {"train": 1.0 - dev - test, "dev": dev, "test": test}
    total = {lang: sum(weights[k][lang] for k in pk) for lang, pk in by_lang.items()}
    target = {
        lang: _targets(sum(counted[k][lang] for k in pk), min_packages)
        for lang, pk in by_lang.items()
    }
    load: dict[str, dict[str, float]] = {lang: dict.fromkeys(SPLITS, 0.0) for lang in by_lang}
    npk: dict[str, dict[str, int]] = {lang: dict.fromkeys(SPLITS, 0) for lang in by_lang}
    assign: dict[str, str] = {}

    def put(k: str, side: str, sign: int = 1) -> None:
        for lang, w in weights[k].items():
            load[lang][side] += sign * w
            npk[lang][side] += sign * counted[k][lang]

    def cost(lang: str) -> float:
        c = sum((load[lang][s] / total[lang] - frac[s]) ** 2 for s in SPLITS)
        return c + sum(10.0 * max(0, target[lang][s] - npk[lang][s]) for s in SPLITS if frac[s] > 0)

    # Greedy start: rarest languages first; each package to the side its language lacks most.
    for lang in sorted(by_lang, key=lambda g: (len(by_lang[g]), g)):
        for k in by_lang[lang]:
            if k in assign:
                continue
            missing = [
                s
                for s in ("test", "dev", "train")
                if frac[s] > 0 and npk[lang][s] < target[lang][s]
            ]
            if counted[k][lang] and missing:
                side = missing[0]
            else:
                side = max(SPLITS, key=lambda s: frac[s] * total[lang] - load[lang][s])
            assign[k] = side
            put(k, side)
    # Local search: move one package at a time while that lowers the total cost.
    for _ in range(20):
        improved = False
        for k in keys:
            here = assign[k]
            langs = list(weights[k])
            before = sum(cost(lang) for lang in langs)
            best, best_gain = here, 1e-12
            for side in SPLITS:
                if side == here:
                    continue
                put(k, here, -1)
                put(k, side)
                gain = before - sum(cost(lang) for lang in langs)
                put(k, side, -1)
                put(k, here)
                if gain > best_gain:
                    best, best_gain = side, gain
            if best != here:
                put(k, here, -1)
                put(k, best)
                assign[k] = best
                improved = True
        # Swaps: two packages that share a language trade sides (moves alone cannot change
        # which packages fill a side's minimum).
        for lang in sorted(by_lang):
            for i, k1 in enumerate(by_lang[lang]):
                for k2 in by_lang[lang][i + 1 :]:
                    s1, s2 = assign[k1], assign[k2]
                    if s1 == s2:
                        continue
                    langs = set(weights[k1]) | set(weights[k2])
                    before = sum(cost(g) for g in langs)
                    put(k1, s1, -1), put(k1, s2), put(k2, s2, -1), put(k2, s1)
                    if before - sum(cost(g) for g in langs) > 1e-12:
                        assign[k1], assign[k2] = s2, s1
                        improved = True
                    else:
                        put(k1, s2, -1), put(k1, s1), put(k2, s1, -1), put(k2, s2)
        if not improved:
            break
    return assign


def split_by_package(
    snippets: Iterable[dict[str, Any]],
    seed: int = 0,
    dev: float = 0.15,
    test: float = 0.25,
    groups: dict[str, str] | None = None,
    min_packages: int = 1,
) -> dict[str, list[dict[str, Any]]]:
    """``{"train", "dev", "test"}`` lists of snippets; all snippets of a package (``registry:
    package``, or the group ``groups`` maps it to) are on the same side; ``min_packages``:
    see :func:`assign_splits`. Deterministic.

    >>> snips = [{"registry": "npm", "package": f"p{i}", "label": "CSS"} for i in range(6)]
    >>> parts = split_by_package(snips, seed=0)
    >>> {k: len(v) for k, v in parts.items()}
    {'train': 4, 'dev': 1, 'test': 1}
    """
    snippets = list(snippets)
    groups = groups or {}
    langs: dict[str, Counter[str]] = defaultdict(Counter)
    for s in snippets:
        langs[groups.get(_package_of(s), _package_of(s))][s["label"]] += 1
    assign = assign_splits(langs, seed=seed, dev=dev, test=test, min_packages=min_packages)
    parts: dict[str, list[dict[str, Any]]] = {s: [] for s in SPLITS}
    for s in snippets:
        parts[assign[groups.get(_package_of(s), _package_of(s))]].append(s)
    return parts
