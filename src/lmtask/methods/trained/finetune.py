"""Fine-tuned classifiers: a pretrained model with a classification head, trained on labels.

``finetune`` trains the whole model (``mode="full"``) or only the new head with the body
frozen (``mode="head"``); ``lora`` trains low-rank adapters (PEFT) plus the head. The base
is a registry alias (the packaged ``all-minilm-l6-v2`` encoder, or a causal LM alias whose
converted folder loads as a sequence classifier too), a local model folder or a hub id.
Artifacts hold only the trained tensors, plus the base model's hash, checked on load.

>>> import lmtask
>>> clf = lmtask.methods.Finetune(mode="head", epochs=2)              # doctest: +SKIP
>>> clf = clf.fit(["great", "awful", "fun", "dull"], ["pos", "neg", "pos", "neg"])  # doctest: +SKIP
>>> clf.predict(["so good"])[0].label                                   # doctest: +SKIP
'pos'
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import torch

from lmtask.config import option
from lmtask.engine.training import TrainConfig, TrainResult, train_sequence_classifier
from lmtask.errors import InputError, LmtaskError
from lmtask.methods.base import Classifier, check_texts, register_method
from lmtask.methods.trained.train_data import prepare_training_data
from lmtask.models.dtype import resolve_dtype
from lmtask.prediction import Prediction
from lmtask.tasks import Task, resolve_task

__all__ = ["Finetune", "FinetuneConfig", "Lora", "LoraConfig", "resolve_base"]

log = logging.getLogger(__name__)
_LORA_TARGETS = {
    "bert": ["query", "value"],
    "roberta": ["query", "value"],
    "distilbert": ["q_lin", "v_lin"],
    "qwen2": ["q_proj", "v_proj"],
    "llama": ["q_proj", "v_proj"],
}


@dataclass
class FinetuneConfig(TrainConfig):
    """Options: the base ``model``, ``mode``, LoRA settings, and every :class:`TrainConfig`
    field. ``dev_fraction`` is held out (stratified, seeded) when ``fit`` gets no dev set."""

    model: str = option("all-minilm-l6-v2", "base model: alias, folder or hub id")
    mode: Literal["full", "head", "lora"] = option(
        "full", "train the whole model, only the new head, or LoRA adapters + head"
    )
    dev_fraction: float = option(
        0.1, "share held out as dev set when none is given", min=0, max=0.9
    )
    predict_batch_size: int = option(32, "texts per forward pass when predicting", min=1)
    layers: int | None = option(
        None, "keep only the first N transformer layers of the base (a smaller, faster "
        "model, e.g. a distillation student); none: all", min=1,
    )  # fmt: skip
    lora_r: int = option(8, "LoRA rank", min=1)
    lora_alpha: int = option(16, "LoRA scaling numerator", min=1)
    lora_dropout: float = option(0.1, "LoRA dropout", min=0, max=0.99)
    lora_target_modules: list[str] | None = option(
        None, "modules that get adapters (none: the attention query/value of known models)"
    )


@dataclass
class LoraConfig(FinetuneConfig):
    """Options of ``lora``: those of finetune, with ``mode`` fixed to "lora"."""

    mode: Literal["full", "head", "lora"] = option("lora", "always lora for this method")

    def check(self) -> None:
        super().check()
        if self.mode != "lora":
            raise InputError("the lora method trains adapters: its mode is always 'lora'")


def resolve_base(name: str) -> tuple[str, str | None]:
    """(folder or hub id, hash of its weights): see :func:`lmtask.models.resolve_model`."""
    from lmtask.models.resolve import resolve_model

    res = resolve_model(name)
    return res.source, res.source_hash


def check_base(state: dict[str, Any]) -> None:
    """Refuse an artifact whose base model (``state["base"]``) now has another hash."""
    from lmtask.errors import ArtifactError

    _, now = resolve_base(state["base"])
    if state.get("base_hash") and now and now != state["base_hash"]:
        raise ArtifactError(
            f"this artifact was trained on {state['base']!r} with hash "
            f"{state['base_hash'][:18]}..., but that model now has hash {now[:18]}...; "
            "it would not predict as it did: retrain it or restore the original model"
        )


def check_layers(src: str, layers: int) -> None:
    """Refuse ``layers`` above the base model's transformer layer count, in one line."""
    from transformers import AutoConfig

    have = getattr(AutoConfig.from_pretrained(src), "num_hidden_layers", None)
    if have is None or layers > have:
        raise InputError(f"layers={layers}: {src} has {have or 'no'} transformer layers")


def _load_base(src: str, labels: list[str], seed: int, layers: int | None = None) -> tuple:
    """(model, tokenizer, names of new parameters); ``layers``: keep the first N layers."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # "some weights are newly initialized": we know
    try:
        tok = AutoTokenizer.from_pretrained(src)
        if tok.pad_token is None:  # decoders: pad with EOS
            tok.pad_token = tok.eos_token
        torch.manual_seed(seed)  # the new head's initialisation is reproducible
        model, info = AutoModelForSequenceClassification.from_pretrained(
            src,
            num_labels=len(labels),
            id2label=dict(enumerate(labels)),
            label2id={lb: i for i, lb in enumerate(labels)},
            dtype=torch.float32,
            output_loading_info=True,
            **({"num_hidden_layers": layers} if layers else {}),
        )
    except OSError as e:
        raise LmtaskError(f"cannot load {src} as a sequence classifier: {e}") from None
    finally:
        hf_logging.set_verbosity(verbosity)
    model.config.pad_token_id = tok.pad_token_id
    return model, tok, sorted(info.get("missing_keys", []))


def _head_names(model: Any, new: list[str]) -> list[str]:
    """Parameters outside the pretrained body, plus any newly initialised ones."""
    prefix = model.base_model_prefix + "."
    return [n for n, _ in model.named_parameters() if not n.startswith(prefix) or n in new]


def _unshared(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Detached CPU tensors; tied ones are copied (safetensors refuses shared memory)."""
    out, seen = {}, set()
    for k, v in tensors.items():
        v = v.detach().cpu()
        ptr = v.untyped_storage().data_ptr()
        out[k] = v.clone() if ptr in seen else v
        seen.add(ptr)
    return out


def _distribution(scores: Mapping[str, float], labels: list[str]) -> list[float]:
    """``scores`` as probabilities in ``labels`` order (missing labels 0), summing to 1."""
    row = [max(float(scores.get(lb, 0.0)), 0.0) for lb in labels]
    total = sum(row)
    if total <= 0:
        raise InputError(f"a soft label gives no probability to any of {labels}: {scores}")
    return [v / total for v in row]


class _FinetuneBase(Classifier):
    """Shared by ``finetune`` and ``lora``: base loading, fit, predict, artifacts."""

    config_class = FinetuneConfig
    needs_training_data = True
    trains_in_steps = True

    def __init__(
        self,
        task: Task | str | None = None,
        model: str | None = None,
        *,
        labels: Sequence[str] | str | None = None,
        dtype: str = "auto",
        config: FinetuneConfig | None = None,
        **options: Any,
    ) -> None:
        if resolve_dtype(dtype) is torch.float16:
            raise InputError("fine-tuned classifiers predict in float32 or bfloat16 (training is "
                             "always float32); dtype='float16' is not supported")  # fmt: skip
        self.dtype = dtype
        self.config = self.make_config(config, options)
        if model is not None:
            self.config.model = str(model)
        if self.config.layers:  # before any training or teacher labelling is spent
            check_layers(resolve_base(self.config.model)[0], self.config.layers)
        self.task = resolve_task(task, labels) if (task or labels) else None  # type: ignore
        self.model: Any = None
        self.tokenizer: Any = None
        self.base_hash: str | None = None
        self.new_keys: list[str] = []
        self.result: TrainResult | None = None

    # -- building -----------------------------------------------------------------------
    def _build(self) -> None:
        src, self.base_hash = resolve_base(self.config.model)
        c = self.config
        self.model, self.tokenizer, self.new_keys = _load_base(src, self.labels, c.seed, c.layers)
        mode = self.config.mode
        if mode == "head":
            head = set(_head_names(self.model, self.new_keys))
            for n, p in self.model.named_parameters():
                p.requires_grad_(n in head)
        elif mode == "lora":
            self.model = self._wrap_lora(self.model)

    def _wrap_lora(self, model: Any) -> Any:
        from peft import LoraConfig, TaskType, get_peft_model

        c = self.config
        targets = c.lora_target_modules or _LORA_TARGETS.get(model.config.model_type)
        heads = sorted({n.split(".")[0] for n in _head_names(model, [])})
        lcfg = LoraConfig(
            task_type=TaskType.SEQ_CLS,
            r=c.lora_r,
            lora_alpha=c.lora_alpha,
            lora_dropout=c.lora_dropout,
            target_modules=targets,
            modules_to_save=heads,
        )
        return get_peft_model(model, lcfg)

    @property
    def max_length(self) -> int:
        """``config.max_length``, capped by the model's and tokenizer's windows."""
        lims = [self.config.max_length, getattr(self.tokenizer, "model_max_length", None)]
        cfg = getattr(self.model, "config", None)
        lims.append(getattr(cfg, "max_position_embeddings", None))
        return min(int(x) for x in lims if isinstance(x, int) and 0 < x < 1_000_000)

    # -- training -----------------------------------------------------------------------
    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        dev_texts: Sequence[str] | None = None,
        dev_labels: Sequence[str] | None = None,
        resume: bool = False,
        soft_labels: Sequence[Mapping[str, float]] | None = None,
    ) -> _FinetuneBase:
        """Train on ``texts``/``labels``; hold out ``dev_fraction`` if no dev set is given.

        ``soft_labels`` (distillation): one ``{label: probability}`` per text, learnt instead
        of the hard labels (which still decide the dev split and the label set).
        """
        c = self.config
        soft = None
        if soft_labels is not None:
            if len(soft_labels) != len(texts):
                raise InputError(f"{len(texts)} texts but {len(soft_labels)} soft labels")
            soft = {t: dict(s) for t, s in zip(texts, soft_labels, strict=True)}
        self.task, (texts, labels, dev_texts, dev_labels) = prepare_training_data(
            self.task, texts, labels, dev_texts, dev_labels, c.dev_fraction, c.seed, "finetuned"
        )
        self._build()
        ids = {lb: i for i, lb in enumerate(self.labels)}
        targets: list[Any] = [ids[y] for y in labels]
        if soft is not None:
            targets = [_distribution(soft[t], self.labels) for t in texts]
        self.result = train_sequence_classifier(
            self.model,
            self.tokenizer,
            texts,
            targets,
            dev_texts,
            [ids[y] for y in dev_labels],
            self.labels,
            replace(self.config, max_length=self.max_length),
            resume=resume,
        )
        self.model.eval()
        return self

    # -- prediction ---------------------------------------------------------------------
    def predict_dtype(self) -> torch.dtype:
        """``dtype`` resolved for the model's device ("auto": bfloat16 where it multiplies
        faster, as for LMs; training is float32). ``clf.dtype = "float32"``: exact scores."""
        return resolve_dtype(self.dtype, next(self.model.parameters()).device.type)

    @torch.no_grad()
    def logits(self, texts: Sequence[str] | str) -> np.ndarray:
        """Raw head outputs, one row per text. Texts run in batches of similar length (less
        padding), in :meth:`predict_dtype` (bfloat16 under autocast: the weights stay float32)."""
        if self.model is None:
            raise LmtaskError("this classifier is not trained: call fit(texts, labels) first")
        texts = check_texts(texts)
        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        self.model.eval()
        dev = next(self.model.parameters()).device
        dtype = self.predict_dtype()
        size, lim = self.config.predict_batch_size, self.max_length
        lengths = [len(ids) for ids in self.tokenizer(list(texts))["input_ids"]]
        n_long = sum(n > lim for n in lengths)
        order = np.argsort(lengths, kind="stable")
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        for i in range(0, len(texts), size):
            idx = order[i : i + size]
            enc = self.tokenizer(
                [texts[j] for j in idx], truncation=True, max_length=lim, padding=True,
                return_tensors="pt",
            )  # fmt: skip
            with torch.autocast(dev.type, dtype=dtype, enabled=dtype != torch.float32):
                out[idx] = self.model(**enc.to(dev)).logits.float().cpu().numpy()
        if n_long:
            log.warning("%d text(s) longer than max_length=%d tokens were truncated", n_long, lim)
        return out

    def predict(self, texts: Sequence[str] | str, progress: bool = False) -> list[Prediction]:
        z = self.logits(texts)
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        names = self.labels
        return [
            Prediction(
                names[int(row.argmax())], {n: float(v) for n, v in zip(names, row, strict=True)}
            )
            for row in p
        ]

    # -- artifacts ----------------------------------------------------------------------
    def trained_tensors(self) -> dict[str, torch.Tensor]:
        """Only what training changed: the head, the adapters (+ head), or everything."""
        if self.config.mode == "lora":
            from peft import get_peft_model_state_dict

            return dict(get_peft_model_state_dict(self.model))
        sd = self.model.state_dict()
        if self.config.mode == "head":
            return {n: sd[n] for n in _head_names(self.model, self.new_keys)}
        return dict(sd)

    def artifact_state(self) -> dict[str, Any]:
        if self.model is None:
            raise LmtaskError("cannot save an untrained classifier: call fit first")
        return {
            "base": self.config.model,
            "base_hash": self.base_hash,
            "mode": self.config.mode,
            "labels": self.labels,
            "new_keys": self.new_keys,
            "tensors": _unshared(self.trained_tensors()),
        }

    @classmethod
    def from_artifact(
        cls, task: Task, lm: Any, config: dict[str, Any], state: dict[str, Any], tensors: Any
    ) -> _FinetuneBase:
        from lmtask.errors import ArtifactError

        clf = cls(task=task, config=cls.config_class(**config))
        check_base(state)
        if not tensors:
            raise ArtifactError("the artifact has no weights: it cannot be a trained classifier")
        clf._build()
        clf._load_tensors(dict(tensors))
        clf.model.eval()
        return clf

    def _load_tensors(self, tensors: dict[str, torch.Tensor]) -> None:
        from lmtask.errors import ArtifactError

        if self.config.mode == "lora":
            from peft import set_peft_model_state_dict

            res = set_peft_model_state_dict(self.model, tensors)
        else:
            res = self.model.load_state_dict(tensors, strict=False)
        missing, unexpected = set(self.trained_tensors()) - set(tensors), res.unexpected_keys
        if missing or unexpected:
            raise ArtifactError(
                f"the artifact's weights do not fit this model: missing {sorted(missing)[:5]}, "
                f"unexpected {sorted(unexpected)[:5]}"
            )

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "model": self.config.model, "mode": self.config.mode}


@register_method("finetune")
class Finetune(_FinetuneBase):
    """Fine-tune the whole model (``mode="full"``) or only its head (``mode="head"``)."""


@register_method("lora")
class Lora(_FinetuneBase):
    """Train LoRA adapters (PEFT) and the classification head; the body stays frozen."""

    config_class = LoraConfig
