"""Label scoring: the log-likelihood of every label's words as the continuation of a prompt.

This is the engine under every prompt method. For a batch of texts it

1. encodes the prompt part shared by all texts (system prompt, instruction up to the text)
   once, and reuses its key/value cache for every batch;
2. runs the rest of each prompt (text + instruction tail + assistant header), right-padded,
   and applies the output layer only at each prompt's last position (the output layer is
   a quarter of a 0.5B model's work; logits elsewhere are never needed);
3. scores multi-token label words in a second, tiny pass on top of that cache, once per
   distinct word prefix (so "C++" and "C#" share the pass for "C").

Label probability: a label's mass is the total probability of answers that start with one of
its words. Where one label's word is a token prefix of another's ("C" of "C++"), the longer
word's probability is subtracted from the shorter's, so "C" means "C and not C++". The masses
are then normalised over the labels. With ``normalize=True`` each word's log-probability is
divided by its token count first (a heuristic for very unequal label lengths).

>>> import lmtask                                            # doctest: +SKIP
>>> s = LabelScorer.for_task(lmtask.load_model(), lmtask.get_task("sentiment"))  # doctest: +SKIP
>>> s.log_probs(["I love the sunny weather today."]).argmax()  # doctest: +SKIP
0
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from lmtask.engine.prompting import PromptParts, build_prompt, encode, encode_prompts
from lmtask.errors import InputError, TaskError
from lmtask.tasks import Task

Progress = Callable[[int], None]


# Query x key positions one batch may score: 8 texts of 1,024 tokens. Longer texts go in
# smaller batches, so the eager attention scores (fp32, per head) stay near 0.5 GB a layer
# for the 0.5B model; 8 bbc-news articles of ~4,000 tokens used to take over 24 GB.
ATTENTION_CELLS = 8 * 1024 * 1024


class LabelWords:
    """Every label's words as token ids after ``answer_sep``, and how word probabilities add
    up to label probabilities (shared by :class:`LabelScorer` and the trained LM methods).

    ``last_sets[w]``: the last token of word ``w`` also counts when the model writes it with
    punctuation or a space glued on ("++." for "C++", "positive," for "positive").
    """

    def __init__(self, tokenizer: Any, answer_sep: str, label_words: Sequence[Sequence[str]]):
        self.n_labels = len(label_words)
        self.word_ids: list[list[int]] = []
        self.owner: list[int] = []
        for j, words in enumerate(label_words):
            for w in words:
                ids = encode(tokenizer, [answer_sep + w], False)[0]
                if not ids:
                    raise TaskError(f"label word {w!r} encodes to no tokens")
                self.word_ids.append(ids)
                self.owner.append(j)
        self.last_sets = [token_endings(tokenizer, w[-1]) for w in self.word_ids]
        self.plan = aggregation_plan(self.word_ids, self.owner)

    def aggregate(self, word_lp: np.ndarray, normalize: bool = False) -> np.ndarray:
        """Word log-likelihoods (n, n_words) -> label log-probabilities (n, n_labels)."""
        return aggregate(word_lp, self.plan, self.word_ids, self.n_labels, normalize)


class LabelScorer:
    """Scores label words after a prompt; see the module docstring."""

    def __init__(
        self,
        lm: Any,
        parts: PromptParts,
        label_words: Sequence[Sequence[str]],
        *,
        normalize: bool = False,
        batch_size: int = 8,
        max_length: int | None = None,
        pair_chunk: int = 64,
    ) -> None:
        self.lm = lm
        self.model = lm.model
        self.tok = lm.tokenizer
        self.parts = parts
        self.normalize = normalize
        self.batch_size = max(1, int(batch_size))
        self.pair_chunk = pair_chunk
        self.window = min(lm.max_length, max_length or lm.max_length)
        self.words = LabelWords(self.tok, parts.answer_sep, label_words)
        self.n_labels = self.words.n_labels
        self.word_ids, self.last_sets = self.words.word_ids, self.words.last_sets
        self.max_word = max(len(w) for w in self.word_ids)
        self.prefix_ids = encode(self.tok, [parts.before], parts.add_special_tokens)[0]
        self._prefix_cache: Any = None
        self._cache_kw: str | None = None
        self._seqs2 = sorted({tuple(w[:-1]) for w in self.word_ids if len(w) > 1})

    @classmethod
    def for_task(
        cls, lm: Any, task: Task, examples: Sequence[tuple[str, str]] = (), **kw: Any
    ) -> LabelScorer:
        words = [task.expanded_words(lb) for lb in task.labels]
        return cls(lm, build_prompt(task, lm, examples), words, **kw)

    # -- public -----------------------------------------------------------------------------
    def log_probs(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """(n_texts, n_labels) log-probabilities over the labels; each row sums to 1 in exp."""
        return self.aggregate(self.word_log_likelihoods(texts, progress))

    def aggregate(self, word_lp: np.ndarray) -> np.ndarray:
        """Word log-likelihoods (n, n_words) -> label log-probabilities (n, n_labels)."""
        return self.words.aggregate(word_lp, self.normalize)

    @torch.inference_mode()
    def word_log_likelihoods(
        self, texts: Sequence[str], progress: Progress | None = None
    ) -> np.ndarray:
        """(n_texts, n_words): log P(word tokens | prompt) for every label word."""
        texts = list(texts)
        out = np.zeros((len(texts), len(self.word_ids)), dtype=np.float64)
        if not texts:
            return out
        full = encode_prompts(self.tok, self.parts, texts, self.window - self.max_word)
        P = len(self.prefix_ids)
        rests: list[list[int] | None] = []
        for row in full:
            ok = P > 0 and len(row) > P and row[:P] == self.prefix_ids
            rests.append(row[P:] if ok else None)
        # Longest first, so batches hold texts of similar length (little padding).
        order = sorted(range(len(texts)), key=lambda i: -len(full[i]))
        cached = [i for i in order if rests[i] is not None]
        uncached = [i for i in order if rests[i] is None]
        for group, use_prefix in ((cached, True), (uncached, False)):
            for idx in self._batches(group, full, P if use_prefix else 0):
                seqs = [rests[i] if use_prefix else full[i] for i in idx]
                try:
                    out[idx] = self._score_batch(seqs, use_prefix)  # type: ignore[arg-type]
                except (MemoryError, RuntimeError) as e:
                    if isinstance(e, RuntimeError) and not _out_of_memory(e):
                        raise
                    n = max(len(q) for q in seqs) + (P if use_prefix else 0)  # type: ignore[arg-type]
                    raise InputError(
                        f"out of memory scoring {len(idx)} text(s) of up to {n} tokens on "
                        f"{self.lm.device}: cut long texts shorter (the window allows "
                        f"{self.window} tokens, more than this machine's memory holds), "
                        "lower batch_size, or use a machine with more memory"
                    ) from None
                if progress:
                    progress(len(idx))
        return out

    # -- internals ------------------------------------------------------------------------
    def _batches(self, group: list[int], full: list[list[int]], cached: int) -> list[list[int]]:
        """``group`` (longest first) in batches of ``batch_size`` texts, fewer for long texts:
        eager attention holds texts x heads x queries x keys scores at once, so a batch
        keeps texts x queries x keys under :data:`ATTENTION_CELLS` (one text always fits)."""
        out, s = [], 0
        while s < len(group):
            n = len(full[group[s]]) - cached  # query positions of the batch's longest text
            fit = ATTENTION_CELLS // max(1, n * (n + cached))
            size = max(1, min(self.batch_size, fit))
            out.append(group[s : s + size])
            s += size
        return out

    def _base(self) -> Any:
        return self.model.get_decoder() if hasattr(self.model, "get_decoder") else self.model.model

    def _run(self, cache: Any, **kw: Any) -> torch.Tensor:
        """Run the decoder body (no output layer) with ``cache``; the last hidden states."""
        base = self._base()
        if self._cache_kw is None:
            params = inspect.signature(type(base).forward).parameters
            self._cache_kw = "cache" if "cache" in params else "past_key_values"
        return base(**kw, **{self._cache_kw: cache}, use_cache=True).last_hidden_state

    def _logits(self, h: torch.Tensor) -> torch.Tensor:
        logits = self.model.get_output_embeddings()(h).float()
        cap = getattr(self.model.config.get_text_config(), "final_logit_softcapping", None)
        if cap:
            logits = torch.tanh(logits / cap) * cap
        return logits

    def _new_cache(self, layers: list[tuple[torch.Tensor, torch.Tensor]] | None = None) -> Any:
        from transformers import DynamicCache

        return DynamicCache(ddp_cache_data=layers, config=self.model.config)

    def _prefix(self, batch: int) -> Any:
        if self._prefix_cache is None:
            dev = self.lm.device
            ids = torch.tensor([self.prefix_ids], device=dev)
            cache = self._new_cache()
            self._run(cache, input_ids=ids)
            self._prefix_cache = [(lay.keys, lay.values) for lay in cache.layers]
        return self._new_cache(
            [
                (k.expand(batch, -1, -1, -1), v.expand(batch, -1, -1, -1))
                for k, v in self._prefix_cache
            ]
        )

    def _score_batch(self, seqs: list[list[int]], use_prefix: bool) -> np.ndarray:
        dev = self.lm.device
        B, R = len(seqs), max(len(s) for s in seqs)
        P = len(self.prefix_ids) if use_prefix else 0
        pad = self.tok.pad_token_id or 0
        ids = torch.full((B, R), pad, dtype=torch.long, device=dev)
        mask = torch.zeros((B, P + R), dtype=torch.long, device=dev)
        mask[:, :P] = 1
        lens = torch.tensor([len(s) for s in seqs], device=dev)
        for b, s in enumerate(seqs):
            ids[b, : len(s)] = torch.tensor(s, device=dev)
            mask[b, P : P + len(s)] = 1
        pos = (P + torch.arange(R, device=dev)).unsqueeze(0).expand(B, R)
        cache = self._prefix(B) if P else self._new_cache()
        h = self._run(cache, input_ids=ids, attention_mask=mask, position_ids=pos)
        last = h[torch.arange(B, device=dev), lens - 1]
        first = torch.log_softmax(self._logits(last), -1)  # (B, V)
        word_lp = torch.stack(
            [
                first[:, self.last_sets[w]].logsumexp(-1) if len(ids) == 1 else first[:, ids[0]]
                for w, ids in enumerate(self.word_ids)
            ],
            1,
        ).double()  # (B, W)
        if self._seqs2:
            word_lp += self._continuations(cache, mask, lens, P)
        return word_lp.cpu().numpy()

    def _continuations(self, cache: Any, mask: torch.Tensor, lens: torch.Tensor, P: int):
        """log P(word[1:] | prompt, word[0]) for multi-token words, one pass per prefix."""
        dev = mask.device
        B, S = mask.shape[0], len(self._seqs2)
        L2 = max(len(s) for s in self._seqs2)
        seq_index = {s: k for k, s in enumerate(self._seqs2)}
        # lp2[b, k, t, v] would be large: keep only the targets we need per (b, k).
        needed = [
            (w, seq_index[tuple(ids[:-1])]) for w, ids in enumerate(self.word_ids) if len(ids) > 1
        ]
        result = torch.zeros((B, len(self.word_ids)), dtype=torch.float64, device=dev)
        pairs = [(b, k) for b in range(B) for k in range(S)]
        layers = list(cache.layers)
        for c in range(0, len(pairs), self.pair_chunk):
            chunk = pairs[c : c + self.pair_chunk]
            bi = torch.tensor([b for b, _ in chunk], device=dev)
            C = len(chunk)
            ids = torch.full((C, L2), self.tok.pad_token_id or 0, dtype=torch.long, device=dev)
            for r, (_, k) in enumerate(chunk):
                ids[r, : len(self._seqs2[k])] = torch.tensor(self._seqs2[k], device=dev)
            m = torch.cat([mask[bi], torch.ones((C, L2), dtype=mask.dtype, device=dev)], 1)
            pos = (P + lens[bi]).unsqueeze(1) + torch.arange(L2, device=dev).unsqueeze(0)
            sub = self._new_cache([(lay.keys[bi], lay.values[bi]) for lay in layers])
            h = self._run(sub, input_ids=ids, attention_mask=m, position_ids=pos)
            lp = torch.log_softmax(self._logits(h), -1)  # (C, L2, V)
            row_of = {pk: r for r, pk in enumerate(chunk)}
            for b in {b for b, _ in chunk}:
                for w, k in needed:
                    r = row_of.get((b, k))
                    if r is None:
                        continue
                    tgt = self.word_ids[w][1:]
                    n = len(tgt)
                    t = torch.arange(n - 1, device=dev)
                    head = (
                        lp[r, t, torch.tensor(tgt[:-1], dtype=torch.long, device=dev)]
                        .double()
                        .sum()
                    )
                    tail = lp[r, n - 1, self.last_sets[w]].logsumexp(-1).double()
                    result[b, w] = head + tail
        return result


_GLUE = [".", ",", ";", ":", "!", "?", ")", "]", '"', "'", "*", "`"]
_SPACE = ["Ġ", "Ċ", "ĊĊ", "▁", "<0x0A>", " ", "\n"]


def _out_of_memory(e: RuntimeError) -> bool:
    """A RuntimeError that is torch failing to allocate (CPU or GPU)."""
    text = str(e).lower()
    return "allocate memory" in text or "out of memory" in text


def token_endings(tok: Any, tid: int) -> list[int]:
    """``tid`` plus vocabulary tokens spelling it followed by punctuation or a space/newline."""
    vocab = getattr(tok, "_lmtask_vocab", None)
    if vocab is None:
        vocab = tok.get_vocab()
        with contextlib.suppress(AttributeError):
            tok._lmtask_vocab = vocab
    raw = tok.convert_ids_to_tokens(tid)
    if not isinstance(raw, str) or not raw or (not raw[-1].isalnum() and raw[-1] not in "+#"):
        return [tid]
    out = [tid]
    for suf in _GLUE + _SPACE + [g + sp for g in _GLUE for sp in _SPACE]:
        j = vocab.get(raw + suf)
        if j is not None and j not in out:
            out.append(j)
    return out


def _is_prefix(a: list[int], b: list[int]) -> bool:
    return len(a) < len(b) and b[: len(a)] == a


def aggregation_plan(word_ids: list[list[int]], owner: list[int]):
    """Which words count, and which longer words to subtract from each (see module doc)."""
    n = len(word_ids)
    keep = []
    for i in range(n):
        redundant = any(
            owner[j] == owner[i]
            and (_is_prefix(word_ids[j], word_ids[i]) or (word_ids[j] == word_ids[i] and j < i))
            for j in range(n)
        )
        keep.append(not redundant)
    kept = [i for i in range(n) if keep[i]]
    subtract: dict[int, list[int]] = {}
    for i in kept:
        ext = [j for j in kept if _is_prefix(word_ids[i], word_ids[j])]
        minimal = [j for j in ext if not any(_is_prefix(word_ids[k], word_ids[j]) for k in ext)]
        if minimal:
            subtract[i] = minimal
    return kept, subtract, owner


def aggregate(
    word_lp: np.ndarray, plan: Any, word_ids: list[list[int]], n_labels: int, normalize: bool
) -> np.ndarray:
    """Word log-likelihoods -> label log-probabilities, by an :func:`aggregation_plan`."""
    kept, subtract, owner = plan
    n = word_lp.shape[0]
    if n == 0:
        return np.zeros((0, n_labels))
    shift = word_lp[:, kept].max(axis=1, keepdims=True)
    p = np.exp(word_lp - shift)  # relative probabilities, numerically safe
    scores = np.full((n, n_labels), -np.inf)
    for i in kept:
        pi = p[:, i].copy()
        for j in subtract.get(i, ()):
            pi -= p[:, j]
        pi = np.maximum(pi, p[:, i] * 1e-6)  # never exactly zero
        lp = np.log(pi) + shift[:, 0]
        if normalize:
            lp = lp / len(word_ids[i])
        scores[:, owner[i]] = np.logaddexp(scores[:, owner[i]], lp)
    scores -= scores.max(axis=1, keepdims=True)
    return scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))


__all__ = ["LabelScorer", "LabelWords", "aggregate", "aggregation_plan", "token_endings"]
