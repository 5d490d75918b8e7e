"""Chain-of-thought classification (Kojima et al. 2022, two stages).

Stage 1 asks the model to reason ("Let's think step by step.") and generates the reasoning.
Stage 2 appends the reasoning and "Therefore, the answer is" and scores the labels as the
continuation (``mode="score"``, always a valid label with probabilities) or generates and
matches (``mode="generate"``). The reasoning is kept in ``Prediction.rationale``.

Few-shot chain-of-thought: give ``examples=[(text, reasoning, label), ...]``; they are shown
as earlier turns whose answers are the written reasoning followed by the answer.

>>> import lmtask
>>> clf = lmtask.ChainOfThought(task="sentiment", max_reasoning_tokens=64)  # doctest: +SKIP
>>> clf.predict(["I don't love the rainy weather today."])[0].rationale    # doctest: +SKIP
'The sentence says the speaker does not love the rainy weather ...'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lmtask.config import option
from lmtask.engine.answer_matching import match_label
from lmtask.engine.generation import generate_ids
from lmtask.engine.prompting import SENTINEL, PromptParts, encode_prompts
from lmtask.engine.scoring import LabelScorer
from lmtask.errors import InputError
from lmtask.methods.base import check_texts, register_method
from lmtask.methods.prompt.base import PromptClassifier, PromptConfig
from lmtask.prediction import Prediction
from lmtask.progress import progress_bar
from lmtask.tasks import Task


@dataclass
class ChainOfThoughtConfig(PromptConfig):
    """PromptConfig plus the reasoning trigger, its length and the answer lead-in."""

    trigger: str = option("Let's think step by step.", "words that start the reasoning")
    answer_lead: str = option("Therefore, the answer is", "words that lead to the answer")
    max_reasoning_tokens: int = option(128, "tokens of reasoning to generate", min=1)

    def check(self) -> None:
        super().check()
        asked = [f"{k}={v}" for k, v in (("calibrate", self.calibrate), ("calibration",
                 self.calibration), ("background", self.background)) if v]  # fmt: skip
        if asked:
            raise InputError(f"calibration does not apply ({asked[0]}): the answer follows "
                             "free reasoning, with no fixed prompt bias to divide out")  # fmt: skip


@register_method("chain-of-thought")
class ChainOfThought(PromptClassifier):
    """Two-stage chain-of-thought; see the module docstring."""

    config_class = ChainOfThoughtConfig
    calibrating = False  # its second stage scores after free reasoning: no fixed prompt bias
    calibration_mode = None  # (and so its answers never depend on the batch)

    def __init__(
        self,
        task: Task | str | None = None,
        model: Any = None,
        *,
        examples: Sequence[tuple[str, str, str]] = (),
        **kw: Any,
    ) -> None:
        """Takes the shape of every method, plus ``examples=[(text, reasoning, label)]``."""
        super().__init__(task, model, **kw)
        self.cot_examples = [tuple(e) for e in examples]
        for e in self.cot_examples:
            if len(e) != 3 or e[2] not in self.labels:
                raise InputError(f"a chain-of-thought example is (text, reasoning, label): {e!r}")

    def artifact_state(self) -> dict[str, Any]:
        return {"examples": [list(e) for e in self.cot_examples]}

    def restore_state(self, state: dict[str, Any]) -> None:
        self.cot_examples = [tuple(e) for e in state.get("examples", [])]

    def _parts(self) -> tuple[str, str]:
        """(before, after): the prompt around the text, ending where reasoning starts."""
        c, task, tok = self.config, self.task, self.lm.tokenizer
        if self.lm.chat and getattr(tok, "chat_template", None):
            msgs = [{"role": "system", "content": task.system}] if task.system else []
            for text, why, label in self.cot_examples:
                msgs.append({"role": "user", "content": task.render_instruction(text)})
                answer = f"{c.trigger} {why} {c.answer_lead} {label}."
                msgs.append({"role": "assistant", "content": answer})
            msgs.append({"role": "user", "content": task.render_instruction(SENTINEL)})
            s = tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
            before, after = s.split(SENTINEL)
            return before, after + c.trigger
        shots = "".join(
            f"{task.render_instruction(t)}\nAnswer: {c.trigger} {why} {c.answer_lead} {y}.\n\n"
            for t, why, y in self.cot_examples
        )
        before, after = (shots + task.render_instruction(SENTINEL)).split(SENTINEL)
        return before, after + "\nAnswer: " + c.trigger

    def reason(self, texts: list[str], advance: Any = None) -> list[str]:
        """Stage 1: the model's reasoning for each text."""
        before, after = self._parts()
        parts = PromptParts(before, after, "", add_special_tokens=not self.lm.chat)
        window = min(self.lm.max_length, self.config.max_length or self.lm.max_length)
        budget = window - self.config.max_reasoning_tokens - 32
        ids = encode_prompts(self.lm.tokenizer, parts, texts, budget)
        outs = generate_ids(
            self.lm,
            ids,
            self.config.max_reasoning_tokens,
            batch_size=self.config.batch_size,
            progress=advance,
        )
        return [_cut_answer(o, self.config.answer_lead) for o in outs]

    def predict(self, texts: Sequence[str] | str, progress: bool = False) -> list[Prediction]:
        texts = check_texts(texts)
        if not texts:
            return []
        c = self.config
        with progress_bar(len(texts), "reasoning", enabled=progress) as advance:
            why = self.reason(texts, advance)
        before, after = self._parts()
        # Stage 2: everything after the shared prefix is "the text" of a plain scorer.
        tails = [
            f"{t}{after} {w} {c.answer_lead}".rstrip() for t, w in zip(texts, why, strict=True)
        ]
        parts = PromptParts(before, "", " ", add_special_tokens=not self.lm.chat)
        if c.mode == "generate":
            window = min(self.lm.max_length, c.max_length or self.lm.max_length)
            ids = encode_prompts(self.lm.tokenizer, parts, tails, window - c.max_new_tokens)
            answers = generate_ids(self.lm, ids, c.max_new_tokens, batch_size=c.batch_size)
            preds = []
            for a, w in zip(answers, why, strict=True):
                label = match_label(a, self.task)
                scores = {n: float(n == label) for n in self.labels}
                preds.append(Prediction(label, scores, raw=a, rationale=w))
            return preds
        words = [self.task.expanded_words(lb) for lb in self.task.labels]
        scorer = LabelScorer(
            self.lm, parts, words, normalize=c.normalize, batch_size=c.batch_size,
            max_length=c.max_length,
        )  # fmt: skip
        probs = np.exp(scorer.log_probs(tails))
        preds = []
        for row, w in zip(probs, why, strict=True):
            best = int(row.argmax())
            label = self.labels[best] if row[best] >= c.min_confidence else None
            scores = {n: float(p) for n, p in zip(self.labels, row, strict=True)}
            preds.append(Prediction(label, scores, rationale=w))
        return preds


def _cut_answer(reasoning: str, lead: str) -> str:
    """Reasoning up to where the model starts giving its answer (we ask for it ourselves)."""
    for marker in (lead, "Therefore", "So the answer", "The answer is"):
        i = reasoning.find(marker)
        if i > 0:
            return reasoning[:i].strip()
    return reasoning.strip()
