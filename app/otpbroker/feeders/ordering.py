"""A keyed serial executor: jobs with the same key run one at a time, in submission order.

A feeder submits each command of a message with the number it concerns as its key (the
normalised MSISDN; None for commands that concern no number). Jobs of one key run strictly
in the order they were submitted, one after the other; jobs of different keys, and jobs
without a key, run in parallel on a pool of ``workers`` threads.

A job returns None when it is done, or a delay in seconds: it is then run again after that
delay, and the jobs queued behind it on the same key wait meanwhile (a command told to try
later keeps its place). ``wake()`` runs every waiting job at once (at stop, so that each can
give up). A job must not raise; should it, the error is logged and the job counts as done.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

log = logging.getLogger(__name__)

Job = Callable[[], float | None]
"""Run once; None when done, else the seconds to wait before running it again."""


class KeyedExecutor:
    """Serial per key, parallel across keys, on ``workers`` threads."""

    def __init__(self, workers: int, name: str = "keyed") -> None:
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix=name)
        self._lock = threading.Lock()
        self._queues: dict[str, deque[Job]] = {}
        self._timers: dict[object, tuple[threading.Timer, Callable[[], None]]] = {}
        self._no_waits = False  # after ``wake(for_good=True)``: a job asking to wait runs now

    def submit(self, key: str | None, job: Job) -> None:
        """Queue ``job`` behind the jobs of ``key`` (None: run it as soon as a worker is free)."""
        if key is None:
            self._pool.submit(self._run_free, job)
            return
        with self._lock:
            queue = self._queues.get(key)
            if queue is not None:
                queue.append(job)  # a worker (or a timer) already serves this key
                return
            self._queues[key] = deque([job])
        self._pool.submit(self._drain, key)

    def waiting_keys(self) -> int:
        """How many keys have jobs queued or running."""
        with self._lock:
            return len(self._queues)

    def wake(self, for_good: bool = False) -> None:
        """Run every job that waits for its delay now; ``for_good``: and every job that asks
        to wait from now on (a stop: none is left waiting behind it)."""
        with self._lock:
            self._no_waits = self._no_waits or for_good
            timers, self._timers = dict(self._timers), {}
        for timer, resume in timers.values():
            timer.cancel()
            resume()

    def shutdown(self) -> None:
        """Wake waiting jobs and wait until every queued job is done; a job that asks to
        wait after that is dropped (its timer cancelled)."""
        self.wake()
        self._pool.shutdown(wait=True)
        with self._lock:
            late, self._timers = list(self._timers.values()), {}
        for timer, _ in late:
            timer.cancel()
        if late:
            log.debug("keyed executor: %d waiting job(s) dropped at shutdown", len(late))

    # -- workers ----------------------------------------------------------------------------
    def _run_free(self, job: Job) -> None:
        delay = _run(job)
        if delay is not None:
            self._later(delay, job, partial(self._submit, self._run_free, job))

    def _drain(self, key: str) -> None:
        """Run the jobs of ``key`` in order until none is left or one must wait."""
        while True:
            with self._lock:
                job = self._queues[key][0]
            delay = _run(job)
            if delay is not None:
                self._later(delay, key, partial(self._submit, self._drain, key))
                return
            with self._lock:
                queue = self._queues[key]
                queue.popleft()
                if not queue:
                    del self._queues[key]
                    return

    def _later(self, delay: float, token: object, resume: Callable[[], None]) -> None:
        """Call ``resume`` after ``delay`` seconds (or at ``wake()``)."""
        timer = threading.Timer(max(0.0, delay), self._fire, (token,))
        timer.daemon = True
        with self._lock:
            now = self._no_waits
            if not now:
                self._timers[token] = (timer, resume)
        if now:
            resume()
        else:
            timer.start()

    def _fire(self, token: object) -> None:
        with self._lock:
            entry = self._timers.pop(token, None)
        if entry is not None:  # else woken already
            entry[1]()

    def _submit(self, work: Callable[..., None], argument: object) -> None:
        try:
            self._pool.submit(work, argument)
        except RuntimeError:  # the pool is shut down: nothing runs any more
            log.debug("keyed executor: a waiting job was dropped at shutdown")


def _run(job: Job) -> float | None:
    try:
        return job()
    except Exception:
        log.exception("keyed executor: a job failed")
        return None
