"""Greedy (or sampled) generation from prompts, batched with left padding.

Used by ``mode="generate"`` classification (the seed tutorial's way) and, later, by the
prompt-based text tasks.

>>> import lmtask                                    # doctest: +SKIP
>>> generate_texts(lmtask.load_model(), ["Say hi."])  # doctest: +SKIP
['Hi!']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch


@torch.inference_mode()
def generate_from_ids(
    lm: Any,
    prompts: Sequence[list[int]],
    max_new_tokens: int = 16,
    batch_size: int = 8,
    progress: Callable[[int], None] | None = None,
) -> list[str]:
    """Greedy continuation of each prompt (token ids), decoded without special tokens."""
    tok, model, dev = lm.tokenizer, lm.model, lm.device
    pad = tok.pad_token_id if tok.pad_token_id is not None else 0
    out: list[str] = [""] * len(prompts)
    order = sorted(range(len(prompts)), key=lambda i: -len(prompts[i]))
    for s in range(0, len(order), batch_size):
        idx = order[s : s + batch_size]
        L = max(len(prompts[i]) for i in idx)
        ids = torch.full((len(idx), L), pad, dtype=torch.long, device=dev)
        mask = torch.zeros_like(ids)
        for r, i in enumerate(idx):  # left padding: every prompt ends at the last column
            p = prompts[i]
            ids[r, L - len(p) :] = torch.tensor(p, device=dev)
            mask[r, L - len(p) :] = 1
        gen = model.generate(
            input_ids=ids,
            attention_mask=mask,
            max_new_tokens=max_new_tokens,
            do_sample=False,
            pad_token_id=pad,
        )
        for r, i in enumerate(idx):
            out[i] = tok.decode(gen[r, L:], skip_special_tokens=True).strip()
        if progress:
            progress(len(idx))
    return out
