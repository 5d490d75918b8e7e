"""``make demo``: the seed tutorial's four examples on the default model.

    python -m lmtask.demo [--model ALIAS]

Sentiment of two sentences (the seed's prompt) and the language of two code snippets, each
printed with its label and every label's probability, by label scoring; then the same four
by the seed's own way (greedy generation, answer matched to a label) for comparison.
"""

from __future__ import annotations

import argparse
import time

from rich.console import Console
from rich.markup import escape
from rich.table import Table

import lmtask

SENTENCES = ["I love the sunny weather today.", "I don't love the rainy weather today."]
CPP = """int findMax(int arr[], int n) {
    int max = arr[0];
    for (int i = 1; i < n; i++) {
        if (arr[i] > max) max = arr[i];
    }
    return max;
}"""
PY = """def find_max(arr):
    max_val = arr[0]
    for x in arr:
        if x > max_val:
            max_val = x
    return max_val"""


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", default=lmtask.DEFAULT_MODEL)
    args = ap.parse_args(argv)
    con = Console()
    t0 = time.perf_counter()
    lm = lmtask.load_model(args.model)
    con.print(f"model [bold]{lm.name}[/] ({lm.dtype}, loaded in {time.perf_counter() - t0:.1f} s)")
    runs = [
        ("sentiment", lmtask.get_task("sentiment"), SENTENCES, ["positive", "negative"]),
        (
            "code-language",
            lmtask.get_task("code-language").with_labels("C++,Python"),
            [CPP, PY],
            ["C++", "Python"],
        ),
    ]
    for mode in ("score", "generate"):
        table = Table(title=f"mode={mode}", show_lines=True)
        last = "probabilities" if mode == "score" else "model said"
        for col in ("task", "text", "expected", "label", last):
            table.add_column(col)
        for name, task, texts, expected in runs:
            clf = lmtask.ZeroShot(task=task, model=lm, mode=mode)
            for text, exp, p in zip(texts, expected, clf.predict(texts), strict=True):
                detail = (
                    "  ".join(f"{k} {v:.3f}" for k, v in p.scores.items())
                    if mode == "score"
                    else repr(p.raw)
                )
                ok = "[green]" if p.label == exp else "[red]"
                table.add_row(
                    name, escape(text), exp, f"{ok}{p.label or 'unknown'}", escape(detail)
                )
        con.print(table)


if __name__ == "__main__":
    main()
