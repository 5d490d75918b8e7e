"""Prompt methods: zero-shot, few-shot, chain-of-thought and multi-label, on a causal LM."""

from lmtask.methods.prompt.base import PromptClassifier, PromptConfig
from lmtask.methods.prompt.chain_of_thought import ChainOfThought, ChainOfThoughtConfig
from lmtask.methods.prompt.ensemble import EnsembleConfig, PromptEnsemble
from lmtask.methods.prompt.few_shot import FewShot, FewShotConfig
from lmtask.methods.prompt.multi_label import MultiLabel, MultiLabelConfig
from lmtask.methods.prompt.zero_shot import ZeroShot, ZeroShotConfig

__all__ = [
    "ChainOfThought",
    "ChainOfThoughtConfig",
    "EnsembleConfig",
    "FewShot",
    "FewShotConfig",
    "MultiLabel",
    "MultiLabelConfig",
    "PromptClassifier",
    "PromptConfig",
    "PromptEnsemble",
    "ZeroShot",
    "ZeroShotConfig",
]
