"""More training windows from the packages already on one side of a built corpus.

The corpus keeps at most ``max_per_package`` snippets per package and language (40) and a few
windows per file, so that no package dominates a split. A detector learns more from more
windows of the same training packages: :func:`build_extra` re-extracts the packages of the
chosen sides (``train``, or ``train`` and ``dev`` for a final model) from the cached
archives, cuts up to ``per_language`` windows per package and language with up to
``windows_per_file`` per file, and writes them as ``extra-<side>.jsonl`` next to the corpus.

What it never does: take a window from a package of another side, one that is a near
duplicate (:class:`~lmtask.data.code.dedup.Dedup`) of any snippet of the corpus, or one from
a file whose content is also in a package of another side (every package's files are hashed,
so a vendored file shared with a test package stays out). So ``extra-train.jsonl`` is fit to
train a model chosen on dev, and ``extra-dev.jsonl`` to add to a final model's training. The
corpus files themselves are not changed, so the test split stays what it was.

>>> out = build_extra("~/.cache/lmtask-corpus/code-languages", sides=("train",))  # doctest: +SKIP
>>> sorted(p.name for p in out)  # doctest: +SKIP
['extra-train.jsonl']
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lmtask.atomic import write_atomic
from lmtask.data.code.builder import load_manifest
from lmtask.data.code.dedup import Dedup, file_hash
from lmtask.data.code.download import fetch, safe_name
from lmtask.data.code.languages import MAX_FILE_BYTES
from lmtask.data.code.snippets import snippets_from_tree
from lmtask.data.code.sources import Source
from lmtask.data.code.split import SPLITS
from lmtask.errors import InputError

ORDER = ("text", "label", "package", "version", "registry", "path", "start_line")


def _source(entry: dict[str, Any]) -> Source:
    return Source(entry["kind"], entry["name"], entry.get("version"), tuple(entry["expected"]))


def _tree_hashes(tree: Path) -> set[str]:
    """:func:`file_hash` of every readable text file under ``tree``."""
    out = set()
    for p in tree.rglob("*"):
        try:
            if not p.is_file() or p.is_symlink() or not 0 < p.stat().st_size <= MAX_FILE_BYTES:
                continue
            out.add(file_hash(p.read_bytes().decode("utf-8-sig")))
        except (OSError, UnicodeDecodeError):
            continue
    return out


def _fetch_tree(entry: dict[str, Any], work: Path) -> Path:
    """The package's tree, re-extracted from its cached archive (the exact version built)."""
    src = _source(entry)
    if src.registry in ("pypi", "npm") or src.version is None:
        src = Source(src.registry, src.name, entry.get("version"), src.languages)
    try:
        return fetch(src, work / "packages")
    except InputError:  # the build fetched it under the version it was listed with
        return fetch(_source(entry), work / "packages")


def _drop_tree(tree: Path, work: Path) -> None:
    if tree.is_dir() and (work / "packages") in tree.parents:
        shutil.rmtree(tree, ignore_errors=True)
        (tree.parent / "done").unlink(missing_ok=True)


def package_file_hashes(entry: dict[str, Any], work: Path) -> set[str]:
    """:func:`file_hash` of every text file of one built package (a manifest entry).

    Cached in ``work/file-hashes/``, so a second call re-extracts nothing."""
    cache = work / "file-hashes" / f"{safe_name(_source(entry).key)}-{entry['version']}.json"
    if cache.exists():
        return set(json.loads(cache.read_text()))
    tree = _fetch_tree(entry, work)
    hashes = _tree_hashes(tree)
    _drop_tree(tree, work)
    write_atomic(cache, json.dumps(sorted(hashes)))
    return hashes


def build_extra(
    corpus: str | os.PathLike[str],
    sides: Sequence[str] = ("train",),
    *,
    per_language: int = 160,
    windows_per_file: int = 12,
    seed: int = 0,
    log: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write ``extra-<side>.jsonl`` for each of ``sides`` into ``corpus``; return the files.

    Rows have the corpus's fields (``text``, ``label``, provenance). Needs the archives the
    build cached under ``corpus/.work`` (it downloads a package again only if they are gone).
    """
    corpus = Path(corpus).expanduser()
    manifest = load_manifest(corpus)
    bad = [s for s in sides if s not in SPLITS or s == "test"]
    if bad or not sides:
        raise InputError(f"extra windows are for training sides (train, dev), not {list(sides)}")
    work = corpus / ".work"
    dedup = Dedup()
    for side in SPLITS:
        for line in (corpus / f"{side}.jsonl").read_text().splitlines():
            dedup.add(json.loads(line)["text"])
    entries = sorted(manifest["packages"], key=lambda e: (e["kind"], e["name"]))
    hashes: dict[str, set[str]] = {side: set() for side in SPLITS}  # file hashes per side
    cut: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    for e in entries:
        side = e.get("split")
        if side not in SPLITS:
            continue
        if side not in sides:
            hashes[side] |= package_file_hashes(e, work)
            continue
        tree = _fetch_tree(e, work)
        hashes[side] |= _tree_hashes(tree)
        reg = _source(e).provenance_registry
        cut.append((e, snippets_from_tree(tree, e["name"], e["version"], reg, seed,
                                          max_per_language=per_language,
                                          max_windows_per_file=windows_per_file)))  # fmt: skip
        _drop_tree(tree, work)
    rows: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
    elsewhere = {side: set().union(*(h for o, h in hashes.items() if o != side)) for side in sides}
    for e, snippets in cut:
        side = e["split"]
        kept = 0
        for snip in snippets:
            if snip["_file"] in elsewhere[side] or dedup.seen(snip["text"]):
                continue
            dedup.add(snip["text"])
            rows[side].append({k: snip[k] for k in ORDER})
            kept += 1
        if log is not None:
            log(f"{e['kind']}:{e['name']} ({side}): {kept} extra windows")
    written = []
    for side, rs in rows.items():
        path = corpus / f"extra-{side}.jsonl"
        write_atomic(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rs))
        written.append(path)
    return written
