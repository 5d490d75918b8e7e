"""fit saves its split, so compare can score the same rows; JSONL strings may hold U+0085."""

from __future__ import annotations

import csv
import dataclasses
import json

from lmtask import ladder
from lmtask.data import load_split, read_table
from lmtask.ladder import auto

ROWS = [(f"I really love thing number {i}, wonderful!", "positive") for i in range(20)] + [
    (f"I truly hate thing number {i}, awful.", "negative") for i in range(20)
]


def test_compare_with_fits_split_scores_fits_test_rows(tmp_path, monkeypatch, tiny_bert):
    path = tmp_path / "d.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([("text", "label"), *ROWS])
    rungs = tuple(
        dataclasses.replace(r, model=tiny_bert, spec=r.spec.replace("epochs=3", "epochs=1"))
        for r in auto.RUNGS if r.name in ("majority", "finetune-head")
    )  # fmt: skip
    monkeypatch.setattr(auto, "RUNGS", rungs)
    monkeypatch.setattr(auto, "timed_probe", lambda *a, **k: auto.Probe(0.01, 0.05))
    out = tmp_path / "fit"
    run = ladder.fit(ladder.DataArgs(path), out, budget_s=600)
    parts = load_split(out / "split.json", read_table(path))
    assert len(parts.test) == run.test["n"] == 6 and len(parts.dev) == 6
    assert not set(parts.test.texts) & (set(parts.train.texts) | set(parts.dev.texts))
    cmp = ladder.compare_specs(ladder.DataArgs(path, split_file=out / "split.json"),
                               "majority", tmp_path / "cmp")  # fmt: skip
    assert cmp.rows.texts == parts.test.texts
    assert cmp.pool is not None and cmp.pool.texts == parts.train.texts  # dev rows unused


def test_jsonl_strings_with_unicode_line_breaks(tmp_path):
    texts = ["worst airline ever \x85 really", "a\u2028b", "plain"]
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps({"text": t, "label": "x"}, ensure_ascii=False) + "\n"
                            for t in texts), encoding="utf-8")  # fmt: skip
    assert read_table(path).texts == texts
