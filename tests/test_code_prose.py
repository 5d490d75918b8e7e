"""The corpus's prose filter (lmtask.data.code.prose) and the per-side package minimum of the
split, offline on small made-up files."""

from __future__ import annotations

from collections import Counter

from lmtask.data.code import snippets_from_tree
from lmtask.data.code.prose import (
    foreign_mask,
    is_text_dominated,
    prose_line,
    yaml_block_scalar_lines,
)
from lmtask.data.code.split import assign_splits

PROSE = [
    "The filter takes its input and produces the same value as its output.",
    "This is useful when you want to pass a value through a pipeline unchanged.",
    "It is also the identity of the language, and the manual says so in a section.",
    "When the input is an array, each of its elements is passed on in turn.",
]


def test_prose_lines_and_code_lines():
    assert all(prose_line(p) for p in PROSE)
    code = [
        'static let data = "data"',
        "for (int i = 0; i < n; i++) { sum += a[i]; }",
        "SELECT name, total FROM orders WHERE total > 10 ORDER BY total",
        "CREATE TABLE foo (a, b) ON COMMIT PRESERVE ROWS TABLESPACE data",
        "x <- c(1, 2, 3)",
        "    return value.strip()",
    ]
    assert not any(prose_line(c) for c in code)
    # a YAML list item or key holding a sentence is prose once the dash and key are removed
    assert prose_line("- " + PROSE[0], yaml=True)
    assert prose_line("description: " + PROSE[1], yaml=True)
    assert not prose_line("description: " + PROSE[1].replace(" ", "_"), yaml=True)


def test_yaml_block_scalars_and_comments():
    lines = ["steps:", "  - run: |", "      make", "", "      make test", "  - name: x", "a: >-"]
    assert yaml_block_scalar_lines(lines) == [False, False, True, True, True, False, False]
    # prose in a comment is written in the language's own syntax: not foreign
    commented = ["# " + p for p in PROSE] + ["x = 1"]
    assert not any(foreign_mask(commented, "Python"))
    # the same prose unmarked (a docstring's middle, a text file) is foreign
    assert foreign_mask([*PROSE, "x = 1"], "Python") == [True] * 4 + [False]
    # Markdown's content is prose: never foreign
    assert not any(foreign_mask(PROSE, "Markdown"))
    assert is_text_dominated([*PROSE, "x = 1"], "Python")
    assert not is_text_dominated([*PROSE[:1], "x = 1", "y = 2"], "Python")


def test_windows_inside_block_scalars_are_not_cut(tmp_path):
    doc = "".join(
        f"- title: Section {i}\n  body: |\n" + "".join(f"    {p}\n" for p in PROSE * 3)
        for i in range(30)
    )
    plain = "".join(
        f"job{i}:\n  image: python:3.{i}\n  script:\n    - make test{i}\n  retry: {i}\n"
        for i in range(60)
    )
    (tmp_path / "manual.yml").write_text(doc)
    (tmp_path / "ci.yml").write_text(plain)
    snips = snippets_from_tree(tmp_path, "demo", "1.0", "pypi", seed=0)
    paths = Counter(s["path"] for s in snips)
    assert paths["ci.yml"] >= 1
    assert paths["manual.yml"] == 0  # every window there is at least half block-scalar prose
    for s in snips:
        assert not is_text_dominated(s["text"].splitlines(), "YAML")


def test_split_keeps_a_minimum_of_packages_per_side():
    pl = {f"p{i:02d}": {"Go": 40} for i in range(16)}
    sides = assign_splits(pl, seed=3, min_packages=4)
    assert Counter(sides.values()) == Counter(train=8, dev=4, test=4)
    # fewer packages: fewer than a third on each evaluation side, train keeps the most
    sides = assign_splits({k: pl[k] for k in sorted(pl)[:10]}, seed=3, min_packages=4)
    assert Counter(sides.values()) == Counter(train=4, dev=3, test=3)
    # the old behaviour, one per side, by default
    sides = assign_splits(pl, seed=3)
    assert Counter(sides.values())["dev"] >= 1 and Counter(sides.values())["train"] >= 6
    # a package with fewer than min_snippets snippets of a language does not count for it
    pl = {f"p{i}": {"Lua": 40} for i in range(3)} | {f"q{i}": {"Lua": 2} for i in range(9)}
    sides = assign_splits(pl, seed=0, min_packages=4)
    big = Counter(sides[f"p{i}"] for i in range(3))
    assert big == Counter(train=1, dev=1, test=1)
    # deterministic for a seed
    assert assign_splits(pl, seed=0, min_packages=4) == sides


def test_code_fences_in_markdown_and_json_in_yaml_are_foreign(tmp_path):
    md = ["# Title", "", "Some words.", "```haskell", "main = print 1", "f x = x", "```", "End."]
    assert foreign_mask(md, "Markdown") == [False] * 3 + [True] * 4 + [False]
    json_yaml = ["{", '  "name": "base",', '  "fields": [{"type": "string"}],', '  "x": 1', "}"]
    assert all(foreign_mask(json_yaml, "YAML"))
    assert not any(foreign_mask(["a: [1, 2]", "b: {c: 1}", "d: 'x {'"], "YAML"))
    # a README that is mostly one fenced block gives no window from inside the block
    body = "".join(f"    step{i} :: Int -> Int\n    step{i} x = x + {i}\n" for i in range(40))
    (tmp_path / "README.md").write_text("# Demo\n\n```haskell\n" + body + "```\n")
    assert snippets_from_tree(tmp_path, "demo", "1.0", "pypi", seed=0) == []


def test_build_records_package_minimums_and_drops_stale_extra_windows(tmp_path, monkeypatch):
    from lmtask.data import code as cc
    from lmtask.data.code import builder
    from tests.test_code import FAKE_SOURCES, _fake_fetch

    monkeypatch.setattr(builder, "fetch", _fake_fetch([]))
    out = tmp_path / "corpus"
    out.mkdir()
    (out / "extra-train.jsonl").write_text("{}\n")  # cut for an earlier split
    cc.build(out, FAKE_SOURCES, seed=0, progress=False, max_per_package=6, min_packages=2)
    manifest = cc.load_manifest(out)
    assert manifest["min_packages"] == 2 and not (out / "extra-train.jsonl").exists()
    # packages with >= 5 snippets of a language (these fake ones have 3 each: none)
    five, every = manifest["package_counts_min5"], manifest["package_counts"]
    assert every["train"]["Python"] >= 1 and five["train"].get("Python", 0) == 0
    assert "with >= 5 snippets" in cc.corpus_table(manifest)
