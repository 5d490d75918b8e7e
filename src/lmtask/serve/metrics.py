"""Prometheus metrics of one server: requests, failures, queue size, batch sizes, latency.

Each app has its own registry, so several apps (tests, side-by-side servers) never share
counters.

>>> m = Metrics()
>>> m.observe_request("/v1/classify", 200, 0.012)
>>> b"lmtask_requests_total" in m.render()
True
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)


class Metrics:
    """The counters, gauges and histograms ``GET /metrics`` shows."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.requests = Counter(
            "lmtask_requests", "HTTP requests by route and status", ["route", "status"], registry=r
        )
        self.failures = Counter(
            "lmtask_request_failures", "requests answered 4xx/5xx by route", ["route"], registry=r
        )
        self.latency = Histogram(
            "lmtask_request_latency_seconds",
            "request latency by route",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.queue = Gauge("lmtask_queue_texts", "texts waiting per model", ["model"], registry=r)
        self.batch = Histogram(
            "lmtask_batch_texts", "texts per batch", ["model"], buckets=BATCH_BUCKETS, registry=r
        )
        self.batch_seconds = Histogram(
            "lmtask_batch_seconds",
            "model time per batch",
            ["model"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.queue_wait = Histogram(
            "lmtask_queue_wait_seconds",
            "time from queueing to result",
            ["model"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )

    def observe_request(self, route: str, status: int, seconds: float) -> None:
        self.requests.labels(route, str(status)).inc()
        if status >= 400:
            self.failures.labels(route).inc()
        self.latency.labels(route).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


__all__ = ["Metrics"]
