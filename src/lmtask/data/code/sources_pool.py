"""The training-only package pool (:mod:`lmtask.data.code.pool`): packages that add to the
training side of the corpus and are never on dev or test.

Chosen for the languages the detector confuses most on dev (Scala, Makefile, TypeScript and
JavaScript, YAML, C++) and for the languages with the fewest training packages; none is in
the corpus table or on the reserved list (both checked when the pool is built). Versions are
exact: Debian bookworm, and PyPI/npm versions current when the pool was built.

>>> len(POOL_SOURCES) > 0 and all(s.languages for s in POOL_SOURCES)
True
"""

from __future__ import annotations

from lmtask.data.code.sources import parse_table

POOL_TABLE = """
npm:lodash-es@4.18.1                                            JavaScript
pypi:pyyaml==6.0.4                                              Python
debian-src:hello=2.10-3                                         C,Shell
"""

POOL_SOURCES = parse_table(POOL_TABLE)
