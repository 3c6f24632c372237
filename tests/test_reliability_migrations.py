"""Upgrades: a library of every past schema version opens with this code,
migrates, keeps everything, and is backed up before anything changes.

tests/data/old_libraries/ keeps vN.sqlite3 (made by build.py when N was the
current version) and vN.json (what must survive). store/db.py says to add
one before each new migration; the first test fails until it is there.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from store import db
from store.db import SCHEMA_VERSION, SchemaError
from store.library import Library
from tui.cli import main

OLD = Path(__file__).parent / "data" / "old_libraries"
KEPT = sorted(OLD.glob("v*.sqlite3"), key=lambda p: int(p.stem[1:]))


def test_every_schema_version_has_a_kept_library():
    versions = [int(p.stem[1:]) for p in KEPT]
    assert versions == list(range(1, SCHEMA_VERSION + 1)), (
        "run tests/data/old_libraries/build.py before adding a migration (see store/db.py)"
    )
    for path in KEPT:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == int(path.stem[1:])
        conn.close()


def copy_of(kept: Path, tmp_path: Path) -> Path:
    directory = tmp_path / f"library-{kept.stem}"
    directory.mkdir()
    shutil.copy(kept, directory / "library.sqlite3")
    return directory


def state_of(library: Library) -> list[dict]:
    from tests.data.old_libraries.build import expected_state

    return expected_state(library)


def dump_of(path: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [*conn.iterdump(), f"user_version={conn.execute('PRAGMA user_version').fetchone()[0]}"]
    finally:
        conn.close()


@pytest.mark.parametrize("kept", KEPT, ids=[p.stem for p in KEPT])
def test_an_old_library_opens_migrates_and_keeps_everything(kept, tmp_path, capsys):
    version = int(kept.stem[1:])
    directory = copy_of(kept, tmp_path)
    with Library(directory) as library:
        assert db.schema_version(library.db.conn) == SCHEMA_VERSION
        assert state_of(library) == json.loads((OLD / f"{kept.stem}.json").read_text(encoding="utf-8"))
        assert library.index_status() == "missing"  # it came without an index
        assert library.repair_index()
        assert library.search("attention")[0].key == "vaswani2017attention"
    backups = sorted((directory / "backups").glob(f"library-v{version}-*.sqlite3")) if version < SCHEMA_VERSION else []
    if version < SCHEMA_VERSION:
        # The same content as the original (opening it switched the file to WAL, which rewrites its header).
        assert len(backups) == 1 and dump_of(backups[0]) == dump_of(kept)
    # The command line works on it too, and the library is healthy.
    assert main(["doctor", "--library", str(directory)]) == 0
    assert "healthy" in capsys.readouterr().out


@pytest.fixture
def next_migration(monkeypatch):
    """Pretend this code knows one more schema version than it does."""

    def add(sql: str) -> int:
        monkeypatch.setattr(db, "MIGRATIONS", [*db.MIGRATIONS, sql])
        monkeypatch.setattr(db, "SCHEMA_VERSION", len(db.MIGRATIONS))
        return db.SCHEMA_VERSION

    return add


def test_an_upgrade_takes_a_backup_first(tmp_path, next_migration):
    kept = KEPT[-1]
    directory = copy_of(kept, tmp_path)
    original = sqlite3.connect(directory / "library.sqlite3")
    before = original.execute("SELECT count(*), group_concat(note) FROM papers").fetchone()
    original.close()
    new_version = next_migration("ALTER TABLE papers ADD COLUMN rating INTEGER;\nCREATE TABLE later (x TEXT);")
    with Library(directory) as library:
        assert db.schema_version(library.db.conn) == new_version
        assert tuple(library.db.conn.execute("SELECT count(*), group_concat(note) FROM papers").fetchone()) == before
    (backup,) = (directory / "backups").glob(f"library-{kept.stem}-*.sqlite3")
    copy = sqlite3.connect(backup)
    assert copy.execute("PRAGMA user_version").fetchone()[0] == int(kept.stem[1:])
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT count(*), group_concat(note) FROM papers").fetchone() == tuple(before)
    copy.close()
    with Library(directory):  # already upgraded: no second backup
        pass
    assert len(list((directory / "backups").iterdir())) == 1


def test_a_failing_upgrade_changes_nothing_and_the_backup_is_there(tmp_path, next_migration):
    kept = KEPT[-1]
    directory = copy_of(kept, tmp_path)
    next_migration("ALTER TABLE papers ADD COLUMN rating INTEGER;\nTHIS IS NOT SQL;")
    with pytest.raises(sqlite3.OperationalError):
        Library(directory)
    conn = sqlite3.connect(directory / "library.sqlite3")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == int(kept.stem[1:])
    assert "rating" not in [row[1] for row in conn.execute("PRAGMA table_info(papers)")]  # rolled back whole
    conn.close()
    assert len(list((directory / "backups").glob("library-v*.sqlite3"))) == 1


def test_a_library_from_a_newer_version_is_refused_clearly(tmp_path, capsys):
    directory = copy_of(KEPT[-1], tmp_path)
    conn = sqlite3.connect(directory / "library.sqlite3")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaError):
        Library(directory)
    assert main(["list", "--library", str(directory)]) == 1
    assert "made by a newer papers-tui" in capsys.readouterr().err
