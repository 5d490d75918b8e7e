"""Request and response bodies of the HTTP API (they make the OpenAPI schema at ``/docs``).

>>> ClassifyRequest(input="I love it").texts
['I love it']
>>> ClassifyRequest(input=["a", "b"], model="sentiment").texts
['a', 'b']
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str | None = Field(None, description="served classifier; default: the first one")
    input: str | list[str] = Field(..., description="one text, or a list of texts")
    raw_scores: bool = Field(
        False, description="natural-log probabilities instead of probabilities"
    )

    @property
    def texts(self) -> list[str]:
        return [self.input] if isinstance(self.input, str) else list(self.input)


class ClassifyResult(BaseModel):
    index: int
    label: str | None = Field(description="null: no label (below min_confidence, no match)")
    scores: dict[str, float]


class Usage(BaseModel):
    texts: int
    tokens: int


class ClassifyResponse(BaseModel):
    model: str
    data: list[ClassifyResult]
    usage: Usage
    warnings: list[str] = Field(default_factory=list)


class TableRequest(BaseModel):
    """A CSV or JSONL file's content, classified row by row (the page's upload)."""

    model_config = ConfigDict(extra="forbid")

    model: str | None = None
    format: Literal["csv", "tsv", "jsonl"] = "csv"
    content: str = Field(..., description="the file's text")
    text_column: str | None = Field(None, description="default: guessed like the CLI does")


class GenerateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task: Literal["summarize", "translate", "answer"] = "summarize"
    input: str = Field(..., description="the text (the context, for answer)")
    fields: dict[str, str] = Field(
        default_factory=dict, description="template fields: question, target_language"
    )
    max_new_tokens: int | None = Field(None, ge=1, le=512)
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    seed: int = Field(0, ge=0, le=2**31 - 1)
    stream: bool = Field(False, description="server-sent events, one piece of text each")


class GenerateResponse(BaseModel):
    task: str
    model: str
    output: str
    warnings: list[str] = Field(default_factory=list)


class ModelInfo(BaseModel):
    name: str
    loaded: bool
    labels: list[str]
    method: str | None
    base_model: str | None
    error: str | None = None


class ModelList(BaseModel):
    data: list[ModelInfo]


__all__ = [
    "ClassifyRequest",
    "ClassifyResponse",
    "ClassifyResult",
    "GenerateRequest",
    "GenerateResponse",
    "ModelInfo",
    "ModelList",
    "TableRequest",
    "Usage",
]
