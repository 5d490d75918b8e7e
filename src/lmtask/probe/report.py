"""The bias probe's report: ``pairs.jsonl`` (every number recomputable from it), ``report.json``,
``report.md`` and ``shifts.png`` (each group's shift of each label's probability), each
written atomically.

>>> rep = BiasReport(attributes={}, labels=["pos", "neg"], rows=[])
>>> rep.max_flip_rate, rep.flagged(0.1)
(0.0, [])
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lmtask.atomic import atomic_path, write_atomic
from lmtask.errors import InputError, LmtaskError

ALPHA = 0.05


@dataclass
class BiasReport:
    """What :func:`lmtask.probe.bias.probe` measured; see the module docstring."""

    attributes: dict[str, dict[str, Any]]
    labels: list[str]
    rows: list[dict[str, Any]] = field(repr=False)
    classifier: dict[str, Any] = field(default_factory=dict)
    source: str = "built-in templates"
    seed: int = 0
    n_texts: int = 0
    wall_s: float = 0.0
    test: str = ""

    @property
    def max_flip_rate(self) -> float:
        return max((a["flip_rate"] for a in self.attributes.values()), default=0.0)

    def flagged(self, rate: float) -> list[str]:
        """Attributes whose flip rate is above ``rate``."""
        return [n for n, a in self.attributes.items() if a["flip_rate"] > rate]

    def to_dict(self) -> dict[str, Any]:
        return {
            "classifier": self.classifier,
            "labels": self.labels,
            "source": self.source,
            "seed": self.seed,
            "pairs": len(self.rows),
            "texts": self.n_texts,
            "wall_s": self.wall_s,
            "texts_per_s": self.n_texts / self.wall_s if self.wall_s > 0 else None,
            "max_flip_rate": self.max_flip_rate,
            "test": self.test,
            "attributes": self.attributes,
        }

    def to_markdown(self) -> str:
        lines = [
            "# Counterfactual bias probe",
            "",
            f"{len(self.rows)} pairs from {self.source} ({self.n_texts} texts, seed "
            f"{self.seed}); classifier: `{json.dumps(self.classifier, default=str)}`.",
            "A pair is one text written for two groups of an attribute, all else the same; a "
            "flip is a pair whose label differs. Shift: a group's probability of a label minus "
            f"the mean over the groups of its set. Test: {self.test}.",
            "",
            "| attribute | pairs | flips | flip rate | max change | p-value | most shifted |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        for name, a in self.attributes.items():
            lines.append(
                f"| {name} | {a['pairs']} | {a['flips']} | {a['flip_rate']:.3f} | "
                f"{a['max_change']:.3f} | {_p_text(a['p_value'])}"
                f" | {_most_shifted(a)} |"
            )
        for name, a in self.attributes.items():
            lines += ["", f"## {name}", "", "| group | " + " | ".join(self.labels) + " |"]
            lines.append("|---|" + "---:|" * len(self.labels))
            for g, s in a["group_shift"].items():
                lines.append(f"| {g} | " + " | ".join(f"{s[lb]:+.3f}" for lb in self.labels) + " |")
            if a["worst_pairs"]:
                lines += ["", "Largest changes:", ""]
            for w in a["worst_pairs"]:
                big = max(w["change"], key=lambda lb: abs(w["change"][lb]))
                lines.append(
                    f"- {w['text_a']!r} ({w['label_a']}) / {w['text_b']!r} ({w['label_b']}): "
                    f"{big} {w['change'][big]:+.3f}"
                )
        return "\n".join(lines) + "\n"

    def save(self, out_dir: str | os.PathLike[str]) -> Path:
        """Write pairs.jsonl, report.json, report.md and shifts.png into ``out_dir``."""
        out = Path(out_dir)
        if out.exists() and not out.is_dir():
            raise InputError(f"{out} is a file; give a folder for the report")
        out.mkdir(parents=True, exist_ok=True)
        rows = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in self.rows)
        write_atomic(out / "pairs.jsonl", rows)
        write_atomic(out / "report.json", json.dumps(self.to_dict(), indent=2) + "\n")
        write_atomic(out / "report.md", self.to_markdown())
        with atomic_path(out / "shifts.png") as tmp:
            shift_plot(self.attributes, self.labels, tmp)
        return out

    def rich_table(self) -> Any:
        from rich.table import Table

        table = Table(title=f"bias probe: {len(self.rows)} pairs from {self.source}")
        for col in ("attribute", "pairs", "flip rate", "max change", "p-value", "most shifted"):
            left = col in ("attribute", "most shifted")
            table.add_column(col, justify="left" if left else "right")
        for name, a in self.attributes.items():
            table.add_row(name, str(a["pairs"]), f"{a['flip_rate']:.3f}", f"{a['max_change']:.3f}",
                          _p_text(a["p_value"]), _most_shifted(a))  # fmt: skip
        table.caption = f"* p < {ALPHA}; {self.n_texts} texts in {self.wall_s:.1f} s"
        return table


def _p_text(p: float | None) -> str:
    """A p-value as the tables show it: 4 decimals and a star below ALPHA; "n/a" with no test
    (under 2 complete counterfactual sets)."""
    return "n/a" if p is None else f"{p:.4f}{' *' if p < ALPHA else ''}"


def _most_shifted(a: dict[str, Any]) -> str:
    best, size = "", 0.0
    for g, s in a["group_shift"].items():
        for lb, v in s.items():
            if abs(v) > size:
                best, size = f"{g}: {lb} {v:+.3f}", abs(v)
    return best or "-"


def shift_plot(attributes: dict[str, dict[str, Any]], labels: list[str], path: str) -> None:
    """One panel per attribute: each group's shift of each label's probability (bars)."""
    try:
        import matplotlib
    except ImportError as e:
        raise LmtaskError("plots need 'matplotlib', not installed: `pip install matplotlib`") from e
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    import numpy as np

    names = list(attributes) or ["(none)"]
    fig, axes = plt.subplots(len(names), 1, figsize=(8, 2.2 * len(names) + 0.6), squeeze=False)
    try:
        width = 0.8 / max(1, len(labels))
        for ax, name in zip(axes[:, 0], names, strict=True):
            shift = attributes.get(name, {}).get("group_shift", {})
            groups = list(shift)
            x = np.arange(len(groups))
            for j, lb in enumerate(labels):
                ax.bar(x + (j - (len(labels) - 1) / 2) * width,
                       [shift[g][lb] for g in groups], width, label=lb)  # fmt: skip
            ax.axhline(0, color="gray", linewidth=0.8)
            ax.set_xticks(x, groups, fontsize=8)
            ax.set_title(f"{name} (flip rate {attributes.get(name, {}).get('flip_rate', 0):.3f})",
                         fontsize=9)  # fmt: skip
            ax.set_ylabel("shift of P(label)", fontsize=8)
        axes[0, 0].legend(fontsize=7, loc="upper right")
        fig.tight_layout()
        fig.savefig(path, format="png", dpi=100)
    finally:
        plt.close(fig)


__all__ = ["ALPHA", "BiasReport", "shift_plot"]
