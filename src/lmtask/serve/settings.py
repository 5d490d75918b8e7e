"""What a server allows: batch sizes, waiting, queue and input limits, auth, CORS.

>>> s = ServeConfig(max_wait_ms=5, max_queue=64)
>>> s.batching, s.host
(True, '127.0.0.1')
>>> ServeConfig(max_queue=0)
Traceback (most recent call last):
...
lmtask.errors.InputError: max_queue=0 must be at least 1
"""

from __future__ import annotations

from dataclasses import dataclass

from lmtask.config import Config, option


@dataclass
class ServeConfig(Config):
    """Every server setting, each with its help; ``lmtask serve`` flags map one to one."""

    host: str = option("127.0.0.1", "address to bind; loopback unless you say otherwise")
    port: int = option(8000, "port to listen on", min=0, max=65535)
    api_key: str | None = option(None, "if set, every route but /healthz needs 'Bearer KEY'")
    cors_origins: list[str] = option(
        factory=list, help="origins allowed by CORS (none by default: same-origin only)"
    )
    batching: bool = option(True, "queue requests and run them together (dynamic batching)")
    max_batch_texts: int = option(64, "most texts run in one batch", min=1)
    max_batch_tokens: int = option(8192, "most tokens (summed) run in one batch", min=1)
    max_wait_ms: float = option(5.0, "how long a batch waits for more requests", min=0)
    max_queue: int = option(256, "most texts waiting; past it requests get 429", min=1)
    max_input_chars: int = option(20000, "longest text accepted (characters)", min=1)
    max_texts_per_request: int = option(256, "most texts in one request", min=1)
    max_body_bytes: int = option(4_000_000, "largest request body; past it 413", min=1)
    text_model: str | None = option(
        "default", "model for /v1/generate (loaded on first use); None: no generate route"
    )
    reports: str | None = option(None, "folder of eval/compare outputs shown on the page")


__all__ = ["ServeConfig"]
