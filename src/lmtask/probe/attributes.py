"""Word lists of the bias probe: attributes (groups of words) and sentence templates.

An attribute is a YAML file: a ``name``, the template ``slot`` it fills, and ``groups`` of words
(``female: [...]``, ``male: [...]``). ``aligned: true`` means the n-th word of each group
stands for the n-th word of every other group (she/he, my mother/my father); otherwise any word
of a group may stand for any word of another (first names). The built-in lists live in
``lmtask/probe/wordlists/``; a file or folder of your own (``extra=``, ``--wordlists``) adds
attributes or replaces one of the same name.

>>> attrs = load_attributes()
>>> sorted(attrs)
['age', 'gender-names', 'gender-words', 'nationality', 'origin-names', 'religion']
>>> attrs["gender-words"].partner("my mother", "male")
'my father'
>>> load_templates().templates["person"][0]
'{person} feels {emotion}.'
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lmtask.errors import InputError

WORDLISTS = Path(__file__).parent / "wordlists"
TEMPLATES_FILE = "templates.yaml"
_KEYS = {"name", "description", "slot", "aligned", "case_sensitive", "template_terms", "groups"}
_SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Attribute:
    """Groups of words that differ in one attribute; see the module docstring."""

    name: str
    groups: Mapping[str, tuple[str, ...]]
    slot: str = "person"
    aligned: bool = False
    case_sensitive: bool = False
    template_terms: int | None = None  # aligned lists: only the first N words fit the slot
    description: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        where = f"attribute {self.name!r}" + (f" ({self.source})" if self.source else "")
        if len(self.groups) < 2:
            raise InputError(f"{where} needs at least two groups, has {len(self.groups)}")
        for g, words in self.groups.items():
            if not words or any(not isinstance(w, str) or not w.strip() for w in words):
                raise InputError(f"{where}: group {g!r} needs a list of non-empty words")
        if self.aligned and len({len(w) for w in self.groups.values()}) > 1:
            sizes = ", ".join(f"{g} {len(w)}" for g, w in self.groups.items())
            raise InputError(f"{where} is aligned: every group needs as many words ({sizes})")
        if self.template_terms is not None and self.template_terms < 1:
            raise InputError(f"{where}: template_terms must be at least 1")

    @property
    def group_names(self) -> list[str]:
        return list(self.groups)

    def slot_words(self, group: str) -> tuple[str, ...]:
        """The words of ``group`` that fill a template's slot."""
        words = self.groups[group]
        return words[: self.template_terms] if self.template_terms else words

    def index_of(self, word: str) -> int | None:
        """Aligned lists: the first place ``word`` holds in any group (None if absent)."""
        key = word if self.case_sensitive else word.casefold()
        key = " ".join(key.split())
        for words in self.groups.values():
            for i, w in enumerate(words):
                if (w if self.case_sensitive else w.casefold()) == key:
                    return i
        return None

    def group_of(self, word: str) -> str | None:
        """The first group that lists ``word``."""
        key = " ".join((word if self.case_sensitive else word.casefold()).split())
        for g, words in self.groups.items():
            if key in {w if self.case_sensitive else w.casefold() for w in words}:
                return g
        return None

    def partner(self, word: str, group: str) -> str | None:
        """Aligned lists: the word of ``group`` that stands for ``word``."""
        i = self.index_of(word)
        return None if i is None else self.groups[group][i]


@dataclass(frozen=True)
class Templates:
    """Sentences with one ``{slot}`` and optional ``{filler}`` fields."""

    templates: Mapping[str, tuple[str, ...]]
    fillers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise InputError(f"cannot read word list {path}: {str(e).splitlines()[0]}") from None


def attribute_from_dict(raw: Any, source: str = "") -> Attribute:
    """An :class:`Attribute` from a parsed YAML mapping; unknown keys are refused."""
    if not isinstance(raw, dict) or "name" not in raw or "groups" not in raw:
        raise InputError(f"{source or 'a word list'} needs a 'name' and 'groups' mapping")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise InputError(f"{source}: unknown key {unknown[0]!r}; keys: {', '.join(sorted(_KEYS))}")
    groups = raw["groups"]
    if not isinstance(groups, dict):
        raise InputError(f"{source}: 'groups' must map a group name to a list of words")
    for g, v in groups.items():  # unquoted yes/no/null: YAML booleans, not the words written
        if any(x is None or isinstance(x, bool) for x in [g, *(v if isinstance(v, list) else [])]):
            raise InputError(
                f"{source}: a group or word was read as a boolean or null (YAML reads "
                "yes/no/on/off/true/false/null unquoted so); quote it"
            )
    words = {str(g): tuple(str(w) for w in (v or [])) if isinstance(v, list) else ()
             for g, v in groups.items()}  # fmt: skip
    return Attribute(
        name=str(raw["name"]),
        groups=words,
        slot=str(raw.get("slot", "person")),
        aligned=bool(raw.get("aligned", False)),
        case_sensitive=bool(raw.get("case_sensitive", False)),
        template_terms=raw.get("template_terms"),
        description=str(raw.get("description", "")),
        source=source,
    )


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.glob("*.y*ml") if p.name != TEMPLATES_FILE)
    if path.is_file():
        return [path]
    raise InputError(f"word list not found: {path} (give a .yaml file or a folder of them)")


def load_attributes(
    extra: Iterable[str | os.PathLike[str]] = (), names: Iterable[str] | None = None
) -> dict[str, Attribute]:
    """The built-in attributes, then those in ``extra`` files/folders (same name: replaced);
    ``names`` keeps only those (an unknown name is refused, listing the known ones)."""
    attrs: dict[str, Attribute] = {}
    for path in [WORDLISTS, *map(Path, extra)]:
        for f in _files(path):
            a = attribute_from_dict(_read_yaml(f), source=str(f))
            attrs[a.name] = a
    if names is not None:
        wanted = [n.strip() for n in names if n.strip()]
        unknown = [n for n in wanted if n not in attrs]
        if unknown:
            raise InputError(f"unknown attribute {unknown[0]!r}; known: {', '.join(sorted(attrs))}")
        attrs = {n: attrs[n] for n in wanted}
    if not attrs:
        raise InputError("no attributes to probe")
    return attrs


def load_templates(path: str | os.PathLike[str] | None = None) -> Templates:
    """Templates from ``path`` (default: the built-in ``templates.yaml``)."""
    p = Path(path) if path is not None else WORDLISTS / TEMPLATES_FILE
    raw = _read_yaml(p)
    if not isinstance(raw, dict) or not isinstance(raw.get("templates"), dict):
        raise InputError(f"{p} needs a 'templates' mapping from slot name to sentences")
    fillers = {str(k): tuple(map(str, v)) for k, v in (raw.get("fillers") or {}).items()}
    templates = {str(k): tuple(map(str, v or [])) for k, v in raw["templates"].items()}
    for slot, sentences in templates.items():
        for s in sentences:
            fields = set(_SLOT.findall(s))
            if slot not in fields:
                raise InputError(f"{p}: template {s!r} (slot {slot}) has no {{{slot}}}")
            missing = fields - {slot} - set(fillers)
            if missing:
                raise InputError(f"{p}: template {s!r} uses {{{missing.pop()}}}, not a filler")
    return Templates(templates=templates, fillers=fillers)


__all__ = ["WORDLISTS", "Attribute", "Templates", "load_attributes", "load_templates"]
