"""What the batch engines' strict input check costs, against pyarrow's read of the same file.

``lmtask batch`` reads each CSV/JSONL shard once with Python's csv/json before pyarrow does
(``lmtask.batch.io``): a quote left open, a bad JSON line or a column of text and numbers is
an error naming the line, where pyarrow would merge rows or count them from 0. This times
both on generated shards (the texts of the packaged tweets, with an id column), in one run.

    .venv/bin/python bench/batch_input_check.py --rows 200000

Prints a markdown table (bench/RESULTS.md, "Batch engines").
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import tempfile
import time
from pathlib import Path

from lmtask.batch.io import _check_jsonl, pa_modules
from lmtask.data import load_dataset
from lmtask.data.delimited import check_csv


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    args = ap.parse_args()
    _, pcsv, pjson, _ = pa_modules()
    texts = load_dataset("tweets").texts
    rows = [(i, texts[i % len(texts)]) for i in range(args.rows)]
    lines = [
        "| shard | rows | MB | pyarrow read s | strict check s | check / read |",
        "|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        c, j = Path(tmp) / "a.csv", Path(tmp) / "a.jsonl"
        with open(c, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["id", "text"])
            w.writerows(rows)
        j.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in rows))
        opts = pcsv.ParseOptions(newlines_in_values=True)
        for name, path, read, check in (
            ("CSV", c, lambda: pcsv.read_csv(c, parse_options=opts), lambda: check_csv(c)),
            ("JSONL", j, lambda: pjson.read_json(j), lambda: _check_jsonl(str(j))),
        ):
            r, k = best(read), best(check)
            lines.append(f"| {name} | {args.rows:,} | {path.stat().st_size / 1e6:.1f} | "
                         f"{r:.2f} | {k:.2f} | {k / r:.1f}x |")  # fmt: skip
    print("\n".join(lines))


if __name__ == "__main__":
    main()
