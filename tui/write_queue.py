"""Writes to the library, run one at a time in the order they were made.

Order matters (a toggle pressed twice must end where it began) and a change must never be
dropped, so writes do not go through exclusive workers, which cancel each other: the client
puts each in this queue and one thread worker drains it, then ends (so tests can wait for it).
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Generic, TypeVar

Job = TypeVar("Job")


class WriteQueue(Generic[Job]):
    def __init__(self) -> None:
        self._jobs: deque[Job] = deque()
        self._lock = threading.Lock()
        self._draining = False
        self._idle = threading.Event()
        self._idle.set()

    def put(self, job: Job) -> bool:
        """Queue `job`; True when no worker is draining the queue and the caller must start one."""
        with self._lock:
            self._jobs.append(job)
            self._idle.clear()
            if self._draining:
                return False
            self._draining = True
            return True

    def take(self) -> Job | None:
        """The next job, or None when the queue is empty (the draining worker then ends)."""
        with self._lock:
            if self._jobs:
                return self._jobs.popleft()
            self._draining = False
            self._idle.set()
            return None

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until every queued job has run (off the UI thread only)."""
        return self._idle.wait(timeout)
