"""Backups: consistent copies of the library database.

They use SQLite's online backup API, so they are consistent snapshots even
while other windows or commands write (docs/reliability.md).
"""

from __future__ import annotations

import errno
import os
import sqlite3
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from .db import connect_read_only
from .files import STDOUT, mode_for, output_target, write_in_place
from .recovery import BACKUP_DIR


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
