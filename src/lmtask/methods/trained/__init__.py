"""Trained methods: fine-tuning and LoRA with a classification head; prompt tuning, prefix
tuning and LoRA on the causal LM (PEFT); SetFit (contrastive encoder tuning + a head);
a linear head on a frozen causal LM's early layers (lm-features)."""

from lmtask.methods.trained.finetune import Finetune, FinetuneConfig, Lora
from lmtask.methods.trained.lm_features import LmFeatures, LmFeaturesConfig
from lmtask.methods.trained.peft_lm import (
    LoraLM,
    LoraLMConfig,
    PeftLMConfig,
    PrefixTuning,
    PrefixTuningConfig,
    PromptTuning,
    PromptTuningConfig,
)
from lmtask.methods.trained.setfit import SetFit, SetFitConfig

__all__ = [
    "Finetune",
    "FinetuneConfig",
    "LmFeatures",
    "LmFeaturesConfig",
    "Lora",
    "LoraLM",
    "LoraLMConfig",
    "PeftLMConfig",
    "PrefixTuning",
    "PrefixTuningConfig",
    "PromptTuning",
    "PromptTuningConfig",
    "SetFit",
    "SetFitConfig",
]
