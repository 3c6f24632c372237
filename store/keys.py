"""Citation keys: given once a paper has a title and an author, frozen from then on.

How a key is made from authors, year and title (the pattern, the suffixes a, b,
c...) is `bibtex.make_citation_key`; this module decides when a paper gets one,
which keys are taken, and finds papers by key.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from . import meta
from .errors import LibraryError
from .model import year_of
from .rows import PROVISIONAL_KEY_PREFIX, read_list


class CitationKeys:
    """Gives papers their keys within one write (`conn` holds its transaction)."""

    def __init__(self, conn: sqlite3.Connection, hold_taken: bool = False):
        self.conn = conn
        self.pattern = meta.key_pattern(conn)
        # For a write that may key many papers (hold_taken): many share author, year
        # and first word (wang2023large...), and each new key tries suffixes a, b,
        # c..., so the keys taken are held in a set instead of asked of SQLite one
        # by one. The set lives as long as the write: a rolled-back write's keys
        # never count as taken.
        self.taken_keys: set[str] | None = None
        if hold_taken:
            self.taken_keys = {row[0] for row in conn.execute("SELECT key FROM papers WHERE key IS NOT NULL")}

    def taken(self, key: str) -> bool:
        if self.taken_keys is not None:
            return key in self.taken_keys
        return self.conn.execute("SELECT 1 FROM papers WHERE key = ?", (key,)).fetchone() is not None

    def assign_if_ready(self, pid: int, proposed: str | None = None, force: bool = False) -> bool:
        """Give `pid` a citation key once it has a title and an author (`force`:
        whatever it has); it never changes after. True when this call gave one."""
        row = self.conn.execute("SELECT key, title, date, arxiv_id FROM papers WHERE id = ?", (pid,)).fetchone()
        if row["key"]:
            return False
        usable = proposed if proposed and not self.taken(proposed) and not proposed.startswith(PROVISIONAL_KEY_PREFIX) else None
        authors = read_list(self.conn, "authors", "name", pid)
        if not (force or usable or (row["title"] and authors)):
            return False
        if usable:
            key = usable
        else:
            from .bibtex import make_citation_key

            year = year_of(row["date"], row["arxiv_id"])
            key = make_citation_key(authors, year, row["title"], self.taken, self.pattern)
        self.conn.execute("UPDATE papers SET key = ? WHERE id = ?", (key, pid))
        if self.taken_keys is not None:
            self.taken_keys.add(key)
        return True


def unkeyed(conn: sqlite3.Connection, id_json: str) -> list[int]:
    """The papers of `id_json` without a key yet, by id."""
    return [row[0] for row in conn.execute(
        "SELECT id FROM papers WHERE key IS NULL AND id IN (SELECT value FROM json_each(?)) ORDER BY id", (id_json,)
    )]


def key_unkeyed(conn: sqlite3.Connection, id_json: str) -> list[int]:
    """Key every paper of `id_json` that has no key yet (before an export); returns those keyed."""
    waiting = unkeyed(conn, id_json)
    if not waiting:
        return []
    keys = CitationKeys(conn, hold_taken=True)
    return [pid for pid in waiting if keys.assign_if_ready(pid, force=True)]


def resolve(conn: sqlite3.Connection, handles: Iterable[str]) -> list[int]:
    """Paper ids for citation keys (or `untitled-N` handles); unknown ones are an error."""
    ids, unknown = [], []
    for handle in handles:
        pid = _resolve_one(conn, handle)
        if pid is None:
            unknown.append(handle)
        else:
            ids.append(pid)
    if unknown:
        raise LibraryError(f"no paper with key {', '.join(unknown)}")
    return ids


def _resolve_one(conn: sqlite3.Connection, handle: str) -> int | None:
    row = conn.execute("SELECT id FROM papers WHERE key = ?", (handle,)).fetchone()
    if row:
        return row[0]
    if handle.startswith(PROVISIONAL_KEY_PREFIX) and handle[len(PROVISIONAL_KEY_PREFIX):].isdigit():
        pid = int(handle[len(PROVISIONAL_KEY_PREFIX):])
        row = conn.execute("SELECT id FROM papers WHERE id = ? AND key IS NULL", (pid,)).fetchone()
        return row[0] if row else None
    return None
