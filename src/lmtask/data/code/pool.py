"""Training-only packages: more packages for a detector to learn from, splits untouched.

A detector does better on packages it never saw when it trained on more packages (on dev,
the n-gram model lost 0.057 macro with half of train's packages, far more than it gained
from more windows of the same packages). :func:`build_pool` takes the packages of a second
table (:data:`lmtask.data.code.sources_pool.POOL_SOURCES`) and writes their snippets as
``pool-train.jsonl`` next to the corpus, with a ``pool-manifest.json``. The corpus files are
not changed, so dev and test stay what every earlier number was measured on.

What it never takes:

- a package that is already in the corpus (same registry and name, the same name in another
  registry, or the same Debian source package), or a reserved one (``shared/DATA.md``);
- a window from a file whose content is in any dev or test package (every file of those
  packages is hashed, as :mod:`lmtask.data.code.extra` does);
- a window that is a near duplicate of any corpus snippet or of an earlier pool snippet.

Each package gives at most ``max_per_package`` snippets in the languages it is listed for and
``max_incidental`` in the others, as in the corpus. Resumable: downloads and each package's
snippets are cached under ``work_dir``.

>>> path = build_pool("~/.cache/lmtask-corpus/code-languages")  # doctest: +SKIP
>>> path.name  # doctest: +SKIP
'pool-train.jsonl'
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lmtask.atomic import write_atomic
from lmtask.data.code.builder import DEFAULT_OUT, extract_package, load_manifest, progress_bar
from lmtask.data.code.dedup import Dedup
from lmtask.data.code.extra import ORDER, package_file_hashes
from lmtask.data.code.reserved import check_allowed
from lmtask.data.code.sources import Source
from lmtask.data.code.split import SPLITS
from lmtask.errors import InputError

POOL_FILE = "pool-train.jsonl"
POOL_MANIFEST = "pool-manifest.json"


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _check_new(sources: Sequence[Source], manifest: dict[str, Any]) -> None:
    """Refuse a pool package that is in the corpus, reserved, or listed twice."""
    in_corpus = {_norm(e["name"]): e for e in manifest["packages"]}
    seen: set[str] = set()
    for src in sources:
        check_allowed(src.registry, src.name)
        old = in_corpus.get(_norm(src.name))
        if old is not None:
            raise InputError(
                f"pool package {src.key!r} is already in the corpus as "
                f"{old['kind']}:{old['name']} ({old['split']}): take it out of the pool"
            )
        if _norm(src.name) in seen:
            raise InputError(f"pool package {src.name!r} is listed twice")
        seen.add(_norm(src.name))


def build_pool(
    corpus: str | os.PathLike[str] = DEFAULT_OUT,
    sources: Sequence[Source] | None = None,
    *,
    seed: int = 0,
    max_per_package: int = 40,
    max_incidental: int = 8,
    work_dir: str | os.PathLike[str] | None = None,
    strict: bool = False,
    progress: bool | None = None,
    log: Callable[[str], None] | None = None,
) -> Path:
    """Write ``pool-train.jsonl`` and ``pool-manifest.json`` into ``corpus``; return the first.

    ``sources``: the pool packages (default :data:`POOL_SOURCES`); ``work_dir``: their
    downloads and per-package caches (default ``corpus/.work``, shared with the corpus build).
    The dev and test packages are always hashed from the corpus's own ``corpus/.work``. A
    package that cannot be fetched is listed under ``failed`` (``strict=True`` raises instead).
    """
    from lmtask.data.code.sources_pool import POOL_SOURCES

    t0 = time.perf_counter()
    corpus = Path(corpus).expanduser()
    manifest = load_manifest(corpus)
    sources = list(POOL_SOURCES if sources is None else sources)
    if not sources:
        raise InputError("no pool packages to build from")
    _check_new(sources, manifest)
    work = Path(work_dir).expanduser() if work_dir is not None else corpus / ".work"
    say = log or (lambda _msg: None)

    dedup = Dedup()
    for side in SPLITS:
        for line in (corpus / f"{side}.jsonl").read_text().splitlines():
            dedup.add(json.loads(line)["text"])
    groups = {e["group"] for e in manifest["packages"]}
    held_out: set[str] = set()  # file hashes of the dev and test packages
    entries = [e for e in manifest["packages"] if e.get("split") in ("dev", "test")]
    say(f"hashing the files of {len(entries)} dev and test packages")
    for e in entries:
        held_out |= package_file_hashes(e, corpus / ".work")

    show = sys.stderr.isatty() if progress is None else progress
    bar = progress_bar(len(sources), show)
    task = bar.add_task("", total=len(sources)) if bar is not None else None
    rows: list[dict[str, Any]] = []
    packages: list[dict[str, Any]] = []
    failed: list[dict[str, str]] = []
    if bar is not None:
        bar.start()
    try:
        for src in sorted(sources, key=lambda s: (s.registry, s.name)):
            if bar is not None:
                bar.update(task, description=src.key)
            try:
                pkg = extract_package(src, work, seed, max(max_per_package, max_incidental),
                                      keep_trees=False)  # fmt: skip
            except InputError as e:
                if strict:
                    raise
                failed.append({"package": src.key, "error": str(e)})
                say(f"skipped {src.key}: {e}")
                continue
            finally:
                if bar is not None:
                    bar.advance(task)
            if pkg.group in groups:
                failed.append({"package": src.key, "error": f"{pkg.group} is in the corpus"})
                say(f"skipped {src.key}: its Debian source {pkg.group} is in the corpus")
                continue
            groups.add(pkg.group)
            counts: Counter[str] = Counter()
            for s in pkg.snippets:
                quota = max_per_package if s["label"] in src.languages else max_incidental
                if counts[s["label"]] >= quota or s["_file"] in held_out:
                    continue
                if dedup.seen(s["text"]):
                    continue
                dedup.add(s["text"])
                counts[s["label"]] += 1
                rows.append({k: s[k] for k in ORDER})
            packages.append({"kind": src.registry, "name": src.name, "version": pkg.version,
                             "group": pkg.group, "expected": list(src.languages),
                             "snippets": dict(sorted(counts.items()))})  # fmt: skip
            say(f"{src.key}: {sum(counts.values())} snippets")
    finally:
        if bar is not None:
            bar.stop()

    path = corpus / POOL_FILE
    write_atomic(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    by_lang = Counter(r["label"] for r in rows)
    pkg_counts = Counter(lang for p in packages for lang in p["snippets"])
    pool_manifest = {
        "side": "train",
        "seed": seed,
        "max_per_package": max_per_package,
        "max_incidental": max_incidental,
        "total": len(rows),
        "counts": dict(sorted(by_lang.items())),
        "package_counts": dict(sorted(pkg_counts.items())),
        "packages": packages,
        "failed": failed,
        "build_seconds": round(time.perf_counter() - t0, 1),
    }
    write_atomic(corpus / POOL_MANIFEST, json.dumps(pool_manifest, indent=1) + "\n")
    return path
