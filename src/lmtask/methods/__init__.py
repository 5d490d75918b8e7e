"""Classification methods, each registered by name (``lmtask.methods.list_methods()``), and
the factory that builds any of them from a spec (``"few-shot:shots=8:select=nearest"``).

>>> from lmtask.methods import parse_spec
>>> parse_spec("few-shot:shots=8:nearest").options
{'shots': '8', 'select': 'nearest'}
"""

from __future__ import annotations

import importlib
from typing import Any

from lmtask.methods.base import Classifier, get_method, list_methods, register_method
from lmtask.methods.factory import (
    MethodSpec,
    build,
    build_and_fit,
    check_options,
    fit,
    needs_training,
    parse_spec,
    parse_specs,
)

# Method classes load on first use (PEP 562): ``lmtask.methods.Ngram`` imports the n-gram
# module alone, and only the prompt and trained methods import torch and transformers.
_PROMPT = (
    "ChainOfThought ChainOfThoughtConfig EnsembleConfig FewShot FewShotConfig MultiLabel "
    "MultiLabelConfig PromptClassifier PromptConfig PromptEnsemble ZeroShot ZeroShotConfig"
)
_TRAINED = (
    "Finetune FinetuneConfig LmFeatures LmFeaturesConfig Lora LoraLM LoraLMConfig PrefixTuning "
    "PrefixTuningConfig PromptTuning PromptTuningConfig SetFit SetFitConfig"
)
_LAZY = {
    **dict.fromkeys(["Majority", "Ngram", "NgramConfig", "Vader"], "lmtask.methods.baseline"),
    **dict.fromkeys(_PROMPT.split(), "lmtask.methods.prompt"),
    **dict.fromkeys(_TRAINED.split(), "lmtask.methods.trained"),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lmtask.methods' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


__all__ = [
    "ChainOfThought",
    "ChainOfThoughtConfig",
    "Classifier",
    "EnsembleConfig",
    "FewShot",
    "FewShotConfig",
    "Finetune",
    "FinetuneConfig",
    "LmFeatures",
    "LmFeaturesConfig",
    "Lora",
    "LoraLM",
    "LoraLMConfig",
    "Majority",
    "MethodSpec",
    "MultiLabel",
    "MultiLabelConfig",
    "Ngram",
    "NgramConfig",
    "PrefixTuning",
    "PrefixTuningConfig",
    "PromptClassifier",
    "PromptConfig",
    "PromptEnsemble",
    "PromptTuning",
    "PromptTuningConfig",
    "SetFit",
    "SetFitConfig",
    "Vader",
    "ZeroShot",
    "ZeroShotConfig",
    "build",
    "build_and_fit",
    "check_options",
    "fit",
    "get_method",
    "list_methods",
    "needs_training",
    "parse_spec",
    "parse_specs",
    "register_method",
]
