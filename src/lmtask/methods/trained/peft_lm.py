"""PEFT on a causal LM, trained to write the label words: prompt, prefix and LoRA tuning.

``prompt-tuning`` learns ``num_virtual_tokens`` input embeddings put before the prompt
(initialised from the task instruction's token embeddings), ``prefix-tuning`` learns
per-layer key/value prefixes, ``lora-lm`` learns low-rank adapters on ``q_proj``/``v_proj``.
The base model stays frozen (a copy is wrapped: the shared cached model is never changed).

Training: each example is the task prompt (:func:`lmtask.engine.prompting.build_prompt`) followed
by the label's first surface word and EOS; the loss counts only the answer tokens. It runs
on transformers ``Trainer`` (:mod:`lmtask.engine.training`'s arguments and NaN guard).
Prediction scores label words after the prompt through the adapted model and aggregates them
as zero-shot does (case variants, prefix subtraction, punctuation endings: lmtask.engine.scoring).
Artifacts hold only the adapter tensors, plus the base model's name and hash, checked on load.

>>> import lmtask
>>> clf = lmtask.methods.PromptTuning("sentiment", epochs=5)            # doctest: +SKIP
>>> clf = clf.fit(["I love it", "I hate it"], ["positive", "negative"])  # doctest: +SKIP
>>> clf.predict(["so good"])[0].label                                   # doctest: +SKIP
'positive'
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from lmtask.config import option
from lmtask.engine.prompting import answer_word, build_prompt, encode, encode_prompts
from lmtask.engine.scoring import LabelWords
from lmtask.engine.training import TrainConfig, TrainResult
from lmtask.errors import InputError, LmtaskError
from lmtask.methods.base import Classifier, check_texts, register_method
from lmtask.methods.trained.train_data import prepare_training_data
from lmtask.models import load_model
from lmtask.prediction import Prediction
from lmtask.tasks import Task, resolve_task

__all__ = ["LoraLM", "LoraLMConfig", "PeftLMConfig", "PrefixTuning", "PrefixTuningConfig"]
__all__ += ["PromptTuning", "PromptTuningConfig"]


@dataclass
class PeftLMConfig(TrainConfig):
    """Options: PEFT settings plus every :class:`~lmtask.engine.training.TrainConfig` field.

    Dev accuracy (label scoring, as in prediction) is measured each epoch on the dev set (or
    ``dev_fraction`` held out, stratified and seeded), picks the best epoch and stops early.
    """

    lr: float = option(3e-2, "learning rate (prompt tuning needs a high one)", min=0)
    epochs: float = option(5.0, "passes over the training data", gt=0)
    batch_size: int = option(8, "training examples per step", min=1)
    warmup_ratio: float = option(0.0, "share of steps with a linear warmup", min=0, max=1)
    weight_decay: float = option(0.0, "AdamW weight decay", min=0)
    dev_fraction: float = option(
        0.1, "share held out as dev set when none is given", min=0, max=0.9
    )
    max_length: int = option(512, "cap on prompt + answer tokens (virtual tokens included)", min=1)
    num_virtual_tokens: int = option(8, "soft prompt / prefix length", min=1)
    init_from_instruction: bool = option(
        True, "prompt tuning starts from the instruction's token embeddings (else random)"
    )
    lora_r: int = option(8, "LoRA rank (lora-lm)", min=1)
    lora_alpha: int = option(16, "LoRA scaling numerator (lora-lm)", min=1)
    lora_dropout: float = option(0.05, "LoRA dropout (lora-lm)", min=0, max=0.99)
    lora_target_modules: list[str] | None = option(
        None, "modules that get adapters (lora-lm; none: attention query/value)"
    )
    predict_batch_size: int = option(16, "texts per forward pass when predicting", min=1)


@dataclass
class PromptTuningConfig(PeftLMConfig):
    """Prompt tuning: the PeftLMConfig defaults."""


@dataclass
class PrefixTuningConfig(PeftLMConfig):
    lr: float = option(1e-2, "learning rate", min=0)


@dataclass
class LoraLMConfig(PeftLMConfig):
    lr: float = option(5e-4, "learning rate", min=0)


def _collate(pad: int):
    def collate(rows: list[dict[str, list[int]]]) -> dict[str, torch.Tensor]:
        n = max(len(r["input_ids"]) for r in rows)
        out = {k: torch.full((len(rows), n), v) for k, v in (("input_ids", pad),
               ("attention_mask", 0), ("labels", -100))}  # fmt: skip
        for b, r in enumerate(rows):
            for k in out:
                out[k][b, : len(r[k])] = torch.tensor(r[k])
        return out

    return collate


def _first_logit(logits: Any, labels: Any) -> torch.Tensor:
    """One number per row: the dev set's full-vocabulary logits would fill the memory."""
    return (logits[0] if isinstance(logits, tuple) else logits)[:, :1, :1]


class _PeftLM(Classifier):
    """Shared by the three methods: building, fit, scoring, artifacts."""

    peft_kind = "prompt"
    config_class = PeftLMConfig
    needs_training_data = True
    trains_in_steps = True

    def __init__(
        self,
        task: Task | str | None = None,
        model: Any = None,
        *,
        labels: Sequence[str] | str | None = None,
        dtype: str = "auto",
        config: PeftLMConfig | None = None,
        **options: Any,
    ) -> None:
        from lmtask.models import DEFAULT_MODEL

        self.config = self.make_config(config, options)
        self.task = resolve_task(task, labels) if (task or labels) else None  # type: ignore
        dtype = "float32" if dtype == "auto" else dtype  # train in float32 unless asked
        self.lm = load_model(model if model is not None else DEFAULT_MODEL, dtype=dtype)
        self.model: Any = None  # the PEFT-wrapped copy, once built
        self.result: TrainResult | None = None

    # -- building -----------------------------------------------------------------------
    @property
    def n_virtual(self) -> int:
        return 0 if self.peft_kind == "lora" else self.config.num_virtual_tokens

    def _peft_config(self) -> Any:
        import peft

        c, causal = self.config, peft.TaskType.CAUSAL_LM
        if self.peft_kind == "prompt":
            # RANDOM here; the instruction init is done in-process (peft's TEXT init would
            # reload the tokenizer by name, which fails offline for hub ids).
            return peft.PromptTuningConfig(
                task_type=causal,
                num_virtual_tokens=c.num_virtual_tokens,
                prompt_tuning_init="RANDOM",
            )
        if self.peft_kind == "prefix":
            return peft.PrefixTuningConfig(
                task_type=causal, num_virtual_tokens=c.num_virtual_tokens
            )
        targets = c.lora_target_modules or ["q_proj", "v_proj"]
        return peft.LoraConfig(task_type=causal, r=c.lora_r, lora_alpha=c.lora_alpha,
                               lora_dropout=c.lora_dropout, target_modules=targets)  # fmt: skip

    def build(self) -> _PeftLM:
        """Wrap a copy of the base with a fresh (untrained) adapter; ``fit`` calls it."""
        from peft import get_peft_model

        if self.task is None:
            raise LmtaskError("build() needs a task: give task= or labels=, or call fit")
        torch.manual_seed(self.config.seed)
        self.model = get_peft_model(copy.deepcopy(self.lm.model), self._peft_config())
        if self.peft_kind == "prompt" and self.config.init_from_instruction:
            ids = encode(self.lm.tokenizer, [self.task.render_instruction("").strip()], False)[0]
            n = self.config.num_virtual_tokens
            ids = (ids * (n // max(len(ids), 1) + 1))[:n] if ids else []
            if ids:
                emb = self.model.get_input_embeddings().weight[torch.tensor(ids)]
                with torch.no_grad():
                    self.model.prompt_encoder["default"].embedding.weight.copy_(emb.float())
        self.model.eval()
        self._setup_words()
        return self

    def _setup_words(self) -> None:
        tok = self.lm.tokenizer
        self.parts = build_prompt(self.task, self.lm)
        words = [self.task.expanded_words(lb) for lb in self.task.labels]
        self.words = LabelWords(tok, self.parts.answer_sep, words)
        self.word_ids, self.last_sets = self.words.word_ids, self.words.last_sets
        self.seqs = sorted({tuple(w[:-1]) for w in self.word_ids})
        window = min(self.lm.max_length, self.config.max_length)
        self.budget = window - self.n_virtual - max(len(w) for w in self.word_ids) - 1
        if self.budget < 1:
            raise InputError(f"max_length={self.config.max_length} leaves no room for the prompt")

    # -- training -----------------------------------------------------------------------
    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        dev_texts: Sequence[str] | None = None,
        dev_labels: Sequence[str] | None = None,
        resume: bool = False,
    ) -> _PeftLM:
        """Train a fresh adapter on ``texts``/``labels`` (label names of the task).

        Without a dev set, ``dev_fraction`` of the data is held out for it. ``resume=True``
        continues from the last checkpoint in ``config.output_dir``.
        """
        c = self.config
        self.task, (texts, labels, dev_texts, dev_labels) = prepare_training_data(
            self.task, texts, labels, dev_texts, dev_labels, c.dev_fraction, c.seed, "peft-lm"
        )
        self.build()
        dev = (dev_texts, dev_labels) if dev_texts else None
        self.result = self._train(self._rows(texts, labels), dev, resume)
        self.model.eval()
        return self

    def _rows(self, texts: list[str], labels: list[str]) -> list[dict[str, list[int]]]:
        """Prompt + answer word + EOS token ids; the loss counts only the answer."""
        tok = self.lm.tokenizer
        eos = [tok.eos_token_id] if tok.eos_token_id is not None else []
        rows = []
        for p, y in zip(self._prompt_ids(texts), labels, strict=True):
            ans = encode(tok, [self.parts.answer_sep + answer_word(self.task, y)], False)[0] + eos
            rows.append({"input_ids": p + ans, "attention_mask": [1] * (len(p) + len(ans)),
                         "labels": [-100] * len(p) + ans})  # fmt: skip
        return rows

    def _train(
        self, data: list[dict[str, list[int]]], dev: tuple[list[str], list[str]] | None,
        resume: bool,
    ) -> TrainResult:  # fmt: skip
        from lmtask.engine.training import run_trainer

        def dev_accuracy(_: Any) -> dict[str, float]:
            # Label scoring as in predict (the Trainer's own logits would only give
            # first-token accuracy); the Trainer's pass still gives eval_loss.
            pred = self.log_probs(dev[0]).argmax(1)
            gold = [self.labels.index(y) for y in dev[1]]
            return {"accuracy": float(np.mean(pred == np.array(gold)))}

        pad = self.lm.tokenizer.pad_token_id or 0
        return run_trainer(
            self.model,
            data,
            self._rows(*dev) if dev else None,
            _collate(pad),
            self.config,
            resume=resume,
            compute_metrics=dev_accuracy,
            preprocess_logits_for_metrics=_first_logit,
            # the PEFT forward takes **kwargs, so the Trainer cannot see which columns it uses
            trainer_args={"remove_unused_columns": False, "label_names": ["labels"]},
        )

    def _prompt_ids(self, texts: list[str]) -> list[list[int]]:
        return encode_prompts(self.lm.tokenizer, self.parts, texts, self.budget)

    # -- prediction ---------------------------------------------------------------------
    @torch.inference_mode()
    def word_log_likelihoods(self, texts: Sequence[str]) -> np.ndarray:
        """(n_texts, n_words): log P(word tokens | prompt) through the adapted model."""
        if self.model is None:
            raise LmtaskError("this classifier is not trained: call fit(texts, labels) first")
        texts = check_texts(texts)
        out = np.zeros((len(texts), len(self.word_ids)))
        if not texts:
            return out
        self.model.eval()
        prompts = self._prompt_ids(texts)
        words_of = {s: [w for w, ids in enumerate(self.word_ids) if tuple(ids[:-1]) == s]
                    for s in self.seqs}  # fmt: skip
        rows = sorted(((i, s) for i in range(len(texts)) for s in self.seqs),
                      key=lambda r: -(len(prompts[r[0]]) + len(r[1])))  # fmt: skip
        dev, off = next(self.model.parameters()).device, self.n_virtual
        pad = self.lm.tokenizer.pad_token_id or 0
        size = self.config.predict_batch_size
        for c in range(0, len(rows), size):
            batch = rows[c : c + size]
            seqs = [prompts[i] + list(s) for i, s in batch]
            L = max(len(q) for q in seqs)
            ids = torch.full((len(seqs), L), pad, dtype=torch.long)
            mask = torch.zeros((len(seqs), L), dtype=torch.long)
            for b, q in enumerate(seqs):
                ids[b, : len(q)], mask[b, : len(q)] = torch.tensor(q), 1
            start = off + min(len(prompts[i]) for i, _ in batch) - 1  # first logit needed
            keep = off + L - start
            logits = self.model(
                input_ids=ids.to(dev), attention_mask=mask.to(dev), logits_to_keep=keep
            ).logits
            for b, (i, s) in enumerate(batch):
                at = off + len(prompts[i]) - 1 - (off + L - keep)
                lp = torch.log_softmax(logits[b, at : at + len(s) + 1].float(), -1).double()
                for w in words_of[s]:
                    head = sum(float(lp[t, tid]) for t, tid in enumerate(s))
                    out[i, w] = head + float(lp[len(s), self.last_sets[w]].logsumexp(-1))
        return out

    def log_probs(self, texts: Sequence[str]) -> np.ndarray:
        """(n_texts, n_labels) label log-probabilities (zero-shot's aggregation)."""
        wl = self.word_log_likelihoods(texts)
        return self.words.aggregate(wl)

    def predict(self, texts: Sequence[str] | str, progress: bool = False) -> list[Prediction]:
        probs = np.exp(self.log_probs(check_texts(texts)))
        names = self.labels
        return [
            Prediction(names[int(r.argmax())], {n: float(p) for n, p in zip(names, r, strict=True)})
            for r in probs
        ]

    # -- artifacts ----------------------------------------------------------------------
    def trained_tensors(self) -> dict[str, torch.Tensor]:
        from peft import get_peft_model_state_dict

        if self.model is None:
            raise LmtaskError("this classifier is not trained: call fit(texts, labels) first")
        return {
            k: v.detach().cpu().clone() for k, v in get_peft_model_state_dict(self.model).items()
        }

    def artifact_state(self) -> dict[str, Any]:
        return {"tensors": self.trained_tensors(), "peft": self.peft_kind,
                "base": self.lm.name, "base_hash": self.lm.source_hash}  # fmt: skip

    @classmethod
    def from_artifact(
        cls, task: Task, lm: Any, config: dict[str, Any], state: dict[str, Any], tensors: Any
    ) -> _PeftLM:
        from peft import set_peft_model_state_dict

        from lmtask.errors import ArtifactError

        if state.get("peft") != cls.peft_kind:
            raise ArtifactError(f"this artifact holds a {state.get('peft')!r} adapter")
        clf = cls(task=task, model=lm if lm is not None else state["base"],
                  config=cls.config_class(**config))  # fmt: skip
        if clf.lm.source_hash != state.get("base_hash"):
            raise ArtifactError(
                f"this adapter was trained on {state.get('base')!r} with hash "
                f"{str(state.get('base_hash'))[:18]!r}, but the base given has hash "
                f"{clf.lm.source_hash[:18]!r}: it would not predict as it did"
            )
        if not tensors:
            raise ArtifactError("the artifact has no adapter weights")
        clf.build()
        expected = clf.trained_tensors()
        try:
            set_peft_model_state_dict(clf.model, dict(tensors))
        except (RuntimeError, KeyError) as e:
            raise ArtifactError(f"the adapter does not fit this model: {e}") from None
        # Compare what is now in the model (peft reports prompt_embeddings as "unexpected").
        now = clf.trained_tensors()
        bad = sorted(set(expected) ^ set(tensors))
        bad += [k for k in now if k in tensors and not torch.equal(now[k], tensors[k].to(now[k]))]
        if bad:
            raise ArtifactError(f"the adapter does not fit this model: {bad[:5]}")
        clf.model.eval()
        return clf

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "model": self.lm.name, "model_hash": self.lm.source_hash,
                "peft": self.peft_kind}  # fmt: skip


@register_method("prompt-tuning")
class PromptTuning(_PeftLM):
    """Learn ``num_virtual_tokens`` soft-prompt embeddings before the prompt."""

    peft_kind = "prompt"
    config_class = PromptTuningConfig


@register_method("prefix-tuning")
class PrefixTuning(_PeftLM):
    """Learn per-layer key/value prefixes (``num_virtual_tokens`` long)."""

    peft_kind = "prefix"
    config_class = PrefixTuningConfig


@register_method("lora-lm")
class LoraLM(_PeftLM):
    """Learn LoRA adapters on the causal LM's attention, trained to write the label words."""

    peft_kind = "lora"
    config_class = LoraLMConfig
