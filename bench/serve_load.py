"""Load benchmark of ``lmtask serve``: requests/s and p50/p99 latency at 1, 8 and 32
concurrent clients, dynamic batching on and off, in one run, loopback only, bounded in time.

Each setting starts a real ``lmtask serve`` process (the default model, zero-shot, the
built-in sentiment task), sends one short text per request from N concurrent clients for
``--seconds``, and counts status codes. Then an overload phase (more clients than the
queue holds) checks that the only failures are 429s. Finally the served labels and scores
are compared with the library's on the same texts.

    .venv/bin/python bench/serve_load.py --seconds 20 --out bench/results/serve_load.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import httpx

TASK = ["--task", "sentiment"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def texts(n: int = 200) -> list[str]:
    from lmtask.data import load_data

    rows = load_data("tweets").texts
    return [t for t in rows if 20 <= len(t) <= 140][:n]


class Server:
    def __init__(self, *flags: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "lmtask", "serve", *TASK, "--port", str(self.port),
               "--text-model", "none", *flags]  # fmt: skip
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        self.proc = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return self
            except urllib.error.HTTPError as e:
                body = e.read().decode()
                if "failed" in body:
                    raise RuntimeError(f"server failed to load: {body}") from None
                time.sleep(0.5)
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("server not healthy after 300 s")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(30)


async def load(url: str, clients: int, seconds: float, pool: list[str]) -> dict:
    """``clients`` loops, each posting one text at a time until ``seconds`` pass."""
    latencies: list[float] = []
    codes: Counter[int] = Counter()
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients + 4)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:

        async def worker(k: int) -> None:
            i = k
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                r = await client.post("/v1/classify", json={"input": pool[i % len(pool)]})
                codes[r.status_code] += 1
                if r.status_code == 200:
                    latencies.append(time.perf_counter() - t0)
                i += clients

        start = time.perf_counter()
        await asyncio.gather(*(worker(k) for k in range(clients)))
        wall = time.perf_counter() - start
    q = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else [0] * 99
    return {
        "clients": clients,
        "requests": sum(codes.values()),
        "ok": codes.get(200, 0),
        "codes": {str(k): v for k, v in sorted(codes.items())},
        "requests_per_s": codes.get(200, 0) / wall,
        "p50_s": q[49],
        "p99_s": q[98],
        "seconds": wall,
    }


def served_vs_library(url: str, pool: list[str]) -> dict:
    from lmtask.ladder import classifier_for

    served = httpx.post(url + "/v1/classify", json={"input": pool}, timeout=600).json()["data"]
    clf = classifier_for(None, task="sentiment")
    lib = clf.predict(pool)
    same_labels = sum(s["label"] == p.label for s, p in zip(served, lib, strict=True))
    diff = max(abs(s["scores"][k] - p.scores[k]) for s, p in zip(served, lib, strict=True)
               for k in p.scores)  # fmt: skip
    return {"texts": len(pool), "same_labels": same_labels, "max_abs_score_diff": diff}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--clients", default="1,8,32")
    ap.add_argument("--out", type=Path, default=Path("bench/results/serve_load.json"))
    args = ap.parse_args()
    pool = texts()
    clients = [int(c) for c in args.clients.split(",")]
    runs = []
    for batching in (True, False):
        flags = ["--batching" if batching else "--no-batching", "--max-queue", "256"]
        with Server(*flags) as s:
            asyncio.run(load(s.url, 4, 3, pool))  # warm-up
            for n in clients:
                r = asyncio.run(load(s.url, n, args.seconds, pool))
                r["batching"] = batching
                runs.append(r)
                print(json.dumps(r), flush=True)
            if batching:
                check = served_vs_library(s.url, pool[:48])
                print(json.dumps(check), flush=True)
    # overload: 64 clients against a queue of 16 texts: only 200s and 429s
    with Server("--max-queue", "16") as s:
        over = asyncio.run(load(s.url, 64, args.seconds / 2, pool))
        print(json.dumps(over), flush=True)
    by = {(r["batching"], r["clients"]): r for r in runs}
    top = max(clients)
    result = {
        "model": "default (Qwen2.5-Coder-0.5B), zero-shot sentiment, one short tweet per request",
        "cpu_cores": os.cpu_count(),
        "runs": runs,
        "speedup_at_max_clients": by[(True, top)]["requests_per_s"]
        / by[(False, top)]["requests_per_s"],
        "served_vs_library": check,
        "overload": {**over, "queue": 16, "only_200_and_429": set(over["codes"]) <= {"200", "429"}},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"batching speed-up at {top} clients: {result['speedup_at_max_clients']:.2f}x")


if __name__ == "__main__":
    main()
