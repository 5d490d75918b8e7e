"""Shared by the bench scripts: replace one ``## `` section of bench/RESULTS.md in place;
the per-set table of choices (wordings, calibrations) that several of them print."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def write_section(out: Path, heading: str, section: str) -> None:
    """Put ``section`` (which starts with ``heading``) where that heading stands in ``out``,
    or at the end; other sections stay as they are. Written atomically."""
    old = out.read_text(encoding="utf-8") if out.exists() else "# Benchmarks\n"
    lines = old.splitlines()
    try:
        start = lines.index(heading)
    except ValueError:
        new = old.rstrip("\n") + "\n\n" + section
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        tail = ["", *lines[end:]] if end < len(lines) else []
        new = "\n".join([*lines[:start], *section.rstrip("\n").splitlines(), *tail])
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_text(new.rstrip("\n") + "\n", encoding="utf-8")
    tmp.replace(out)


def choice_table(
    results: dict[str, Any], choices: tuple[str, ...]
) -> tuple[list[str], dict[tuple[str, str], dict[str, list[float]]]]:
    """Markdown rows for ``results`` (key ``model|phase|set`` -> choice -> metrics): each
    choice's macro-F1 (accuracy), the best in bold, and the majority class's; then the mean
    per model and group (phase, or "code groups" for sets named ``code:...``). Returns the
    lines and those macro-F1s per (model, group) and choice."""
    import numpy as np

    lines = ["| model | rows | set | " + " | ".join(choices) + " | majority |",
             "|---" * (len(choices) + 4) + "|"]  # fmt: skip
    mean: dict[tuple[str, str], dict[str, list[float]]] = {}
    for key, r in results.items():
        model, phase, name = key.split("|")
        best = max(choices, key=lambda c: r[c]["macro_f1"])
        cells = [(f"**{r[c]['macro_f1']:.3f}**" if c == best else f"{r[c]['macro_f1']:.3f}")
                 + f" ({r[c]['accuracy']:.3f})" for c in choices]  # fmt: skip
        lines.append(f"| {model} | {phase} | {name} | " + " | ".join(cells)
                     + f" | {r[choices[0]]['majority_macro_f1']:.3f} |")  # fmt: skip
        group = "code groups" if name.startswith("code:") else phase
        for c in choices:
            mean.setdefault((model, group), {}).setdefault(c, []).append(r[c]["macro_f1"])
    lines += ["", "| model | rows | " + " | ".join(choices) + " |",
              "|---" * (len(choices) + 2) + "|"]  # fmt: skip
    for (model, group), m in sorted(mean.items()):
        lines.append(f"| {model} | mean, {group} | "
                     + " | ".join(f"{np.mean(m[c]):.3f}" for c in choices) + " |")  # fmt: skip
    return lines, mean


def over_group(mean: dict, group: str, choices: tuple[str, ...], agg: Any = None) -> dict:
    """Each choice's macro-F1s of ``group`` (from :func:`choice_table`) over every model,
    aggregated (default: the mean)."""
    import numpy as np

    agg = agg or np.mean
    return {c: float(agg([v for (_, g), m in mean.items() if g == group for v in m[c]]))
            for c in choices}  # fmt: skip


def targets_table(folder: Path, runs: dict[str, str], intro: str) -> list[str]:
    """The ad-hoc targets' table on the 1,000-row samples: per set (those of the first run),
    each run's accuracy / macro-F1, VADER's, the majority class's, and the first run minus
    VADER's accuracy with its paired-bootstrap interval. ``runs``: column -> a JSON file of
    bench/adhoc_vs_vader.py in ``folder``; no table without the first run's file."""
    import json

    got = {k: json.loads((folder / f).read_text()) for k, f in runs.items()
           if (folder / f).is_file()}  # fmt: skip
    lead = next(iter(runs))
    if lead not in got:
        return []

    def cell(x: dict | None) -> str:
        return f"{x['accuracy']:.3f} / {x['macro_f1']:.3f}" if x else "-"

    lines = ["", "### The ad-hoc targets on the 1,000-row samples", "", intro, "",
             "| set | rows | " + " | ".join(got) + f" | VADER | majority | "
             f"{lead.split(' (')[0]} - VADER |", "|---" * (len(got) + 5) + "|"]  # fmt: skip
    for name, r in got[lead].items():
        ci = r.get("accuracy_diff_ci95")
        diff = (f"{r['ours']['accuracy'] - r['vader']['accuracy']:+.3f} "
                f"[{ci[0]:+.3f}, {ci[1]:+.3f}]" if ci else "-")  # fmt: skip
        lines.append(f"| {name} | {r['n']:,} | "
                     + " | ".join(cell(g.get(name, {}).get("ours")) for g in got.values())
                     + f" | {cell(r.get('vader'))} | {cell(r['majority'])} | {diff} |")  # fmt: skip
    return lines
