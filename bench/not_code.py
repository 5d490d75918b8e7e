"""How often ``lmtask.data.code.notcode.not_code`` flags code, prose and tables.

The rule was designed on the code corpus's train, pool and dev windows and on tweets,
bbc-news and the convention speeches; fine-foods, the 2016 debates and the test split are
read only to report. Code: every snippet of each split (flags per language). Prose: 300
texts of each packaged set (seed 0). Tables: 100 CSV tables of 5 rows (id, score, length of
fine-foods reviews, seed 1).

    HF_HUB_OFFLINE=1 .venv/bin/python bench/not_code.py

Prints a markdown table (bench/RESULTS.md, "Texts that are not code").
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

from lmtask.data import load_dataset
from lmtask.data.code import DEFAULT_OUT
from lmtask.data.code.notcode import not_code

SPLITS = ("train", "pool-train", "dev", "test")
PROSE = ("tweets", "bbc-news", "convention-speeches", "fine-foods", "debates-2016")
DESIGNED_ON = {"train", "pool-train", "dev", "tweets", "bbc-news", "convention-speeches"}


def main() -> None:
    corpus = Path(DEFAULT_OUT).expanduser()
    rows = [
        "| texts | designed on | flagged | share | flagged, by label |",
        "|---|---|---|---|---|",
    ]
    for split in SPLITS:
        code = [json.loads(x) for x in (corpus / f"{split}.jsonl").read_text().splitlines()]
        by = Counter(r["label"] for r in code if not_code(r["text"]))
        n = sum(by.values())
        rows.append(f"| code, {split} | {'yes' if split in DESIGNED_ON else 'no'} | {n} of "
                    f"{len(code)} | {n / len(code):.3%} | {dict(by.most_common(5))} |")  # fmt: skip
    for name in PROSE:
        texts = load_dataset(name).texts
        texts = random.Random(0).sample(texts, min(300, len(texts)))
        n = sum(not_code(t) for t in texts)
        rows.append(f"| {name} | {'yes' if name in DESIGNED_ON else 'no'} | {n} of {len(texts)} "
                    f"| {n / len(texts):.1%} | |")  # fmt: skip
    foods = load_dataset("fine-foods")
    rng = random.Random(1)
    tables = []
    for _ in range(100):
        picks = rng.sample(range(len(foods.texts)), 5)
        tables.append("id,score,length\n" + "\n".join(
            f"{i},{foods.labels[i]},{len(foods.texts[i])}" for i in picks))  # fmt: skip
    n = sum(not_code(t) for t in tables)
    rows.append(f"| CSV tables, 5 rows | no | {n} of 100 | {n / 100:.0%} | |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
