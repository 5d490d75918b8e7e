"""Default dtype, chosen by measuring: bfloat16 where this device multiplies it faster.

On CUDA, bfloat16 when supported, else float16. On CPU the answer depends on the chip
(bfloat16 is about 2.3x faster than float32 on the development machine; on chips without
bf16 instructions it is slower), so a short matmul probe decides once and the result is
cached per CPU model under ``$LMTASK_HOME``.

>>> from lmtask.models.dtype import resolve_dtype
>>> import torch
>>> resolve_dtype("float32") is torch.float32
True
"""

from __future__ import annotations

import json
import platform
import time

import torch

from lmtask.errors import InputError

_NAMES = {
    "float32": torch.float32,
    "fp32": torch.float32,
    "bfloat16": torch.bfloat16,
    "bf16": torch.bfloat16,
    "float16": torch.float16,
    "fp16": torch.float16,
}


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def matmul_flops(dtype: torch.dtype, n: int = 1024, reps: int = 4) -> float:
    """Measured FLOP/s of an n x n matmul in ``dtype`` on the CPU (best of ``reps``)."""
    a = torch.randn(n, n).to(dtype)
    b = torch.randn(n, n).to(dtype)
    a @ b  # warm-up
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best


def probe_cpu_dtype() -> torch.dtype:
    """bfloat16 if it multiplies at least 1.2x faster than float32 here, else float32."""
    from lmtask.models.cache import cache_root

    path = cache_root() / "cpu-dtype.json"
    key = f"{_cpu_name()}|{torch.__version__}|{torch.get_num_threads()}"
    try:
        cached = json.loads(path.read_text())
        if cached.get("key") == key:
            return _NAMES[cached["dtype"]]
    except (OSError, ValueError, KeyError):
        pass
    f32 = matmul_flops(torch.float32, 512)
    bf16 = matmul_flops(torch.bfloat16, 512)
    choice = "bfloat16" if bf16 >= 1.2 * f32 else "float32"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"key": key, "dtype": choice, "f32": f32, "bf16": bf16}))
        tmp.replace(path)
    except OSError:
        pass
    return _NAMES[choice]


def resolve_dtype(dtype: str | torch.dtype | None, device: str = "cpu") -> torch.dtype:
    """Turn "auto"/None/a name/a torch dtype into a torch dtype for ``device``."""
    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype in (None, "auto"):
        if str(device).startswith("cuda"):
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        if str(device).startswith("cpu"):
            return probe_cpu_dtype()
        return torch.float32
    try:
        return _NAMES[str(dtype).lower()]
    except KeyError:
        raise InputError(f"unknown dtype {dtype!r}; use auto, {', '.join(_NAMES)}") from None
