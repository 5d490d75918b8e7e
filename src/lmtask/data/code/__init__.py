"""A code-language corpus built from real package archives, split by package.

Snippets of 5-40 lines are cut from the source files of PyPI sdists/wheels, npm packages and
Debian binary/source packages, labelled with one of 25 languages by file name, and written as
``train.jsonl``, ``dev.jsonl`` and ``test.jsonl`` plus a ``manifest.json``. A package is on one
side of the split only, so a score on ``test`` is a score on code from packages never trained
on. Every snippet keeps its provenance (registry, package, version, path, start line).

Packages reserved for independent evaluation (``shared/DATA.md``) are refused by name, by
their Debian source package, and the Python standard library is never read.

One job a module: ``languages`` (the 25 languages, a file's language), ``reserved`` (the
reserved packages), ``sources`` (:class:`Source`, the ``SOURCES`` table) and
``sources_added`` (the packages added in builder version 2), ``command``, ``archives``,
``debian`` and ``download`` (fetching and extracting), ``filters`` (comments, licence
headers, generated files), ``prose`` (windows that are mostly prose or embedded text: YAML
block scalars, JSON in YAML, Markdown code fences), ``dedup``, ``snippets`` (windows from one
tree), ``split`` (by package, with a minimum of packages per side), ``builder`` (the whole
build, its manifest, resume), ``extra`` (more training windows from the packages of the
training sides) and ``pool`` with ``sources_pool`` (training-only packages, never on dev or
test).

>>> language_of("src/app/main.py"), language_of("GNUmakefile"), language_of("x.h")
('Python', 'Makefile', None)
>>> language_of("bin/run", first_line="#!/usr/bin/env bash")
'Shell'
>>> check_allowed("npm", "axios")
Traceback (most recent call last):
...
lmtask.errors.InputError: npm package 'axios' is reserved for independent evaluation \
(shared/DATA.md): it is never used to build training data
>>> Source.parse("debian-src:haskell-split=0.2.3.5-1")
Source(registry='debian-src', name='haskell-split', version='0.2.3.5-1', languages=())
>>> out = build("/tmp/code-languages")  # doctest: +SKIP
>>> load_manifest(out)["totals"]  # doctest: +SKIP
{'train': ..., 'dev': ..., 'test': ...}

No torch or transformers here: the data layer stays light (stdlib, rich).
"""

from __future__ import annotations

from lmtask.data.code.builder import (
    BUILDER_VERSION,
    DEFAULT_OUT,
    build,
    corpus_table,
    load_manifest,
)
from lmtask.data.code.download import fetch, fetched_meta
from lmtask.data.code.extra import build_extra
from lmtask.data.code.filters import comment_mask, is_generated, strip_licence_header
from lmtask.data.code.languages import LANGUAGES, language_of
from lmtask.data.code.pool import POOL_FILE, build_pool
from lmtask.data.code.prose import foreign_mask, is_text_dominated
from lmtask.data.code.reserved import REGISTRIES, check_allowed
from lmtask.data.code.snippets import (
    MAX_LINES,
    MAX_WINDOWS_PER_FILE,
    MIN_LINES,
    snippets_from_tree,
)
from lmtask.data.code.sources import SOURCES, Source
from lmtask.data.code.split import SPLITS, assign_splits, split_by_package

__all__ = [
    "BUILDER_VERSION",
    "DEFAULT_OUT",
    "LANGUAGES",
    "MAX_LINES",
    "MAX_WINDOWS_PER_FILE",
    "MIN_LINES",
    "POOL_FILE",
    "REGISTRIES",
    "SOURCES",
    "SPLITS",
    "Source",
    "assign_splits",
    "build",
    "build_extra",
    "build_pool",
    "check_allowed",
    "comment_mask",
    "corpus_table",
    "fetch",
    "fetched_meta",
    "foreign_mask",
    "is_generated",
    "is_text_dominated",
    "language_of",
    "load_manifest",
    "snippets_from_tree",
    "split_by_package",
    "strip_licence_header",
]
