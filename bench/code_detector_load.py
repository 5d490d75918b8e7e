"""How long the shipped code-language detector takes to load, before and after lazy imports.

Each measurement is a fresh Python process, run ``--repeat`` times after one untimed warm-up
run (so the OS file cache is warm: "after the first run"); the median is reported:

1. **library**: ``import lmtask.ladder`` + ``classifier_for(None, task="code-language")`` +
   one prediction call on two snippets (one the n-grams are unsure of), timed inside the
   process (Python start-up excluded), and whether torch was imported on the way;
2. **cli**: the whole ``python -m lmtask classify --task code-language --file <a folder>``
   process (the folder holds the same two snippets), wall clock (start-up and imports included).

``--before-src`` names a ``src`` folder of an older lmtask (for example
``git archive HEAD src | tar -x -C /tmp/before``) to measure the same two things on it in
the same run; the ratio before/after is reported. Results: printed, written as the section
``## Code-language detector load time (bench/code_detector_load.py)`` of ``--out`` and as
JSON in ``bench/results/code_detector_load.json``.

Run::

    mkdir -p /tmp/before && git archive HEAD src | tar -x -C /tmp/before
    .venv/bin/python bench/code_detector_load.py --before-src /tmp/before/src
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from results_md import write_section

HEADING = "## Code-language detector load time (bench/code_detector_load.py)"
ROOT = Path(__file__).resolve().parents[1]
LIBRARY = """
import sys, time, warnings
t0 = time.perf_counter()
from lmtask.ladder import classifier_for
clf = classifier_for(None, task="code-language")
labels = [p.label for p in clf.predict([SURE, UNSURE])]
print(time.perf_counter() - t0, "torch" in sys.modules, *labels)
"""
SAMPLE = "def f(x):\n    return [i for i in range(x)]\n\nprint(f(3))\n"
# Scala written like Kotlin: the n-grams are unsure of it (0.60 < 0.8), so a detector that
# asks a second member (code-language's pair since session 11) loads it for this snippet.
UNSURE = "val x = 1\nif (x > 0) {\n  println(x)\n}\n"
LIBRARY = f"SURE, UNSURE = {SAMPLE!r}, {UNSURE!r}\n" + LIBRARY


def _env(src: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(src), "HF_HUB_OFFLINE": "1"}


def measure(src: Path, sample: Path, repeat: int) -> dict[str, Any]:
    """Median library and CLI seconds (after a warm-up run) for the lmtask under ``src``."""
    lib, cli, torch = [], [], False
    for i in range(repeat + 1):
        out = subprocess.run([sys.executable, "-c", LIBRARY], env=_env(src), check=True,
                             capture_output=True, text=True).stdout.split()  # fmt: skip
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "lmtask", "classify", "--task", "code-language",
                        "--file", str(sample.parent)], env=_env(src), check=True,
                       capture_output=True)  # fmt: skip
        if i:  # the first run warms the file cache
            cli.append(time.perf_counter() - t0)
            lib.append(float(out[0]))
            torch = torch or out[1] == "True"
    return {"library_s": statistics.median(lib), "cli_s": statistics.median(cli),
            "library_runs": lib, "cli_runs": cli, "imports_torch": torch}  # fmt: skip


def render(res: dict[str, Any], command: str) -> str:
    rows = [("after (this tree)", res["after"])]
    if res.get("before"):
        rows.insert(0, (f"before ({res['before_src']})", res["before"]))
    lines = [
        HEADING,
        "",
        f"- Command: `{command}`",
        f"- Machine: {os.cpu_count()} CPU cores ({platform.machine()}, shared with other "
        f"work), no GPU; Python {platform.python_version()}; date {time.strftime('%Y-%m-%d')}.",
        f"- Median of {res['repeat']} fresh processes each, after one warm-up run.",
        "",
        "| lmtask | library: import + build + 1 prediction (s) | whole CLI process (s) | "
        "imports torch |",
        "|---|---|---|---|",
    ]
    for name, r in rows:
        lines.append(f"| {name} | {r['library_s']:.2f} | {r['cli_s']:.2f} | "
                     f"{'yes' if r['imports_torch'] else 'no'} |")  # fmt: skip
    if res.get("before"):
        b, a = res["before"], res["after"]
        lines += ["", f"Before/after: library {b['library_s'] / a['library_s']:.1f}x faster, "
                  f"CLI {b['cli_s'] / a['cli_s']:.1f}x faster."]  # fmt: skip
    ok = res["after"]["cli_s"] < 2
    lines += ["", f"Target of issue 11 (loads in under 2 s after the first run): "
              f"{res['after']['cli_s']:.2f} s for the whole CLI process: "
              f"{'met' if ok else 'not met'}."]  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before-src", help="src folder of an older lmtask to compare with")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", default=str(Path(__file__).with_name("RESULTS.md")))
    ap.add_argument("--json", default=str(Path(__file__).with_name("results")
                                          / "code_detector_load.json"))  # fmt: skip
    args = ap.parse_args(argv)
    command = ".venv/bin/python " + shlex.join(["bench/code_detector_load.py", *sys.argv[1:]])
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "some.py"
        sample.write_text(SAMPLE)
        (Path(tmp) / "unsure.scala").write_text(UNSURE)
        res: dict[str, Any] = {"repeat": args.repeat,
                               "after": measure(ROOT / "src", sample, args.repeat)}  # fmt: skip
        if args.before_src:
            res["before_src"] = args.before_src
            res["before"] = measure(Path(args.before_src), sample, args.repeat)
    text = render(res, command)
    print(text)
    write_section(Path(args.out), HEADING, text)
    Path(args.json).write_text(json.dumps(res, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
