"""The ``fit`` target of issue 10: ``lmtask fit`` picks a method within 0.02 (test macro-F1)
of the best one ``lmtask compare`` finds on the same split.

Per set (``--sets name:rows``): a fixed stratified sample (seed 0) of the packaged dataset is
written to ``--work`` as JSONL (the same rows ``--sample N`` gives), then

1. ``fit`` with ``--budget`` on that file: it splits train / dev / test (15 % / 15 %,
   seed 0), tries the rungs its plan affords, keeps the best by dev macro-F1, scores it on
   the test rows and saves the split as ``split.json``;
2. ``compare`` on the same file with that split (``--split``: trained on fit's train rows,
   scored on fit's test rows), over the rungs fit tried (``--all-rungs``: every rung of
   ``lmtask.ladder.auto.RUNGS``, also those fit's budget skipped).

The CLI runs that this script makes in-process::

    lmtask fit WORK/<set>-<n>.jsonl --budget 10m --out WORK/<set>-fit
    lmtask compare WORK/<set>-<n>.jsonl --split WORK/<set>-fit/split.json \\
        --methods <the rungs' specs> --out WORK/<set>-compare

    HF_HUB_OFFLINE=1 .venv/bin/python bench/fit_target.py [--sets tweets:600] [--render]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from lmtask.data import load_dataset, stratified_sample

OUT = Path(__file__).parent / "results" / "fit_target.json"


def sample_file(name: str, n: int, work: Path) -> Path:
    data = stratified_sample(load_dataset(name), n, seed=0)
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"{name}-{n}.jsonl"
    rows = [{"text": t, "label": y} for t, y in zip(data.texts, data.labels or [], strict=True)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def run_set(name: str, n: int, work: Path, budget_s: float, every: bool) -> dict[str, Any]:
    from lmtask import ladder
    from lmtask.ladder.auto import RUNGS
    from lmtask.methods.factory import parse_spec

    data = sample_file(name, n, work)
    fit_dir, cmp_dir = work / f"{name}-fit", work / f"{name}-compare"
    t0 = time.perf_counter()
    run = ladder.fit(ladder.DataArgs(str(data)), fit_dir, budget_s=budget_s,
                     on_event=lambda m: print(m, flush=True))  # fmt: skip
    fit_s = time.perf_counter() - t0
    shutil.rmtree(cmp_dir, ignore_errors=True)
    t0 = time.perf_counter()
    tried = [r["method"] for r in run.dev]
    specs = [r.spec for r in RUNGS if every or r.name in tried]
    cmp = ladder.compare_specs(ladder.DataArgs(str(data), split_file=fit_dir / "split.json"),
                               specs, cmp_dir)  # fmt: skip
    cmp_s = time.perf_counter() - t0
    assert cmp.comparison is not None

    def key(spec: str) -> str:  # compare writes specs in its own spelling
        s = parse_spec(spec)
        return json.dumps([s.name, s.options], sort_keys=True, default=str)

    by_spec = {key(r.spec): r.name for r in RUNGS}
    rows = {by_spec.get(key(m["method"]), m["method"]): {k: m[k] for k in ("accuracy", "macro_f1")}
            for m in cmp.comparison.methods}  # fmt: skip
    best = max(rows, key=lambda k: (rows[k]["macro_f1"], rows[k]["accuracy"]))
    best_tried = max(tried, key=lambda k: (rows[k]["macro_f1"], rows[k]["accuracy"]))
    fit_doc = json.loads((fit_dir / "fit.json").read_text())
    return {"set": name, "rows": n, "budget_s": budget_s, "fit_s": fit_s, "compare_s": cmp_s,
            "split": {k: len(v) for k, v in json.loads(
                (fit_dir / "split.json").read_text())["indices"].items()},
            "compare_rows": len(cmp.rows), "fit_choice": run.best, "fit_test": run.test,
            "fit_dev": {r["method"]: {k: r[k] for k in ("accuracy", "macro_f1")}
                        for r in run.dev},
            "skipped": fit_doc["skipped"], "compare": rows, "compare_best": best,
            "compare_best_tried": best_tried,
            "gap": rows[best]["macro_f1"] - rows[run.best]["macro_f1"],
            "gap_tried": rows[best_tried]["macro_f1"] - rows[run.best]["macro_f1"],
            "load_avg_1m": os.getloadavg()[0],
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "commands": [f"lmtask fit {data} --budget {budget_s:.0f} --out {fit_dir}",
                         f"lmtask compare {data} --split {fit_dir / 'split.json'} --methods "
                         f"{','.join(specs)} --out {cmp_dir}"]}  # fmt: skip


def render(results: dict[str, Any]) -> str:
    lines = ["## `fit` against `compare` on the same split (bench/fit_target.py)", "",
             "- Command: `HF_HUB_OFFLINE=1 .venv/bin/python bench/fit_target.py`; the CLI runs "
             "it makes are listed under the tables.",
             "- `fit` chooses by dev macro-F1 among the rungs its budget affords; `compare` "
             "trains the rungs fit tried on fit's train rows (`--split fit/split.json`) and "
             "scores them on fit's test rows. Target: fit's choice within 0.02 test macro-F1 of "
             "compare's best.", ""]  # fmt: skip
    for _key, r in sorted(results.items()):
        s = r["split"]
        lines += [f"### {r['set']}, {r['rows']} rows (train {s['train']}, dev {s['dev']}, "
                  f"test {s['test']}), budget {r['budget_s'] / 60:.0f} min", "",
                  "| rung | fit: dev macro-F1 (acc) | compare: test macro-F1 (acc) |",
                  "|---|---|---|"]  # fmt: skip
        for rung in [*r["compare"], *(k for k in r["skipped"] if k not in r["compare"])]:
            c, d = r["compare"].get(rung), r["fit_dev"].get(rung)
            dev = f"{d['macro_f1']:.3f} ({d['accuracy']:.3f})" if d else \
                f"not tried: {r['skipped'].get(rung, '-')}"  # fmt: skip
            mark = " **fit's choice**" if rung == r["fit_choice"] else ""
            test = f"{c['macro_f1']:.3f} ({c['accuracy']:.3f})" if c else "not run"
            lines.append(f"| {rung}{mark} | {dev} | {test} |")
        met = "met" if r["gap"] <= 0.02 else "missed"
        lines += ["", f"- fit chose `{r['fit_choice']}` (its own test run: macro-F1 "
                  f"{r['fit_test']['macro_f1']:.3f}); compare's best is `{r['compare_best']}`; "
                  f"gap {r['gap']:.3f} ({met}; among the rungs fit tried: "
                  f"`{r['compare_best_tried']}`, gap {r['gap_tried']:.3f}). fit took "
                  f"{r['fit_s'] / 60:.1f} min, compare {r['compare_s'] / 60:.1f} min "
                  f"({r['date']}, 2 shared CPUs).",
                  *[f"- `{c}`" for c in r["commands"]], ""]  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default="tweets:600")
    ap.add_argument("--budget", type=float, default=600.0, help="seconds")
    ap.add_argument("--work", type=Path, default=Path("/tmp/lmtask-fit-bench"))
    ap.add_argument("--all-rungs", action="store_true",
                    help="compare every rung, also those fit's budget skipped")  # fmt: skip
    ap.add_argument("--render", action="store_true")
    args = ap.parse_args()
    results = json.loads(OUT.read_text()) if OUT.is_file() else {}
    if not args.render:
        for item in args.sets.split(","):
            name, n = item.split(":")
            key = f"{item}@{args.budget:.0f}s"
            results[key] = run_set(name, int(n), args.work, args.budget, args.all_rungs)
            OUT.parent.mkdir(parents=True, exist_ok=True)
            OUT.write_text(json.dumps(results, indent=1, default=str) + "\n")
    print(render(results))


if __name__ == "__main__":
    main()
