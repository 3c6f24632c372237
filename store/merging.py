"""One paper, many records: finding the paper a record describes, and merging it in.

A record is matched by arXiv id, DOI, normalised title, or the same or a lightly
reworded abstract (`dedup`); each candidate must pass the rules of one work
(`same_work`), else it is kept apart and reported. A match is merged: missing
fields filled, comments united, the longer abstract kept; the reader's state is
never touched. Every function runs inside the import's
transaction (`conn`).
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter

from . import dedup
from .keys import CitationKeys
from .model import PaperRecord
from .rows import read_list, write_list
from .same_work import Basis, Conflict, Facts, conflict, why_not_same
from .user_state import apply_record_state

COMMON_SHINGLE_PAPERS = 50  # a sketch value held by more papers is a stock phrase
FILLED_COLUMNS = ("title", "date", "category", "arxiv_id", "doi", "url", "venue", "abstract", "entry_type")


def find_same(conn: sqlite3.Connection, record: PaperRecord, conflicts: list[Conflict] | None = None) -> int | None:
    """The paper this record describes, if the library has it (the rules are in
    same_work.py). A paper that shares the record's arXiv id, DOI or normalised
    title but is another work is added to `conflicts`, and the search goes on."""
    mine = Facts.of_record(record)
    kept_apart: list[Conflict] = []

    def first_same(rows: list[sqlite3.Row], basis: Basis, what: str) -> int | None:
        for row in rows:
            why = why_not_same(Facts.of_row(conn, row), mine, basis)
            if why is None:
                return row["id"]
            if all(earlier.paper_id != row["id"] for earlier in kept_apart):
                kept_apart.append(conflict(row, record, f"same {what}, but {why}"))
        return None

    pid = None
    for column, value, what in (("arxiv_id", record.arxiv_id, "arXiv id"), ("doi", record.doi, "DOI")):
        if value and pid is None:
            pid = first_same(conn.execute(f"SELECT * FROM papers WHERE {column} = ?", (value,)).fetchall(), Basis.ID, what)
    title_norm = dedup.normalise_title(record.title)
    if title_norm and pid is None:
        pid = first_same(conn.execute("SELECT * FROM papers WHERE title_norm = ?", (title_norm,)).fetchall(), Basis.TITLE, "title")
    if record.abstract and pid is None:
        pid = _find_by_abstract(conn, record, mine)
    if conflicts is not None:
        conflicts.extend(kept_apart)
    return pid


def _find_by_abstract(conn: sqlite3.Connection, record: PaperRecord, mine: Facts) -> int | None:
    def compatible(row) -> bool:
        return why_not_same(Facts.of_row(conn, row), mine, Basis.ABSTRACT) is None

    for row in conn.execute("SELECT * FROM papers WHERE abstract_hash = ?", (dedup.abstract_hash(record.abstract),)):
        if compatible(row):
            return row["id"]
    my_shingles = dedup.shingles(record.abstract)
    shared: Counter[int] = Counter()
    for value in dedup.sketch(my_shingles):
        holders = conn.execute(
            "SELECT paper_id FROM abstract_sketch WHERE hash = ? LIMIT ?", (value, COMMON_SHINGLE_PAPERS + 1)
        ).fetchall()
        # A stock phrase ("in this paper we") is in thousands of abstracts: it tells
        # nothing, and counting its holders made each import slower than the last.
        if len(holders) <= COMMON_SHINGLE_PAPERS:
            shared.update(holder[0] for holder in holders)
    for candidate, _ in shared.most_common(5):
        row = conn.execute("SELECT * FROM papers WHERE id = ?", (candidate,)).fetchone()
        if dedup.similar_abstracts(my_shingles, dedup.shingles(row["abstract"] or "")) and compatible(row):
            return row["id"]
    return None


def insert(conn: sqlite3.Connection, record: PaperRecord, stamp: str, keys: CitationKeys) -> int:
    """A new paper from `record`; returns its id."""
    cursor = conn.execute(
        """INSERT INTO papers(title, title_norm, authors_truncated, date, category, has_code, arxiv_id, doi,
               url, venue, abstract, abstract_hash, entry_type, extra, added, updated)
           VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
        (
            record.title,
            dedup.normalise_title(record.title),
            int(record.authors_truncated),
            record.date,
            record.category,
            int(record.has_code),
            record.arxiv_id,
            record.doi,
            record.url,
            record.venue,
            record.abstract,
            dedup.abstract_hash(record.abstract),
            record.entry_type,
            json.dumps(record.extra, sort_keys=True),
            stamp,
            stamp,
        ),
    )
    pid = cursor.lastrowid
    assert pid is not None
    write_list(conn, "authors", "name", pid, record.authors)
    write_list(conn, "orgs", "name", pid, record.orgs)
    write_list(conn, "comments", "text", pid, record.comments)
    _write_sketch(conn, pid, record.abstract)
    apply_record_state(conn, pid, record, stamp)
    keys.assign_if_ready(pid, proposed=record.key)
    return pid


def merge(conn: sqlite3.Connection, pid: int, record: PaperRecord, stamp: str, keys: CitationKeys) -> bool:
    """Fill what the paper lacks from `record`; never touches the user's state. True when it changed."""
    row = conn.execute("SELECT * FROM papers WHERE id = ?", (pid,)).fetchone()
    updates: dict[str, object] = {}
    for column in FILLED_COLUMNS:
        value = getattr(record, column)
        if value and not row[column]:
            updates[column] = value
    if _better_abstract(record.abstract, row["abstract"]):
        updates["abstract"] = record.abstract
    if record.date and row["date"] and len(record.date) > len(row["date"]) and record.date.startswith(row["date"]):
        updates["date"] = record.date  # more precise
    if record.has_code and not row["has_code"]:
        updates["has_code"] = 1
    if "title" in updates:
        updates["title_norm"] = dedup.normalise_title(record.title)
    if "abstract" in updates:
        updates["abstract_hash"] = dedup.abstract_hash(record.abstract)
        _write_sketch(conn, pid, record.abstract)
    extra = json.loads(row["extra"])
    new_extra = {**record.extra, **extra}
    if new_extra != extra:
        updates["extra"] = json.dumps(new_extra, sort_keys=True)
    changed = _merge_lists(conn, pid, row, record, updates)
    if updates:
        updates["updated"] = stamp
        assignments = ", ".join(f"{column} = ?" for column in updates)
        conn.execute(f"UPDATE papers SET {assignments} WHERE id = ?", (*updates.values(), pid))
    keys.assign_if_ready(pid, proposed=record.key)
    return bool(updates) or changed


def _merge_lists(conn: sqlite3.Connection, pid: int, row, record: PaperRecord, updates: dict) -> bool:
    changed = False
    authors = read_list(conn, "authors", "name", pid)
    more_complete = row["authors_truncated"] and not record.authors_truncated and len(record.authors) > len(authors)
    if record.authors and (not authors or more_complete):
        write_list(conn, "authors", "name", pid, record.authors)
        updates["authors_truncated"] = int(record.authors_truncated)
        changed = True
    orgs = read_list(conn, "orgs", "name", pid)
    if record.orgs and not orgs:
        write_list(conn, "orgs", "name", pid, record.orgs)
        changed = True
    comments = read_list(conn, "comments", "text", pid)
    new_comments = [c for c in record.comments if c not in comments]
    if new_comments:
        write_list(conn, "comments", "text", pid, comments + new_comments)
        changed = True
    return changed


def _write_sketch(conn: sqlite3.Connection, pid: int, abstract: str | None) -> None:
    conn.execute("DELETE FROM abstract_sketch WHERE paper_id = ?", (pid,))
    if abstract:
        conn.executemany(
            "INSERT INTO abstract_sketch(hash, paper_id) VALUES (?, ?)",
            [(h, pid) for h in dedup.sketch(dedup.shingles(abstract))],
        )


def _better_abstract(new: str | None, old: str | None) -> bool:
    """Of two versions of one abstract the longer is kept (listings cut some),
    ties broken by text, so the result does not depend on import order."""
    if not new or not old or new == old:
        return False
    return (len(new), new) > (len(old), old)
