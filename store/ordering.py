"""Putting paper ids in a sort order: views straight from SQL, searches by a ranking."""

from __future__ import annotations

from array import array

from . import meta
from .db import Database
from .query import Sort
from .rows import id_column


class Orders:
    """The sort orders of one library; rankings of the whole library are cached
    until the next import (which moves `order_generation`)."""

    def __init__(self, db: Database):
        self.db = db
        self._rankings: dict[str, tuple[str, array]] = {}  # sort -> (order_generation, rank by paper id)

    def view_ids(self, where: list[str], params: list, sort: Sort, limit: int | None) -> list[int]:
        """The ids of a view (SQL conditions on `papers p`) in `sort` order."""
        sql = "SELECT p.id FROM papers p" + (" WHERE " + " AND ".join(where) if where else "")
        if sort in (Sort.DATE, Sort.RELEVANCE):
            # The views' indexes (read, date) and (starred, date) give this order as they are read.
            sql += f" ORDER BY {Sort.DATE.order_by}" + (f" LIMIT {int(limit)}" if limit else "")
            return id_column(self.db.conn, sql, params)
        ordered = self.in_order(id_column(self.db.conn, sql, params), sort)
        return ordered[:limit] if limit else ordered

    def in_order(self, ids: list[int], sort: Sort) -> list[int]:
        """`ids` in `sort` order, by a ranking of the whole library: sorting tens of
        thousands of hits this way takes milliseconds, where SQL would read every row."""
        rank = self._ranking(sort if sort is not Sort.RELEVANCE else Sort.DATE)
        missing = len(rank)  # a paper newer than the ranking goes last (the ranking is rebuilt on import)
        if not ids or max(ids) < missing:
            return sorted(ids, key=rank.__getitem__)
        return sorted(ids, key=lambda pid: rank[pid] if pid < missing else missing)

    def _ranking(self, sort: Sort) -> array:
        version = meta.order_generation(self.db.conn)
        cached = self._rankings.get(sort)
        if cached and cached[0] == version:
            return cached[1]
        ordered = id_column(self.db.conn, f"SELECT p.id FROM papers p ORDER BY {sort.order_by}")
        rank = array("l", [len(ordered)]) * ((max(ordered) + 1) if ordered else 0)
        for position, pid in enumerate(ordered):
            rank[pid] = position
        self._rankings[sort] = (version, rank)
        return rank
