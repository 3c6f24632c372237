"""Upgrades: a library of every past schema version opens with this code,
migrates, keeps everything, and is backed up before anything changes.

tests/data/old_libraries/ keeps vN.sqlite3 (made by build.py when N was the
current version) and vN.json (what must survive). store/db.py says to add
one before each new migration; the first test fails until it is there.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from store import db
from store.db import SCHEMA_VERSION, SchemaError
from store.library import Library
from tui.cli import main

OLD = Path(__file__).parent / "data" / "old_libraries"
KEPT = sorted(OLD.glob("v*.sqlite3"), key=lambda p: int(p.stem[1:]))
ROOT = Path(__file__).resolve().parent.parent

# What a migration may rewrite, by its number: "table" or "table.column" of derived
# data it recomputes (a new sketch of abstracts, say). Everything else in an old
# library must come through every later migration unchanged, to the last column.
# A migration that rewrites something must say so here, or the test below fails.
RECOMPUTED_BY_MIGRATION: dict[int, set[str]] = {}
# Made again on the first open by this version (store/dedup_refresh.py, DEDUP_VERSION 2):
# the de-duplication forms of papers with text in scripts dedup.words() now reads.
RECOMPUTED_ON_OPEN = {"papers.title_norm", "papers.abstract_hash", "abstract_sketch"}
# Tables of settings and counters: a newer version may add a row (dedup_version).
GROWS_ON_OPEN = {"meta"}


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
    directory.mkdir(parents=True)
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


def tables_of(path: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every table: its column names, and all its rows (every column), in a fixed order."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        tables = {}
        for name in names:
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')]
            rows = conn.execute(f'SELECT {", ".join(chr(34) + c + chr(34) for c in columns)} FROM "{name}"')
            tables[name] = (columns, sorted(rows, key=repr))
        return tables
    finally:
        conn.close()


def schema_of(path: Path) -> dict[str, object]:
    """The shape of a library's schema: every table's columns (as sets: ALTER TABLE appends) and every index."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        shape: dict[str, object] = {}
        for kind, name, table in conn.execute(
                "SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"):
            if kind == "table":
                shape[name] = {tuple(r[1:]) for r in conn.execute(f'PRAGMA table_info("{name}")')}
            else:
                shape[f"{kind} {name}"] = (table, [tuple(r) for r in conn.execute(f'PRAGMA index_info("{name}")')])
        shape["user_version"] = conn.execute("PRAGMA user_version").fetchone()[0]
        return shape
    finally:
        conn.close()


def assert_keeps_every_column(old: Path, new: Path, from_version: int) -> None:
    """Every row of every table of the old file is in the new one, column for column
    (new columns and tables may be added), but for what a later migration recomputes."""
    recomputed = set().union(
        RECOMPUTED_ON_OPEN, *(RECOMPUTED_BY_MIGRATION.get(n, set()) for n in range(from_version + 1, SCHEMA_VERSION + 1))
    )
    before, after = tables_of(old), tables_of(new)
    assert set(before) <= set(after), f"tables lost: {set(before) - set(after)}"
    for table, (columns, rows) in before.items():
        if table in recomputed:
            continue
        new_columns, new_rows = after[table]
        assert set(columns) <= set(new_columns), f"{table} lost columns {set(columns) - set(new_columns)}"
        kept = [c for c in columns if f"{table}.{c}" not in recomputed]
        old_rows = sorted((project(columns, r, kept) for r in rows), key=repr)
        now_rows = sorted((project(new_columns, r, kept) for r in new_rows), key=repr)
        if table in GROWS_ON_OPEN:
            assert all(row in now_rows for row in old_rows), f"{table} lost or changed a row"
        else:
            assert old_rows == now_rows, f"{table} changed"


def project(columns: list[str], row: tuple, kept: list[str]) -> tuple:
    return tuple(row[columns.index(c)] for c in kept)


def fresh_schema(tmp_path: Path) -> dict[str, object]:
    with Library(tmp_path / "fresh"):
        pass
    return schema_of(tmp_path / "fresh" / "library.sqlite3")


def test_the_comparison_sees_a_change_in_any_column(tmp_path):
    """The column-by-column comparison is not blind: one changed value in any column of any table fails it."""
    kept = KEPT[0]
    changed = 0
    for table, (columns, rows) in tables_of(kept).items():
        if table in RECOMPUTED_ON_OPEN:
            continue
        for column in columns if rows else []:
            if f"{table}.{column}" in RECOMPUTED_ON_OPEN:
                continue
            directory = copy_of(kept, tmp_path / f"{table}-{column}")
            conn = sqlite3.connect(directory / "library.sqlite3")
            conn.execute(
                f"""UPDATE "{table}" SET "{column}" = CASE typeof("{column}") WHEN 'integer' THEN "{column}" + 1000003
                    WHEN 'real' THEN "{column}" + 0.5 WHEN 'text' THEN "{column}" || '!' ELSE 'changed' END
                    WHERE rowid = (SELECT min(rowid) FROM "{table}")""")
            conn.commit()
            conn.close()
            with pytest.raises(AssertionError, match=f"{table} (changed|lost or changed a row)"):
                assert_keeps_every_column(kept, directory / "library.sqlite3", int(kept.stem[1:]))
            changed += 1
    assert changed > 35


@pytest.mark.parametrize("kept", KEPT, ids=[p.stem for p in KEPT])
def test_an_old_library_opens_migrates_and_keeps_everything(kept, tmp_path, capsys):
    version = int(kept.stem[1:])
    directory = copy_of(kept, tmp_path)
    with Library(directory) as library:
        assert db.schema_version(library.db.conn) == SCHEMA_VERSION
        assert state_of(library) == json.loads((OLD / f"{kept.stem}.json").read_text(encoding="utf-8"))
    # Every column of every table came through, and the schema is today's, as a new library's.
    assert_keeps_every_column(kept, directory / "library.sqlite3", version)
    assert schema_of(directory / "library.sqlite3") == fresh_schema(tmp_path)
    with Library(directory) as library:
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


OPEN_WHEN_TOLD = """
import sys
from store.library import Library
print("ready", flush=True)
sys.stdin.readline()
with Library(sys.argv[1]) as library:
    print(library.count(), flush=True)
"""


@pytest.mark.parametrize("kept", KEPT, ids=[p.stem for p in KEPT])
def test_two_processes_open_an_old_library_at_once(kept, tmp_path):
    """Two windows started together on a library from an older version: both open it,
    it is upgraded once, backed up once (if it needed upgrading), and nothing is lost."""
    version = int(kept.stem[1:])
    expected = json.loads((OLD / f"{kept.stem}.json").read_text(encoding="utf-8"))
    for attempt in range(3):  # the two race differently each time; every outcome must be right
        directory = copy_of(kept, tmp_path / f"attempt{attempt}")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        openers = [subprocess.Popen([sys.executable, "-c", OPEN_WHEN_TOLD, str(directory)], cwd=ROOT, env=env,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for _ in range(2)]
        for opener in openers:
            assert opener.stdout.readline() == "ready\n"  # both have imported everything: only opening is left
        for opener in openers:
            opener.stdin.write("go\n")
            opener.stdin.flush()
        for opener in openers:
            out, err = opener.communicate(timeout=120)
            assert opener.returncode == 0 and err == "", err
            assert out == f"{len(expected)}\n"
        backups = sorted((directory / "backups").glob("library-v*.sqlite3")) if (directory / "backups").exists() else []
        assert len(backups) == (1 if version < SCHEMA_VERSION else 0), backups
        if backups:
            assert dump_of(backups[0]) == dump_of(kept)
        assert_keeps_every_column(kept, directory / "library.sqlite3", version)
        assert schema_of(directory / "library.sqlite3") == fresh_schema(tmp_path / f"attempt{attempt}")
        with Library(directory) as library:
            assert state_of(library) == expected


PAUSE_AT_BACKUP = """
import sqlite3, sys
from store.library import Library

def pause(frame, event, arg):
    # Hold this process just as it starts copying the library (SQLite's backup API).
    if event == "c_call" and getattr(arg, "__qualname__", "") == "Connection.backup" and isinstance(arg.__self__, sqlite3.Connection):
        sys.setprofile(None)
        print("backing up", flush=True)
        sys.stdin.readline()

if sys.argv[2] == "pause":
    sys.setprofile(pause)
with Library(sys.argv[1]) as library:
    sys.setprofile(None)
    print(library.count(), flush=True)
"""


@pytest.mark.parametrize("kept", [p for p in KEPT if int(p.stem[1:]) < SCHEMA_VERSION] or [pytest.param(
    None, marks=pytest.mark.skip(reason="no kept library older than the current schema"))],
    ids=lambda p: getattr(p, "stem", "none"))
def test_a_second_opener_during_the_backup_takes_no_second_backup(kept, tmp_path):
    """The worst moment, made to happen: the first process is paused as it starts its
    backup-before-upgrade, and the second opens the library then. Whatever the second
    does (waits, or sees that the upgrade is under way), one backup is taken."""
    directory = copy_of(kept, tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def opener(mode: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", PAUSE_AT_BACKUP, str(directory), mode], cwd=ROOT, env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    first = opener("pause")
    assert first.stdout.readline() == "backing up\n", "the first opener never started a backup"
    second = opener("go")
    try:
        # If the second can finish while the first is held, it must have done so without a backup of its own;
        # if it waits for the first instead, this gives up waiting (the outcome is checked the same way).
        second.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pass
    first.stdin.write("go\n")
    first.stdin.flush()
    expected = len(json.loads((OLD / f"{kept.stem}.json").read_text(encoding="utf-8")))
    for process in (first, second):
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0 and err == "", err
        assert out.splitlines()[-1] == str(expected)
    backups = sorted((directory / "backups").glob("library-v*.sqlite3"))
    assert len(backups) == 1, [b.name for b in backups]
    assert dump_of(backups[0]) == dump_of(kept)
    assert_keeps_every_column(kept, directory / "library.sqlite3", int(kept.stem[1:]))
