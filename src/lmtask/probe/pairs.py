"""Counterfactual sets: one text written once per group of an attribute, all else the same.

From templates (:func:`template_sets`: "{person} feels {emotion}." with each group's word in the
slot) or from your own texts (:func:`data_sets`: every word of the attribute found in a text,
by whole words, is replaced by a word of each group in turn; the case of the original is kept
and nothing else of the text is touched: no tokenizer round trip). Pairs are every two groups
of one set (:func:`pairs_of`). Everything is drawn from ``random.Random`` seeded by the seed
and the attribute's name, so the same seed gives the same sets.

>>> from lmtask.probe.attributes import load_attributes
>>> gw = load_attributes()["gender-words"]
>>> substitute("She met Her mother; AN old friend of HERS.", gw, "male")
'He met His father; AN old friend of HIS.'
>>> s = data_sets(["My wife is an actress."], [gw])[0]
>>> s.texts
{'female': 'My wife is an actress.', 'male': 'My husband is an actor.'}
>>> age = load_attributes()["age"]
>>> substitute("an elderly man and a teenage girl", age, "young")
'a teenage man and a teenage girl'
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from lmtask.errors import InputError
from lmtask.probe.attributes import Attribute, Templates

_VOWEL = "aeiouAEIOU"


@dataclass(frozen=True)
class CounterfactualSet:
    """One base text written once per group (``texts``: group -> text)."""

    attribute: str
    base: str  # where it comes from: "template 3" or "data row 12"
    texts: dict[str, str]
    words: dict[str, str]  # group -> the attribute's word(s) in its text

    def pairs(self) -> list[dict[str, Any]]:
        """Every two groups, in the attribute's group order (a before b)."""
        groups = list(self.texts)
        return [
            {"attribute": self.attribute, "base": self.base, "group_a": a, "group_b": b,
             "word_a": self.words[a], "word_b": self.words[b],
             "text_a": self.texts[a], "text_b": self.texts[b]}
            for i, a in enumerate(groups) for b in groups[i + 1:]
        ]  # fmt: skip


def pairs_of(sets: Iterable[CounterfactualSet]) -> list[dict[str, Any]]:
    """All pairs of all sets, in order."""
    return [p for s in sets for p in s.pairs()]


def keep_case(original: str, word: str) -> str:
    """``word`` written in the case of ``original`` (ALL CAPS, Capitalised or lower).

    >>> keep_case("SHE", "he"), keep_case("Her", "his"), keep_case("my mother", "My father")
    ('HE', 'His', 'my father')
    >>> keep_case("the ACTOR", "the actress")
    'the ACTRESS'

    """
    parts, new = re.split(r"(\s+)", original), word.split()
    if len(new) > 1 and len(new) == len(parts[::2]):  # word by word, spaces as they were
        parts[::2] = [keep_case(o, n) for o, n in zip(parts[::2], new, strict=True)]
        return "".join(parts)
    letters = [c for c in original if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return word.upper()
    if original[:1].isupper():
        return word[:1].upper() + word[1:]
    if original[:1].islower():
        return word[:1].lower() + word[1:]
    return word


def _article(article: str, word: str) -> str:
    """The article "a"/"an" as ``word`` needs it, in the case of ``article`` ("A", "An", "AN")."""
    new = "an" if word[:1] in _VOWEL else "a"
    if len(article) > 1 and article.isupper():
        return new.upper()
    return new[:1].upper() + new[1:] if article[:1].isupper() else new


def pattern(attribute: Attribute) -> re.Pattern[str]:
    """Whole-word matches of any word of ``attribute`` (longest first), with the article
    ("a"/"an") before it when there is one."""
    words = sorted({w for ws in attribute.groups.values() for w in ws}, key=len, reverse=True)
    alts = "|".join(r"\s+".join(map(re.escape, w.split())) for w in words)
    flags = 0 if attribute.case_sensitive else re.IGNORECASE
    return re.compile(
        rf"(?:(?<![\w-])(?P<art>(?i:an?))(?P<sp>\s+))?(?<![\w-])(?P<word>{alts})(?![\w-])", flags
    )


def substitute(
    text: str, attribute: Attribute, group: str, choose: Any = None, pat: Any = None
) -> str:
    """``text`` with every word of ``attribute`` replaced by its stand-in in ``group``.

    Aligned lists use the word at the same place; others ask ``choose(word, group)`` (default:
    the group's first word). The article before a replaced word follows it (a/an).
    """
    pat = pat or pattern(attribute)

    def repl(m: re.Match[str]) -> str:
        word = m.group("word")
        if attribute.aligned:
            new = attribute.partner(word, group) or word
        else:
            new = choose(word, group) if choose else attribute.groups[group][0]
        new = keep_case(word, new)
        art = m.group("art")
        if art is None:
            return new
        return _article(art, new) + m.group("sp") + new

    return pat.sub(repl, text)


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join(map(str, (seed, *parts))))


def _fill(template: str, slot: str, word: str, fillers: dict[str, str]) -> str:
    def art(m: re.Match[str]) -> str:
        return _article(m.group(1), word) + m.group(2)

    out = re.sub(rf"(?<![\w-])([Aa]n?)(\s+)(?=\{{{slot}\}})", art, template)
    out = out.replace("{" + slot + "}", word)
    for k, v in fillers.items():
        out = out.replace("{" + k + "}", v)
    return out[:1].upper() + out[1:]


def template_sets(
    attributes: Sequence[Attribute], templates: Templates, per_attribute: int = 30, seed: int = 0
) -> list[CounterfactualSet]:
    """``per_attribute`` distinct sets per attribute from the templates of its slot (templates
    taken in turn; fillers and, per group, the slot's word drawn at random)."""
    if per_attribute < 1:
        raise InputError(f"per_attribute must be at least 1, not {per_attribute}")
    out: list[CounterfactualSet] = []
    for attr in attributes:
        tpls = templates.templates.get(attr.slot)
        if not tpls:
            raise InputError(
                f"attribute {attr.name!r} fills the slot {{{attr.slot}}}, which no template has; "
                f"template slots: {', '.join(sorted(templates.templates))}"
            )
        rng = _rng(seed, attr.name)
        seen: set[tuple[str, ...]] = set()
        made = 0
        for k in range(per_attribute * 20):
            if made == per_attribute:
                break
            t = k % len(tpls)
            tpl = tpls[t]
            fill = {f: rng.choice(v) for f, v in templates.fillers.items() if "{" + f + "}" in tpl}
            if attr.aligned:
                i = rng.randrange(len(attr.slot_words(attr.group_names[0])))
                words = {g: attr.slot_words(g)[i] for g in attr.group_names}
            else:
                words = {g: rng.choice(attr.slot_words(g)) for g in attr.group_names}
            texts = {g: _fill(tpl, attr.slot, w, fill) for g, w in words.items()}
            key = tuple(texts.values())
            if key in seen or len(set(key)) < len(key):
                continue
            seen.add(key)
            made += 1
            out.append(CounterfactualSet(attr.name, f"template {t}", texts, words))
    return out


def data_sets(
    texts: Sequence[str],
    attributes: Sequence[Attribute],
    per_attribute: int | None = None,
    seed: int = 0,
) -> list[CounterfactualSet]:
    """Sets from your own ``texts``: each text in which a word of an attribute stands, written
    once per group. Names (lists that are not aligned) get a stand-in drawn per text and name.
    At most ``per_attribute`` texts per attribute (a seeded sample of those that match)."""
    out: list[CounterfactualSet] = []
    for attr in attributes:
        pat = pattern(attr)
        rng = _rng(seed, attr.name)
        hits = [i for i, t in enumerate(texts) if pat.search(t)]
        if per_attribute is not None and len(hits) > per_attribute:
            hits = sorted(rng.sample(hits, per_attribute))
        for i in hits:
            picks: dict[tuple[str, str], str] = {}
            row_rng = _rng(seed, attr.name, i)

            def choose(word: str, group: str, picks=picks, row_rng=row_rng, attr=attr) -> str:
                key = (word, group)
                if key not in picks:
                    own = attr.group_of(word)
                    picks[key] = word if own == group else row_rng.choice(attr.groups[group])
                return picks[key]

            variants = {g: substitute(texts[i], attr, g, choose, pat) for g in attr.group_names}
            if len(set(variants.values())) < len(variants):
                continue  # a word with no distinct stand-in (an aligned list repeating it)
            words = {g: ", ".join(dict.fromkeys(m.group("word") for m in pat.finditer(v)))
                     for g, v in variants.items()}  # fmt: skip
            out.append(CounterfactualSet(attr.name, f"data row {i}", variants, words))
    return out


__all__ = [
    "CounterfactualSet",
    "data_sets",
    "keep_case",
    "pairs_of",
    "pattern",
    "substitute",
    "template_sets",
]
