"""Keeping a library whole: consistent backups, and the `doctor` check and repair.

Backups use SQLite's online backup API, so they are consistent snapshots even
while other windows or commands write. `doctor` checks what can go wrong
(docs/reliability.md lists it) and repairs what it can: orphaned rows, unused
tags, and a search index that is stale, damaged or disagrees with the store.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .db import SCHEMA_VERSION, connect_read_only, drop_unused_tags, schema_version
from .files import STDOUT, mode_for, output_target, write_in_place

if TYPE_CHECKING:
    from .library import Library

BACKUP_DIR = "backups"


# --- backups ------------------------------------------------------------------------------


def default_backup_path(directory: Path, label: str = "") -> Path:
    """backups/library-[label-]<local time>.sqlite3 inside the library, never an existing file."""
    return stamped_path(Path(directory) / BACKUP_DIR, label)


def stamped_path(folder: Path, label: str = "") -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    name = f"library-{label + '-' if label else ''}{stamp}"
    path = folder / f"{name}.sqlite3"
    number = 1
    while path.exists():
        path = folder / f"{name}-{number}.sqlite3"
        number += 1
    return path


def backup_database(source: Path, destination: Path | str) -> Path:
    """Copy the database at `source` to `destination` with SQLite's backup API: a
    consistent snapshot taken in one step, while other connections keep reading
    and writing. The destination follows store/files.py's rules: a directory gets
    a new stamped file in it; a file (at the end of any symlinks) is replaced by
    rename only when the copy is whole and checked; `-`, a FIFO or a terminal is
    sent the copy as it is (made first in a temporary directory); anything else is
    refused. Returns where the copy went."""
    given = os.fspath(destination) if destination is not None else ""
    if given and given != STDOUT and Path(given).expanduser().is_dir():
        folder = Path(os.path.realpath(Path(given).expanduser()))
        return _backup_to_file(source, stamped_path(folder))
    kind, target = output_target(given)
    if kind == "file" and target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        return _backup_to_file(source, target)
    with tempfile.TemporaryDirectory(prefix="papers-tui-backup-") as scratch:
        data = _backup_to_file(source, Path(scratch) / "library.sqlite3").read_bytes()
    if target is None:  # "stdout"
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return Path(STDOUT)
    write_in_place(target, data)
    return target


def _backup_to_file(source: Path, destination: Path) -> Path:
    """The copy, made in a temporary file beside `destination` and renamed over it."""
    fd, tmp = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".tmp", dir=destination.parent)
    os.close(fd)
    try:
        src = connect_read_only(source)  # a read-only library can be backed up too
        try:
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)  # pages=-1: everything in one step, under one read snapshot
                dst.execute("PRAGMA journal_mode = DELETE")  # no -wal file beside the copy
                result = dst.execute("PRAGMA quick_check").fetchone()[0]
                if result != "ok":
                    raise sqlite3.DatabaseError(f"the copy does not check out: {result}")
            except sqlite3.OperationalError as error:
                raise _copy_error(error, destination) from error
            finally:
                dst.close()
        finally:
            src.close()
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        if destination.exists():
            os.chmod(tmp, mode_for(destination))  # a replaced file keeps its mode
        os.replace(tmp, destination)
    except BaseException:
        for leftover in (tmp, tmp + "-journal", tmp + "-wal", tmp + "-shm"):
            try:
                os.unlink(leftover)
            except FileNotFoundError:
                pass
        raise
    return destination


# SQLite's errors that come from writing the copy, not from reading the library.
_WRITE_ERRORS = {sqlite3.SQLITE_FULL: errno.ENOSPC, sqlite3.SQLITE_IOERR: errno.EIO,
                 sqlite3.SQLITE_CANTOPEN: errno.EACCES, sqlite3.SQLITE_READONLY: errno.EROFS}


def _copy_error(error: sqlite3.OperationalError, destination: Path) -> Exception:
    """A failure to write the copy, as an OSError naming the copy (not the library)."""
    code = _WRITE_ERRORS.get((getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF)
    return OSError(code, f"cannot write the backup: {error}", str(destination)) if code else error


def backup_before_upgrade(db_path: Path, version: int) -> Path:
    """Called by `migrate` before it changes an existing library's schema."""
    return backup_database(db_path, default_backup_path(Path(db_path).parent, f"v{version}"))


# --- doctor -------------------------------------------------------------------------------


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


def doctor(library: Library, repair: bool = True) -> DoctorReport:
    """Check the library's integrity; with `repair`, fix what can be fixed."""
    report = DoctorReport()
    conn = library.db.conn
    if not _check_database(conn, report):
        return report  # a damaged file: nothing else can be trusted; restore a backup
    _check_orphans(library, report, repair)
    _check_generation(conn, report, repair, library)
    _check_index(library, report, repair)
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
        library._bump_generation(tx)
    report.add("fixed", message + " (deleted)")


def _check_generation(conn: sqlite3.Connection, report: DoctorReport, repair: bool, library: Library) -> None:
    row = conn.execute("SELECT value FROM meta WHERE name = 'generation'").fetchone()
    if row is None or str(row[0]).isdigit():
        return
    if not repair:
        report.add("found", f"meta.generation is not a number: {row[0]!r}")
        return
    with library.db.transaction() as tx:
        tx.execute("UPDATE meta SET value = '1' WHERE name = 'generation'")
    report.add("fixed", f"meta.generation was not a number ({row[0]!r}); reset (the index is rebuilt)")


def _check_index(library: Library, report: DoctorReport, repair: bool) -> None:
    problem = index_problem(library)
    if problem is None:
        report.add("ok", f"search index current: {library.index.doc_count()} documents for {library.count()} papers")
        return
    if not repair:
        report.add("found", f"search index {problem}")
        return
    try:
        library.reindex()
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
    if status == "damaged":
        return f"damaged ({library.index.problem})"
    if status == "missing":
        return "has no record of the library state it reflects (new, or made by an older version)"
    if status == "stale":
        return f"stale (reflects generation {library.index.indexed_generation()}, the store is at {library.generation()})"
    try:
        indexed = library.index.indexed_ids()
        stored = {row[0] for row in library.db.conn.execute("SELECT id FROM papers")}
        if indexed != stored:
            return f"disagrees with the store ({len(stored - indexed)} papers missing, {len(indexed - stored)} extra)"
        conn = library.db.conn
        for state, sql in (("read", "read = 1"), ("unread", "read = 0"), ("starred", "starred = 1")):
            in_store = {row[0] for row in conn.execute(f"SELECT id FROM papers WHERE {sql}")}
            in_index = {pid for pid, _ in library.index.search(f"is:{state}")}
            if in_store != in_index:
                return f"disagrees with the store on is:{state} ({len(in_store ^ in_index)} papers)"
    except Exception as error:  # noqa: BLE001 - a damaged index shows up here too
        return f"unreadable ({type(error).__name__}: {error})"
    return None
