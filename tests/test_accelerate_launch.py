"""Training past one process: ``lmtask tune`` under ``accelerate launch``, 2 CPU processes.

``accelerate launch --multi_gpu --num_processes 2`` on a machine without GPUs starts two
processes that train with DDP over gloo (``--cpu`` would start only one). Each process sees
half of the rows per step, so a run takes half the optimizer steps of a one-process run;
only rank 0 measures and saves the artifact.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SCRIPT = """
import os, sys
import torch.distributed as dist
from lmtask import ladder
data = ladder.DataArgs(sys.argv[1], test_size=0.25)
run = ladder.tune(data, sys.argv[2], sys.argv[3])
print(f"RESULT rank={os.environ.get('RANK')} world={dist.get_world_size()} "
      f"backend={dist.get_backend()} steps={run.classifier.result.global_step} saved={run.saved}",
      flush=True)
"""


@pytest.mark.skipif(shutil.which("accelerate", path=str(Path(sys.executable).parent)) is None,
                    reason="needs accelerate's launcher")  # fmt: skip
def test_tune_runs_data_parallel_on_two_cpu_processes(tmp_path, tiny_bert):
    words = ["good", "great", "nice", "lovely", "bad", "awful", "poor", "nasty"]
    with open(tmp_path / "data.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows([f"{x} {x} {i}", "pos" if k < 4 else "neg"]
                    for i in range(5) for k, x in enumerate(words))  # fmt: skip
    (tmp_path / "train.py").write_text(SCRIPT)
    method = f"finetune:model={tiny_bert}:epochs=2:batch_size=5:lr=0.05:dev_fraction=0"
    launcher = Path(sys.executable).parent / "accelerate"
    cmd = [str(launcher), "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
           "--mixed_precision", "no", "--dynamo_backend", "no", str(tmp_path / "train.py"),
           str(tmp_path / "data.csv"), method, str(tmp_path / "art")]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    results = sorted(line for line in done.stdout.splitlines() if line.startswith("RESULT"))
    # 40 rows, 30 trained: 2 processes x 5 rows a step -> 3 steps an epoch, 6 in all
    assert results == [
        "RESULT rank=0 world=2 backend=gloo steps=6 saved=True",
        "RESULT rank=1 world=2 backend=gloo steps=6 saved=False",
    ]
    assert (tmp_path / "art" / "manifest.json").is_file()
