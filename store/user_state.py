"""The reader's own state of a paper: read, starred, tags and note.

Imports never change it (except our own JSON dump, which carries it); these
functions run inside a write's transaction (`conn`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from .db import drop_unused_tags
from .errors import LibraryError
from .limits import check_tag
from .listing import clean_text
from .model import Paper, PaperRecord
from .rows import now


def clean_tag(name: str) -> str:
    """A tag as stored: control characters removed, spaces collapsed; an empty
    name, a comma (commas separate tags) or one over the tag length limit is
    refused with a message (store/limits.py)."""
    cleaned = " ".join(clean_text(name).split()).strip()
    if not cleaned:
        raise LibraryError("a tag needs a name")
    return check_tag(cleaned)


def add_tag(conn: sqlite3.Connection, pid: int, name: str, stamp: str) -> None:
    conn.execute("INSERT OR IGNORE INTO tags(name) VALUES (?)", (name,))
    conn.execute(
        "INSERT OR IGNORE INTO paper_tags(paper_id, tag_id, added) SELECT ?, id, ? FROM tags WHERE name = ?",
        (pid, stamp, name),
    )


def apply_record_state(conn: sqlite3.Connection, pid: int, record: PaperRecord, stamp: str) -> None:
    """A new paper takes the state its record carries (our own JSON dump has one)."""
    conn.execute(
        "UPDATE papers SET read = ?, read_at = ?, starred = ?, starred_at = ?, note = ? WHERE id = ?",
        (int(record.read), (record.read_at or stamp) if record.read else None, int(record.starred),
         (record.starred_at or stamp) if record.starred else None, record.note, pid),
    )
    for name in record.tags:
        add_tag(conn, pid, name, stamp)


def mark(conn: sqlite3.Connection, ids: Sequence[int], stamp: str, read: bool | None, starred: bool | None) -> None:
    for column, value in (("read", read), ("starred", starred)):
        if value is None:
            continue
        conn.execute(
            f"UPDATE papers SET {column} = ?, {column}_at = ?, updated = ? "
            "WHERE id IN (SELECT value FROM json_each(?))",
            (int(value), stamp if value else None, stamp, json.dumps(list(ids))),
        )


def tag(conn: sqlite3.Connection, ids: Sequence[int], stamp: str, add: list[str], remove: list[str]) -> None:
    """Add and remove tags (names already cleaned by `clean_tag`)."""
    for name in add:
        for pid in ids:
            add_tag(conn, pid, name, stamp)
    for name in remove:
        conn.execute(
            "DELETE FROM paper_tags WHERE tag_id = (SELECT id FROM tags WHERE name = ?)"
            " AND paper_id IN (SELECT value FROM json_each(?))",
            (name, json.dumps(list(ids))),
        )
    drop_unused_tags(conn)


def set_note(conn: sqlite3.Connection, pid: int, note: str) -> None:
    conn.execute("UPDATE papers SET note = ?, updated = ? WHERE id = ?", (note, now(), pid))


def clear_flags(conn: sqlite3.Connection, ids: Sequence[int]) -> None:
    """The user checked these papers: the import's doubts about them are settled."""
    conn.execute("DELETE FROM paper_flags WHERE paper_id IN (SELECT value FROM json_each(?))", (json.dumps(list(ids)),))


def restore(conn: sqlite3.Connection, paper: Paper) -> None:
    """Put back read, starred, tags and note as they were in `paper` (for undo)."""
    conn.execute(
        "UPDATE papers SET read = ?, read_at = ?, starred = ?, starred_at = ?, note = ?, updated = ? WHERE id = ?",
        (int(paper.read), paper.read_at, int(paper.starred), paper.starred_at, paper.note, now(), paper.id),
    )
    conn.execute("DELETE FROM paper_tags WHERE paper_id = ?", (paper.id,))
    for name in paper.tags:
        add_tag(conn, paper.id, name, now())
    drop_unused_tags(conn)
