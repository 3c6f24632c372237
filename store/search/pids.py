"""Paper id by Whoosh document number, kept per segment.

Whoosh numbers documents per searcher; papers are known by the `pid` column.
Segments never change once written (a write adds a segment), so a segment's
list survives new searchers; a searcher's list is its segments' lists one after
the other (a segment's documents are numbered from its offset on).
"""

from __future__ import annotations

from . import whoosh_private

MAX_CACHED_SEGMENTS = 64


class SegmentPids:
    def __init__(self) -> None:
        self._by_segment: dict[str, list[int]] = {}
        self._by_searcher: tuple[object, list[int]] | None = None

    def of_segment(self, reader) -> list[int]:
        segment_id = reader.segment().segment_id()
        pids = self._by_segment.get(segment_id)
        if pids is None:
            pids = [int(pid) for pid in reader.column_reader("pid")] if reader.doc_count_all() else []
            if len(self._by_segment) > MAX_CACHED_SEGMENTS:
                self._by_segment.clear()
            self._by_segment[segment_id] = pids
        return pids

    def of_searcher(self, searcher) -> list[int]:
        if self._by_searcher is None or self._by_searcher[0] is not searcher:
            pids: list[int] = []
            for subsearcher in self.leaves(searcher):
                pids.extend(self.of_segment(subsearcher.reader()))
            self._by_searcher = (searcher, pids)
        return self._by_searcher[1]

    @staticmethod
    def leaves(searcher) -> list:
        """The searcher's segments that hold documents (an empty index has none)."""
        return [sub for sub, _offset in whoosh_private.leaf_searchers(searcher) if sub.doc_count_all()]

    def forget_searcher(self) -> None:
        self._by_searcher = None  # segment lists are kept: segments do not change
