"""SetFit (Tunstall et al. 2022): few-label classification with a sentence encoder.

Two steps, both from the ``setfit`` library: contrastive fine-tuning of the encoder on
pairs of training texts (same label: cosine 1, different labels: cosine 0;
sentence-transformers' ``CosineSimilarityLoss``), then a classification head on the tuned
embeddings: scikit-learn's logistic regression (SetFit's default) or a torch linear layer
(``head="differentiable"``). Made for 8-64 labelled examples per class; fewer than
``min_per_class`` are refused. The base is the packaged ``all-minilm-l6-v2`` encoder, a
local folder or a hub id (sentence-transformers adds mean pooling to a plain encoder).

Artifacts hold no pickles: the tuned encoder's weights and the head's coefficients go into
the safetensors file, the base model's hash into the manifest (checked on load).

>>> import lmtask
>>> clf = lmtask.methods.SetFit(num_iterations=10)                      # doctest: +SKIP
>>> clf = clf.fit(texts, labels)  # 8+ labelled texts per class        # doctest: +SKIP
>>> clf.predict(["so good"])[0].label                                   # doctest: +SKIP
'positive'
"""

from __future__ import annotations

import contextlib
import logging
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch

from lmtask.config import Config, option
from lmtask.data import read_table
from lmtask.errors import ArtifactError, InputError, LmtaskError
from lmtask.methods.base import Classifier, check_texts, register_method
from lmtask.methods.trained.finetune import _unshared, check_base, resolve_base
from lmtask.methods.trained.priors import estimate, reweight
from lmtask.methods.trained.train_data import prepare_training_data
from lmtask.prediction import Prediction
from lmtask.tasks import Task, resolve_task

__all__ = ["SetFit", "SetFitConfig", "check_per_class"]

log = logging.getLogger(__name__)
_INSTALL = "the setfit method needs the setfit package: pip install 'setfit>=1.2'"


@dataclass
class SetFitConfig(Config):
    """Options of ``setfit``: the encoder, its contrastive fine-tuning, and the head."""

    model: str = option("all-minilm-l6-v2", "base sentence encoder: alias, folder or hub id")
    num_iterations: int | None = option(
        5,
        "contrastive pairs per training text and kind (same/different label): "
        "2 x num_iterations x texts pairs; none: all unique pairs, balanced by `sampling`. "
        "5 with lr 1e-4 beat SetFit's 20 with lr 2e-5 on dev at 16 labels per class "
        "(bench/RESULTS.md), at a quarter of the steps",
        min=1,
    )
    sampling: Literal["oversampling", "undersampling", "unique"] = option(
        "oversampling", "how pairs are balanced when num_iterations is none (SetFit's choices)"
    )
    epochs: int = option(1, "passes over the contrastive pairs", min=1)
    max_steps: int | None = option(
        None, "stop contrastive training after this many steps (none: epochs decide)", min=1
    )
    batch_size: int = option(16, "text pairs per contrastive training step", min=1)
    lr: float = option(
        1e-4,
        "learning rate of the encoder's contrastive fine-tuning (measured on dev, at 5 "
        "iterations: 1e-4 beat SetFit's 2e-5 on both sets, bench/RESULTS.md)",
        gt=0,
    )
    weight_decay: float = option(0.01, "AdamW weight decay (and the differentiable head's)", min=0)
    warmup_ratio: float = option(0.1, "share of steps with a linear warmup", min=0, max=1)
    max_length: int = option(256, "tokens per text (longer texts are cut)", min=8)
    head: Literal["logistic", "differentiable"] = option(
        "logistic", "scikit-learn logistic regression (SetFit's default) or a torch linear layer"
    )
    head_c: float = option(1.0, "inverse L2 strength of the logistic-regression head", gt=0)
    head_epochs: int = option(16, "epochs of the differentiable head (encoder frozen)", min=1)
    head_lr: float = option(1e-2, "learning rate of the differentiable head", gt=0)
    prior: Literal["none", "em"] = option(
        "none",
        "label frequencies to predict under. none: the training rows' (balanced when each "
        "class has as many); em: estimated by EM (Saerens et al. 2002) from the logistic "
        "head's temperature-calibrated probabilities on unlabelled texts, given to "
        "fit(..., unlabelled=texts) or by `unlabelled`; the head's probabilities are then "
        "reweighted by estimate / training frequency. At 16 rows a class the estimates were "
        "close but accuracy did not gain (test -0.005/-0.013, macro-F1 lower; RESULTS.md)",
    )
    unlabelled: str | None = option(
        None, "file of unlabelled texts for prior=em (.txt: one a line; a table: its texts)"
    )
    min_per_class: int = option(
        4, "refuse training with fewer labelled examples of any class (SetFit is for 8-64)", min=1
    )
    seed: int = option(0, "seed of the pair sampling, shuffling and head initialisation")
    predict_batch_size: int = option(32, "texts per forward pass when predicting", min=1)
    progress: bool | None = option(
        None, "a bar while the encoder trains (none: when stderr is a terminal)"
    )


def check_per_class(labels: Sequence[str], names: Sequence[str], need: int) -> None:
    """Refuse, in one line, data with fewer than ``need`` examples of any of ``names``."""
    counts = Counter(labels)
    short = [n for n in names if counts[n] < need]
    if short:
        have = ", ".join(f"{n} {counts[n]}" for n in names)
        raise InputError(
            f"setfit needs at least {need} labelled examples per class; got {have}: add "
            f"examples of {', '.join(short)} or lower the minimum "
            f"(setfit:min_per_class={max(1, min(counts[n] for n in names))})"
        )


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence setfit's info logs and the load/map progress bars while training."""
    import datasets
    from setfit import logging as sf_logging
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    levels = hf_logging.get_verbosity(), sf_logging.get_verbosity()
    bars = datasets.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    sf_logging.set_verbosity_warning()
    datasets.disable_progress_bars()
    try:
        with warnings.catch_warnings():  # setfit's own head loader asks for pinned memory
            warnings.filterwarnings("ignore", message=".*pin_memory.*", category=UserWarning)
            yield
    finally:
        hf_logging.set_verbosity(levels[0])
        sf_logging.set_verbosity(levels[1])
        if bars:
            datasets.enable_progress_bars()


def _dim(body: Any) -> int:
    """The embedding size (sentence-transformers 6 renamed the method)."""
    get = getattr(body, "get_embedding_dimension", None) or body.get_sentence_embedding_dimension
    return int(get())


def _logistic(c: float, seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=1000, random_state=seed)


@register_method("setfit")
class SetFit(Classifier):
    """Contrastive fine-tuning of a sentence encoder, then a head (SetFit)."""

    config_class = SetFitConfig
    needs_training_data = True
    config: SetFitConfig

    def __init__(
        self,
        task: Task | str | None = None,
        model: str | None = None,
        *,
        labels: Sequence[str] | str | None = None,
        dtype: str = "auto",
        config: SetFitConfig | None = None,
        **options: Any,
    ) -> None:
        if dtype not in ("auto", "float32"):
            raise InputError(f"setfit trains in float32; dtype={dtype!r} is not supported")
        self.config = self.make_config(config, options)  # type: ignore[assignment]
        if model is not None:
            if not isinstance(model, str | bytes) and not hasattr(model, "__fspath__"):
                raise InputError(
                    "setfit takes an encoder's name or folder (e.g. all-minilm-l6-v2), "
                    f"not a loaded {type(model).__name__}"
                )
            self.config.model = str(model)
        self.task = resolve_task(task, labels) if (task or labels) else None  # type: ignore
        self.body: Any = None  # sentence_transformers.SentenceTransformer
        self.head: Any = None  # LogisticRegression or setfit.SetFitHead
        self.base_hash: str | None = None
        self.info: dict[str, Any] = {}
        self.prior: dict[str, Any] | None = None  # priors.estimate()'s, with prior=em

    # -- building -----------------------------------------------------------------------
    def _build_body(self) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise LmtaskError(_INSTALL) from None
        src, self.base_hash = resolve_base(self.config.model)
        with _quiet():
            try:
                body = SentenceTransformer(src)
            except (OSError, ValueError) as e:
                raise LmtaskError(f"cannot load {src} as a sentence encoder: {e}") from None
        body.max_seq_length = min(self.config.max_length, body.max_seq_length or 1 << 30)
        self.body = body

    def _new_head(self) -> Any:
        c = self.config
        if c.head == "logistic":
            return _logistic(c.head_c, c.seed)
        from setfit import SetFitHead

        torch.manual_seed(c.seed)
        dim = _dim(self.body)
        return SetFitHead(in_features=dim, out_features=len(self.labels), device=self.body.device)

    # -- training -----------------------------------------------------------------------
    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        unlabelled: Sequence[str] | None = None,
    ) -> SetFit:
        """Tune the encoder on pairs of ``texts``, then fit the head on their embeddings.

        With ``prior=em``, the label frequencies of ``unlabelled`` texts (or of the file
        named by the ``unlabelled`` option) are estimated, and predictions made under them.
        """
        c = self.config
        self.task, (texts, labels, _, _) = prepare_training_data(
            self.task, texts, labels, None, None, 0.0, c.seed, "setfit"
        )
        check_per_class(labels, self.labels, c.min_per_class)
        pool = self._unlabelled(unlabelled)
        try:
            from datasets import Dataset
            from setfit import SetFitModel, Trainer, TrainingArguments
            from transformers.trainer_callback import PrinterCallback, ProgressCallback
        except ImportError:
            raise LmtaskError(_INSTALL) from None
        self._build_body()
        self.head = self._new_head()
        ids = {lb: i for i, lb in enumerate(self.labels)}
        data = Dataset.from_dict({"text": texts, "label": [ids[y] for y in labels]})
        show = sys.stderr.isatty() if c.progress is None else c.progress
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="lmtask-setfit-") as tmp, _quiet():
            model = SetFitModel(model_body=self.body, model_head=self.head)
            args = TrainingArguments(
                output_dir=tmp, batch_size=(c.batch_size, c.batch_size),
                num_epochs=(c.epochs, c.head_epochs), max_steps=c.max_steps or -1,
                num_iterations=c.num_iterations, sampling_strategy=c.sampling,
                body_learning_rate=(c.lr, c.lr), head_learning_rate=c.head_lr,
                l2_weight=c.weight_decay, warmup_proportion=c.warmup_ratio,
                max_length=self.body.max_seq_length, seed=c.seed, report_to="none",
                save_strategy="no", logging_strategy="no", logging_first_step=False,
                show_progress_bar=False,
            )  # fmt: skip
            trainer = Trainer(model=model, args=args, train_dataset=data)
            st = trainer.st_trainer
            st.remove_callback(PrinterCallback)
            if not show:
                st.remove_callback(ProgressCallback)
            st.args.dataloader_pin_memory = False
            trainer.train()
        self.body.eval()
        self.prior = None
        if pool is not None:
            y = np.array([ids[v] for v in labels])
            self.prior = estimate(self.embed(texts), y, self.embed(pool),
                                  lambda: _logistic(c.head_c, c.seed), c.seed)  # fmt: skip
        self.info = {"pairs": len(st.train_dataset or []), "steps": st.state.global_step,
                     "train_s": time.perf_counter() - t0, "train_rows": len(texts),
                     **({"unlabelled": len(pool)} if pool is not None else {})}  # fmt: skip
        return self

    def _unlabelled(self, texts: Sequence[str] | None) -> list[str] | None:
        """The unlabelled texts for prior=em (None without it), or a one-line error."""
        c = self.config
        if c.prior == "none":
            if texts is not None:
                raise InputError("unlabelled texts are used only with setfit:prior=em")
            return None
        if c.head != "logistic":
            raise InputError("setfit:prior=em needs the logistic head (head=logistic)")
        if texts is None and c.unlabelled:
            texts = read_table(c.unlabelled).texts
        if texts is None:
            raise InputError("setfit:prior=em needs unlabelled texts: fit(..., unlabelled="
                             "texts) or setfit:unlabelled=FILE")  # fmt: skip
        texts = check_texts(texts)
        if not texts:
            raise InputError("setfit:prior=em got no unlabelled texts to estimate priors on")
        return texts

    # -- prediction ---------------------------------------------------------------------
    @torch.no_grad()
    def embed(self, texts: Sequence[str] | str, progress: bool = False) -> np.ndarray:
        """The tuned encoder's embeddings, (n_texts, dim) float32."""
        if self.body is None or self.head is None:
            raise LmtaskError("this classifier is not trained: call fit(texts, labels) first")
        texts = check_texts(texts)
        if not texts:
            return np.zeros((0, _dim(self.body)), np.float32)
        return self.body.encode(
            texts, batch_size=self.config.predict_batch_size, convert_to_numpy=True,
            show_progress_bar=progress,
        )  # fmt: skip

    @torch.no_grad()
    def probabilities(self, texts: Sequence[str] | str, progress: bool = False) -> np.ndarray:
        """(n_texts, n_labels) probabilities in ``self.labels`` order."""
        emb = self.embed(texts, progress)
        if not len(emb):
            return np.zeros((0, len(self.labels)))
        if self.config.head == "logistic":
            return reweight(np.asarray(self.head.predict_proba(emb), np.float64), self.prior)
        self.head.eval()
        x = torch.from_numpy(emb).to(self.head.linear.weight.device)
        return self.head(x)[1].float().cpu().numpy().astype(np.float64)

    def predict(self, texts: Sequence[str] | str, progress: bool = False) -> list[Prediction]:
        p = self.probabilities(texts, progress)
        names = self.labels
        return [
            Prediction(
                names[int(row.argmax())], {n: float(v) for n, v in zip(names, row, strict=True)}
            )
            for row in p
        ]

    # -- artifacts ----------------------------------------------------------------------
    def head_tensors(self) -> dict[str, torch.Tensor]:
        if self.config.head == "logistic":
            return {
                "head.coef": torch.from_numpy(np.array(self.head.coef_)),
                "head.intercept": torch.from_numpy(np.array(self.head.intercept_)),
            }
        return {f"head.{k}": v for k, v in self.head.state_dict().items()}

    def artifact_state(self) -> dict[str, Any]:
        if self.body is None or self.head is None:
            raise LmtaskError("cannot save an untrained classifier: call fit first")
        body = {f"body.{k}": v for k, v in self.body.state_dict().items()}
        return {
            "base": self.config.model,
            "base_hash": self.base_hash,
            "head": self.config.head,
            "labels": self.labels,
            "train": self.info,
            "prior": self.prior,
            "tensors": _unshared({**body, **self.head_tensors()}),
        }

    @classmethod
    def from_artifact(
        cls, task: Task, lm: Any, config: dict[str, Any], state: dict[str, Any], tensors: Any
    ) -> SetFit:
        clf = cls(task=task, config=cls.config_class(**config))
        check_base(state)
        tensors = dict(tensors or {})
        body = {k[5:]: v for k, v in tensors.items() if k.startswith("body.")}
        head = {k[5:]: v for k, v in tensors.items() if k.startswith("head.")}
        if not body or not head:
            raise ArtifactError("the artifact has no encoder or head weights: retrain it")
        clf._build_body()
        try:
            clf.body.load_state_dict(body, strict=True)
        except RuntimeError as e:
            raise ArtifactError(f"the artifact's encoder weights do not fit {state['base']!r}: "
                                f"{str(e).splitlines()[0]}") from None  # fmt: skip
        clf.body.eval()
        clf.head = clf._head_from(head)
        clf.info = dict(state.get("train") or {})
        clf.prior = state.get("prior")
        return clf

    def _head_from(self, tensors: dict[str, torch.Tensor]) -> Any:
        n = len(self.labels)
        if self.config.head == "logistic":
            coef, intercept = tensors["coef"].numpy(), tensors["intercept"].numpy()
            if coef.shape[0] != (1 if n == 2 else n):
                raise ArtifactError(f"the artifact's head has {coef.shape[0]} rows for {n} labels")
            lr = _logistic(self.config.head_c, self.config.seed)
            lr.coef_, lr.intercept_ = coef, intercept
            lr.classes_, lr.n_features_in_ = np.arange(n), coef.shape[1]
            return lr
        head = self._new_head()
        head.load_state_dict(tensors, strict=True)
        return head.eval()

    def describe(self) -> dict[str, Any]:
        c = self.config
        return {**super().describe(), "model": c.model, "head": c.head,
                "num_iterations": c.num_iterations, **self.info,
                "prior": self.prior and [round(v, 3) for v in self.prior["target"]]}  # fmt: skip
