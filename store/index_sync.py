"""Keeping the search index in step with the store.

The contract (docs/reliability.md): every write is one SQL transaction that
moves the `generation` in `meta`; after it commits, the papers it touched are
re-indexed in one Whoosh commit that records that generation. A process killed
between the two, a missing or a damaged index, is noticed (`status`) and rebuilt
(`repair`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from . import meta, rows
from .db import Database
from .errors import QueryError
from .model import Paper
from .progress import Progress
from .query import states_of

if TYPE_CHECKING:
    from .search import IndexDoc, PaperIndex

INDEX_BATCH = 500  # papers loaded from SQLite at a time while indexing


class IndexStatus(StrEnum):
    CURRENT = "current"
    STALE = "stale"  # behind or ahead of the store: a write was not indexed, or the store was restored
    MISSING = "missing"  # no record of what it holds: new, or from an older papers-tui
    DAMAGED = "damaged"  # Whoosh cannot read it


class IndexSync:
    """The index of one library, opened on first use, and every write to it."""

    def __init__(self, directory: Path, db: Database):
        self.directory = directory
        self.db = db
        self._index: PaperIndex | None = None
        self._index_lock = threading.Lock()
        # Why the last write's papers could not be indexed after its commit (None: they
        # were). The data is saved; the index is left stale and rebuilt by the next repair.
        self.index_failure: str | None = None

    @property
    def index(self) -> PaperIndex:
        """The search index, opened on first use. Never raises on a damaged index:
        status() says so and repair() rebuilds it."""
        if self._index is None:
            with self._index_lock:
                if self._index is None:
                    from .search import PaperIndex

                    index = PaperIndex(self.directory / "index", read_only=self.db.read_only)
                    if not self.db.read_only:
                        index.adopt_if_empty(lambda: meta.store_state(self.db.conn))
                    self._index = index
        return self._index

    def close(self) -> None:
        if self._index is not None:
            self._index.close()

    @contextmanager
    def write(self, ids: Iterable[int] = (), progress: Progress | None = None) -> Iterator:
        """One SQL transaction, yielding (conn, touched); the papers it touched (`ids`,
        plus what the body adds to `touched`) move the generation and are re-indexed
        after the commit."""
        touched = set(ids)
        generation = None
        _ = self.index  # opened before the write: a new index adopts an empty store (adopt_if_empty)
        with self.db.transaction() as conn:
            yield conn, touched
            if touched:
                generation = meta.bump_generation(conn)
        if touched:
            self._update(touched, generation, progress)

    def _update(self, ids: Iterable[int], generation: int | None, progress: Progress | None) -> None:
        # A generator: read under the index's write lock, so never older than another process's.
        ordered = sorted(set(ids))
        try:
            done = self.index.update(self._docs(ordered, progress), generation=generation, expected=len(ordered))
            failure = None if done else self.index.update_failure or "the index could not be written"
        except OSError as error:  # recording the generation (a full disk): the commit stands
            failure = f"{error.strerror or error}" + (f": {error.filename}" if error.filename else "")
        self.index_failure = failure

    def rebuild(self, progress: Progress | None = None) -> int:
        def docs():
            # Read only once the index's write lock is held (see PaperIndex.rebuild).
            ids = [row[0] for row in self.db.conn.execute("SELECT id FROM papers ORDER BY id")]
            return self._docs(ids, progress)

        return self.index.rebuild(
            docs, generation=lambda: meta.generation(self.db.conn), expected=rows.count(self.db.conn)
        )

    def _docs(self, ids: list[int], progress: Progress | None = None) -> Iterator[IndexDoc]:
        """Index documents for `ids`, loaded from the store a batch at a time."""
        for start in range(0, len(ids), INDEX_BATCH):
            yield from (index_doc(paper) for paper in rows.papers(self.db.conn, ids[start : start + INDEX_BATCH]))
            if progress:
                progress("index", min(start + INDEX_BATCH, len(ids)), len(ids))

    def status(self) -> IndexStatus:
        if self.index.problem:
            return IndexStatus.DAMAGED
        indexed = self.index.indexed_generation()
        if indexed is None:
            return IndexStatus.MISSING
        return IndexStatus.CURRENT if indexed == meta.generation(self.db.conn) else IndexStatus.STALE

    def repair(self, progress: Progress | None = None) -> bool:
        """Rebuild the index unless it is current (safe from a worker thread while
        other threads or processes write). False when it could not be rebuilt now
        (another process held the index for WRITE_LOCK_TIMEOUT_S, or a disk error)."""
        if self.status() is IndexStatus.CURRENT:
            return True
        try:
            self.rebuild(progress)
        except (QueryError, OSError):
            return False
        return True


def index_doc(paper: Paper) -> IndexDoc:
    """What the index holds of `paper`: its text and its filter fields."""
    from .search import IndexDoc

    categories = []
    if paper.category:
        categories = [paper.category, paper.category.split(".")[-1]]
    has = [name for name, present in (
        ("code", paper.has_code), ("note", paper.note), ("tags", paper.tags),
        ("abstract", paper.abstract), ("title", paper.title), ("arxiv", paper.arxiv_id), ("doi", paper.doi),
    ) if present]
    return IndexDoc(
        pid=paper.id,
        key=paper.key,
        title=paper.title or "",
        authors=" ; ".join(paper.authors),
        abstract=paper.abstract or "",
        tags=paper.tags,
        note=paper.note,
        orgs=" ; ".join(paper.orgs),
        comments=" ; ".join(paper.comments),
        categories=categories,
        year=paper.year,
        arxiv=paper.arxiv_id,
        doi=paper.doi,
        states=states_of(paper),
        has=has,
        aliases=paper.aliases,
    )
