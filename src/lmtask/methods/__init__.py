"""Classification methods, each registered by name (``lmtask.methods.list_methods()``), and
the factory that builds any of them from a spec (``"few-shot:shots=8:select=nearest"``).

>>> from lmtask.methods import parse_spec
>>> parse_spec("few-shot:shots=8:nearest").options
{'shots': '8', 'select': 'nearest'}
"""

from lmtask.methods.base import Classifier, get_method, list_methods, register_method
from lmtask.methods.baseline import Majority, Ngram, NgramConfig, Vader
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
from lmtask.methods.prompt import (
    ChainOfThought,
    ChainOfThoughtConfig,
    EnsembleConfig,
    FewShot,
    FewShotConfig,
    MultiLabel,
    MultiLabelConfig,
    PromptClassifier,
    PromptConfig,
    PromptEnsemble,
    ZeroShot,
    ZeroShotConfig,
)
from lmtask.methods.trained import (
    Finetune,
    FinetuneConfig,
    Lora,
    LoraLM,
    LoraLMConfig,
    PrefixTuning,
    PrefixTuningConfig,
    PromptTuning,
    PromptTuningConfig,
    SetFit,
    SetFitConfig,
)

__all__ = [
    "ChainOfThought",
    "ChainOfThoughtConfig",
    "Classifier",
    "EnsembleConfig",
    "FewShot",
    "FewShotConfig",
    "Finetune",
    "FinetuneConfig",
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
