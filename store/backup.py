"""Backups: consistent copies of the library database.

They use SQLite's online backup API, so they are consistent snapshots even
while other windows or commands write (docs/reliability.md).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from datetime import datetime
from pathlib import Path

from .db import BUSY_TIMEOUT_MS

BACKUP_DIR = "backups"


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


def backup_database(source: Path, destination: Path) -> Path:
    """Copy the database at `source` to `destination` (a file, or a directory to put
    one in) with SQLite's backup API: a consistent snapshot taken in one step,
    while other connections keep reading and writing. The copy is a single
    self-contained file, checked, and renamed into place only when whole."""
    destination = Path(destination).expanduser()
    if destination.is_dir():
        destination = stamped_path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".tmp", dir=destination.parent)
    os.close(fd)
    try:
        src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)  # pages=-1: everything in one step, under one read snapshot
                dst.execute("PRAGMA journal_mode = DELETE")  # no -wal file beside the copy
                result = dst.execute("PRAGMA quick_check").fetchone()[0]
                if result != "ok":
                    raise sqlite3.DatabaseError(f"the copy does not check out: {result}")
            finally:
                dst.close()
        finally:
            src.close()
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, destination)
    except BaseException:
        for leftover in (tmp, tmp + "-journal", tmp + "-wal", tmp + "-shm"):
            try:
                os.unlink(leftover)
            except FileNotFoundError:
                pass
        raise
    return destination


def backup_before_upgrade(db_path: Path, version: int) -> Path:
    """Called by `migrate` before it changes an existing library's schema."""
    return backup_database(db_path, default_backup_path(Path(db_path).parent, f"v{version}"))
