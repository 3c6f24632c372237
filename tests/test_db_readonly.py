"""A library that cannot be written is opened read-only (issue 15, item 4).

CI runs as root, and root ignores permission bits. So the layer is tested two
ways: with an explicit `read_only=True` on a writable directory (what the file
system says is the decision's only input), and, for the automatic decision, in
a child process that really has no write access: run as the unprivileged user
`nobody` when the tests run as root, or on a directory made read-only with
chmod otherwise."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from store import db
from store.errors import ReadOnlyLibrary
from store.library import Library

from .conftest import EXAMPLES, ROOT

NOBODY = 65534


def make_library(directory: Path) -> Path:
    with Library(directory) as library:
        library.import_paths([str(EXAMPLES / "cards.txt")])
    return directory / "library.sqlite3"


def test_read_only_reads_and_refuses_writes_with_a_message(tmp_path):
    path = make_library(tmp_path / "lib")
    before = path.read_bytes()
    database = db.Database(path, read_only=True)
    try:
        assert database.read_only
        assert database.conn.execute("SELECT count(*) FROM papers").fetchone()[0] == 7
        with pytest.raises(ReadOnlyLibrary, match="the library is read-only"):
            with database.transaction() as conn:
                conn.execute("UPDATE papers SET read = 1")
        # Even a write that goes around `transaction` is refused by SQLite, and mapped by type.
        with pytest.raises(sqlite3.OperationalError) as error:
            database.conn.execute("UPDATE papers SET read = 1")
        assert isinstance(db.busy_or(error.value), ReadOnlyLibrary)
        assert db.migrate(database.conn) == db.SCHEMA_VERSION  # current: nothing to write, no error
    finally:
        database.close()
    assert path.read_bytes() == before


def test_a_restored_backup_keeps_its_journal_mode_when_read(tmp_path):
    """A backup is in rollback-journal mode; opening it read-only must not switch it to WAL."""
    original = make_library(tmp_path / "lib")
    with Library(tmp_path / "lib") as library:
        copy = library.backup(tmp_path / "restored" / "library.sqlite3")
    before = copy.read_bytes()
    database = db.Database(copy, read_only=True)
    try:
        assert database.conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert database.conn.execute("SELECT count(*) FROM papers").fetchone()[0] == 7
    finally:
        database.close()
    assert copy.read_bytes() == before and sorted(p.name for p in copy.parent.iterdir()) == ["library.sqlite3"]
    assert original.exists()


def test_an_old_or_missing_schema_read_only_is_a_clear_error(tmp_path):
    old = tmp_path / "old.sqlite3"
    with sqlite3.connect(old) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.execute("PRAGMA user_version = 1")
    conn.close()
    with pytest.raises(ReadOnlyLibrary, match="must be upgraded"):
        db.migrate(db.connect(old, read_only=True))
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    with pytest.raises(ReadOnlyLibrary, match="no library here"):
        db.migrate(db.connect(empty, read_only=True))


def test_writable_follows_what_the_kernel_says(tmp_path, monkeypatch):
    path = make_library(tmp_path / "lib")
    assert db.writable(path) and not db.Database(path).read_only
    refused = {str(path.parent)}
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) in refused and mode == os.W_OK else real_access(p, mode))
    assert not db.writable(path) and db.Database(path).read_only
    refused = {str(path)}
    assert not db.writable(path)


# --- a real process without write access ------------------------------------------------------------

CHILD = """
import json, os, sqlite3, sys
from pathlib import Path
from store import db
from store.errors import ReadOnlyLibrary
path = Path(sys.argv[1])
report = {}
try:
    open(path.parent / "probe", "w")
    report["can_write"] = True
except PermissionError:
    report["can_write"] = False
database = db.Database(path)
report["read_only"] = database.read_only
report["papers"] = database.conn.execute("SELECT count(*) FROM papers").fetchone()[0]
report["note"] = database.conn.execute("SELECT note FROM papers WHERE id = 1").fetchone()[0]
db.migrate(database.conn)
try:
    with database.transaction() as conn:
        conn.execute("UPDATE papers SET starred = 1")
    report["write"] = "done"
except ReadOnlyLibrary as error:
    report["write"] = str(error)
database.close()
from tui.cli import main
report["list"] = main(["list", "--library", str(path.parent)])
report["mark"] = main(["mark", "--library", str(path.parent), "--read", sys.argv[2]])
report["backup"] = main(["backup", "--library", str(path.parent), sys.argv[3]])
print(json.dumps(report))
"""


def run_without_write_access(directory: Path, key: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "HOME": str(directory),
           "PAPERS_TUI_LIBRARY": str(directory)}
    copy = directory.parent / "copies" / "copy.sqlite3"  # somewhere the child may write
    copy.parent.mkdir(mode=0o777)
    copy.parent.chmod(0o777)
    command = [sys.executable, "-c", CHILD, str(directory / "library.sqlite3"), key, str(copy)]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        setpriv = shutil.which("setpriv")  # util-linux; else Python drops the privileges itself
        if setpriv:
            command = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]
            return subprocess.run(command, capture_output=True, text=True, env=env, cwd=directory, timeout=120)
        try:
            return subprocess.run(command, capture_output=True, text=True, env=env, cwd=directory,
                                  user=NOBODY, group=NOBODY, extra_groups=[], timeout=120)
        except PermissionError as error:
            pytest.skip(f"the unprivileged user cannot run this Python: {error}")
    directory.chmod(0o555)
    try:
        return subprocess.run(command, capture_output=True, text=True, env=env, cwd=directory, timeout=120)
    finally:
        directory.chmod(0o755)


@pytest.fixture
def shared_dir():
    """A directory other users can read (pytest's tmp_path is private to its owner)."""
    directory = Path(tempfile.mkdtemp(prefix="papers-tui-ro-"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory)


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="needs POSIX users and permissions")
@pytest.mark.parametrize("wal_files", ["absent", "present"])
def test_a_library_without_write_access_opens_read_only(shared_dir, wal_files):
    """After a clean close a WAL library has no -wal or -shm file, and a reader without
    write access cannot make the -shm: it is read immutable. While another process
    has it open, the -shm is there and read as it is."""
    path = make_library(shared_dir / "lib")
    with Library(shared_dir / "lib") as library:
        key = library.list(sort="title")[0].key
    for name in ("lib", "lib/library.sqlite3"):
        (shared_dir / name).chmod(0o755 if name == "lib" else 0o644)
    holder = None
    if wal_files == "present":
        holder = sqlite3.connect(path)
        holder.execute("PRAGMA journal_mode = WAL")
        holder.execute("UPDATE papers SET note = 'kept in the wal' WHERE id = 1")
        holder.commit()  # committed, not checkpointed while the holder is open
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").chmod(0o644)
    else:
        assert not Path(f"{path}-wal").exists() and not Path(f"{path}-shm").exists()
    before = path.read_bytes()
    try:
        result = run_without_write_access(shared_dir / "lib", key)
    finally:
        if holder is not None:
            holder.close()
    if "Permission denied" in result.stderr and "python" in result.stderr.lower() and not result.stdout:
        pytest.skip(f"the unprivileged user cannot run this Python: {result.stderr[-200:]}")
    assert result.returncode == 0, result.stderr
    report = __import__("json").loads(result.stdout.strip().splitlines()[-1])
    assert report["can_write"] is False  # the child really has no write access
    assert report["read_only"] is True and report["papers"] == 7
    assert report["write"].startswith("the library is read-only")
    assert report["list"] == 0 and report["mark"] == 1 and key in result.stdout  # listed, not marked
    assert "the library is read-only" in result.stderr and "Traceback" not in result.stderr
    assert "attempt to write a readonly database" not in result.stderr
    assert report["backup"] == 0
    with sqlite3.connect(shared_dir / "copies" / "copy.sqlite3") as copy:
        assert copy.execute("SELECT count(*) FROM papers").fetchone()[0] == 7
    copy.close()
    if wal_files == "absent":
        assert path.read_bytes() == before and report["note"] == ""
    else:
        assert report["note"] == "kept in the wal"  # read through the -wal and -shm, not around them
