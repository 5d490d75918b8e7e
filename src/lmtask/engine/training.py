"""Training loop for sequence classifiers, on the standard stack: transformers ``Trainer``.

Why ``Trainer`` rather than a hand-written loop: it already does dynamic padding (with
``DataCollatorWithPadding``), length-grouped batches, evaluation each epoch, early stopping
(``EarlyStoppingCallback``), keeping the best checkpoint (``load_best_model_at_end``),
exact resumption (``resume_from_checkpoint``: model, optimizer, scheduler, RNG and sampler
state), seeding, mixed precision on GPUs, and the same code runs unchanged under
``accelerate launch`` / ``torchrun`` on several GPUs or machines. What lmtask adds: a small
config, a NaN guard with a clear error, a result object and a plot.

>>> from lmtask.engine.training import TrainConfig
>>> TrainConfig(epochs=1, lr=1e-3).batch_size
16
>>> # result = train_sequence_classifier(model, tok, texts, labels, dev_texts, dev_labels,
>>> #                                    ["neg", "pos"], TrainConfig(output_dir="ckpt"))
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch

from lmtask.config import Config, option
from lmtask.engine.callbacks import _nan_guard_class, _progress_class
from lmtask.engine.checkpoints import _disk_error, _last_step, _workdir
from lmtask.errors import InputError, LmtaskError

__all__ = [  # and NanGuard, LossProgress (Trainer callbacks), built on first access
    "TrainConfig",
    "TrainResult",
    "TrainingDivergedError",
    "run_trainer",
    "train_sequence_classifier",
]


class TrainingDivergedError(LmtaskError):
    """The training loss became NaN or infinite; training was stopped."""


@dataclass
class TrainConfig(Config):
    """Options of :func:`train_sequence_classifier` (and of every training method)."""

    epochs: float = option(3.0, "passes over the training data (may be fractional)", gt=0)
    lr: float = option(5e-5, "learning rate", min=0)
    batch_size: int = option(16, "training examples per step", min=1)
    weight_decay: float = option(0.01, "AdamW weight decay", min=0)
    warmup_ratio: float = option(0.1, "share of steps with a linear warmup", min=0, max=1)
    seed: int = option(42, "seed of initialisation, shuffling and the dev split")
    early_stopping_patience: int | None = option(
        2, "evaluations without a better dev accuracy before stopping (none/0: off)", min=0
    )
    max_length: int = option(256, "tokens per text (longer texts are cut)", min=1)
    output_dir: str | None = option(
        None, "checkpoint folder (needed to resume); none: a temporary one, removed after"
    )
    save_total_limit: int | None = option(2, "checkpoints kept", min=1)
    eval_strategy: Literal["epoch", "steps"] = option(
        "epoch", "evaluate on dev each epoch, or every eval_steps"
    )
    eval_steps: int | None = option(None, "steps between evaluations (eval_strategy=steps)", min=1)
    logging_steps: int | None = option(
        None, "steps between loss logs (none: each step on runs of up to 100 steps, else 10)", min=1
    )
    group_by_length: bool = option(True, "batch texts of similar length (less padding)")
    load_best_model_at_end: bool = option(True, "restore the best dev checkpoint at the end")
    max_steps: int = option(-1, "stop after this many steps (-1: use epochs)", min=-1)
    verbose: bool = option(False, "print the Trainer's own logs and bars")
    progress: bool | None = option(
        None, "a bar with loss and dev accuracy (none: when on a terminal)"
    )

    def check(self) -> None:
        super().check()
        if self.max_steps == 0:
            raise InputError("max_steps=0 trains nothing: give a positive number, or -1 for epochs")


@dataclass
class TrainResult:
    """What a training run did. ``history`` is the Trainer's log (one dict per log/eval)."""

    history: list[dict[str, Any]]
    best_checkpoint: str | None
    train_seconds: float
    samples_per_second: float
    steps_per_second: float
    start_step: int  # > 0 when resumed from a checkpoint
    global_step: int
    best_metric: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def losses(self) -> list[tuple[int, float]]:
        """(step, training loss) at each logging step."""
        return [(h["step"], h["loss"]) for h in self.history if "loss" in h]

    @property
    def dev_accuracy(self) -> list[tuple[float, float]]:
        """(epoch, dev accuracy) at each evaluation."""
        return [(h.get("epoch", 0.0), h["eval_accuracy"]) for h in self.history
                if "eval_accuracy" in h]  # fmt: skip


class _Encoded(torch.utils.data.Dataset):
    """Pre-tokenized examples (unpadded); the collator pads each batch to its longest."""

    def __init__(self, enc: dict[str, list[list[int]]], labels: Sequence[int]) -> None:
        self.enc, self.labels = enc, list(labels)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {**{k: v[i] for k, v in self.enc.items()}, "labels": self.labels[i]}


def _encode(tokenizer: Any, texts: Sequence[str], labels: Sequence[int], max_length: int):
    enc = tokenizer(list(texts), truncation=True, max_length=max_length)
    return _Encoded({k: list(v) for k, v in enc.items()}, labels)


def _accuracy(pred: Any) -> dict[str, float]:
    logits = pred.predictions[0] if isinstance(pred.predictions, tuple) else pred.predictions
    gold = np.asarray(pred.label_ids)
    if gold.ndim == 2:  # soft targets (distillation): their most probable label
        gold = gold.argmax(axis=-1)
    return {"accuracy": float((np.argmax(logits, axis=-1) == gold).mean())}


def soft_cross_entropy(outputs: Any, labels: Any, num_items_in_batch: Any = None) -> Any:
    """Cross-entropy against soft targets (rows of label probabilities): distillation."""
    logits = outputs["logits"] if isinstance(outputs, dict) else outputs[0]
    logp = torch.log_softmax(logits.float(), dim=-1)
    if labels.dim() == 1:  # hard labels (a dev set): the usual cross-entropy
        return torch.nn.functional.nll_loss(logp, labels.long())
    return -(labels.to(logp.dtype) * logp).sum(dim=-1).mean()


def __getattr__(name: str) -> Any:
    if name == "NanGuard":
        return _nan_guard_class()
    if name == "LossProgress":
        return _progress_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def logging_every(config: TrainConfig, n_train: int) -> int:
    """Steps between loss logs: ``logging_steps``, or by default every step of a short run
    (up to 100 steps: a curve with a point per step) and every 10 of a longer one.

    >>> logging_every(TrainConfig(epochs=1, batch_size=8), 24), logging_every(TrainConfig(), 900)
    (1, 10)
    """
    if config.logging_steps is not None:
        return config.logging_steps
    world = max(1, int(os.environ.get("WORLD_SIZE", "1")))
    per_epoch = math.ceil(n_train / (config.batch_size * world))
    steps = config.max_steps if config.max_steps > 0 else math.ceil(per_epoch * config.epochs)
    return 1 if steps <= 100 else 10


def _training_args(config: TrainConfig, out: str, has_dev: bool, n_train: int = 0) -> Any:
    from transformers import TrainingArguments

    cuda = torch.cuda.is_available()
    params = inspect.signature(TrainingArguments.__init__).parameters
    every = config.eval_strategy if has_dev else "no"
    if every not in ("epoch", "steps", "no"):
        raise InputError(f"eval_strategy must be 'epoch' or 'steps', not {every!r}")
    kw: dict[str, Any] = dict(
        output_dir=out,
        num_train_epochs=config.epochs,
        max_steps=config.max_steps,
        learning_rate=config.lr,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size,
        weight_decay=config.weight_decay,
        seed=config.seed,
        eval_strategy=every,
        save_strategy=every if has_dev else ("epoch" if config.output_dir else "no"),
        eval_steps=config.eval_steps,
        save_steps=config.eval_steps or 500,
        save_total_limit=config.save_total_limit,
        logging_steps=logging_every(config, n_train),
        logging_nan_inf_filter=False,  # the NaN guard must see NaN losses
        load_best_model_at_end=has_dev and config.load_best_model_at_end,
        metric_for_best_model="accuracy" if has_dev else None,
        greater_is_better=True,
        report_to=[],
        use_cpu=not cuda,
        bf16=cuda and torch.cuda.is_bf16_supported(),
        disable_tqdm=not config.verbose,
        dataloader_pin_memory=cuda,
    )
    if "warmup_ratio" in params:  # transformers 4.x
        kw["warmup_ratio"] = config.warmup_ratio
    else:  # 5.x: a float below 1 is a ratio
        kw["warmup_steps"] = float(config.warmup_ratio) if config.warmup_ratio < 1 else 0
    if "train_sampling_strategy" in params:
        kw["train_sampling_strategy"] = "group_by_length" if config.group_by_length else "random"
    else:
        kw["group_by_length"] = config.group_by_length
    return TrainingArguments(**kw)


def train_sequence_classifier(
    model: Any,
    tokenizer: Any,
    train_texts: Sequence[str],
    train_labels: Sequence[int] | Sequence[Sequence[float]],
    dev_texts: Sequence[str] | None,
    dev_labels: Sequence[int] | None,
    label_names: Sequence[str],
    config: TrainConfig | None = None,
    resume: bool = False,
) -> TrainResult:
    """Train ``model`` (a ``*ForSequenceClassification``, possibly PEFT-wrapped) in place.

    Labels are integer ids into ``label_names``, or (distillation) rows of probabilities
    over ``label_names``, learnt with :func:`soft_cross_entropy`. With a dev set, the model
    is evaluated per ``config.eval_strategy``, early-stopped, and the best checkpoint is
    loaded at the end.
    ``resume=True`` continues from the last checkpoint in ``config.output_dir``.
    """
    from transformers import DataCollatorWithPadding

    config = config or TrainConfig()
    n = len(label_names)
    soft = bool(train_labels) and not isinstance(train_labels[0], int | np.integer)
    if soft:
        bad_rows = [r for r in train_labels if len(r) != n]  # type: ignore[arg-type]
        if bad_rows:
            raise InputError(f"a soft label has {len(bad_rows[0])} probabilities, not {n}")
    for ids in ([] if soft else train_labels, dev_labels or []):
        bad = [y for y in ids if not 0 <= int(y) < n]
        if bad:
            raise InputError(f"label id {bad[0]} is outside 0..{n - 1} ({n} labels)")
    has_dev = bool(dev_texts)
    train_ds = _encode(tokenizer, train_texts, train_labels, config.max_length)
    dev_ds = _encode(tokenizer, dev_texts, dev_labels, config.max_length) if has_dev else None
    return run_trainer(
        model,
        train_ds,
        dev_ds,
        DataCollatorWithPadding(tokenizer),
        config,
        resume=resume,
        compute_metrics=_accuracy if has_dev else None,
        processing_class=tokenizer,
        compute_loss_func=soft_cross_entropy if soft else None,
    )


def run_trainer(
    model: Any,
    train_ds: Any,
    dev_ds: Any,
    collator: Any,
    config: TrainConfig,
    *,
    resume: bool = False,
    compute_metrics: Any = None,
    processing_class: Any = None,
    preprocess_logits_for_metrics: Any = None,
    trainer_args: dict[str, Any] | None = None,
    compute_loss_func: Any = None,
) -> TrainResult:
    """Run transformers ``Trainer`` with lmtask's arguments, NaN guard and early stopping.

    With ``dev_ds``, ``compute_metrics`` must return ``{"accuracy": ...}``: it picks the best
    checkpoint and drives early stopping. ``trainer_args`` overrides ``TrainingArguments``
    attributes. ``resume=True`` continues from the last checkpoint in ``config.output_dir``.
    """
    from transformers import EarlyStoppingCallback, Trainer
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    if resume and not config.output_dir:
        raise InputError("resume=True needs config.output_dir, where the checkpoints are")
    has_dev = dev_ds is not None and len(dev_ds) > 0
    guard = _nan_guard_class()()
    callbacks: list[Any] = [guard]
    if has_dev and config.early_stopping_patience and config.load_best_model_at_end:
        callbacks.append(EarlyStoppingCallback(config.early_stopping_patience))
    with _workdir(config) as out:
        last, start_step = _last_step(out) if resume else (None, 0)
        if resume and last is None:
            raise InputError(f"resume=True but {out} holds no checkpoint-* folder to resume")
        args = _training_args(config, out, has_dev, len(train_ds))
        for k, v in (trainer_args or {}).items():
            setattr(args, k, v)
        trainer = Trainer(
            model=model,
            args=args,
            data_collator=collator,
            train_dataset=train_ds,
            eval_dataset=dev_ds if has_dev else None,
            processing_class=processing_class,
            compute_metrics=compute_metrics if has_dev else None,
            preprocess_logits_for_metrics=preprocess_logits_for_metrics if has_dev else None,
            callbacks=callbacks,
            compute_loss_func=compute_loss_func,
        )
        if not config.verbose:
            trainer.remove_callback(PrinterCallback)
            trainer.remove_callback(ProgressCallback)
        show = config.progress if config.progress is not None else sys.stderr.isatty()
        bar = _progress_class()() if show and not config.verbose else None
        if bar is not None:
            trainer.add_callback(bar)
        t0 = time.perf_counter()
        try:
            out_metrics = trainer.train(resume_from_checkpoint=last).metrics
        except Exception as e:
            why = _disk_error(e, out)
            if why is None:
                raise
            raise LmtaskError(
                f"cannot write training checkpoints to {out}: {why}. "
                "Free space or choose another output_dir; resume=True continues from the "
                "last complete checkpoint"
            ) from None
        finally:
            if bar is not None:
                bar.on_train_end(None, None, None)
        seconds = time.perf_counter() - t0
        best = trainer.state.best_model_checkpoint if config.output_dir else None
        if guard.bad is not None:
            step, key, value = guard.bad
            good, _ = _last_step(out)
            keep = f"; the last good checkpoint is {good}" if config.output_dir and good else ""
            raise TrainingDivergedError(
                f"training diverged: {key} became {value} at step {step}{keep}. "
                f"Lower the learning rate (now {config.lr:g}) or check the data."
            )
        state = trainer.state
        return TrainResult(
            history=list(state.log_history),
            best_checkpoint=best,
            train_seconds=seconds,
            samples_per_second=float(out_metrics.get("train_samples_per_second", 0.0)),
            steps_per_second=float(out_metrics.get("train_steps_per_second", 0.0)),
            start_step=start_step,
            global_step=int(state.global_step),
            best_metric=state.best_metric,
            extra={"config": dataclasses.asdict(config)},
        )
