"""The generation marker: which state of the store an index directory reflects.

Beside Whoosh's files the index keeps GENERATION_FILE, JSON of the form
{"schema": n, "base": g, "extra": [...]}: every store generation up to `base`
is in the index, and so are those in `extra`. GENERATION_LOCK serialises its
updates (and index creation) between processes. No Whoosh here.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..files import replace_file

try:
    import fcntl
except ImportError:  # Windows: marker updates are not locked between processes
    fcntl = None  # type: ignore[assignment]

GENERATION_FILE = "papers-tui-generation.json"
GENERATION_LOCK = "papers-tui-generation.lock"
MAX_MARKER_EXTRA = 1000
log = logging.getLogger(__name__)


class GenerationMarker:
    """The marker file of one index directory, for indexes made with `schema`."""

    def __init__(self, directory: Path, schema: int):
        self.directory = directory
        self.schema = schema
        self.path = directory / GENERATION_FILE

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Serialises marker updates (and index creation) between processes."""
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.directory / GENERATION_LOCK, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def exists(self) -> bool:
        return self.path.exists()

    def read(self) -> tuple[int, list[int]] | None:
        """(base, extra), or None when missing, damaged or made for another schema."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            base, extra = data["base"], data["extra"]
            if data.get("schema") != self.schema or not isinstance(base, int):
                return None
            if not isinstance(extra, list) or not all(isinstance(e, int) for e in extra):
                return None
            return base, extra
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def recorded_schema_differs(self) -> bool | None:
        """Whether the marker names another schema (None: there is no readable marker)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return not isinstance(data, dict) or data.get("schema") != self.schema

    def write(self, base: int, extra: Iterable[int]) -> None:
        extra = set(extra)
        while base + 1 in extra:
            base += 1
        # A generation forgotten here can only make the index look stale, never current.
        kept = sorted(e for e in extra if e > base)[-MAX_MARKER_EXTRA:]
        text = json.dumps({"schema": self.schema, "base": base, "extra": kept})
        replace_file(self.path, text, durable=False)

    def indexed_generation(self) -> int | None:
        """The store generation up to which every write is in the index (None: unknown)."""
        marker = self.read()
        return None if marker is None else marker[0]

    def mark_indexed(self, generation: int) -> None:
        """Record that the write which made `generation` is in the index.

        The recorded generation only moves past a write once that write and all
        before it are in, so a process killed before indexing leaves a hole
        that makes the index stale, whatever other processes do meanwhile."""
        try:
            with self.lock():
                marker = self.read()
                if marker is None or generation <= marker[0]:
                    return  # unknown state stays unknown until a rebuild
                self.write(marker[0], [*marker[1], generation])
        except OSError as error:
            log.warning("could not record the index generation: %s", error)

    def set_indexed(self, generation: int) -> None:
        """After a rebuild: the index reflects `generation` (and any later write already marked)."""
        with self.lock():
            marker = self.read()
            self.write(generation, [e for e in (marker[1] if marker else []) if e > generation])


def try_for(attempt: Callable[[], bool], timeout: float, delay: float = 0.1) -> bool:
    """Call `attempt` every `delay` s until it succeeds (True) or `timeout` s pass (False)."""
    deadline = time.monotonic() + timeout
    while True:
        if attempt():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(delay)
