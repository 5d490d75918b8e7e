"""The one batched generation loop: left-padded batches, greedy or sampled, stop strings,
streaming. Used by ``mode="generate"`` classification (the seed tutorial's way), by
chain-of-thought and by the text tasks (summarize, translate, answer).

>>> cut_at_stop("Paris.\\nQuestion: and Rome?", ["\\nQuestion:"])
'Paris.'
>>> import lmtask                                                    # doctest: +SKIP
>>> lm = lmtask.load_model()                                         # doctest: +SKIP
>>> generate_ids(lm, [lm.tokenizer("Say hi.")["input_ids"]], 8)      # doctest: +SKIP
['Hi!']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

StreamFn = Callable[[str], None]


def cut_at_stop(text: str, stop: Sequence[str]) -> str:
    """``text`` up to the earliest stop string (exclusive), trailing space removed."""
    cuts = [i for i in (text.find(s) for s in stop if s) if i >= 0]
    return (text[: min(cuts)] if cuts else text).rstrip()


class _StopStream:
    """Receives generated token ids; calls ``fn`` with text pieces that are safe to show.

    Held back: a trailing part that may start a stop string, trailing whitespace and a
    half-decoded character. The pieces concatenate to exactly what :func:`generate_ids` returns.
    """

    def __init__(self, tokenizer: Any, stop: Sequence[str], fn: StreamFn) -> None:
        self.tok, self.stop, self.fn = tokenizer, list(stop), fn
        self.ids: list[int] = []
        self.sent = ""
        self.prompt_seen = False
        self.done = False

    def put(self, value: torch.Tensor) -> None:  # the BaseStreamer interface
        if not self.prompt_seen:  # the first call is the prompt
            self.prompt_seen = True
            return
        self.ids.extend(int(x) for x in value.reshape(-1).tolist())
        self._emit(final=False)

    def end(self) -> None:
        self._emit(final=True)

    def _emit(self, final: bool) -> None:
        if self.done:
            return
        text = self.tok.decode(self.ids, skip_special_tokens=True)
        if final:
            safe = cut_at_stop(text, self.stop).strip()
            self.done = True
        else:
            if text.endswith("\ufffd"):
                return
            cuts = [i for i in (text.find(s) for s in self.stop) if i >= 0]
            if cuts:
                text = text[: min(cuts)]
            else:
                hold = max(
                    (k for s in self.stop for k in range(1, len(s)) if text.endswith(s[:k])),
                    default=0,
                )
                text = text[: len(text) - hold]
            safe = text.lstrip().rstrip()
        if safe.startswith(self.sent) and len(safe) > len(self.sent):
            self.fn(safe[len(self.sent) :])
            self.sent = safe


def _batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    return [order[s : s + batch_size] for s in range(0, len(order), batch_size)]


@torch.inference_mode()
def generate_ids(
    lm: Any,
    prompts: Sequence[list[int]],
    max_new_tokens: int = 16,
    *,
    batch_size: int = 8,
    temperature: float = 0.0,
    top_p: float = 1.0,
    seed: int = 0,
    stop: Sequence[str] = (),
    stream: StreamFn | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[str]:
    """Continue each prompt (token ids); left-padded batches; decoded, cut and stripped.

    ``temperature`` 0 is greedy; above it, sampled with ``top_p`` from ``seed``. With
    ``stream``, prompts go one at a time and ``stream(piece)`` gets the text as it comes;
    ``progress(n)`` is called after each batch of ``n`` prompts.
    """
    tok, model, dev = lm.tokenizer, lm.model, lm.device
    pad = tok.pad_token_id if tok.pad_token_id is not None else 0
    sample = temperature > 0
    kwargs: dict[str, Any] = {"max_new_tokens": max_new_tokens, "do_sample": sample}
    if sample:
        kwargs.update(temperature=temperature, top_p=top_p)
    else:  # a model's own sampling defaults would only draw warnings
        kwargs.update(temperature=None, top_p=None, top_k=None)
    if stop:
        kwargs.update(stop_strings=list(stop), tokenizer=tok)
    out: list[str] = [""] * len(prompts)
    bs = 1 if stream is not None else batch_size
    devices = [dev] if dev.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        for idx in _batches([len(p) for p in prompts], bs):
            L = max(len(prompts[i]) for i in idx)
            ids = torch.full((len(idx), L), pad, dtype=torch.long, device=dev)
            mask = torch.zeros_like(ids)
            for r, i in enumerate(idx):  # left padding: every prompt ends at the last column
                p = prompts[i]
                ids[r, L - len(p) :] = torch.tensor(p, dtype=torch.long, device=dev)
                mask[r, L - len(p) :] = 1
            streamer = _StopStream(tok, stop, stream) if stream is not None else None
            gen = model.generate(
                input_ids=ids, attention_mask=mask, pad_token_id=pad, streamer=streamer, **kwargs
            )
            for r, i in enumerate(idx):
                text = tok.decode(gen[r, L:], skip_special_tokens=True)
                out[i] = cut_at_stop(text, stop).strip()
            if progress:
                progress(len(idx))
    return out


__all__ = ["StreamFn", "cut_at_stop", "generate_ids"]
