"""Sending metrics, params and tags: batched in a background thread, or directly.

The training loop must not wait for the network. :class:`BatchingLogger` makes
a logging call append one small tuple to a deque and return; a daemon thread
takes what has piled up, groups it by run and sends it as log-batch requests
within MLflow's limits (1,000 metrics, 100 params, 100 tags, 1,000 entities; the
HTTP backend also keeps each request under 1 MB).

* Memory is bounded: when ``queue_size`` entries are waiting, the logging call
  blocks until the thread has made room. Nothing is dropped to make room.
* Errors are never lost: an error the server answers (a changed param, a
  deleted run) or a server that stays unreachable through the backend's retries
  is kept and raised — the same exception class — by the next logging call, by
  :meth:`BatchingLogger.flush` or when the run ends. Each request carries one
  kind of entry, and refused params are re-sent one by one, so one bad param
  does not take other entries down with it.
* :meth:`BatchingLogger.flush` returns once everything logged before it was
  delivered; the client flushes before every call that reads or changes a run
  directly, when a run ends, and at interpreter exit.

:class:`DirectLogger` is the synchronous mode: the same calls, sent at once.

The thread holds the GIL while it groups and encodes, and that time is taken
from the training loop, so the per-entry work on both sides is kept to a few
tuple and list operations (no records, no per-entry function calls).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from trackbook import validation
from trackbook.client.backend import Backend, MetricRow
from trackbook.errors import ServerUnreachable
from trackbook.models import Param, RunTag

log = logging.getLogger("trackbook.client")

#: Entries the logging thread takes from the queue per round before it sends them.
_ROUND = 10_000
#: How often an idle logging thread looks at the queue (a backlog also wakes it).
_IDLE_WAIT = 0.1

Batch = tuple[list[MetricRow], list[Param], list[RunTag]]


class Logger(Protocol):
    def log_metric(
        self, run_id: str, key: str, value: float, timestamp: int, step: int
    ) -> None: ...

    def log_param(self, run_id: str, key: str, value: str) -> None: ...

    def set_tag(self, run_id: str, key: str, value: str) -> None: ...

    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[MetricRow],
        params: Sequence[Param],
        tags: Sequence[RunTag],
    ) -> None: ...

    def flush(self) -> None: ...


# -- batches ------------------------------------------------------------------
def split_batches(
    metrics: Sequence[MetricRow], params: Sequence[Param], tags: Sequence[RunTag]
) -> Iterator[Batch]:
    """One run's entries as requests of one kind each, within the count limits."""
    pairs = validation.MAX_PARAMS_TAGS_PER_BATCH
    for i in range(0, len(params), pairs):
        yield [], list(params[i : i + pairs]), []
    for i in range(0, len(tags), pairs):
        yield [], [], list(tags[i : i + pairs])
    step = min(validation.MAX_METRICS_PER_BATCH, validation.MAX_ENTITIES_PER_BATCH)
    for i in range(0, len(metrics), step):
        yield list(metrics[i : i + step]), [], []


def deliver(
    backend: Backend,
    run_id: str,
    batch: Batch,
    on_error: Callable[[BaseException], None],
) -> None:
    """Send one batch; a refused batch of params is re-sent one param at a time so only
    the params that are really wrong stay unwritten. Each refusal goes to ``on_error``."""
    metrics, params, tags = batch
    try:
        backend.log_batch(run_id, metrics=metrics, params=params, tags=tags)
        return
    except ServerUnreachable as exc:
        on_error(exc)  # more attempts would only repeat the backend's own retries
        return
    except Exception as exc:
        if len(params) <= 1:
            on_error(exc)
            return
    for p in params:
        deliver(backend, run_id, ([], [p], []), on_error)


# -- synchronous --------------------------------------------------------------
class DirectLogger:
    """Synchronous mode: every call is a request; errors raise where the call is."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def log_metric(self, run_id: str, key: str, value: float, timestamp: int, step: int) -> None:
        self.backend.log_batch(run_id, metrics=[(key, value, timestamp, step)], params=(), tags=())

    def log_param(self, run_id: str, key: str, value: str) -> None:
        self.backend.log_batch(run_id, metrics=(), params=[Param(key, value)], tags=())

    def set_tag(self, run_id: str, key: str, value: str) -> None:
        self.backend.log_batch(run_id, metrics=(), params=(), tags=[RunTag(key, value)])

    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[MetricRow],
        params: Sequence[Param],
        tags: Sequence[RunTag],
    ) -> None:
        for m, p, t in split_batches(metrics, params, tags):
            self.backend.log_batch(run_id, metrics=m, params=p, tags=t)

    def flush(self) -> None:
        pass


# -- asynchronous -------------------------------------------------------------
class BatchingLogger:
    """Queue entries and send them from a background thread (see the module docstring).

    Queue entries are ``(run_id, (key, value, timestamp, step))`` for metrics,
    ``(run_id, Param)`` and ``(run_id, RunTag)``, and a ``threading.Event`` that
    :meth:`flush` waits on.
    """

    def __init__(self, backend: Backend, *, queue_size: int = 100_000) -> None:
        self.backend = backend
        self.queue_size = max(queue_size, 1)
        self._queue: deque[Any] = deque()
        self._wake = threading.Event()
        self._room = threading.Condition()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        # Zero until the thread runs, so that the first call takes the slow path and starts it.
        self._wake_at = 0
        _live_loggers.add(self)
        _register_process_hooks()

    # -- the hot path --------------------------------------------------------
    def log_metric(self, run_id: str, key: str, value: float, timestamp: int, step: int) -> None:
        q = self._queue
        q.append((run_id, (key, value, timestamp, step)))
        if len(q) >= self._wake_at:
            self._backlog()
        if self._error is not None:
            self._raise_pending()

    def log_param(self, run_id: str, key: str, value: str) -> None:
        self._queue.append((run_id, Param(key, value)))
        self._after_append()

    def set_tag(self, run_id: str, key: str, value: str) -> None:
        self._queue.append((run_id, RunTag(key, value)))
        self._after_append()

    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[MetricRow],
        params: Sequence[Param],
        tags: Sequence[RunTag],
    ) -> None:
        q = self._queue
        for p in params:
            q.append((run_id, p))
        for t in tags:
            q.append((run_id, t))
        for m in metrics:
            q.append((run_id, m))
            if len(q) >= self._wake_at:
                self._backlog()
        self._after_append()

    def _after_append(self) -> None:
        if len(self._queue) >= self._wake_at:
            self._backlog()
        if self._error is not None:
            self._raise_pending()

    def _backlog(self) -> None:
        """Start the thread if needed, wake it, and wait while the queue is full."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            thread = self._start()
        if not self._wake.is_set():
            self._wake.set()
        if len(self._queue) >= self.queue_size:
            with self._room:
                while len(self._queue) >= self.queue_size and thread.is_alive():
                    self._room.wait(0.5)

    def _raise_pending(self) -> None:
        error, self._error = self._error, None
        if error is not None:
            raise error

    # -- control -------------------------------------------------------------
    @property
    def pending(self) -> int:
        """Entries queued and not yet taken by the logging thread."""
        return len(self._queue)

    def flush(self, *, raise_pending: bool = True) -> None:
        """Wait until everything logged so far is delivered; raise a pending error."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            # Even with an empty queue the thread may still be sending what it took last.
            done = threading.Event()
            self._queue.append(done)
            self._wake.set()
            while not done.wait(0.5):
                if not thread.is_alive():
                    self._drain()
                    break
        elif self._queue:
            self._drain()  # no thread (never started, or in a forked child): send from here
        if raise_pending:
            self._raise_pending()

    def close(self) -> None:
        """Flush and stop the thread. Safe to call more than once."""
        try:
            self.flush()
        finally:
            self._stopping = True
            self._wake.set()
            thread = self._thread
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout=5)
            _live_loggers.discard(self)

    def _start(self) -> threading.Thread:
        self._stopping = False
        thread = threading.Thread(target=self._work, name="trackbook-logger", daemon=True)
        self._thread = thread
        thread.start()
        # From now on, wake the thread when a request's worth of metrics is waiting (or
        # the queue is full, if it is smaller than that).
        self._wake_at = min(validation.MAX_METRICS_PER_BATCH, self.queue_size)
        return thread

    def after_fork(self) -> None:
        """In a forked child: the parent's thread does not exist here, and what the parent
        queued is the parent's to send."""
        self._queue = deque()
        self._wake = threading.Event()
        self._room = threading.Condition()
        self._thread = None
        self._wake_at = 0
        self._error = None

    # -- the logging thread ---------------------------------------------------
    def _work(self) -> None:
        while True:
            self._wake.wait(_IDLE_WAIT)
            self._wake.clear()
            try:
                self._drain()
            except Exception as exc:  # keep the thread alive; the error surfaces to the user
                self._record(exc)
            if self._stopping and not self._queue:
                return

    def _drain(self) -> None:
        q = self._queue
        while q:
            by_run: dict[str, Batch] = {}
            done: threading.Event | None = None
            for _ in range(_ROUND):
                if not q:
                    break
                item = q.popleft()
                if type(item) is not tuple:
                    done = item  # a flush marker: send what came before it, then release it
                    break
                run_id, entry = item
                batch = by_run.get(run_id)
                if batch is None:
                    batch = by_run[run_id] = ([], [], [])
                if type(entry) is tuple:
                    batch[0].append(entry)
                elif type(entry) is Param:
                    batch[1].append(entry)
                else:
                    batch[2].append(entry)
            try:
                for run_id, (metrics, params, tags) in by_run.items():
                    for batch in split_batches(metrics, params, tags):
                        deliver(self.backend, run_id, batch, self._record)
            finally:
                if done is not None:
                    done.set()
                with self._room:
                    self._room.notify_all()

    def _record(self, exc: BaseException) -> None:
        if self._error is None:
            self._error = exc
        else:
            log.error("trackbook: another logging error while one is pending: %s", exc)


# -- process lifecycle --------------------------------------------------------
_live_loggers: weakref.WeakSet[BatchingLogger] = weakref.WeakSet()
_hooks_registered = False


def _register_process_hooks() -> None:
    global _hooks_registered
    if _hooks_registered:
        return
    _hooks_registered = True
    atexit.register(flush_all_at_exit)
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_after_fork_in_child)


def flush_all_at_exit() -> None:
    """Deliver what is still queued when the interpreter exits; report what failed."""
    for logger in list(_live_loggers):
        try:
            logger.close()
        except Exception as exc:
            log.error("trackbook: not everything logged could be delivered: %s", exc)


def _after_fork_in_child() -> None:
    for logger in list(_live_loggers):
        logger.after_fork()
