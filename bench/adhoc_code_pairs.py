"""Ad-hoc labels on code, few labels: does the default model's own prompt-selection winner
(``category+start``, labels listed in the question) hold on code as on prose?

Label groups of 2-3 languages, 12 snippets per language from the code corpus **dev** split
(seeded), each wording scored once (plain, contextual calibration, domain PMI), default model.
Found that it does not: listing the labels collapses the answers onto one label on code, so
the ad-hoc default stays ``no-list+start+calibrate`` (bench/RESULTS.md, "Prompt selection:
reading the numbers").

    LMTASK_CODE_CORPUS=/nonexistent HF_HUB_OFFLINE=1 .venv/bin/python bench/adhoc_code_pairs.py
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import lmtask
import prompt_selection as ps
from lmtask.data import LabeledData, read_table

CORPUS = Path("~/.cache/lmtask-corpus/code-languages/dev.jsonl").expanduser()
GROUPS = [("C++", "Python"), ("JavaScript", "TypeScript"), ("Go", "Rust", "Java"),
          ("SQL", "YAML", "Shell"), ("Ruby", "PHP")]  # fmt: skip
OUT = Path(__file__).parent / "results" / "adhoc_code_pairs.json"


def main() -> None:
    dev = read_table(CORPUS, text_column="text", label_column="label")
    lm = lmtask.load_model("qwen2.5-coder-0.5b-instruct")
    rng = random.Random(0)
    out = {}
    for g in GROUPS:
        by = {y: [i for i, lb in enumerate(dev.labels or []) if lb == y] for y in g}
        pick = [i for y in g for i in rng.sample(by[y], 12)]
        rows = LabeledData(texts=[dev.texts[i] for i in pick],
                           labels=[(dev.labels or [])[i] for i in pick], source="dev")  # fmt: skip
        for cand in ("no-list+start", "category+start"):
            for k, v in ps.run_one(rows, cand, lm).items():
                out[f"{'/'.join(g)}|{k}"] = v
                print("/".join(g), k, round(v["macro_f1"], 3), round(v["accuracy"], 3), flush=True)
    OUT.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
