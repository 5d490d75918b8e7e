"""Turn a Task and a text into the model's prompt, split around the text.

Chat models get their chat template (system prompt, user turn, assistant header) and the
answer starts right after the assistant header. Base models get the instruction, a newline
and ``task.answer_prefix`` ("Answer:"), and the answer starts after a space.

Everything before the text is the same for every text: the scorer encodes it once and reuses
its key/value cache. Texts longer than the model's window are cut in the middle (the start
and the end are kept, joined by " ... "), with a warning; see :func:`encode_prompts`.

>>> from lmtask.tasks import get_task
>>> from lmtask.prompting import PromptParts
>>> p = PromptParts.plain(get_task("sentiment"))
>>> p.render("Great!")
'Great!\\nWhat is the tone of this sentence positive, negative, or angry?\\nAnswer:'
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from lmtask.errors import InputError
from lmtask.tasks import Task

SENTINEL = "\u2063LMTASK_TEXT_SLOT\u2063"
ELLIPSIS = " ... "


class TruncationWarning(UserWarning):
    """A text was longer than the model's window and was cut in the middle."""


@dataclass(frozen=True)
class PromptParts:
    """The prompt as ``before + text + after``; the answer (label) follows ``answer_sep``."""

    before: str
    after: str
    answer_sep: str = ""
    add_special_tokens: bool = False

    def render(self, text: str) -> str:
        return self.before + text + self.after

    @classmethod
    def plain(cls, task: Task) -> PromptParts:
        s = task.render_instruction(SENTINEL)
        lead = " ".join(x for x in (task.answer_prefix, task.answer_start) if x)
        if lead:
            s += "\n" + lead
        before, after = s.split(SENTINEL)
        return cls(before, after, " " if lead else "", add_special_tokens=True)

    @classmethod
    def for_chat(cls, task: Task, tokenizer: Any) -> PromptParts:
        messages = []
        if task.system:
            messages.append({"role": "system", "content": task.system})
        messages.append({"role": "user", "content": task.render_instruction(SENTINEL)})
        s = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        before, after = s.split(SENTINEL)
        sep = " " if task.answer_start else ""
        return cls(before, after + task.answer_start, sep, add_special_tokens=False)


def build_prompt(task: Task, lm: Any) -> PromptParts:
    """The prompt parts for ``task`` on ``lm`` (a LoadedModel)."""
    if lm.chat and getattr(lm.tokenizer, "chat_template", None):
        return PromptParts.for_chat(task, lm.tokenizer)
    return PromptParts.plain(task)


def encode(tokenizer: Any, texts: list[str], add_special_tokens: bool) -> list[list[int]]:
    if not texts:
        return []
    return tokenizer(list(texts), add_special_tokens=add_special_tokens)["input_ids"]


def encode_prompts(
    tokenizer: Any, parts: PromptParts, texts: list[str], budget: int
) -> list[list[int]]:
    """Token ids of every full prompt, each at most ``budget`` tokens.

    A prompt over budget has its text cut in the middle: the first and last parts of the
    text are kept. One :class:`TruncationWarning` is issued per call, with the count.
    """
    ids = encode(tokenizer, [parts.render(t) for t in texts], parts.add_special_tokens)
    cut = 0
    for i, row in enumerate(ids):
        if len(row) <= budget:
            continue
        text = texts[i]
        for _ in range(4):  # re-tokenizing at the cut can shift a token or two: retry
            over = len(row) - budget
            t_ids = encode(tokenizer, [text], False)[0]
            keep = len(t_ids) - over - 4 - len(encode(tokenizer, [ELLIPSIS], False)[0])
            if keep <= 0:
                raise InputError(
                    f"the prompt without the text needs {len(row) - len(t_ids)} tokens, more "
                    f"than the window allows ({budget}); shorten the instruction"
                )
            head = tokenizer.decode(t_ids[: (keep + 1) // 2])
            tail = tokenizer.decode(t_ids[len(t_ids) - keep // 2 :]) if keep // 2 else ""
            text = head + ELLIPSIS + tail
            row = encode(tokenizer, [parts.render(text)], parts.add_special_tokens)[0]
            if len(row) <= budget:
                break
        ids[i] = row[:budget]
        cut += 1
    if cut:
        warnings.warn(
            f"{cut} text(s) longer than the model's window ({budget} tokens for prompt and "
            "text) were cut in the middle",
            TruncationWarning,
            stacklevel=3,
        )
    return ids
