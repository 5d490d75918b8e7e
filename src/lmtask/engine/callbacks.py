"""Trainer callbacks lmtask adds: a NaN guard and a progress bar (built on first use, as
importing the Trainer takes seconds)."""

from __future__ import annotations

import functools
import math
from typing import Any


@functools.lru_cache(maxsize=1)
def _nan_guard_class() -> type:
    """``NanGuard``, built on first use (importing the Trainer takes seconds)."""
    from transformers import TrainerCallback

    class NanGuard(TrainerCallback):
        """Stops training at the first NaN/inf loss or gradient norm, without saving it."""

        def __init__(self) -> None:
            self.bad: tuple[int, str, float] | None = None

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kw: Any):
            for key in ("loss", "grad_norm"):
                v = (logs or {}).get(key)
                if v is not None and not math.isfinite(float(v)) and self.bad is None:
                    self.bad = (state.global_step, key, float(v))
            if self.bad is not None:
                control.should_training_stop = True
                control.should_save = control.should_evaluate = False

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if self.bad is not None:
                control.should_save = control.should_evaluate = False

        on_epoch_end = on_step_end

    return NanGuard


@functools.lru_cache(maxsize=1)
def _progress_class() -> type:
    """``LossProgress``: a rich bar on stderr showing step, loss and dev accuracy."""
    from transformers import TrainerCallback

    class LossProgress(TrainerCallback):
        def __init__(self) -> None:
            self.bar: Any = None
            self.info = {"loss": "", "dev": ""}

        def on_train_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            if not state.is_world_process_zero:
                return
            self.bar = Progress(TextColumn("[bold]training"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.fields[info]}"), TimeRemainingColumn(),
                                console=Console(stderr=True), transient=True)  # fmt: skip
            self.bar.start()
            self.task = self.bar.add_task("train", total=state.max_steps, info="")
            self.bar.update(self.task, completed=state.global_step)

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if self.bar is not None:
                self.bar.update(self.task, completed=state.global_step)

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kw: Any):
            if self.bar is None or not logs:
                return
            if "loss" in logs:
                self.info["loss"] = f"loss {float(logs['loss']):.4f}"
            if "eval_accuracy" in logs:
                self.info["dev"] = f"dev acc {float(logs['eval_accuracy']):.3f}"
            self.bar.update(self.task, info="  ".join(v for v in self.info.values() if v))

        def on_train_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if self.bar is not None:
                self.bar.stop()
                self.bar = None

    return LossProgress
