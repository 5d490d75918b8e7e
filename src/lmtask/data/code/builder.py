"""Build the corpus: fetch every source, cut snippets, de-duplicate across packages, apply
quotas, split by package, write ``{train,dev,test}.jsonl`` and ``manifest.json``; resumable.

Named ``builder`` rather than ``build`` so that the function :func:`build` re-exported by
:mod:`lmtask.data.code` does not hide this module.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lmtask.atomic import write_atomic
from lmtask.data.code.dedup import Dedup
from lmtask.data.code.download import fetch, fetched_meta, safe_name
from lmtask.data.code.languages import LANGUAGES
from lmtask.data.code.reserved import check_allowed
from lmtask.data.code.snippets import MAX_LINES, MIN_LINES, snippets_from_tree
from lmtask.data.code.sources import SOURCES, Source
from lmtask.data.code.split import SPLITS, split_by_package
from lmtask.errors import InputError

BUILDER_VERSION = "2"  # 2: the prose filter, more packages, min_packages per side
DEFAULT_OUT = Path.home() / ".cache" / "lmtask-corpus" / "code-languages"


@dataclass
class _Package:
    source: Source
    version: str
    group: str  # the split unit: registry:name, or debian:<source package>
    snippets: list[dict[str, Any]]


def _cache_key(source: Source, seed: int, max_per_language: int) -> str:
    return f"v{BUILDER_VERSION}:{seed}:{max_per_language}:{source.spec()}"


def extract_package(
    source: Source, work: Path, seed: int, max_per_language: int, keep_trees: bool
) -> _Package:
    """Snippets of one package, from the per-package cache when it is there."""
    cache = work / "snippets" / f"{safe_name(source.key)}.json"
    key = _cache_key(source, seed, max_per_language)
    if cache.exists():
        try:
            data = json.loads(cache.read_text())
        except (OSError, ValueError):
            data = {}
        if data.get("key") == key:
            return _Package(source, data["version"], data["group"], data["snippets"])
    tree = fetch(source, work / "packages")  # a module global: a test may replace it
    meta = fetched_meta(tree)
    version = str(meta.get("version") or source.version or "unknown")
    reg = source.provenance_registry
    group = f"debian:{meta['debian_source']}" if meta.get("debian_source") else source.key
    snippets = snippets_from_tree(
        tree, source.name, version, reg, seed, max_per_language=max_per_language
    )
    payload = {"key": key, "version": version, "group": group, "snippets": snippets}
    write_atomic(cache, json.dumps(payload, ensure_ascii=False))
    if not keep_trees and tree.is_dir() and (work / "packages") in tree.parents:
        shutil.rmtree(tree, ignore_errors=True)
        (tree.parent / "done").unlink(missing_ok=True)
    return _Package(source, version, group, snippets)


def progress_bar(total: int, enabled: bool) -> Any:
    """A rich bar over packages on stderr, or None."""
    if not enabled:
        return None
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(
        TextColumn("[bold]code corpus"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=Console(stderr=True),
        transient=True,
    )


def build(
    out_dir: str | os.PathLike[str] = DEFAULT_OUT,
    sources: Sequence[Source] | None = None,
    seed: int = 0,
    progress: bool | None = None,
    *,
    dev: float = 0.15,
    test: float = 0.25,
    max_per_package: int = 40,
    max_incidental: int = 8,
    min_packages: int = 4,
    work_dir: str | os.PathLike[str] | None = None,
    keep_trees: bool = False,
    strict: bool = False,
    log: Callable[[str], None] | None = None,
) -> Path:
    """Download, extract, cut, de-duplicate and split; write ``train.jsonl``, ``dev.jsonl``,
    ``test.jsonl`` and ``manifest.json`` into ``out_dir`` (each atomically); return it.

    Each package gives at most ``max_per_package`` snippets in each language it is listed
    for and ``max_incidental`` in any other language found in it. Resumable: downloads and
    each package's snippets are cached under ``work_dir`` (default ``out_dir/.work``), so a
    build that was stopped skips the packages it finished. A package that cannot be fetched
    is listed under ``failed`` in the manifest (``strict=True`` raises instead). ``progress``:
    a bar over packages (default: when stderr is a terminal).

    >>> out = build("/tmp/code-languages", seed=0)  # doctest: +SKIP
    >>> sorted(p.name for p in out.iterdir())  # doctest: +SKIP
    ['.work', 'dev.jsonl', 'manifest.json', 'test.jsonl', 'train.jsonl']
    """
    t0 = time.perf_counter()
    sources = list(SOURCES if sources is None else sources)
    if not sources:
        raise InputError("no packages to build the code corpus from")
    seen_keys: set[str] = set()
    for src in sources:
        check_allowed(src.registry, src.name)
        prov = f"{src.provenance_registry}:{src.name}"
        if prov in seen_keys:
            raise InputError(f"package {src.name!r} ({src.provenance_registry}) is listed twice")
        seen_keys.add(prov)
    out = Path(out_dir)
    work = Path(work_dir) if work_dir is not None else out / ".work"
    work.mkdir(parents=True, exist_ok=True)
    cap = max(max_per_package, max_incidental)
    packages: list[_Package] = []
    failed: list[dict[str, str]] = []
    show = sys.stderr.isatty() if progress is None else progress
    bar = progress_bar(len(sources), show)
    task = bar.add_task("", total=len(sources)) if bar is not None else None
    if bar is not None:
        bar.start()
    try:
        for src in sources:
            if bar is not None:
                bar.update(task, description=src.key)
            try:
                packages.append(extract_package(src, work, seed, cap, keep_trees))
            except InputError as e:
                if strict:
                    raise
                failed.append({"package": src.key, "error": str(e)})
                if log is not None:
                    log(f"skipped {src.key}: {e}")
            if bar is not None:
                bar.advance(task)
    finally:
        if bar is not None:
            bar.stop()

    # One group (Debian source package) may not be listed twice under different binaries.
    by_group: dict[str, list[str]] = defaultdict(list)
    for pkg in packages:
        by_group[pkg.group].append(pkg.source.key)

    # De-duplicate across packages (in a fixed order) and apply the per-package quotas.
    dedup = Dedup()
    kept: list[dict[str, Any]] = []
    per_pkg: dict[str, Counter[str]] = {}
    for pkg in sorted(packages, key=lambda p: (p.source.registry, p.source.name)):
        c: Counter[str] = Counter()
        own_files: set[str] = set()
        for s in pkg.snippets:
            lang = s["label"]
            quota = max_per_package if lang in pkg.source.languages else max_incidental
            if c[lang] >= quota:
                continue
            if s["_file"] in dedup.files and s["_file"] not in own_files:
                continue  # the same file is in a package already taken
            if dedup.seen(s["text"]):
                continue
            dedup.add(s["text"])
            own_files.add(s["_file"])
            c[lang] += 1
            kept.append({k: v for k, v in s.items() if not k.startswith("_")})
        dedup.files.update(own_files)
        per_pkg[pkg.source.key] = c

    # Split on the package as written in each snippet, grouped by Debian source package.
    snippet_groups = {
        f"{pkg.source.provenance_registry}:{pkg.source.name}": pkg.group for pkg in packages
    }
    parts = split_by_package(
        kept, seed=seed, dev=dev, test=test, groups=snippet_groups, min_packages=min_packages
    )
    side_of = {}
    for side, rows in parts.items():
        for r in rows:
            side_of[f"{r['registry']}:{r['package']}"] = side
    prov = {p.source.key: f"{p.source.provenance_registry}:{p.source.name}" for p in packages}

    # Extra windows (lmtask.data.code.extra) follow the split they were cut for, and the pool
    # (lmtask.data.code.pool) was checked against it: a new split makes both stale.
    for stale in [*out.glob("extra-*.jsonl"), *out.glob("pool-*.json*")]:
        stale.unlink()
    order = ("text", "label", "package", "version", "registry", "path", "start_line")
    for side in SPLITS:
        rows = sorted(
            parts[side], key=lambda r: (r["registry"], r["package"], r["path"], r["start_line"])
        )
        text = "".join(
            json.dumps({k: r[k] for k in order}, ensure_ascii=False) + "\n" for r in rows
        )
        write_atomic(out / f"{side}.jsonl", text)

    counts = {
        side: dict(sorted(Counter(r["label"] for r in parts[side]).items())) for side in SPLITS
    }

    def _pkg_counts(least: int) -> dict[str, dict[str, int]]:
        """Packages with at least ``least`` snippets of a language, per side and language."""
        return {
            side: dict(
                sorted(
                    Counter(
                        lang
                        for key, c in per_pkg.items()
                        for lang, n in c.items()
                        if n >= least and side_of.get(prov[key]) == side
                    ).items()
                )
            )
            for side in SPLITS
        }

    pkg_counts = _pkg_counts(1)
    manifest = {
        "builder": "lmtask.data.code",
        "builder_version": BUILDER_VERSION,
        "seed": seed,
        "dev_fraction": dev,
        "test_fraction": test,
        "window_lines": [MIN_LINES, MAX_LINES],
        "max_per_package": max_per_package,
        "max_incidental": max_incidental,
        "min_packages": min_packages,
        "languages": list(LANGUAGES),
        "missing_languages": [
            lang for lang in LANGUAGES if not any(lang in counts[s] for s in SPLITS)
        ],
        "totals": {side: len(parts[side]) for side in SPLITS},
        "counts": counts,
        "package_counts": pkg_counts,
        "package_counts_min5": _pkg_counts(5),  # the packages the split's minimum counts
        "packages": [
            {
                "registry": pkg.source.provenance_registry,
                "kind": pkg.source.registry,
                "name": pkg.source.name,
                "version": pkg.version,
                "group": pkg.group,
                "split": side_of.get(prov[pkg.source.key]),
                "expected": list(pkg.source.languages),
                "snippets": dict(sorted(per_pkg[pkg.source.key].items())),
            }
            for pkg in packages
        ],
        "shared_groups": {g: ks for g, ks in by_group.items() if len(ks) > 1},
        "failed": failed,
        "build_seconds": round(time.perf_counter() - t0, 1),
    }
    write_atomic(out / "manifest.json", json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return out


def load_manifest(out_dir: str | os.PathLike[str] = DEFAULT_OUT) -> dict[str, Any]:
    """The ``manifest.json`` of a built corpus."""
    p = Path(out_dir) / "manifest.json"
    if not p.exists():
        raise InputError(f"no code corpus at {out_dir}: build it with lmtask.data.code.build")
    return json.loads(p.read_text())


def corpus_table(manifest: dict) -> str:
    """Snippets (and packages) per language and split, as a Markdown table."""
    five = "package_counts_min5" in manifest
    rows = [
        "| language | train | dev | test | packages train/dev/test |"
        + (" with >= 5 snippets |" if five else ""),
        "|---|---:|---:|---:|---|" + ("---|" if five else ""),
    ]
    counts, pkgs = manifest["counts"], manifest["package_counts"]
    for lang in manifest["languages"]:
        n = [counts[s].get(lang, 0) for s in SPLITS]
        p = "/".join(str(pkgs[s].get(lang, 0)) for s in SPLITS)
        if five:
            p += " | " + "/".join(
                str(manifest["package_counts_min5"][s].get(lang, 0)) for s in SPLITS
            )
        rows.append(f"| {lang} | {n[0]} | {n[1]} | {n[2]} | {p} |")
    t = manifest["totals"]
    rows.append(f"| **all** | {t['train']} | {t['dev']} | {t['test']} | |" + (" |" if five else ""))
    return "\n".join(rows)
