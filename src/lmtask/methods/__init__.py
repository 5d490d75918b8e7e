"""Classification methods, each registered by name (``lmtask.methods.list_methods()``)."""

from lmtask.methods.base import Classifier, get_method, list_methods, register_method
from lmtask.methods.chain_of_thought import ChainOfThought, ChainOfThoughtConfig
from lmtask.methods.few_shot import FewShot, FewShotConfig
from lmtask.methods.finetune import Finetune, FinetuneConfig, Lora
from lmtask.methods.multi_label import MultiLabel, MultiLabelConfig
from lmtask.methods.prompt_base import PromptClassifier, PromptConfig
from lmtask.methods.prompt_tuning import (
    LoraLM,
    LoraLMConfig,
    PrefixTuning,
    PrefixTuningConfig,
    PromptTuning,
    PromptTuningConfig,
)
from lmtask.methods.vader import Vader
from lmtask.methods.zero_shot import ZeroShot, ZeroShotConfig

__all__ = [
    "ChainOfThought",
    "ChainOfThoughtConfig",
    "Classifier",
    "FewShot",
    "FewShotConfig",
    "Finetune",
    "FinetuneConfig",
    "Lora",
    "LoraLM",
    "LoraLMConfig",
    "MultiLabel",
    "MultiLabelConfig",
    "PrefixTuning",
    "PrefixTuningConfig",
    "PromptClassifier",
    "PromptConfig",
    "PromptTuning",
    "PromptTuningConfig",
    "Vader",
    "ZeroShot",
    "ZeroShotConfig",
    "get_method",
    "list_methods",
    "register_method",
]
