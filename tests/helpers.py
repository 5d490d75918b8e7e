"""Data and stand-ins shared by several test modules (test modules never import each other).

Fixtures live in ``conftest.py``; plain objects live here.
"""

from __future__ import annotations

import numpy as np

POS = ["good", "great", "nice", "lovely", "excellent", "wonderful", "superb", "fine"]
NEG = ["bad", "awful", "terrible", "horrible", "poor", "nasty", "dreadful", "worst"]
X = [f"{w} {w}" for w in POS] * 2 + [f"{w} {w}" for w in NEG] * 2
Y = ["pos"] * 16 + ["neg"] * 16
FAST = dict(epochs=4, batch_size=8, logging_steps=1, warmup_ratio=0.0, dev_fraction=0,
            early_stopping_patience=None)  # fmt: skip


class FakeEmbedder:
    """Texts "v<x>" embed to a unit vector at angle x: nearness is easy to predict."""

    def encode(self, texts):
        xs = np.array([float(t.split()[-1]) for t in texts])
        return np.stack([np.cos(xs / 10), np.sin(xs / 10)], 1)


def assert_one_line_error(result, *fragments: str) -> str:
    """A CLI run (typer's CliRunner result) that exited 2 with one ``error:`` line holding
    every fragment, and no traceback. Returns that line."""
    out = result.output
    assert result.exit_code == 2, out
    assert "Traceback" not in out, out
    lines = [line for line in out.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, out
    for f in fragments:
        assert f in lines[0], f"{f!r} not in {lines[0]!r}"
    return lines[0]
