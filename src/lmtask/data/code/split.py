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


def assign_splits(
    package_languages: dict[str, Any], seed: int = 0, dev: float = 0.15, test: float = 0.25
) -> dict[str, str]:
    """``{package: split}`` from each package's languages (a set, or ``{language: snippets}``).

    Every language with 3 or more packages gets a package on each side where that can be
    done, and each language's snippets are spread as close to ``dev``/``test`` as whole
    packages allow: a greedy start in a seeded order, then single-package moves that bring
    the shares closer (deterministic for a seed).

    >>> pl = {f"p{i}": {"Go"} for i in range(8)}
    >>> Counter(assign_splits(pl, seed=1).values()) == Counter(train=5, dev=1, test=2)
    True
    """
    if not (0 <= dev < 1 and 0 <= test < 1 and dev + test < 1):
        raise InputError(f"dev ({dev}) and test ({test}) must be fractions that add up below 1")
    weights: dict[str, dict[str, float]] = {}
    for k, langs in package_languages.items():
        if isinstance(langs, dict):
            weights[k] = {lang: float(n) for lang, n in langs.items() if n > 0}
        else:
            weights[k] = {lang: 1.0 for lang in langs}
    keys = sorted(weights)
    random.Random(f"split:{seed}").shuffle(keys)
    by_lang: dict[str, list[str]] = defaultdict(list)
    for k in keys:
        for lang in weights[k]:
            by_lang[lang].append(k)
    frac = {"train": 1.0 - dev - test, "dev": dev, "test": test}
    total = {lang: sum(weights[k][lang] for k in pk) for lang, pk in by_lang.items()}
    load: dict[str, dict[str, float]] = {lang: dict.fromkeys(SPLITS, 0.0) for lang in by_lang}
    npk: dict[str, dict[str, int]] = {lang: dict.fromkeys(SPLITS, 0) for lang in by_lang}
    assign: dict[str, str] = {}

    def put(k: str, side: str, sign: int = 1) -> None:
        for lang, w in weights[k].items():
            load[lang][side] += sign * w
            npk[lang][side] += sign

    def cost(lang: str) -> float:
        c = sum((load[lang][s] / total[lang] - frac[s]) ** 2 for s in SPLITS)
        if len(by_lang[lang]) >= 3:
            c += sum(10.0 for s in SPLITS if frac[s] > 0 and npk[lang][s] == 0)
        return c

    # Greedy start: rarest languages first; each package to the side its language lacks most.
    for lang in sorted(by_lang, key=lambda g: (len(by_lang[g]), g)):
        for k in by_lang[lang]:
            if k in assign:
                continue
            n_pk = len(by_lang[lang])
            missing = [s for s in ("test", "dev", "train") if frac[s] > 0 and npk[lang][s] == 0]
            if n_pk >= 3 and missing:
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
        if not improved:
            break
    return assign


def split_by_package(
    snippets: Iterable[dict[str, Any]],
    seed: int = 0,
    dev: float = 0.15,
    test: float = 0.25,
    groups: dict[str, str] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """``{"train", "dev", "test"}`` lists of snippets; all snippets of a package (``registry:
    package``, or the group ``groups`` maps it to) are on the same side. Deterministic.

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
    assign = assign_splits(langs, seed=seed, dev=dev, test=test)
    parts: dict[str, list[dict[str, Any]]] = {s: [] for s in SPLITS}
    for s in snippets:
        parts[assign[groups.get(_package_of(s), _package_of(s))]].append(s)
    return parts
