"""Text tasks by prompt: summarize, translate, answer a question, or your own template.

A :class:`TextTask` is a prompt template with a ``{text}`` slot (and maybe named fields such
as ``{target_language}`` or ``{question}``). :func:`generate` fills it for each text, wraps it
in the model's chat template (chat models) or leaves it as plain text (base models), and
generates: greedy when ``temperature`` is 0, sampled (seeded) otherwise, batched with left
padding, cut at stop strings, optionally streamed piece by piece.

>>> from lmtask.text_tasks import get_text_task, cut_at_stop
>>> get_text_task("translate").render("Bonjour", target_language="German")
'Translate the following text into German. Reply with the translation only.\\n\\nBonjour'
>>> cut_at_stop("Paris.\\nQuestion: and Rome?", ["\\nQuestion:"])
'Paris.'
>>> import lmtask                                                         # doctest: +SKIP
>>> lmtask.generate(["A long article ..."], task="summarize", max_new_tokens=60)  # doctest: +SKIP
['The article says ...']
"""

from __future__ import annotations

import dataclasses
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lmtask.engine.generation import StreamFn, cut_at_stop, generate_ids
from lmtask.engine.prompting import SENTINEL, PromptParts, encode_prompts
from lmtask.errors import TaskError
from lmtask.models import DEFAULT_MODEL, LoadedModel, load_model


@dataclass(frozen=True)
class TextTask:
    """A prompt template with a ``{text}`` slot and optional named fields."""

    name: str
    template: str | None  # None: the caller gives it (the ``custom`` task)
    system: str | None = None
    defaults: dict[str, str] = field(default_factory=dict)
    max_new_tokens: int = 128
    stop: tuple[str, ...] = ()
    answer_prefix: str = ""  # base (non-chat) models: the line the answer follows
    description: str = ""

    def fields(self, template: str | None = None) -> list[str]:
        """Named fields of the template other than ``text``, in order of appearance."""
        tpl = self._template(template)
        try:
            names = [f for _, f, _, _ in string.Formatter().parse(tpl) if f is not None]
        except ValueError as e:
            raise TaskError(f"task {self.name!r}: bad template {tpl!r}: {e}") from None
        for n in names:
            if not n.isidentifier():
                raise TaskError(
                    f"task {self.name!r}: bad template field {{{n}}}; fields are plain names "
                    "like {text} or {question} (write {{ and }} for literal braces)"
                )
        if "text" not in names:
            raise TaskError(f"task {self.name!r}: the template must contain {{text}}: {tpl!r}")
        return list(dict.fromkeys(n for n in names if n != "text"))

    def _template(self, template: str | None) -> str:
        tpl = template if template is not None else self.template
        if tpl is None:
            raise TaskError(
                f"task {self.name!r} needs a template with a {{text}} slot "
                "(template=... in Python, --template in the CLI)"
            )
        return tpl

    def render(self, text: str, template: str | None = None, **fields: str) -> str:
        """The instruction for ``text``: the template with every field filled."""
        values = self.resolve_fields(template, **fields)
        return self._template(template).format(text=text, **values)

    def resolve_fields(self, template: str | None = None, **fields: Any) -> dict[str, str]:
        """Field values (given, else defaults); a clear error for a missing or unknown one."""
        wanted = self.fields(template)
        unknown = [k for k in fields if k not in wanted]
        if unknown:
            takes = ", ".join(wanted) or "no fields besides the text"
            raise TaskError(f"task {self.name!r} has no field {unknown[0]!r}; it takes: {takes}")
        values: dict[str, str] = {}
        for name in wanted:
            v = fields.get(name, self.defaults.get(name))
            if v is None or str(v).strip() == "":
                opt = "--" + name.replace("_", "-")
                raise TaskError(
                    f"task {self.name!r} needs the field {name!r} ({name}=... in Python, "
                    f"{opt} in the CLI)"
                )
            values[name] = str(v)
        return values


TEXT_TASKS: dict[str, TextTask] = {}


def register_text_task(task: TextTask) -> TextTask:
    """Add (or replace) a text task in the registry, by its name."""
    TEXT_TASKS[task.name] = task
    return task


def list_text_tasks() -> list[str]:
    return sorted(TEXT_TASKS)


def get_text_task(task: str | TextTask) -> TextTask:
    """A registered task by name (or ``task`` itself); unknown names list the known ones."""
    if isinstance(task, TextTask):
        return task
    if task not in TEXT_TASKS:
        raise TaskError(f"unknown text task {task!r}; known tasks: {', '.join(list_text_tasks())}")
    return TEXT_TASKS[task]


register_text_task(
    TextTask(
        "summarize",
        "Summarize the following text in a few sentences:\n\n{text}",
        max_new_tokens=160,
        answer_prefix="Summary:",
        description="a few-sentence summary",
    )
)
register_text_task(
    TextTask(
        "translate",
        "Translate the following text into {target_language}. Reply with the translation "
        "only.\n\n{text}",
        defaults={"target_language": "French"},
        max_new_tokens=256,
        answer_prefix="Translation:",
        description="translation into --target-language (default French)",
    )
)
register_text_task(
    TextTask(
        "answer",
        "Answer the question using the context.\n\nContext:\n{text}\n\nQuestion: {question}",
        max_new_tokens=96,
        answer_prefix="Answer:",
        description="answer --question from the text as context",
    )
)
register_text_task(
    TextTask("custom", None, max_new_tokens=128, description="your --template with {text}")
)


@dataclass
class GenerationConfig:
    """How to generate: ``temperature`` 0 is greedy; ``max_new_tokens`` None: the task's."""

    max_new_tokens: int | None = None
    temperature: float = 0.0
    top_p: float = 1.0
    stop: list[str] | None = None  # None: the task's stop strings
    seed: int = 0
    batch_size: int = 8

    def __post_init__(self) -> None:
        if self.max_new_tokens is not None and self.max_new_tokens < 1:
            raise TaskError(f"max_new_tokens must be at least 1, not {self.max_new_tokens}")
        if self.temperature < 0:
            raise TaskError(f"temperature must be 0 (greedy) or more, not {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise TaskError(f"top_p must be in (0, 1], not {self.top_p}")
        if self.batch_size < 1:
            raise TaskError(f"batch_size must be at least 1, not {self.batch_size}")
        if self.stop is not None:
            self.stop = [s for s in self.stop if s]


CONFIG_FIELDS = frozenset(f.name for f in dataclasses.fields(GenerationConfig))


def build_parts(task: TextTask, lm: Any, template: str | None = None, **fields: Any) -> PromptParts:
    """The prompt around the text for ``task`` on ``lm``: chat template or plain text.

    A ``template`` other than the task's own is the whole instruction: the task's answer line
    for base models ("Summary:", "Translation:") belongs to the task's template and is left
    out with it (it turned any template of summarize into a summary request)."""
    instruction = task.render(SENTINEL, template=template, **fields)
    own = template is None or template == task.template
    answer_prefix = task.answer_prefix if own else ""
    if lm.chat and getattr(lm.tokenizer, "chat_template", None):
        messages = []
        if task.system:
            messages.append({"role": "system", "content": task.system})
        messages.append({"role": "user", "content": instruction})
        s = lm.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        before, after = s.split(SENTINEL)
        return PromptParts(before, after, "", add_special_tokens=False)
    s = (task.system + "\n\n" if task.system else "") + instruction + "\n"
    s += answer_prefix
    before, after = s.split(SENTINEL)
    return PromptParts(before, after, " " if answer_prefix else "", add_special_tokens=True)


def generate(
    texts: Sequence[str] | str,
    task: str | TextTask = "summarize",
    model: str | LoadedModel = DEFAULT_MODEL,
    config: GenerationConfig | None = None,
    stream: StreamFn | None = None,
    template: str | None = None,
    dtype: str = "auto",
    **fields: Any,
) -> list[str]:
    """Run a text task on each text; returns one generated string per text.

    ``fields`` fill the template (``target_language=``, ``question=``); keyword arguments
    named like :class:`GenerationConfig` fields (``max_new_tokens=``, ``temperature=``,
    ``stop=``...) override ``config``. ``template`` replaces the task's template (and is
    required for ``task="custom"``). ``stream`` is called with each piece of text as it is
    generated (texts then go one at a time, in order).
    """
    if isinstance(texts, str):
        texts = [texts]
    texts = list(texts)
    tt = get_text_task(task)
    overrides = {k: fields.pop(k) for k in list(fields) if k in CONFIG_FIELDS}
    config = dataclasses.replace(config or GenerationConfig(), **overrides)
    tt.resolve_fields(template, **fields)  # fail on a missing field before loading a model
    if not texts:
        return []
    lm = load_model(model, dtype=dtype)
    parts = build_parts(tt, lm, template=template, **fields)
    max_new = config.max_new_tokens or tt.max_new_tokens
    budget = max(lm.max_length - max_new, 1)
    prompts = encode_prompts(lm.tokenizer, parts, texts, budget)
    stop = list(config.stop) if config.stop is not None else list(tt.stop)
    return generate_ids(
        lm,
        prompts,
        max_new,
        batch_size=config.batch_size,
        temperature=config.temperature,
        top_p=config.top_p,
        seed=config.seed,
        stop=stop,
        stream=stream,
    )


__all__ = [
    "TEXT_TASKS",
    "GenerationConfig",
    "TextTask",
    "build_parts",
    "cut_at_stop",
    "generate",
    "generate_ids",
    "get_text_task",
    "list_text_tasks",
    "register_text_task",
]
