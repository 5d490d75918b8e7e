"""Turn a Task and a text into the model's prompt, split around the text.

Chat models get their chat template (system prompt, user turn, assistant header) and the
answer starts right after the assistant header. Base models get the instruction, a newline
and ``task.answer_prefix`` ("Answer:"), and the answer starts after a space.

Everything before the text is the same for every text: the scorer encodes it once and reuses
its key/value cache. Texts longer than the model's window are cut in the middle (the start
and the end are kept, joined by " ... "), with a warning; see :func:`encode_prompts`.

>>> from lmtask.tasks import get_task
>>> from lmtask.engine.prompting import PromptParts
>>> p = PromptParts.plain(get_task("sentiment"))
>>> print(p.render("Great!"))
Great!
What is the tone of this sentence positive, negative, or angry?
Answer: The tone of this sentence is
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lmtask.engine.notices import notice
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
    def plain(cls, task: Task, examples: Sequence[tuple[str, str]] = ()) -> PromptParts:
        lead = " ".join(x for x in (task.answer_prefix, task.answer_start) if x)
        shots = "".join(
            task.render_instruction(t) + ("\n" + lead if lead else "") + (" " if lead else "")
            + answer_word(task, y) + "\n\n"
            for t, y in examples
        )  # fmt: skip
        s = shots + task.render_instruction(SENTINEL)
        if lead:
            s += "\n" + lead
        before, after = _split(s)
        return cls(before, after, " " if lead else "", add_special_tokens=True)

    @classmethod
    def for_chat(
        cls, task: Task, tokenizer: Any, examples: Sequence[tuple[str, str]] = ()
    ) -> PromptParts:
        messages = []
        if task.system:
            messages.append({"role": "system", "content": task.system})
        start = task.answer_start + " " if task.answer_start else ""
        for t, y in examples:  # in-context examples as earlier turns of the conversation
            messages.append({"role": "user", "content": task.render_instruction(t)})
            messages.append({"role": "assistant", "content": start + answer_word(task, y)})
        messages.append({"role": "user", "content": task.render_instruction(SENTINEL)})
        s = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        before, after = _split(s)
        sep = " " if task.answer_start else ""
        return cls(before, after + task.answer_start, sep, add_special_tokens=False)


def _split(prompt: str) -> tuple[str, str]:
    if prompt.count(SENTINEL) != 1:
        raise InputError("the prompt must hold the text exactly once; check the task template")
    before, after = prompt.split(SENTINEL)
    return before, after


def answer_word(task: Task, label: str) -> str:
    """How an example's answer is written: the label's first surface word."""
    for lb in task.labels:
        if lb.name == label:
            return lb.words[0]
    raise InputError(f"example label {label!r} is not one of the task's labels {task.label_names}")


def build_prompt(task: Task, lm: Any, examples: Sequence[tuple[str, str]] = ()) -> PromptParts:
    """The prompt parts for ``task`` on ``lm`` (a LoadedModel), with in-context examples
    (text, label) shown before the text, in order."""
    if lm.chat and getattr(lm.tokenizer, "chat_template", None):
        return PromptParts.for_chat(task, lm.tokenizer, examples)
    return PromptParts.plain(task, examples)


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
        notice(
            f"{cut} text(s) longer than the model's window ({budget} tokens for prompt and "
            "text) were cut in the middle",
            TruncationWarning,
            stacklevel=3,
        )
    return ids
