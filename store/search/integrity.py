"""Is the index whole? Its files against their checksums, and a failed search told
apart as the query's fault or the index's damage.

`IndexFiles` records the checksums of a commit's files (store/search/checksums.py)
and checks them: all of them (`verify(full=True)`, what doctor and opening the
index do), or only those this process has not checked yet (a new searcher after
another process's write: committed files never change).
"""

from __future__ import annotations

import logging
import pickle
import struct
import threading
import zlib
from pathlib import Path

from whoosh.query import QueryError as WhooshQueryError

from . import whoosh_private
from .checksums import SegmentChecksums
from .marker import GenerationMarker

# What reading a damaged file raises from inside Whoosh (a bare Exception is its
# "Block tag error" and the like); a query's own fault is WhooshQueryError.
READ_ERRORS = (
    struct.error, zlib.error, EOFError, OSError, KeyError, IndexError, UnicodeDecodeError,
    pickle.UnpicklingError, OverflowError, MemoryError,
)
RETRIES = 3  # a commit of another process between reading the TOC and its files
log = logging.getLogger(__name__)


def is_query_fault(error: BaseException) -> bool:
    """Whoosh refused the query itself (a phrase on a field without positions...)."""
    return isinstance(error, WhooshQueryError)


def is_read_error(error: BaseException) -> bool:
    """An error that reading damaged bytes raises, whatever the query."""
    return type(error) is Exception or isinstance(error, READ_ERRORS)


def _reads_whole(ix) -> str | None:
    """Read every stored document and every term: what is wrong, or None."""
    try:
        with ix.searcher() as searcher:
            for _ in searcher.all_stored_fields():
                pass
            for _ in searcher.reader().all_terms():
                pass
    except Exception as damage:
        return f"{type(damage).__name__}: {damage}"
    return None


class IndexFiles:
    """The checksums of one index directory's committed files, and which of them
    this process has checked already."""

    def __init__(self, directory: Path, marker: GenerationMarker):
        self.checksums = SegmentChecksums(directory)
        self.marker = marker
        self._checked: set[str] = set()
        # A read error with every checksum right (the damage was written so) is taken
        # for damage once; if it comes back after the rebuild, it is not the files'.
        self._read_error_blamed = False
        self._rebuilt_since_blamed = False
        self._lock = threading.Lock()

    def record(self, ix, holding_lock: bool = False) -> None:
        """After a commit: record the checksums of the files it made (under the
        marker lock, taken here unless the caller holds it)."""
        try:
            if holding_lock:
                hashed = self.checksums.record(whoosh_private.committed_files(ix)[1])
            else:
                with self.marker.lock():
                    hashed = self.checksums.record(whoosh_private.committed_files(ix)[1])
            with self._lock:
                self._checked.update(hashed)
        except OSError as error:  # a full disk: the next check records what it finds unrecorded
            log.warning("could not record the index's checksums: %s", error)

    def forget(self) -> None:
        """The index was made anew: nothing of it is checked yet."""
        with self._lock:
            self._checked.clear()
            self._rebuilt_since_blamed = self._read_error_blamed

    def verify(self, ix, full: bool = True) -> str | None:
        """What is wrong with the committed files, or None when they match their
        checksums. Files committed but not recorded yet (the committing process
        was stopped before recording them, or is about to) are recorded now."""
        for _attempt in range(RETRIES):
            generation, names = whoosh_private.committed_files(ix)
            with self._lock:
                skip = set() if full else set(self._checked)
            problems, unrecorded = self.checksums.check(names, skip)
            if problems and self._moved_on(ix, generation):
                continue  # files merged away by a newer commit: check that one
            if problems:
                return "; ".join(problems[:3]) + (f" (and {len(problems) - 3} more)" if len(problems) > 3 else "")
            if unrecorded:
                self.record(ix)
            with self._lock:
                self._checked.update(names)
            return None
        return None  # commits keep coming: the files are being written, not damaged

    def check(self, ix) -> str | None:
        """`verify` of every file, a TOC that cannot be read counted as damage."""
        try:
            return self.verify(ix)
        except Exception as error:
            return f"{type(error).__name__}: {error}"

    @staticmethod
    def _moved_on(ix, generation: int) -> bool:
        try:
            return whoosh_private.committed_files(ix)[0] != generation
        except Exception:
            return False

    def damage_behind(self, ix, error: Exception) -> str | None:
        """A search raised `error`: the index's damage it comes from, or None (the query's fault)."""
        if is_query_fault(error):
            return None
        damage = self.check(ix)
        if damage is None and is_read_error(error) and not self._rebuilt_since_blamed:
            self._read_error_blamed = True
            damage = f"{type(error).__name__}: {error}"
        return damage or _reads_whole(ix)
