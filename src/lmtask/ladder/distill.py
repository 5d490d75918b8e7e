"""Distillation: a slow classifier labels unlabelled texts, a small encoder learns from it.

The teacher is any classifier (an artifact folder, or a method spec built through the
factory); it labels the texts in chunks, each chunk written atomically to
``out/.distill/`` as soon as it is done, so a killed run started again labels only what is
left. The student (``finetune`` of the packaged MiniLM encoder by default, or ``lora``)
learns the teacher's *soft* labels (its probability for every label); then its head's bias
is moved so that, on the same texts, it answers each label as often as the teacher did
(:func:`match_rates`: without it, a student of a skewed teacher tends to answer the majority
label everywhere). It is saved as a normal artifact in ``out``. With a labelled dev set,
teacher and student are both measured on it (accuracy, macro-F1, texts/s) in
``out/distill.json``.

>>> import lmtask.ladder as ladder
>>> run = ladder.distill("unlabelled.txt", "few-shot:select=nearest", "runs/student",
...                      labels="positive,negative", examples="labelled.csv")  # doctest: +SKIP
>>> run.dev["student"]["accuracy"], run.dev["teacher"]["accuracy"]             # doctest: +SKIP
(0.84, 0.85)
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lmtask.atomic import check_writable_dir, write_atomic
from lmtask.data import LabeledData, load_data, read_table
from lmtask.errors import InputError, LmtaskError
from lmtask.evaluation import evaluate
from lmtask.methods import MethodSpec, build, build_and_fit, parse_spec

STATE = ".distill"
# The default student: the first 3 of MiniLM's 6 layers (as accurate as all 6 on tweets and
# fine-foods, at about twice the texts/s: bench/distill_target.py), fine-tuned 6 epochs: chosen
# without gold labels, by agreement with the teacher on held-out unlabelled texts
# (bench/distill_student_select.py: tweets 0.76 vs 0.67 for 3 epochs; fine-foods equal).
STUDENT = "finetune:epochs=6:layers=3"


@dataclass
class DistillRun:
    """Where the student is, how many texts the teacher labelled, and dev numbers if any."""

    out: Path
    n_texts: int
    student: Any
    teacher: Any
    dev: dict[str, Any] = field(default_factory=dict)


def load_teacher(
    teacher: str, *, task: Any = None, labels: Any = None, model: Any = None,
    dtype: str = "auto", examples: str | os.PathLike[str] | None = None,
    encoding: str = "utf-8",
) -> Any:  # fmt: skip
    """An artifact folder, or a method spec built (and fitted on ``examples``)."""
    from lmtask.artifacts import load

    if (Path(teacher) / "manifest.json").is_file():
        return load(teacher)
    try:
        spec = parse_spec(teacher)
    except InputError as e:
        raise InputError(f"teacher {teacher!r} is neither an artifact folder nor a method "
                         f"spec that can label: {e}") from None  # fmt: skip
    pool = read_table(examples, encoding=encoding) if examples else None
    return build_and_fit(spec, pool, task=task, labels=labels, model=model, dtype=dtype)


def _key(texts: list[str], teacher: Any) -> str:
    """What the saved labels depend on: the texts, the teacher's description and what it
    learnt (its saved state and weights: a teacher refitted on other examples differs)."""
    h = hashlib.sha256(json.dumps(teacher.describe(), sort_keys=True, default=str).encode())
    _hash_state(h, teacher)
    for t in texts:
        h.update(t.encode() + b"\0")
    return h.hexdigest()[:16]


def _hash_state(h: Any, teacher: Any) -> None:
    try:
        state = dict(teacher.artifact_state())
    except Exception:  # a teacher that cannot be saved (nothing learnt to tell apart)
        return
    tensors = state.pop("tensors", None) or {}
    h.update(json.dumps(state, sort_keys=True, default=str).encode())
    for name in sorted(tensors):
        t = tensors[name]
        arr = t.detach().cpu().float().numpy() if hasattr(t, "detach") else np.asarray(t)
        h.update(name.encode() + np.ascontiguousarray(arr).tobytes())


def label_texts(
    teacher: Any, texts: list[str], state: Path, chunk: int = 64,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, float]]:  # fmt: skip
    """The teacher's scores for every text, chunk by chunk, each chunk saved in ``state``;
    chunks already saved (by a killed run on the same texts and teacher) are reused."""
    key = _key(texts, teacher)
    meta = state / "source.json"
    if meta.is_file() and json.loads(meta.read_text()).get("key") != key:
        raise InputError(f"{state} holds teacher labels of other texts or another teacher; "
                         "use another output folder or remove it")  # fmt: skip
    state.mkdir(parents=True, exist_ok=True)
    write_atomic(meta, json.dumps({"key": key, "n": len(texts)}) + "\n")
    scores: list[dict[str, float]] = []
    for start in range(0, len(texts), chunk):
        part = state / f"labels-{start:09d}.jsonl"
        if part.is_file():
            rows = [json.loads(x) for x in part.read_text().splitlines()]
        else:
            preds = teacher.predict(texts[start : start + chunk])
            rows = [p.scores for p in preds]
            write_atomic(part, "".join(json.dumps(r) + "\n" for r in rows))
        scores.extend(rows)
        if on_progress:
            on_progress(min(start + chunk, len(texts)), len(texts))
    return scores


def match_rates(
    log_probs: np.ndarray, teacher: Sequence[int], n_labels: int, iters: int = 300
) -> np.ndarray:  # fmt: skip
    """Per-label offsets for ``log_probs`` (n, n_labels) after which its top label is each label
    about as often as in ``teacher`` (the teacher's top labels of the same texts).

    A student that learns a skewed teacher's soft labels tends to answer the majority label
    everywhere: its probabilities rank the texts well but never cross the teacher's decision
    line. The offsets move that line so the student decides as often as the teacher did.

    >>> lp = np.log(np.array([[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.6, 0.4]]))
    >>> off = match_rates(lp, [0, 0, 1, 1], 2)
    >>> (lp + off).argmax(axis=1).tolist()
    [0, 0, 1, 1]
    """
    n = len(teacher)
    target = np.bincount(np.asarray(teacher), minlength=n_labels) / n
    eps = 0.5 / n
    offset = np.zeros(n_labels)
    best, best_err = offset.copy(), np.inf
    for it in range(iters):
        rate = np.bincount((log_probs + offset).argmax(axis=1), minlength=n_labels) / n
        err = float(np.abs(rate - target).sum())
        if err < best_err:
            best, best_err = offset.copy(), err
        if err < 1.0 / n:
            break
        offset = offset + (np.log(target + eps) - np.log(rate + eps)) / (1 + it / 20)
    return best - best.mean()


def shift_head(model: Any, offset: np.ndarray) -> None:
    """Add ``offset`` to the classification head's bias (in place), so the saved student
    decides with it: softmax(z + b) is the student's probabilities with the offsets applied."""
    import torch

    n = len(offset)
    bias = [p for name, p in model.named_parameters()
            if name.endswith("bias") and p.requires_grad and tuple(p.shape) == (n,)]  # fmt: skip
    if not bias:
        raise LmtaskError("the student has no trainable head bias to move")
    with torch.no_grad():
        bias[-1] += torch.as_tensor(offset, dtype=bias[-1].dtype, device=bias[-1].device)


def _measure(clf: Any, dev: LabeledData) -> dict[str, Any]:
    rep = evaluate(clf, dev)
    return {"accuracy": rep.accuracy, "macro_f1": rep.macro_f1, "texts_per_s": rep.texts_per_s,
            "n": rep.n}  # fmt: skip


def distill(
    texts: str | os.PathLike[str] | list[str],
    teacher: str | Any,
    out: str | os.PathLike[str],
    *,
    student: str = STUDENT,
    text_column: str | None = None,
    task: Any = None,
    labels: Any = None,
    model: Any = None,
    dtype: str = "auto",
    examples: str | os.PathLike[str] | None = None,
    dev: str | os.PathLike[str] | None = None,
    student_options: Mapping[str, Any] | None = None,
    match_teacher_rates: bool = True,
    chunk: int = 64,
    on_event: Callable[[str], None] | None = None,
    encoding: str = "utf-8",
) -> DistillRun:
    """Label ``texts`` with ``teacher``, train ``student`` on the soft labels, save it."""
    from lmtask.artifacts import check_artifact_folder, save

    say = on_event or (lambda _msg: None)
    out = check_writable_dir(out, "artifact folder")
    check_artifact_folder(out)  # before labelling and training, not after them
    stu = parse_spec(student)
    if "soft_labels" not in inspect.signature(stu.cls.fit).parameters:
        raise InputError(f"the student must learn soft labels (finetune or lora), not "
                         f"{stu.name!r}")  # fmt: skip
    if isinstance(texts, list):
        items = list(texts)
    else:
        items = read_table(texts, text_column, encoding=encoding, need_labels=False).texts
    items = [t for t in items if t.strip()]
    if not items:
        raise InputError(f"{texts if not isinstance(texts, list) else 'texts'} holds no "
                         "non-empty text to label")  # fmt: skip
    dev_rows = load_data(dev, encoding=encoding) if dev is not None else None
    if isinstance(teacher, str):
        teacher = load_teacher(teacher, task=task, labels=labels, model=model, dtype=dtype,
                               examples=examples, encoding=encoding)  # fmt: skip
    opts = {**stu.options, **(student_options or {})}
    clf = build(MethodSpec(stu.name, opts), labels=list(teacher.labels))  # bad options: now
    say(f"teacher {teacher.method_name} labels {len(items)} texts (saved as it goes)")
    scores = label_texts(teacher, items, out / STATE, chunk,
                         lambda done, n: say(f"    labelled {done}/{n}"))  # fmt: skip
    answered = [i for i, s in enumerate(scores) if sum(s.values()) > 0]
    if len(answered) < len(items):  # "unknown" (a generating teacher matched no label)
        say(f"    {len(items) - len(answered)} text(s) the teacher answered with no label are "
            "left out")  # fmt: skip
        if not answered:
            raise InputError(
                "the teacher answered none of the texts with one of its labels (a generating "
                "teacher? use mode=score): nothing to learn from"
            )
        items, scores = [items[i] for i in answered], [scores[i] for i in answered]
    hard = [max(s, key=s.get) for s in scores]
    say(f"student {stu} learns the teacher's soft labels")
    clf.fit(items, hard, soft_labels=scores)  # type: ignore[attr-defined]
    if match_teacher_rates:
        say("student matches the teacher's label rates on the texts")
        lp = np.log(np.clip(clf.predict_proba(items), 1e-12, None))  # type: ignore[attr-defined]
        ids = {lb: i for i, lb in enumerate(clf.labels)}
        shift_head(clf.model, match_rates(lp, [ids[h] for h in hard], len(ids)))  # type: ignore
    run = DistillRun(out, len(items), clf, teacher)
    if dev_rows is not None:
        run.dev = {"teacher": _measure(teacher, dev_rows), "student": _measure(clf, dev_rows)}
    source = "" if isinstance(texts, list) else str(texts)
    save(clf, out, metrics={"distilled_from": teacher.describe(), "dev": run.dev},
         data={"n": len(items), "source": source})  # fmt: skip
    write_atomic(out / "distill.json", json.dumps({"n_texts": len(items), "dev": run.dev,
                 "teacher": teacher.describe()}, indent=2, default=str) + "\n")  # fmt: skip
    return run


__all__ = [
    "STUDENT", "DistillRun", "distill", "label_texts", "load_teacher", "match_rates", "shift_head",
]  # fmt: skip
