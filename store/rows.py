"""Reading papers from SQLite, and the few helpers that write a paper's lists.

Everything here comes back as one value per query, not row by row: row by row,
the sqlite3 module gives up the interpreter lock at every row, and in the app
each row then waits for the interface thread.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timezone

from .model import PROVISIONAL_KEY_PREFIX, Paper


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def id_column(conn: sqlite3.Connection, sql: str, params=()) -> list[int]:
    """The ids `sql` selects, in its order, fetched as one string. Row by row, the
    sqlite3 module gives up the interpreter lock at every row, and while the app
    draws its screen each row then waits for it: 100,000 ids took 350 ms, not 40.
    (SQLite keeps a subquery's ORDER BY for an aggregate over it: no flattening.)"""
    row = conn.execute(f"SELECT group_concat(id) FROM ({sql})", params).fetchone()
    return list(map(int, row[0].split(","))) if row[0] else []


def papers(conn: sqlite3.Connection, ids: Sequence[int]) -> list[Paper]:
    """Full papers for these ids, in the order given."""
    if not ids:
        return []
    id_json = json.dumps(list(ids))
    # Each query comes back as one JSON value, not row by row (see id_column: in
    # the app every row would wait for the interface thread).
    rows = {r["id"]: r for r in _json_rows(conn, "SELECT * FROM papers WHERE id IN (SELECT value FROM json_each(?))", id_json)}
    lists = {name: _grouped(conn, sql, id_json) for name, sql in _LIST_QUERIES.items()}
    return [_paper_from_row(rows[pid], lists, pid) for pid in ids if pid in rows]


def count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM papers").fetchone()[0]


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    # Counted from the views' indexes: a scan of the table would read every abstract.
    by_read = dict(conn.execute("SELECT read, count(*) FROM papers GROUP BY read").fetchall())
    starred = conn.execute("SELECT count(*) FROM papers WHERE starred = 1").fetchone()[0]
    unread, read = by_read.get(0, 0), by_read.get(1, 0)
    return {"all": unread + read, "unread": unread, "read": read, "starred": starred}


def tag_counts(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    rows = conn.execute(
        "SELECT t.name, count(pt.paper_id) AS n FROM tags t JOIN paper_tags pt ON pt.tag_id = t.id"
        " GROUP BY t.id ORDER BY t.name COLLATE NOCASE"
    )
    return [(row["name"], row["n"]) for row in rows]


def sources(conn: sqlite3.Connection, pid: int) -> list[tuple[str, int | None, str]]:
    rows = conn.execute("SELECT source, line, format FROM sources WHERE paper_id = ? ORDER BY id", (pid,))
    return [(r["source"], r["line"], r["format"]) for r in rows]


def read_list(conn: sqlite3.Connection, table: str, column: str, pid: int) -> list[str]:
    return [r[0] for r in conn.execute(f"SELECT {column} FROM {table} WHERE paper_id = ? ORDER BY position", (pid,))]


def write_list(conn: sqlite3.Connection, table: str, column: str, pid: int, values: list[str]) -> None:
    conn.execute(f"DELETE FROM {table} WHERE paper_id = ?", (pid,))
    conn.executemany(
        f"INSERT INTO {table}(paper_id, position, {column}) VALUES (?, ?, ?)",
        [(pid, position, value) for position, value in enumerate(values)],
    )


_LIST_QUERIES = {
    "authors": "SELECT paper_id, name AS value FROM authors WHERE paper_id IN (SELECT value FROM json_each(?)) ORDER BY paper_id, position",
    "orgs": "SELECT paper_id, name AS value FROM orgs WHERE paper_id IN (SELECT value FROM json_each(?)) ORDER BY paper_id, position",
    "comments": "SELECT paper_id, text AS value FROM comments"
    " WHERE paper_id IN (SELECT value FROM json_each(?)) ORDER BY paper_id, position",
    "tags": "SELECT pt.paper_id AS paper_id, t.name AS value FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id"
    " WHERE pt.paper_id IN (SELECT value FROM json_each(?)) ORDER BY pt.paper_id, t.name COLLATE NOCASE",
    "flags": "SELECT paper_id, reason AS value FROM paper_flags"
    " WHERE paper_id IN (SELECT value FROM json_each(?)) ORDER BY paper_id, added, reason",
    # In the order they came: an export writes them so, and a re-import reads them back so.
    "aliases": "SELECT paper_id, key AS value FROM aliases WHERE paper_id IN (SELECT value FROM json_each(?))"
    " ORDER BY paper_id, rowid",
}


def _grouped(conn: sqlite3.Connection, sql: str, id_json: str) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = {}
    text = conn.execute(f"SELECT json_group_array(json_array(paper_id, value)) FROM ({sql})", (id_json,)).fetchone()[0]
    for pid, value in json.loads(text):
        grouped.setdefault(pid, []).append(value)
    return grouped


_PAPER_COLUMNS: list[str] = []


def _json_rows(conn: sqlite3.Connection, sql: str, id_json: str) -> list[dict]:
    """The rows of `SELECT * FROM papers ...` as dicts, fetched as one JSON array."""
    if not _PAPER_COLUMNS:
        _PAPER_COLUMNS.extend(row[1] for row in conn.execute("PRAGMA table_info(papers)"))
    pairs = ", ".join(f"'{name}', {name}" for name in _PAPER_COLUMNS)
    text = conn.execute(f"SELECT json_group_array(json_object({pairs})) FROM ({sql})", (id_json,)).fetchone()[0]
    return json.loads(text)


def _paper_from_row(row, lists: dict[str, dict[int, list[str]]], pid: int) -> Paper:
    return Paper(
        id=pid,
        key=row["key"] or f"{PROVISIONAL_KEY_PREFIX}{pid}",
        title=row["title"],
        authors=lists["authors"].get(pid, []),
        authors_truncated=bool(row["authors_truncated"]),
        orgs=lists["orgs"].get(pid, []),
        date=row["date"],
        category=row["category"],
        has_code=bool(row["has_code"]),
        arxiv_id=row["arxiv_id"],
        doi=row["doi"],
        url=row["url"],
        venue=row["venue"],
        comments=lists["comments"].get(pid, []),
        abstract=row["abstract"],
        tags=lists["tags"].get(pid, []),
        read=bool(row["read"]),
        starred=bool(row["starred"]),
        note=row["note"],
        added=row["added"],
        extra=json.loads(row["extra"]),
        entry_type=row["entry_type"],
        read_at=row["read_at"],
        starred_at=row["starred_at"],
        flags=lists["flags"].get(pid, []),
        aliases=lists["aliases"].get(pid, []),
    )
