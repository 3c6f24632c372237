"""The reader's own state of a paper: read, starred, tags and note.

Imports never change it (except our own JSON dump, which carries it); these
functions run inside a write's transaction (`conn`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence

from .db import drop_unused_tags
from .errors import LibraryError
from .limits import check_tag
from .listing import clean_text
from .model import PaperRecord
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


# A change to undo, as the app records it before making the change:
#   {paper id: {field: value before}}
# - "read", "starred": the flag before (and "read_at", "starred_at": its stamp before);
# - "note": the note before, and "note_written": the note the change wrote (the note
#   is put back only while the paper still has it: a later edit by anyone stays);
# - "tags": {"added": [names the change added], "removed": [names it removed]}.
# Fields a change did not touch are absent: undo leaves them, and whatever anyone
# changed since, alone.
UndoChange = Mapping[int, Mapping[str, object]]
UNDO_FIELDS = frozenset({"read", "read_at", "starred", "starred_at", "note", "note_written", "tags"})


def check_undo(change: UndoChange) -> None:
    for pid, fields in change.items():
        unknown = set(fields) - UNDO_FIELDS
        if unknown:
            raise LibraryError(f"cannot undo a change to {', '.join(sorted(unknown))} (paper {pid})")


def undo(conn: sqlite3.Connection, change: UndoChange, stamp: str) -> None:
    """Put back what `change` changed, field by field (the inverse of the change)."""
    for pid, fields in change.items():
        for flag in ("read", "starred"):
            if flag in fields:
                before = bool(fields[flag])
                conn.execute(
                    f"UPDATE papers SET {flag} = ?, {flag}_at = ?, updated = ? WHERE id = ? AND {flag} != ?",
                    (int(before), fields.get(f"{flag}_at") if before else None, stamp, pid, int(before)),
                )
        if "note" in fields:
            _undo_note(conn, pid, str(fields["note"] or ""), fields.get("note_written"), stamp)
        tags = fields.get("tags")
        if isinstance(tags, Mapping):
            _undo_tags(conn, pid, tags, stamp)
    drop_unused_tags(conn)


def _undo_note(conn: sqlite3.Connection, pid: int, before: str, written: object, stamp: str) -> None:
    if written is None:
        conn.execute("UPDATE papers SET note = ?, updated = ? WHERE id = ?", (before, stamp, pid))
    else:
        conn.execute("UPDATE papers SET note = ?, updated = ? WHERE id = ? AND note = ?", (before, stamp, pid, written))


def _undo_tags(conn: sqlite3.Connection, pid: int, tags: Mapping, stamp: str) -> None:
    for name in tags.get("removed", ()):
        add_tag(conn, pid, clean_tag(name), stamp)
    for name in tags.get("added", ()):
        conn.execute(
            "DELETE FROM paper_tags WHERE paper_id = ? AND tag_id = (SELECT id FROM tags WHERE name = ?)",
            (pid, clean_tag(name)),
        )
