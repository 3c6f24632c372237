"""Bringing stored de-duplication forms up to `dedup.DEDUP_VERSION` when a library opens.

`title_norm`, `abstract_hash` and the abstract sketch are made by `dedup.words()`;
when its rules change (version 2: letters of every script are words, and each
character of a script written without spaces is one), the forms a library stored
are stale, and an import would miss matches or find false ones. Version 1 read
only a-z and 0-9 after folding accents, so only a title or abstract that still
has a letter or digit outside ASCII once folded can have changed: only those
rows are recomputed, and only those whose forms did change are written, in one
transaction (at 100,000 papers: docs/decisions.md).
"""

from __future__ import annotations

import re
import sqlite3
from functools import lru_cache

from . import dedup, meta
from .db import Database
from .errors import LibraryBusy, ReadOnlyLibrary

_NOT_ASCII_RE = re.compile(r"[^\x00-\x7f]")
_ROWS_AT_ONCE = 2000


def refresh_dedup_forms(db: Database) -> int:
    """Recompute stale forms (in one write transaction); returns how many papers changed.
    A read-only library is left as it is: it cannot import, so nothing compares
    them. A library another process holds for longer than the busy timeout is
    left for the next open (that process, if it is this version, did it)."""
    if db.read_only or meta.dedup_version(db.conn) >= dedup.DEDUP_VERSION:
        return 0
    try:
        with db.transaction() as conn:
            if meta.dedup_version(conn) >= dedup.DEDUP_VERSION:
                return 0  # another process did it while this one waited for the lock
            changed = sum(_refresh_row(conn, row) for row in _rows_that_may_change(conn))
            meta.set_dedup_version(conn, dedup.DEDUP_VERSION)
    except (LibraryBusy, ReadOnlyLibrary):
        return 0
    return changed


def _rows_that_may_change(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    cursor = conn.execute("SELECT id, title, title_norm, abstract, abstract_hash FROM papers")
    found = []
    while rows := cursor.fetchmany(_ROWS_AT_ONCE):  # not all 100,000 abstracts in memory at once
        found += [row for row in rows if _may_change(row["title"]) or _may_change(row["abstract"])]
    return found


def _may_change(text: str | None) -> bool:
    if not text or text.isascii():
        return False
    return any(_word_outside_ascii(char) for char in set(_NOT_ASCII_RE.findall(text)))


@lru_cache(maxsize=None)
def _word_outside_ascii(char: str) -> bool:
    """Is `char`, folded, (part of) a word that is not ASCII? (Folding works character by character.)"""
    return not "".join(dedup.words(char)).isascii()


def _refresh_row(conn: sqlite3.Connection, row: sqlite3.Row) -> bool:
    title_norm = dedup.normalise_title(row["title"])
    abstract_hash = dedup.abstract_hash(row["abstract"])
    if (title_norm, abstract_hash) == (row["title_norm"], row["abstract_hash"]):
        return False  # the same words: the sketch, made of them, is the same too
    conn.execute(
        "UPDATE papers SET title_norm = ?, abstract_hash = ? WHERE id = ?", (title_norm, abstract_hash, row["id"])
    )
    if abstract_hash != row["abstract_hash"]:
        conn.execute("DELETE FROM abstract_sketch WHERE paper_id = ?", (row["id"],))
        if row["abstract"]:
            conn.executemany(
                "INSERT INTO abstract_sketch(hash, paper_id) VALUES (?, ?)",
                [(value, row["id"]) for value in dedup.sketch(dedup.shingles(row["abstract"]))],
            )
    return True
