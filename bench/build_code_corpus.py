"""Build the code-language corpus (train/dev/test split by package) and print its counts.

    python bench/build_code_corpus.py [--out DIR] [--seed 0] [--only debian-src:jq ...]

Downloads the packages of ``lmtask.data.code.SOURCES`` (PyPI, npm, Debian), cuts
5-40 line snippets and writes ``train.jsonl``, ``dev.jsonl``, ``test.jsonl`` and
``manifest.json`` into ``--out`` (default ``~/.cache/lmtask-corpus/code-languages``).
Resumable: run it again after a stop and finished packages are skipped.
"""

from __future__ import annotations

import argparse
import sys
import time

from lmtask.data import code as cc
from lmtask.errors import LmtaskError


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(cc.DEFAULT_OUT))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-per-package", type=int, default=40)
    ap.add_argument("--only", nargs="*", help="package specs instead of the full list")
    args = ap.parse_args(argv)
    sources = [cc.Source.parse(s) for s in args.only] if args.only else None
    t0 = time.perf_counter()
    try:
        out = cc.build(
            args.out,
            sources,
            seed=args.seed,
            max_per_package=args.max_per_package,
            log=lambda m: print(m, file=sys.stderr),
        )
    except LmtaskError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    manifest = cc.load_manifest(out)
    print(cc.corpus_table(manifest))
    print(f"\n{out}: {sum(manifest['totals'].values())} snippets, "
          f"{len(manifest['packages'])} packages, {time.perf_counter() - t0:.0f} s")  # fmt: skip
    if manifest["failed"]:
        print(f"failed: {[f['package'] for f in manifest['failed']]}")
    if manifest["missing_languages"]:
        print(f"missing languages: {manifest['missing_languages']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
