"""Few-shot ``select=nearest``: does the default ``pool_size`` (2,000) cost accuracy or save time?

``FewShot(select="nearest")`` embeds at most ``pool_size`` pool rows (a stratified sample by
seed) and picks each text's K nearest examples among them. This script runs the default
method (``few-shot:select=nearest``: K=4, fixed order, the task's default calibration) with the
default model for several ``pool_size`` values, on the same evaluated rows for every size:

- Evaluated rows: a stratified sample (seed 0) of the dev part of ``bench/train_ladder.py``'s
  split (``lmtask.data.split``, dev 10 % / test 20 %, seed 0), minus every row that another
  bench script evaluates on (train_ladder's test part, prompt_ladder's rows, prompt_selection's
  and ensemble_calibration's selection and test rows). Reserved data (../shared/DATA.md) is
  never read.
- Pool: every other row of the dataset (no text identical to an evaluated one); ``all`` is
  ``pool_size=None``. Sizes at or above the pool's size are ``all``.
- Seeds: the stratified sample's seed (``seed`` of the method); ``all`` needs one.
- Times (torch on ``--threads`` threads): ``embed s``: embedding the (sampled) pool with
  all-MiniLM-L6-v2, done once per pool and then cached on disk by the library; ``select ms``:
  choosing the examples of one text (similarity + sort over the pool; the query embedding,
  equal for every size, is left out); ``LM s``: scoring one text with its examples.
  The pool's vectors are computed once and looked up for every sample (the same vectors the
  library would compute), and a text whose examples are the same as in an earlier run reuses
  that run's label scores (cached under ``--work``): both change no number, only the time spent.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/few_shot_pool.py --sets tweets --seeds 0 --time-samples
    HF_HUB_OFFLINE=1 .venv/bin/python bench/few_shot_pool.py --sets tweets --sizes 2000 --seeds 1,2
    HF_HUB_OFFLINE=1 .venv/bin/python bench/few_shot_pool.py --sets fine-foods \
        --sizes 250,500,1000,2000 --seeds 0
    HF_HUB_OFFLINE=1 .venv/bin/python bench/few_shot_pool.py --render        # table only

Results go to ``bench/results/few_shot_pool.json``; the Markdown section is printed and
written to ``--md`` (default /tmp/few_shot_pool.md), not to RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from lmtask.data import LabeledData, load_dataset, split, stratified_sample

HERE = Path(__file__).parent
OUT = HERE / "results" / "few_shot_pool.json"
SECTION = "## Few-shot nearest: the example pool size (bench/few_shot_pool.py)"
MODEL = "qwen2.5-coder-0.5b-instruct"
# name: (task, labels, example_chars) as in bench/prompt_ladder.py
DATASETS: dict[str, tuple[str, str | None, int | None]] = {
    "tweets": ("sentiment", "negative,neutral,positive", None),
    "fine-foods": (str(HERE / "tasks/fine-foods-words.yaml"), None, None),
    "bbc-news": ("topic", None, 400),
}
# rows other bench scripts evaluate on: (script, size of its sample) per dataset
LADDER_ROWS = {"tweets": 200, "fine-foods": 200, "bbc-news": 120}  # prompt_ladder.py
SELECTION_ROWS = {"tweets": 100, "fine-foods": 100, "bbc-news": 30}  # prompt_selection.py
ENSEMBLE_ROWS = (60, 150)  # ensemble_calibration.py: dev (seed 0), test (seed 1) of the rest


def _without(data: LabeledData, texts: set[str]) -> LabeledData:
    return data.subset([i for i, t in enumerate(data.texts) if t not in texts])


def _used_elsewhere(name: str, full: LabeledData) -> set[str]:
    """Texts that other bench scripts select on or test on."""
    used = set(split(full, dev=0.1, test=0.2, seed=0).test.texts)
    used |= set(stratified_sample(full, LADDER_ROWS[name], seed=0).texts)
    for first, second in ((SELECTION_ROWS[name], SELECTION_ROWS[name]), ENSEMBLE_ROWS):
        a = stratified_sample(full, first, seed=0)
        b = stratified_sample(_without(full, set(a.texts)), second, seed=1)
        used |= set(a.texts) | set(b.texts)
    return used


def rows_and_pool(name: str, n: int) -> tuple[LabeledData, LabeledData]:
    """(evaluated rows, pool): see the module docstring."""
    full = load_dataset(name)
    dev = split(full, dev=0.1, test=0.2, seed=0).dev
    rows = stratified_sample(_without(dev, _used_elsewhere(name, full)), n, seed=0)
    return rows, _without(full, set(rows.texts))


class Lookup:
    """An embedder that returns precomputed vectors (no ``encode_pool``: no disk cache)."""

    def __init__(self, table: dict[str, np.ndarray]) -> None:
        self.table = table

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.table[t] for t in texts])


class ScoreCache:
    """Label log-probs of (text, examples) pairs, kept in a JSONL file between runs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows: dict[str, list[float]] = {}
        if path.is_file():
            for line in filter(None, path.read_text(encoding="utf-8").split("\n")):
                r = json.loads(line)
                self.rows[r["key"]] = r["lp"]

    @staticmethod
    def key(text: str, examples: Any) -> str:
        return json.dumps([text, [list(e) for e in examples]], ensure_ascii=False)

    def add(self, key: str, lp: list[float]) -> None:
        self.rows[key] = lp
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"key": key, "lp": lp}, ensure_ascii=False) + "\n")


def run_cell(
    clf: Any, rows: LabeledData, cache: ScoreCache, all_examples: list | None
) -> dict[str, Any]:
    """One pool size and seed: choose the examples, score what is not cached, and measure."""
    from lmtask.evaluation import compute_metrics

    texts, gold = rows.texts, list(rows.labels or [])
    clf.selector.embed_pool()
    t0 = time.perf_counter()
    examples = clf.examples_for(texts)
    select_s = (time.perf_counter() - t0) / len(texts)
    keys = [cache.key(t, ex) for t, ex in zip(texts, examples, strict=True)]
    todo = [i for i, k in enumerate(keys) if k not in cache.rows]
    lm_s = None
    if todo:
        t0 = time.perf_counter()
        lp = clf.log_probs([texts[i] for i in todo])
        lm_s = (time.perf_counter() - t0) / len(todo)
        for i, row in zip(todo, lp, strict=True):
            cache.add(keys[i], [float(x) for x in row])
    lps = np.array([cache.rows[k] for k in keys])
    pred = [clf.labels[int(j)] for j in lps.argmax(axis=1)]
    m = compute_metrics(clf.labels, gold, pred)
    pool_vecs = clf.selector.embed_pool()
    q = clf.selector._embedder.encode(texts)
    nearest = float(np.mean((q @ pool_vecs.T).max(axis=1)))
    same = None if all_examples is None else float(np.mean(
        [a == b for a, b in zip(examples, all_examples, strict=True)]))  # fmt: skip
    return {"accuracy": m["accuracy"], "macro_f1": m["macro_f1"], "scored": len(todo),
            "select_ms_per_text": 1000 * select_s, "lm_s_per_text": lm_s,
            "nearest_cosine": nearest, "same_examples_as_all": same,
            "predicted": {lb: pred.count(lb) for lb in clf.labels},
            "correct": [int(p == g) for p, g in zip(pred, gold, strict=True)]}  # fmt: skip


def run_dataset(name: str, args: argparse.Namespace, results: dict, lm: Any) -> None:
    import lmtask
    from lmtask.models.embeddings import Embedder

    task, labels, clip = DATASETS[name]
    rows, pool = rows_and_pool(name, args.rows)
    res = results.setdefault(name, {"cells": {}, "embed_s": {}})
    res.update(rows=len(rows), pool=len(pool), counts=rows.label_counts(),
               pool_counts=pool.label_counts())  # fmt: skip
    sizes = [s for s in args.sizes if s < len(pool)] + [None]
    tags = {f"{size or 'all'}|{seed}" for size in sizes for seed in args.seeds if size}
    if tags | ({"all|0"} if 0 in args.seeds else set()) <= set(res["cells"]):
        return  # done (resumed)
    emb = Embedder()
    table = _load_vectors(Path(args.work) / f"{name}-vectors.npz")
    if 0 in args.seeds and "all" not in res["embed_s"]:
        _embed(emb, pool.texts, table, res["embed_s"], "all")  # measured on the whole pool
    for size in sizes[:-1] if args.time_samples else []:
        sample = stratified_sample(pool, size, seed=0).texts
        _embed(emb, sample, table, res["embed_s"], str(size))
    have_all = set(pool.texts) <= set(table)
    need_all = 0 in args.seeds and "all|0" not in res["cells"]  # else no "same as all"
    need = set(rows.texts) | (set(pool.texts) if need_all or have_all else set())
    for size in sizes[:-1]:
        for seed in args.seeds:
            need |= set(stratified_sample(pool, size, seed=seed).texts)
    missing = sorted(need - set(table))
    if missing:
        print(f"{name}: embedding {len(missing)} texts", flush=True)
        table.update(zip(missing, emb._encode(missing), strict=True))
        _save_vectors(Path(args.work) / f"{name}-vectors.npz", table)
    cache = ScoreCache(Path(args.work) / f"{name}-{args.model}.jsonl")
    all_examples = None
    for seed in args.seeds:
        for size in reversed(sizes):  # all first: the others are compared with its examples
            tag = f"{size or 'all'}|{seed}"
            if size is None and not set(pool.texts) <= set(table):
                continue  # the whole pool's cell was run before, its vectors not kept
            clf = lmtask.FewShot(task=task, labels=labels, model=lm, select="nearest",
                                 example_chars=clip, pool_size=size, seed=seed)  # fmt: skip
            clf.fit(pool.texts, pool.labels)
            clf.selector._embedder = Lookup(table)
            if size is None:
                all_examples = clf.examples_for(rows.texts)
            if tag in res["cells"] or (size is None and seed != 0):  # all: no sample, no seed
                continue
            t0 = time.perf_counter()
            cell = run_cell(clf, rows, cache, all_examples)
            cell.update(embedded=len(clf.selector.texts), wall_s=time.perf_counter() - t0,
                        load=os.getloadavg()[0])  # fmt: skip
            res["cells"][tag] = cell
            save(args.out, results)
            print(f"{name} pool_size={tag}: acc {cell['accuracy']:.3f} F1 "
                  f"{cell['macro_f1']:.3f}, scored {cell['scored']} "
                  f"({cell['wall_s']:.0f} s)", flush=True)  # fmt: skip


def _embed(emb: Any, texts: list[str], table: dict, times: dict, tag: str) -> None:
    """Embed ``texts`` as the library's encode_pool does (without its disk cache), timed."""
    texts = list(dict.fromkeys(texts))
    t0 = time.perf_counter()
    vecs = emb._encode(texts)
    times[tag] = time.perf_counter() - t0
    table.update(zip(texts, vecs, strict=True))
    print(f"embed {tag}: {times[tag]:.1f} s ({len(texts)} texts)", flush=True)


def _load_vectors(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        return {}
    z = np.load(path, allow_pickle=False)
    return dict(zip(z["texts"].tolist(), z["vecs"], strict=True))


def _save_vectors(path: Path, table: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    texts = list(table)
    np.savez(path, texts=np.array(texts), vecs=np.stack([table[t] for t in texts]))


def save(path: Path, results: dict) -> None:
    """Write ``results`` over the file's datasets (another run may own other datasets)."""
    from lmtask.atomic import write_atomic

    old = json.loads(path.read_text()) if path.is_file() else {}
    write_atomic(path, json.dumps({**old, **results}, indent=1) + "\n")


def _ms(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}"


def _won_lost(correct: list[int] | None, base: list[int] | None) -> tuple[int, int] | None:
    """Rows right here and wrong with the whole pool, and the reverse (paired)."""
    if correct is None or base is None:
        return None
    return (sum(c > b for c, b in zip(correct, base, strict=True)),
            sum(c < b for c, b in zip(correct, base, strict=True)))  # fmt: skip


def render(results: dict) -> str:
    out = [SECTION, "",
           "- Commands (the runs below; `--render` prints this section from "
           "`bench/results/few_shot_pool.json`): `HF_HUB_OFFLINE=1 .venv/bin/python "
           "bench/few_shot_pool.py --sets tweets --seeds 0 --time-samples`, then `... --sets "
           "tweets --sizes 2000 --seeds 1,2`, then `... --sets fine-foods --sizes "
           "250,500,1000,2000 --seeds 0`.",
           "- Times were taken on 2 CPU cores shared with other sessions (load average 5-17): "
           "read them as rough costs; the embedding rate, not its exact seconds, is the point.",
           f"- `few-shot:select=nearest` with its defaults (K=4), {MODEL}, torch on 1 thread "
           "(2 shared CPU cores). Evaluated rows: a stratified sample (seed 0) of "
           "train_ladder's dev part, minus every row another bench script selects or tests "
           "on; the same rows for every pool size. Pool: all other rows of the dataset.",
           "- Cells: mean ± sd over the stratified sample's seeds where `seeds` > 1. "
           "`same as all`: share of rows whose 4 examples equal those chosen from the whole "
           "pool. `nearest cos`: mean cosine similarity of each row's closest example. "
           "`rows won / lost vs all`: per seed, evaluated rows right with this pool and wrong with "
           "the whole pool, and the reverse (paired). `embed s`: embedding that pool once "
           "(seed 0's sample, or `~`: the whole pool's time scaled by size; cached on disk "
           "after). "
           "`select ms`: choosing one text's examples. `LM s`: scoring one text (mean over "
           "the texts that were scored; equal for every size up to load noise).", ""]  # fmt: skip
    for name, res in results.items():
        out += [f"### {name} ({res['rows']} rows {res['counts']}; pool {res['pool']} rows)", "",
                "| pool_size | seeds | accuracy | macro-F1 | rows won / lost vs all | same as all "
                "| nearest cos | embed s | select ms | LM s |",
                "|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
        base = res["cells"].get("all|0", {}).get("correct")
        by_size: dict[str, list[dict]] = {}
        for tag, cell in res["cells"].items():
            by_size.setdefault(tag.split("|")[0], []).append(cell)
        order = sorted(by_size, key=lambda s: float("inf") if s == "all" else int(s))
        for size in order:
            cells = by_size[size]
            same = [c["same_examples_as_all"] for c in cells]
            same = [x for x in same if x is not None]
            lm = [c["lm_s_per_text"] for c in cells if c["lm_s_per_text"] is not None]
            label = f"all ({res['pool']})" if size == "all" else size
            won = [_won_lost(c.get("correct"), base) for c in cells]
            won = [w for w in won if w is not None]
            embed = (f"{res['embed_s'][size]:.0f}" if size in res["embed_s"] else
                     f"~{res['embed_s']['all'] * int(size) / res['pool']:.0f}")  # fmt: skip
            cols = [label, str(len(cells)), _ms([c["accuracy"] for c in cells]),
                    _ms([c["macro_f1"] for c in cells]),
                    ", ".join(f"{a} / {b}" for a, b in won) if won and size != "all" else "-",
                    f"{statistics.mean(same):.2f}" if same else "-",
                    f"{statistics.mean(c['nearest_cosine'] for c in cells):.3f}",
                    embed,
                    f"{statistics.mean(c['select_ms_per_text'] for c in cells):.2f}",
                    f"{statistics.mean(lm):.2f}" if lm else "-"]  # fmt: skip
            out.append("| " + " | ".join(cols) + " |")
        out.append("")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default="tweets,fine-foods", help="comma-separated datasets")
    ap.add_argument("--rows", type=int, default=100, help="evaluated rows per dataset")
    ap.add_argument("--sizes", default="250,500,1000,2000,4000,8000", help="pool sizes (+ all)")
    ap.add_argument("--seeds", default="0", help="seeds of the stratified pool sample")
    ap.add_argument("--model", default=MODEL)
    ap.add_argument("--threads", type=int, default=1, help="torch threads")
    ap.add_argument("--work", default="/tmp/lmtask-few-shot-pool", help="label-score cache")
    ap.add_argument("--md", default="/tmp/few_shot_pool.md", help="write the section here")
    ap.add_argument(
        "--time-samples",
        action="store_true",
        help="also time embedding each size's seed-0 sample (else: linear estimate)",
    )
    ap.add_argument("--out", type=Path, default=OUT, help="results JSON")
    ap.add_argument("--render", action="store_true", help="only print the section")
    args = ap.parse_args()
    results = json.loads(args.out.read_text()) if args.out.is_file() else {}
    if not args.render:
        import torch

        import lmtask

        torch.set_num_threads(args.threads)
        args.sizes = [int(s) for s in args.sizes.split(",")]
        args.seeds = [int(s) for s in args.seeds.split(",")]
        lm = lmtask.load_model(args.model)
        for name in args.sets.split(","):
            run_dataset(name, args, results, lm)
    md = render(results)
    Path(args.md).write_text(md + "\n", encoding="utf-8")
    print(md)


if __name__ == "__main__":
    main()
