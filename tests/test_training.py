"""The training loop (lmtask.engine.training): NaN in the middle of a run keeps the last good
checkpoint; the same code trains under ``accelerate launch`` with 2 CPU processes."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lmtask.engine.training import TrainingDivergedError
from lmtask.methods.trained.finetune import Finetune
from tests.helpers import FAST, X, Y

pytestmark = pytest.mark.usefixtures("one_thread")


def test_nan_mid_run_keeps_the_last_good_checkpoint(tiny_bert, tmp_path, monkeypatch):
    """Steps 1-8 are fine (two epochs of 4, a checkpoint after each); step 9's loss is NaN."""
    from transformers import BertForSequenceClassification

    calls = {"n": 0}
    forward = BertForSequenceClassification.forward

    @functools.wraps(forward)  # the Trainer reads the signature to pick input columns
    def poisoned(self, *args, **kwargs):
        out = forward(self, *args, **kwargs)
        if self.training:
            calls["n"] += 1
            if calls["n"] > 8:
                out.loss = out.loss * float("nan")
        return out

    monkeypatch.setattr(BertForSequenceClassification, "forward", poisoned)
    ckpt = tmp_path / "ckpt"
    opts = {**FAST, "mode": "head", "lr": 5e-2, "epochs": 4, "output_dir": str(ckpt)}
    clf = Finetune(model=tiny_bert, **opts)
    dev = (X[::4], Y[::4])
    with pytest.raises(TrainingDivergedError, match=r"loss became nan at step 9.*checkpoint-8"):
        clf.fit(X, Y, *dev)
    saved = sorted(p.name for p in ckpt.glob("checkpoint-*"))
    assert saved == ["checkpoint-4", "checkpoint-8"]  # nothing written after the NaN
    state = json.loads((ckpt / "checkpoint-8" / "trainer_state.json").read_text())
    losses = [h["loss"] for h in state["log_history"] if "loss" in h]
    assert len(losses) == 8 and all(v == v for v in losses)  # only finite losses in it
    monkeypatch.setattr(BertForSequenceClassification, "forward", forward)
    again = Finetune(model=tiny_bert, **opts).fit(X, Y, *dev, resume=True)
    assert again.result.start_step == 8 and again.result.global_step == 16


WORKER = """
import json, sys
import torch
from lmtask.methods.trained.finetune import Finetune
from lmtask.engine.training import TrainConfig
torch.set_num_threads(1)
base, out = sys.argv[1], sys.argv[2]
pos = ["good", "great", "nice", "lovely", "excellent", "wonderful", "superb", "fine"]
neg = ["bad", "awful", "terrible", "horrible", "poor", "nasty", "dreadful", "worst"]
X = [f"{w} {w}" for w in pos] * 2 + [f"{w} {w}" for w in neg] * 2
Y = ["pos"] * 16 + ["neg"] * 16
clf = Finetune(model=base, mode="head", lr=5e-2, epochs=2, batch_size=4, dev_fraction=0,
               warmup_ratio=0.0, early_stopping_patience=None, logging_steps=1)
clf.fit(X, Y)
from accelerate import PartialState
st = PartialState()
p = clf.predict_proba(X[:4]).round(6).tolist()
json.dump({"world": st.num_processes, "rank": st.process_index, "steps": clf.result.global_step,
           "proba": p}, open(f"{out}/rank{st.process_index}.json", "w"))
"""


@pytest.mark.slow
def test_two_process_accelerate_launch(tiny_bert, tmp_path):
    """2 CPU processes (gloo): each sees half the batches per step, so half the steps of one
    process (32 rows, batch 4 per process, 2 epochs: 4 steps/epoch), and both end with the
    same weights (DDP keeps them in sync). ``--multi_gpu`` is accelerate's torchrun launcher;
    on a machine without CUDA the Trainer runs it on CPU with the gloo backend (accelerate's
    ``--cpu`` multi-process path needs MPI, not installed here)."""
    launcher = shutil.which("accelerate", path=str(Path(sys.executable).parent))
    if launcher is None:
        pytest.skip("the accelerate command is not installed")
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(WORKER))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.getcwd()}
    cmd = [launcher, "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
           "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", "0",
           str(script), tiny_bert, str(tmp_path)]  # fmt: skip
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert [r["world"] for r in ranks] == [2, 2] and [r["rank"] for r in ranks] == [0, 1]
    assert ranks[0]["steps"] == ranks[1]["steps"] == 8
    assert ranks[0]["proba"] == ranks[1]["proba"]


def _raise_full_torch(*args, **kwargs):
    raise RuntimeError("[enforce fail at inline_container.cc:672] . PytorchStreamWriter failed "
                       "writing file data/0: file write failed")  # fmt: skip


def _raise_full_safetensors(*args, **kwargs):
    from safetensors import SafetensorError

    raise SafetensorError('Error while serializing: IoError(Os { code: 28, kind: StorageFull, '
                          'message: "No space left on device" })')  # fmt: skip


def _raise_full_os(*args, **kwargs):
    import errno

    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize(
    "target, fail",
    [("torch.save", _raise_full_torch),
     ("transformers.modeling_utils.safe_save_file", _raise_full_safetensors),
     ("transformers.Trainer._save_checkpoint", _raise_full_os)],
    ids=["torch-save", "safetensors", "oserror"],
)  # fmt: skip
def test_disk_full_during_checkpoint_is_a_clear_error(
    tiny_bert, tmp_path, monkeypatch, target, fail
):
    """Each library reports a full disk its own way (RuntimeError, SafetensorError, OSError)."""
    from lmtask.errors import LmtaskError

    monkeypatch.setattr(target, fail)
    clf = Finetune(model=tiny_bert, **{**FAST, "mode": "head", "output_dir": str(tmp_path)})
    with pytest.raises(LmtaskError, match=r"cannot write training checkpoints to .*(space|fail)"):
        clf.fit(X, Y, X[::4], Y[::4])


def test_other_errors_are_not_called_disk_errors(tiny_bert, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("something else went wrong")

    monkeypatch.setattr("torch.save", broken)
    clf = Finetune(model=tiny_bert, **{**FAST, "mode": "head", "output_dir": str(tmp_path)})
    with pytest.raises(RuntimeError, match="something else"):
        clf.fit(X, Y, X[::4], Y[::4])


def test_resume_skips_a_half_written_checkpoint(tiny_bert, tmp_path):
    opts = {**FAST, "mode": "head", "lr": 5e-2, "epochs": 1, "output_dir": str(tmp_path)}
    Finetune(model=tiny_bert, **opts).fit(X, Y, X[::4], Y[::4])
    (tmp_path / "checkpoint-7").mkdir()  # a kill during the next save: no trainer_state.json
    (tmp_path / "checkpoint-7" / "model.safetensors").write_bytes(b"half")
    with pytest.warns(UserWarning, match="checkpoint-7 is incomplete"):
        again = Finetune(model=tiny_bert, **{**opts, "epochs": 2}).fit(X, Y, X[::4], Y[::4],
                                                                         resume=True)  # fmt: skip
    assert again.result.start_step == 4 and again.result.global_step == 8


def test_progress_bar_shows_loss_and_dev_accuracy():
    from transformers import TrainerControl, TrainerState

    from lmtask.engine.training import LossProgress

    bar, state, control = LossProgress(), TrainerState(), TrainerControl()
    state.max_steps, state.global_step = 10, 0
    bar.on_train_begin(None, state, control)
    state.global_step = 3
    bar.on_step_end(None, state, control)
    bar.on_log(None, state, control, logs={"loss": 0.5})
    bar.on_log(None, state, control, logs={"eval_accuracy": 0.75})
    task = bar.bar.tasks[0]
    assert task.completed == 3 and task.total == 10
    assert task.fields["info"] == "loss 0.5000  dev acc 0.750"
    bar.on_train_end(None, state, control)
    assert bar.bar is None


@pytest.mark.parametrize("progress", [True, False])
def test_training_shows_the_progress_bar_when_asked(tiny_bert, monkeypatch, progress):
    """The bar is attached (and follows every step and log) only with progress=True."""
    from lmtask.engine.training import LossProgress

    seen: list[tuple[str, int, str]] = []
    step_end, on_log = LossProgress.on_step_end, LossProgress.on_log

    def spy_step(self, args, state, control, **kw):
        step_end(self, args, state, control, **kw)
        seen.append(("step", self.bar.tasks[0].completed, ""))

    def spy_log(self, args, state, control, logs=None, **kw):
        on_log(self, args, state, control, logs=logs, **kw)
        seen.append(("log", state.global_step, self.bar.tasks[0].fields["info"]))

    monkeypatch.setattr(LossProgress, "on_step_end", spy_step)
    monkeypatch.setattr(LossProgress, "on_log", spy_log)
    clf = Finetune(model=tiny_bert, **{**FAST, "mode": "head", "epochs": 1, "progress": progress})
    assert clf.fit(X, Y).result.global_step == 4
    if not progress:
        assert seen == []
        return
    assert [n for kind, n, _ in seen if kind == "step"] == [1, 2, 3, 4]  # the bar follows
    logs = [info for kind, _, info in seen if kind == "log"]
    assert len(logs) >= 4 and all(info.startswith("loss ") for info in logs)


@pytest.mark.slow
def test_cli_tune_under_accelerate_launch(tiny_bert, tmp_path):
    """``accelerate launch -m lmtask tune``: both processes train, only rank 0 saves."""
    import csv

    launcher = shutil.which("accelerate", path=str(Path(sys.executable).parent))
    if launcher is None:
        pytest.skip("the accelerate command is not installed")
    data = tmp_path / "train.csv"
    with open(data, "w", newline="") as f:
        csv.writer(f).writerows([("text", "label"), *zip(X, Y, strict=True)])
    art = tmp_path / "art"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    cmd = [launcher, "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
           "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", "0",
           "-m", "lmtask", "tune", str(data), "--model", tiny_bert, "--test-size", "0",
           "--method", "finetune:mode=head:epochs=1:dev_fraction=0:batch_size=4",
           "--out", str(art)]  # fmt: skip
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    manifest = json.loads((art / "manifest.json").read_text())
    assert manifest["method"] == "finetune" and manifest["data"]["n"] == len(X)
    assert run.stdout.count("artifact written to") == 1  # rank 1 did not save


def test_short_runs_log_the_loss_every_step(tiny_bert):
    """With the default logging_steps, a run of a few steps has a loss point per step (the
    old fixed 10 left the training-curves loss panel empty below 10 steps)."""
    from lmtask.engine.training import TrainConfig, logging_every

    assert logging_every(TrainConfig(batch_size=8, epochs=1), 32) == 1
    assert logging_every(TrainConfig(batch_size=8, epochs=3), 8 * 40) == 10  # 120 steps
    assert logging_every(TrainConfig(max_steps=500), 10) == 10
    assert logging_every(TrainConfig(logging_steps=4), 32) == 4
    opts = {**FAST, "mode": "head", "epochs": 1, "logging_steps": None}
    clf = Finetune(model=tiny_bert, **opts).fit(X, Y)
    assert [s for s, _ in clf.result.losses] == list(range(1, clf.result.global_step + 1))
    assert clf.result.global_step == 4  # 32 rows, batch 8
