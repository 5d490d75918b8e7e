"""Which student setting copies its teacher best? Chosen without any gold label.

``bench/distill_target.py`` saves the teacher's soft labels of the unlabelled texts
(``WORK/<set>-student/.distill``). This script splits those texts (seeded) into a training
part and a held-out part, trains each candidate student on the training part's soft labels and
measures how well it reproduces the teacher on the held-out part: agreement (accuracy against
the teacher's top label), macro-F1 against the teacher's top label (a student that answers the
teacher's majority label everywhere scores high agreement but low macro-F1 when the teacher is
skewed), and the mean cross-entropy to the teacher's distribution. No labelled row is read, so
a choice made here can then be checked once on the labelled dev rows of distill_target.py.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/distill_student_select.py --work /tmp/lmtask-distill-l3

Resumable per (set, candidate); results in ``bench/results/distill_student_select.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path
from typing import Any

import numpy as np

OUT = Path(__file__).parent / "results" / "distill_student_select.json"
CANDIDATES = {
    "epochs=3, best epoch by accuracy (default before)": ("finetune:epochs=3:layers=3", True),
    "epochs=3, last epoch": ("finetune:epochs=3:layers=3:load_best_model_at_end=false", True),
    "epochs=6, best epoch by accuracy": ("finetune:epochs=6:layers=3", True),
    "epochs=3, hard labels": ("finetune:epochs=3:layers=3", False),
    "epochs=10, best epoch by accuracy": ("finetune:epochs=10:layers=3", True),
    "epochs=6, lr=1e-4, best epoch by accuracy": ("finetune:epochs=6:layers=3:lr=1e-4", True),
}
# Each candidate is also scored with its decision rates matched to the teacher's: per-label
# offsets added to the student's log-probabilities so that, on its own training texts, it
# gives each label as often as the teacher did (fitted on training texts, scored on held-out).


def teacher_scores(work: Path, name: str) -> tuple[list[str], list[dict[str, float]]]:
    from lmtask.data import read_table

    texts = [t for t in read_table(work / f"{name}-texts.jsonl").texts if t.strip()]
    state = work / f"{name}-student" / ".distill"
    rows = [json.loads(x) for p in sorted(state.glob("labels-*.jsonl"))
            for x in p.read_text().splitlines()]  # fmt: skip
    if len(rows) != len(texts):
        raise SystemExit(f"{state}: {len(rows)} teacher labels for {len(texts)} texts")
    return texts, rows


def run_candidate(
    spec: str, soft: bool, texts: list[str], scores: list[dict[str, float]], held: list[int]
) -> dict[str, Any]:
    from sklearn.metrics import f1_score

    from lmtask.methods import build, parse_spec

    labels = list(scores[0])
    top = [max(s, key=s.get) for s in scores]
    train = [i for i in range(len(texts)) if i not in set(held)]
    parsed = parse_spec(spec)
    clf = build(parsed, labels=labels)
    t0 = time.perf_counter()
    clf.fit([texts[i] for i in train], [top[i] for i in train],
            soft_labels=[scores[i] for i in train] if soft else None)  # fmt: skip
    train_s = time.perf_counter() - t0
    preds = clf.predict([texts[i] for i in held])
    got = [p.label for p in preds]
    want = [top[i] for i in held]
    ce = -np.mean([sum(scores[i][lb] * np.log(max(p.scores[lb], 1e-9)) for lb in labels)
                   for i, p in zip(held, preds, strict=True)])  # fmt: skip
    from lmtask.ladder.distill import match_rates

    def logp(rows: list[Any]) -> np.ndarray:
        return np.log(np.array([[max(p.scores[lb], 1e-12) for lb in labels] for p in rows]))

    train_lp = logp(clf.predict([texts[i] for i in train]))
    offset = match_rates(train_lp, [labels.index(top[i]) for i in train], len(labels))
    matched = [labels[k] for k in (logp(preds) + offset).argmax(axis=1)]
    return {
        "offset": offset.tolist(),
        "matched_agreement": float(np.mean([a == b for a, b in zip(matched, want, strict=True)])),
        "matched_macro_f1_vs_teacher": float(f1_score(want, matched, labels=labels,
                                                      average="macro", zero_division=0)),
        "matched_counts": {lb: matched.count(lb) for lb in labels},
        "spec": spec, "soft": soft, "train_s": train_s, "n_train": len(train), "n_held": len(held),
        "agreement": float(np.mean([a == b for a, b in zip(got, want, strict=True)])),
        "macro_f1_vs_teacher": float(f1_score(want, got, labels=labels, average="macro",
                                              zero_division=0)),
        "cross_entropy": float(ce),
        "teacher_counts": {lb: want.count(lb) for lb in labels},
        "student_counts": {lb: got.count(lb) for lb in labels},
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/lmtask-distill-l3"))
    ap.add_argument("--sets", default="fine-foods,tweets")
    ap.add_argument("--held", type=float, default=0.2, help="share of texts held out")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    results = json.loads(OUT.read_text()) if OUT.is_file() else {}
    for name in args.sets.split(","):
        texts, scores = teacher_scores(args.work, name)
        held = sorted(random.Random(0).sample(range(len(texts)), int(len(texts) * args.held)))
        for cand, (spec, soft) in CANDIDATES.items():
            key = f"{name} | {cand}"
            if key in results:
                continue
            results[key] = run_candidate(spec, soft, texts, scores, held)
            print(key, {k: results[key][k] for k in ("agreement", "macro_f1_vs_teacher",
                  "cross_entropy", "student_counts", "matched_agreement",
                  "matched_macro_f1_vs_teacher", "matched_counts")},
                  flush=True)  # fmt: skip
            OUT.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
