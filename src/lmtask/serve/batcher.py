"""Dynamic batching: requests from many clients queue up and run through the model together.

One worker thread per served classifier takes the first waiting request, then keeps taking
more until the batch holds ``max_batch_texts`` texts or ``max_batch_tokens`` tokens, or
``max_wait_ms`` has passed; it sorts the texts by length (less padding), runs one
``predict`` call (the classifier's cached prompt prefix is reused across all of them) and
hands each request its own results. A classifier whose answers depend on the texts
classified together (batch calibration) is given ``predict_each`` instead: one call with the
requests kept apart, so that no client's texts change another client's answers (a request
under ``BATCH_MIN`` texts is flagged: it was calibrated contextually instead). The queue
is bounded: :meth:`Batcher.submit` raises :class:`QueueFull` at once rather than letting a
client hang. A request whose client went away before its batch started is dropped.

>>> import asyncio
>>> from lmtask.prediction import Prediction
>>> def upper(texts):  # any function from texts to predictions
...     return [Prediction(label=t.upper(), scores={t.upper(): 1.0}) for t in texts]
>>> b = Batcher(upper, max_wait_ms=1)
>>> b.start()
>>> [p.label for p in asyncio.run(b.submit(["a", "bb"], [1, 2])).predictions]
['A', 'BB']
>>> b.stop()
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lmtask.engine.notices import Notice, collected
from lmtask.prediction import Prediction

log = logging.getLogger("lmtask.serve")
PredictFn = Callable[[list[str]], list[Prediction]]
PredictEachFn = Callable[[list[list[str]]], list[list[Prediction]]]


class QueueFull(Exception):
    """The queue holds ``max_queue`` texts already; ``retry_after`` seconds is a fair wait."""

    def __init__(self, waiting: int, retry_after: int) -> None:
        super().__init__(f"the queue is full ({waiting} texts waiting); retry later")
        self.retry_after = retry_after


class Stopped(Exception):
    """The batcher was stopped (the server is shutting down)."""


@dataclass
class Result:
    predictions: list[Prediction]
    truncated: bool = False  # the batch's model cut a text of this request to its window
    contextual: bool = False  # batch calibration fell back to contextual (too few texts)


@dataclass
class _Job:
    texts: list[str]
    tokens: list[int]
    future: asyncio.Future[Result]
    loop: asyncio.AbstractEventLoop
    queued_at: float = field(default_factory=time.perf_counter)


@dataclass
class BatchStats:
    """What the worker reports after each batch (for metrics)."""

    texts: int
    tokens: int
    seconds: float
    queue_wait: list[float]


class Batcher:
    """Runs ``predict`` over batches of queued requests in one worker thread.

    ``batching=False`` runs one request at a time (the same queue and limits), which is the
    baseline the load benchmark compares against. ``window`` (tokens), when known, marks the
    requests whose texts the model cut.
    """

    def __init__(
        self,
        predict: PredictFn,
        *,
        batching: bool = True,
        max_batch_texts: int = 64,
        max_batch_tokens: int = 8192,
        max_wait_ms: float = 5.0,
        max_queue: int = 256,
        window: int | None = None,
        on_batch: Callable[[BatchStats], None] | None = None,
        predict_each: PredictEachFn | None = None,
    ) -> None:
        self.predict = predict
        self.predict_each = predict_each
        self.batching = batching
        self.max_batch_texts = max_batch_texts
        self.max_batch_tokens = max_batch_tokens
        self.max_wait = max_wait_ms / 1000
        self.max_queue = max_queue
        self.window = window
        self.on_batch = on_batch
        self._q: queue.Queue[_Job] = queue.Queue()
        self._carry: _Job | None = None
        self._waiting = 0
        self._lock = threading.Lock()
        self._running = False
        self._thread: threading.Thread | None = None
        self._seconds_per_text = 0.05  # updated from measured batches (Retry-After)

    @property
    def running(self) -> bool:
        return self._running and self._thread is not None and self._thread.is_alive()

    @property
    def waiting(self) -> int:
        """Texts queued and not yet taken into a batch."""
        return self._waiting

    def start(self) -> None:
        if self.running:
            return
        self._running = True
        self._thread = threading.Thread(target=self._work, name="lmtask-batcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._running = False
        if self._thread is not None:
            self._thread.join(timeout=10)

    async def submit(self, texts: Sequence[str], tokens: Sequence[int]) -> Result:
        """Queue ``texts`` (with their token counts) and wait for their predictions."""
        n = len(texts)
        if not self.running:
            raise Stopped("the server is shutting down")
        with self._lock:
            if self._waiting + n > self.max_queue:
                wait = max(1, round(self._waiting * self._seconds_per_text))
                raise QueueFull(self._waiting, wait)
            self._waiting += n
        loop = asyncio.get_running_loop()
        job = _Job(list(texts), list(tokens), loop.create_future(), loop)
        self._q.put(job)
        try:
            return await job.future
        except asyncio.CancelledError:
            job.future.cancel()  # the worker skips it if its batch has not started
            raise

    # -- worker thread ------------------------------------------------------------------
    def _next(self, timeout: float | None) -> _Job | None:
        if self._carry is not None:
            job, self._carry = self._carry, None
            return job
        try:
            return self._q.get(timeout=timeout) if timeout is None or timeout > 0 else None
        except queue.Empty:
            return None

    def _gather(self, first: _Job) -> list[_Job]:
        jobs, n, tok = [first], len(first.texts), sum(first.tokens)
        if not self.batching:
            return jobs
        deadline = time.perf_counter() + self.max_wait
        while n < self.max_batch_texts and tok < self.max_batch_tokens:
            job = self._next(deadline - time.perf_counter())
            if job is None:
                break
            if n + len(job.texts) > self.max_batch_texts or tok + sum(job.tokens) > (
                self.max_batch_tokens
            ):
                self._carry = job  # first in the next batch
                break
            jobs.append(job)
            n, tok = n + len(job.texts), tok + sum(job.tokens)
        return jobs

    def _work(self) -> None:
        while self._running:
            first = self._next(0.1)
            if first is None:
                continue
            jobs = self._gather(first)
            with self._lock:
                self._waiting -= sum(len(j.texts) for j in jobs)
            live = [j for j in jobs if not j.future.done()]  # a gone client's job is dropped
            if not live:
                continue
            try:
                self._run(live)
            except Exception as e:  # the worker must outlive any one batch
                log.exception("batch of %d request(s) failed", len(live))
                for j in live:
                    j.loop.call_soon_threadsafe(_set_exception, j.future, e)

    def _run(self, jobs: list[_Job]) -> None:
        texts = [t for j in jobs for t in j.texts]
        tokens = [k for j in jobs for k in j.tokens]
        order = sorted(range(len(texts)), key=lambda i: tokens[i])
        start = time.perf_counter()
        preds: list[Any] = [None] * len(texts)
        with collected() as caught:  # this thread's notices only (not another model's)
            if self.predict_each is not None:  # requests kept apart, in their own order
                order = list(range(len(texts)))
                preds_sorted = [p for ps in self.predict_each([j.texts for j in jobs]) for p in ps]
            else:
                preds_sorted = self.predict([texts[i] for i in order])
        if len(preds_sorted) != len(texts):
            raise RuntimeError(f"{len(texts)} texts gave {len(preds_sorted)} predictions")
        seconds = time.perf_counter() - start
        self._seconds_per_text = 0.8 * self._seconds_per_text + 0.2 * seconds / len(texts)
        for pos, i in enumerate(order):
            preds[i] = preds_sorted[pos]
        flagged = self._truncated(jobs, caught)
        few = self._fell_back(jobs, caught)
        k = 0
        for n, j in enumerate(jobs):
            result = Result(preds[k : k + len(j.texts)], truncated=n in flagged,
                            contextual=n in few)  # fmt: skip
            k += len(j.texts)
            j.loop.call_soon_threadsafe(_set_result, j.future, result)
        if self.on_batch is not None:
            now = time.perf_counter()
            self.on_batch(
                BatchStats(len(texts), sum(tokens), seconds, [now - j.queued_at for j in jobs])
            )

    def _truncated(self, jobs: list[_Job], caught: list[Notice]) -> set[int]:
        """Jobs whose texts the model cut: those over the window, else the longest one."""
        if not any(w.category.__name__ == "TruncationWarning" for w in caught):
            return set()
        over = {n for n, j in enumerate(jobs) if self.window and max(j.tokens) >= self.window}
        return over or {max(range(len(jobs)), key=lambda n: max(jobs[n].tokens))}

    def _fell_back(self, jobs: list[_Job], caught: list[Notice]) -> set[int]:
        """Requests batch calibration found too small (it used contextual for them): with
        ``predict_each`` (given for a classifier whose answers depend on the batch), those
        under ``BATCH_MIN`` texts; if none is, but the call said it fell back (a cascade's
        batch-calibrated member sees only the unsure texts), every request of the batch."""
        if self.predict_each is None:
            return set()
        from lmtask.engine.calibration import BATCH_MIN

        few = {n for n, j in enumerate(jobs) if len(j.texts) < BATCH_MIN}
        if not few and any(c.category.__name__ == "CalibrationWarning" for c in caught):
            return set(range(len(jobs)))
        return few


def _set_result(fut: asyncio.Future[Result], value: Result) -> None:
    if not fut.done():
        fut.set_result(value)


def _set_exception(fut: asyncio.Future[Result], e: BaseException) -> None:
    if not fut.done():
        fut.set_exception(e)


__all__ = ["BatchStats", "Batcher", "QueueFull", "Result", "Stopped"]
