"""What to do about a damaged database: where the backups are, and how to restore one.

Its own module because both ends need it: `db` (the message of a damaged file)
and `backup`/`doctor`; it imports neither.
"""

from __future__ import annotations

from pathlib import Path

BACKUP_DIR = "backups"


def restore_hint(directory: Path, mention_doctor: bool = True) -> str:
    """What to do about a damaged database: doctor, and the newest backup to restore."""
    folder = Path(directory) / BACKUP_DIR
    try:
        copies = sorted(folder.glob("library-*.sqlite3"), key=lambda path: path.stat().st_mtime)
    except OSError:
        copies = []
    where = f"the newest backup is {copies[-1]}" if copies else f"there are no backups in {folder}"
    doctor = "run `papers-tui doctor` for details; " if mention_doctor else ""
    return (f"{doctor}{where} (to restore: close papers-tui, "
            "copy a backup over library.sqlite3 and delete library.sqlite3-wal and -shm)")
