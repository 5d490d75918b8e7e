"""The automatic ladder: try the rungs a task can afford, keep the best on dev data.

``fit`` splits the data (train / dev / test, stratified and seeded), chooses which rungs to
try from the number of labelled rows per class and the time budget (each rung's cost is
estimated from timed probes on this machine), runs them cheapest first through the method
factory, picks the best by dev macro-F1, measures that one on the test rows, and saves it as
a normal artifact in ``out``. Everything it tried is in ``out/compare`` (the ``compare``
report, on the dev rows); each rung's own artifact is in ``out/rungs/<rung>``, so a killed
run started again skips the rungs it finished. The split is saved as ``out/split.json``
(row indices into the rows fit read, after ``sample``): ``compare`` on those same rows with
that split file trains on the same train rows and scores the same test rows.

>>> import lmtask.ladder as ladder
>>> args = ladder.DataArgs("tweets", sample=600)
>>> run = ladder.fit(args, "runs/best", budget_s=900)  # doctest: +SKIP
>>> run.best, run.test["macro_f1"]                     # doctest: +SKIP
('finetune', 0.66)
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lmtask.atomic import check_writable_dir, write_atomic
from lmtask.data import LabeledData, labels_for, load_data, save_split, split
from lmtask.engine.calibration import AUTO_ROWS
from lmtask.errors import InputError
from lmtask.evaluation import Comparison, evaluate, result_row, save_comparison
from lmtask.ladder.runs import DataArgs
from lmtask.methods import build_and_fit

ENCODER = "all-minilm-l6-v2"


@dataclass(frozen=True)
class Rung:
    """A rung of the ladder: a method spec, and the labelled rows per class it needs."""

    name: str
    spec: str
    min_per_class: int
    kind: str  # "baseline", "prompt" (uses the LM) or "train" (trains the encoder)
    model: str | None = None  # None: the model the user gave (prompt rungs) or the method's


RUNGS = (
    Rung("majority", "majority", 1, "baseline"),
    # calibration chosen on the train rows (bench/adhoc_words_calibration.py: mean test
    # macro-F1 0.553 over 6 sets and 2 models; background, the ad-hoc default, 0.519)
    # (with under 2 train rows of a label: plain zero-shot, see _spec)
    Rung("zero-shot", "zero-shot:calibrate:auto", 0, "prompt"),
    Rung("few-shot-nearest", "few-shot:shots=8:select=nearest", 2, "prompt"),
    # An lm-features rung was tried in session 7 and taken out: on tweets it won on 90 dev
    # rows and lost 0.08 test macro-F1 to finetune (bench/RESULTS.md, "fit against compare").
    Rung("finetune-head", "finetune:mode=head:epochs=3", 8, "train", ENCODER),
    Rung("lora", "lora:epochs=3", 16, "train", ENCODER),
    Rung("finetune", "finetune:epochs=3", 16, "train", ENCODER),
)


@dataclass
class Probe:
    """Seconds per text for the LM to score one text, and per training step of the encoder."""

    lm_text_s: float
    encoder_step_s: float


@dataclass
class FitRun:
    """What :func:`fit` tried and chose."""

    out: Path
    best: str
    dev: list[dict[str, Any]]  # one row per rung tried (compare rows, on dev)
    test: dict[str, Any]  # the chosen rung on the test rows
    skipped: dict[str, str] = field(default_factory=dict)  # rung -> why not tried


def estimate(rung: Rung, n_train: int, n_eval: int, probe: Probe) -> float:
    """Seconds ``rung`` is expected to take: fitting on ``n_train`` rows, evaluating
    ``n_eval`` (dev + test)."""
    if rung.kind == "baseline":
        return 0.0
    if rung.kind == "prompt":
        per_text = probe.lm_text_s * (6.0 if "few-shot" in rung.spec else 1.0)
        choosing = min(AUTO_ROWS, n_train) if "calibrate:auto" in rung.spec else 0
        return per_text * (n_eval + choosing)
    epochs = 3
    steps = epochs * max(1, n_train // 16)
    factor = 0.5 if "head" in rung.spec else 1.0  # no backward through the body
    return steps * probe.encoder_step_s * factor + n_eval * probe.encoder_step_s / 16


def timed_probe(texts: list[str], model: Any, dtype: str = "auto") -> Probe:
    """Time the LM on a few texts and one encoder training step on 16 texts."""
    import torch

    from lmtask.methods import build

    sample = texts[:8] or ["x"]
    zs = build("zero-shot", labels="a,b", model=model, dtype=dtype)
    zs.predict(sample[:1])  # warm-up: the prefix cache, lazy loading
    t0 = time.perf_counter()
    zs.predict(sample)
    lm_text_s = (time.perf_counter() - t0) / len(sample)
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from lmtask.models.resolve import resolve_model

    src = resolve_model(ENCODER).source
    tok = AutoTokenizer.from_pretrained(src)
    enc = AutoModelForSequenceClassification.from_pretrained(src, num_labels=2)
    batch = tok((texts * 16)[:16], truncation=True, max_length=256, padding=True,
                return_tensors="pt")  # fmt: skip
    opt = torch.optim.AdamW(enc.parameters(), lr=1e-5)
    t0 = time.perf_counter()
    out = enc(**batch, labels=torch.zeros(16, dtype=torch.long))
    out.loss.backward()
    opt.step()
    return Probe(lm_text_s, time.perf_counter() - t0)


def _spec(rung: Rung, train: LabeledData) -> str:
    """The rung's spec for these train rows: a calibration is chosen (``calibrate:auto``)
    only on 2 or more rows of each of 2 or more labels; plain zero-shot otherwise."""
    counts = train.label_counts()
    if "calibrate:auto" in rung.spec and (len(counts) < 2 or min(counts.values()) < 2):
        return rung.spec.replace(":calibrate:auto", "")
    return rung.spec


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _plan(
    train: LabeledData, n_eval: int, budget_s: float, probe: Probe
) -> tuple[list[Rung], dict[str, str]]:
    counts = train.label_counts()
    per_class = min(counts.values()) if counts else 0
    chosen, skipped, total = [], {}, 0.0
    ranked = sorted(RUNGS, key=lambda r: estimate(r, len(train), n_eval, probe))
    for r in ranked:
        cost = estimate(r, len(train), n_eval, probe)
        if per_class < r.min_per_class:
            skipped[r.name] = f"needs {r.min_per_class} labelled rows per class, has {per_class}"
        elif total + cost > budget_s:
            skipped[r.name] = f"estimated {cost:.0f} s, over the budget left"
        else:
            chosen.append(r)
            total += cost
    if not any(r.kind != "baseline" for r in chosen):
        cheapest = min((estimate(r, len(train), n_eval, probe) for r in RUNGS
                        if r.kind != "baseline"), default=0.0)  # fmt: skip
        raise InputError(
            f"a budget of {budget_s:.0f} s is too small for any rung on {len(train)} training "
            f"rows: the cheapest needs about {cheapest:.0f} s here; give a larger budget or "
            "a smaller sample"
        )
    return chosen, skipped


def _more(
    skipped: dict[str, str], n_train: int, n_eval: int, probe: Probe, left: float, scale: float
) -> list[Rung]:
    """The cheapest rung skipped for time that fits in ``left`` seconds now, its estimate
    scaled by how the rungs run so far compared with theirs (so a plan made on a slow probe
    is corrected once the first rungs finish early)."""
    scale = min(max(scale, 0.25), 4.0)
    fits = [r for r in RUNGS if skipped.get(r.name, "").startswith("estimated")
            and estimate(r, n_train, n_eval, probe) * scale <= left]  # fmt: skip
    if not fits:
        return []
    rung = min(fits, key=lambda r: estimate(r, n_train, n_eval, probe))
    del skipped[rung.name]
    return [rung]


def fit(
    data: DataArgs,
    out: str | os.PathLike[str],
    *,
    budget_s: float = 900.0,
    task: Any = None,
    labels: Any = None,
    model: Any = None,
    dtype: str = "auto",
    dev_size: float = 0.15,
    test_size: float = 0.15,
    on_event: Callable[[str], None] | None = None,
    progress: bool = False,
) -> FitRun:
    """Run the automatic ladder; see the module docstring."""
    from lmtask.artifacts import check_artifact_folder, load, save

    say = on_event or (lambda _msg: None)
    if budget_s <= 0:
        raise InputError(f"budget must be positive, not {budget_s}")
    out = check_writable_dir(out, "artifact folder")
    check_artifact_folder(out)  # before the ladder runs, not after it
    start = time.perf_counter()
    rows = load_data(data.data, data.text_column, data.label_column, data.sample, data.seed,
                     encoding=data.encoding)  # fmt: skip
    if len(rows) < 10:
        raise InputError(f"{rows.source} has {len(rows)} labelled rows: fit needs at least 10 "
                         "(a train, a dev and a test part)")  # fmt: skip
    parts = split(rows, dev=dev_size, test=test_size, seed=data.seed)
    lbls = labels_for(rows, task, labels)
    _same_run(out, {"fingerprint": parts.fingerprint, "seed": parts.seed,
                    "indices": parts.indices, "model": str(getattr(model, "name", model)),
                    "dtype": dtype, "task": getattr(task, "name", task),
                    "labels": list(lbls or [])})  # fmt: skip
    save_split(parts, out / "split.json", rows.source)  # for compare on the same rows
    n_eval = len(parts.dev) + len(parts.test)
    say(f"probing speed on this machine ({len(parts.train)} train, {len(parts.dev)} dev, "
        f"{len(parts.test)} test rows)")  # fmt: skip
    probe = timed_probe(parts.train.texts, model, dtype)
    left = budget_s - (time.perf_counter() - start)
    plan, skipped = _plan(parts.train, n_eval, left, probe)
    results: list[dict[str, Any]] = []
    made: dict[str, Any] = {}  # rungs fitted in this run, kept in memory
    cmp_dir = out / "compare"
    queue, i = list(plan), 0
    est_sum = real_sum = 0.0  # estimates vs measured time of the rungs run so far
    while True:
        left = budget_s - (time.perf_counter() - start)
        if not queue:  # the plan is done: with time left, add what fits now (re-estimated)
            queue = _more(skipped, len(parts.train), n_eval, probe, left,
                          real_sum / est_sum if est_sum else 1.0)  # fmt: skip
            if not queue:
                break
            say(f"{left:.0f} s left: adding {queue[0].name}")
        rung = queue.pop(0)
        i += 1
        est = estimate(rung, len(parts.train), n_eval, probe)
        say(f"[{i}] {rung.name} (about {est:.0f} s; {max(left, 0):.0f} s left)")
        rung_dir = out / "rungs" / rung.name
        spec = _spec(rung, parts.train)
        if (
            (rung_dir / "manifest.json").is_file()
            and (rung_dir / "dev.json").is_file()
            and (_read(rung_dir / "spec.txt") == spec)
        ):
            results.append(json.loads((rung_dir / "dev.json").read_text()))
            say(f"    {rung.name}: done in an earlier run, kept")
            continue
        t0 = time.perf_counter()
        clf = build_and_fit(spec, parts.train, task=task, labels=lbls,
                            model=rung.model or model, dtype=dtype)  # fmt: skip
        report = evaluate(clf, parts.dev, progress=progress)
        row = result_row(rung.name, report, clf, cmp_dir)
        save(clf, rung_dir, metrics={"dev_macro_f1": report.macro_f1})
        write_atomic(rung_dir / "spec.txt", spec)
        write_atomic(rung_dir / "dev.json", json.dumps(row, default=str) + "\n")
        results.append(row)
        made[rung.name] = clf
        est_sum, real_sum = est_sum + est, real_sum + time.perf_counter() - t0
        say(f"    {rung.name}: dev macro-F1 {report.macro_f1:.3f}, accuracy {report.accuracy:.3f}")
    tried = [r for r in results if r["method"] != "majority"] or results
    best = max(tried, key=lambda r: (r["macro_f1"], r["accuracy"]))["method"]
    save_comparison(Comparison(f"{rows.source} (dev rows)", len(parts.dev), sorted(set(
        parts.dev.labels or [])), results, cmp_dir))  # fmt: skip
    kind = {r.name: r.kind for r in RUNGS}.get(best)
    chosen = made.get(best) or load(out / "rungs" / best,
                                    model=model if kind == "prompt" else None)  # fmt: skip
    test = evaluate(chosen, parts.test, progress=progress)
    test_metrics = {"accuracy": test.accuracy, "macro_f1": test.macro_f1, "n": test.n}
    save(chosen, out, metrics={"test": test_metrics, "chosen_by": "dev macro-F1",
                               "rung": best, "budget_s": budget_s},
         data={"source": rows.source, "n": len(parts.train)})  # fmt: skip
    summary = {"best": best, "test": test_metrics, "skipped": skipped, "dev": results}
    write_atomic(out / "fit.json", json.dumps(summary, indent=2, default=str) + "\n")
    say(f"chose {best}: test macro-F1 {test.macro_f1:.3f}, accuracy {test.accuracy:.3f}")
    return FitRun(out, best, results, test_metrics, skipped)


__all__ = ["RUNGS", "FitRun", "Probe", "Rung", "estimate", "fit", "timed_probe"]


def _same_run(out: Path, key: dict[str, Any]) -> None:
    """Refuse to resume rungs fitted on other rows, another split, model or labels (they
    would be kept as they are, and a test row could have been a training row)."""
    from lmtask.atomic import write_atomic

    f = out / "fit-key.json"
    key = json.loads(json.dumps(key, default=str))
    try:
        old = json.loads(f.read_text()) if f.is_file() else None
    except (OSError, ValueError) as e:
        raise InputError(
            f"{f} cannot be read ({e}): use a new --out, or delete that folder"
        ) from None
    rungs = out / "rungs"
    if old is None and rungs.is_dir() and any(rungs.iterdir()):
        raise InputError(f"{out} holds rungs of a fit run this version cannot check: use a new "
                         "--out, or delete that folder")  # fmt: skip
    if old is not None and old != key:
        names = {"fingerprint": "data", "indices": "split sizes"}
        what = [names.get(k, k) for k in key if old.get(k) != key[k]]
        raise InputError(f"{out} holds a fit run on other {', '.join(what)}: its rungs cannot "
                         "be resumed; use a new --out, or delete that folder")  # fmt: skip
    if old is None:
        write_atomic(f, json.dumps(key) + "\n")
