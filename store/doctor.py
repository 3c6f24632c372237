"""`doctor`: check a library's integrity and repair what can be repaired.

It checks what can go wrong (docs/reliability.md lists it) and repairs orphaned
rows, unused tags, and a search index that is stale, damaged (a file that does
not match its checksum, or unreadable) or disagrees with the store. It uses the
`Library` as any caller does: its public methods, its database and its index.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import meta
from .backup import BACKUP_DIR
from .db import SCHEMA_VERSION, drop_unused_tags, schema_version
from .index_sync import IndexStatus
from .progress import Progress
from .query import State

if TYPE_CHECKING:
    from .library import Library


@dataclass
class Finding:
    status: str  # "ok", "fixed", "found" (not repaired: repair was off), "failed" (cannot be repaired)
    message: str


@dataclass
class DoctorReport:
    findings: list[Finding] = field(default_factory=list)

    def add(self, status: str, message: str) -> None:
        self.findings.append(Finding(status, message))

    @property
    def healthy(self) -> bool:
        """Nothing wrong is left (all was fine, or repaired)."""
        return all(f.status in ("ok", "fixed") for f in self.findings)


def doctor(library: Library, repair: bool = True, progress: Progress | None = None) -> DoctorReport:
    """Check the library's integrity; with `repair`, fix what can be fixed
    (`progress` is given the rebuild of the index, if it needs one)."""
    report = DoctorReport()
    conn = library.db.conn
    if not _check_database(conn, report):
        return report  # a damaged file: nothing else can be trusted; restore a backup
    _check_orphans(library, report, repair)
    _check_generation(library, report, repair)
    if _check_index_files(library, report, repair, progress):
        _check_index(library, report, repair, progress)
    return report


def _check_database(conn: sqlite3.Connection, report: DoctorReport) -> bool:
    try:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as error:
        problems = [str(error)]
    if problems != ["ok"]:
        shown = "; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else "")
        report.add("failed", f"database damaged (PRAGMA integrity_check): {shown} — restore a copy from {BACKUP_DIR}/")
        return False
    report.add("ok", "database integrity (PRAGMA integrity_check)")
    version = schema_version(conn)
    if version != SCHEMA_VERSION:
        report.add("failed", f"schema version {version}, expected {SCHEMA_VERSION}")
        return False
    report.add("ok", f"schema version {version}")
    return True


def _check_orphans(library: Library, report: DoctorReport, repair: bool) -> None:
    conn = library.db.conn
    orphans: dict[str, list[int]] = {}
    for row in conn.execute("PRAGMA foreign_key_check"):
        orphans.setdefault(row[0], []).append(row[1])
    unused_tags = [row[0] for row in conn.execute("SELECT id FROM tags WHERE id NOT IN (SELECT tag_id FROM paper_tags)")]
    if not orphans and not unused_tags:
        report.add("ok", "no orphaned rows (PRAGMA foreign_key_check) or unused tags")
        return
    described = [f"{len(rowids)} in {table}" for table, rowids in sorted(orphans.items())]
    if unused_tags:
        described.append(f"{len(unused_tags)} unused tags")
    message = "orphaned rows: " + ", ".join(described)
    if not repair:
        report.add("found", message)
        return
    with library.db.transaction() as tx:
        for table, rowids in orphans.items():
            if table.isidentifier():
                tx.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT value FROM json_each(?))", (json.dumps(rowids),))
        drop_unused_tags(tx)
        meta.bump_generation(tx)  # the store changed behind the index: it is rebuilt below
    report.add("fixed", message + " (deleted)")


def _check_generation(library: Library, report: DoctorReport, repair: bool) -> None:
    value = meta.read(library.db.conn, meta.GENERATION)
    if value is None or str(value).isdigit():
        return
    if not repair:
        report.add("found", f"meta.generation is not a number: {value!r}")
        return
    with library.db.transaction() as tx:
        meta.write(tx, meta.GENERATION, "1")
    report.add("fixed", f"meta.generation was not a number ({value!r}); reset (the index is rebuilt)")


def _check_index_files(library: Library, report: DoctorReport, repair: bool, progress: Progress | None) -> bool:
    """Every file of the index against the checksum recorded when it was written
    (store/search/checksums.py); a damaged index is rebuilt. True when the files
    are whole (or rebuilt): the index's state is worth checking next."""
    problem = library.index.verify()
    if problem is None:
        report.add("ok", "search index files match their checksums")
        return True
    message = f"search index damaged ({problem})"
    if not repair:
        report.add("found", message)
        return False
    try:
        library.reindex(progress)
    except Exception as error:  # noqa: BLE001 - reported, and the exit status says so
        report.add("failed", f"{message}; rebuilding failed: {error}")
        return False
    after = library.index.verify()
    if after is not None:
        report.add("failed", f"{message}; still damaged after rebuilding ({after})")
        return False
    report.add("fixed", f"{message} (rebuilt: {library.index.doc_count()} documents)")
    return True


def _check_index(library: Library, report: DoctorReport, repair: bool, progress: Progress | None) -> None:
    problem = index_problem(library)
    if problem is None:
        report.add("ok", f"search index current: {library.index.doc_count()} documents for {library.count()} papers")
        return
    if not repair:
        report.add("found", f"search index {problem}")
        return
    try:
        library.reindex(progress)
    except Exception as error:  # noqa: BLE001 - reported, and the exit status says so
        report.add("failed", f"search index {problem}; rebuilding failed: {error}")
        return
    after = index_problem(library)
    if after is None:
        report.add("fixed", f"search index {problem} (rebuilt: {library.index.doc_count()} documents)")
    else:
        report.add("failed", f"search index {problem}; still {after} after rebuilding")


def index_problem(library: Library) -> str | None:
    """What is wrong with the index, or None when it agrees with the store."""
    status = library.index_status()
    if status == IndexStatus.DAMAGED:
        return f"damaged ({library.index.problem})"
    if status == IndexStatus.MISSING:
        return "has no record of the library state it reflects (new, or made by an older version)"
    if status == IndexStatus.STALE:
        return f"stale (reflects generation {library.index.indexed_generation()}, the store is at {library.generation()})"
    try:
        indexed = library.index.indexed_ids()
        stored = {row[0] for row in library.db.conn.execute("SELECT id FROM papers")}
        if indexed != stored:
            return f"disagrees with the store ({len(stored - indexed)} papers missing, {len(indexed - stored)} extra)"
        conn = library.db.conn
        for state in State:
            in_store = {row[0] for row in conn.execute(f"SELECT p.id FROM papers p WHERE {state.sql}")}
            in_index = {pid for pid, _ in library.index.search(f"is:{state}")}
            if in_store != in_index:
                return f"disagrees with the store on is:{state} ({len(in_store ^ in_index)} papers)"
    except Exception as error:  # noqa: BLE001 - a damaged index shows up here too
        return f"unreadable ({type(error).__name__}: {error})"
    return None
