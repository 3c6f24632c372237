"""A library this process cannot write is read, searched, exported and browsed (issue 15, item 4).

CI runs as root, which ignores permission bits. The library is made truly
unwritable with `chattr +i` (immutable: even root cannot write, and os.access
says so), else, as a normal user, with `chmod`. Where neither holds (a
container without CAP_LINUX_IMMUTABLE, running as root), os.access is told to
say no for the library, which is the decision's only input (store/db.py
`writable`); then the test also checks that nothing in the directory changed,
since root's writes would not fail. tests/test_db_readonly.py covers the
database layer, and a real unprivileged process through `setpriv`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from store import meta
from store.library import Library
from tui.app import PapersApp

from .conftest import ROOT
from .test_app import PAPERS, SIZE, make_library, settle, shown_titles
from .test_cli import run

READ_ONLY = "the library is read-only"


def tree(directory: Path) -> dict[str, str]:
    """Every file under `directory` with a digest of its bytes and its mtime. SQLite's
    -shm and an empty -wal are left out: a reader that may make them (root, when only
    os.access says no) does, as any SQLite reader of a WAL file does; they hold no data."""
    found = {}
    for path in sorted(directory.rglob("*")):
        stat = path.lstat()
        if path.name.endswith("-shm") or (path.name.endswith("-wal") and stat.st_size == 0):
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        found[str(path.relative_to(directory))] = f"{digest}:{stat.st_mtime_ns}"
    return found


def _chattr(directory: Path, flag: str) -> bool:
    chattr = shutil.which("chattr")
    if not chattr:
        return False
    return subprocess.run([chattr, "-R", flag, str(directory)], capture_output=True).returncode == 0


@pytest.fixture
def read_only(tmp_path, monkeypatch):
    """Make a library directory unwritable for the duration of the test."""
    made: list[tuple[str, Path]] = []

    def protect(directory: Path) -> Path:
        if os.geteuid() == 0 and _chattr(directory, "+i"):
            made.append(("chattr", directory))
        elif os.geteuid() != 0:
            for path in [directory, *directory.rglob("*")]:
                path.chmod(path.stat().st_mode & ~0o222)
            made.append(("chmod", directory))
        else:
            inside = str(directory.resolve())
            real_access = os.access
            monkeypatch.setattr(os, "access", lambda path, mode, *a, **k: False if (
                mode & os.W_OK and str(Path(path).resolve()).startswith(inside)) else real_access(path, mode, *a, **k))
        assert not os.access(directory, os.W_OK)
        return directory

    yield protect
    for how, directory in made:
        if how == "chattr":
            _chattr(directory, "-i")
        else:
            for path in [directory, *directory.rglob("*")]:
                path.chmod(path.stat().st_mode | 0o200)


@pytest.fixture
def library_ro(tmp_path, read_only):
    directory = make_library(tmp_path / "lib", starred=[PAPERS[0]["title"]], tags={PAPERS[1]["title"]: ["to read"]})
    with Library(directory) as library:
        library.export(library.ids(), None)  # every paper keyed
    before = tree(directory)
    yield read_only(directory)
    assert tree(directory) == before  # nothing in the library was written, made or touched


def test_every_reading_command_works_on_a_read_only_library(library_ro, tmp_path, capsys):
    with Library(library_ro) as library:
        assert library.read_only and library.count() == len(PAPERS)
        key = library.list()[0].key
    outside = tmp_path / "out"
    outside.mkdir()
    for command in [("list",), ("list", "--json"), ("list", "-q", "is:starred"), ("search", "diffusion"),
                    ("search", 'tag:"to read"'), ("export",), ("export", "-q", "diffusion"),
                    ("export", "-o", outside / "refs.bib"), ("doctor", "--check-only"),
                    ("backup", outside / "copy.sqlite3")]:
        code, out, err = run(capsys, *command, "--library", library_ro)
        assert code == 0, (command, err)
        assert "Traceback" not in err and "readonly database" not in err
    assert "@" in (outside / "refs.bib").read_text() and key in (outside / "refs.bib").read_text()
    with sqlite3.connect(outside / "copy.sqlite3") as copy:
        assert copy.execute("SELECT count(*) FROM papers").fetchone()[0] == len(PAPERS)
    copy.close()
    code, out, err = run(capsys, "doctor", "--library", library_ro)  # checks, does not repair
    assert code == 0 and "healthy" in out and "checking without repairing" in err


@pytest.mark.parametrize("command", [("mark", "--read"), ("tag", "--add", "x"), ("reindex",), ("backup",),
                                     ("export", "--key-pattern", "{author}{year}"), ("import",)])
def test_writing_commands_say_the_library_is_read_only(library_ro, capsys, command):
    with Library(library_ro) as library:
        key = library.list()[0].key
    args = list(command)
    if command[0] in ("mark", "tag"):
        args.insert(1, key)
    if command[0] == "import":
        args.append(ROOT / "docs" / "examples" / "cards.txt")
    code, out, err = run(capsys, *args, "--library", library_ro)
    assert code == 1 and err.startswith(f"papers-tui: {READ_ONLY}") and err.count("\n") == 1
    assert "Traceback" not in err and "readonly database" not in err


def test_unkeyed_papers_are_exported_under_their_handle_with_a_warning(tmp_path, read_only, capsys):
    directory = make_library(tmp_path / "lib", papers=[{"title": "No Authors Yet", "date": "2021"}, PAPERS[0]])
    with Library(directory) as library:
        unkeyed = [p for p in library.list() if p.key.startswith("untitled-")]
        assert len(unkeyed) == 1  # without an author: keyed at its first export
    read_only(directory)
    code, out, err = run(capsys, "export", "--library", directory)
    assert code == 0 and out.count("@") == 2
    assert all(f"{{{paper.key}," in out for paper in unkeyed)
    assert "1 paper has no citation key yet and the library is read-only" in err


def test_an_export_of_keyed_papers_writes_nothing(tmp_path, capsys):
    directory = make_library(tmp_path / "lib")
    run(capsys, "export", "--library", directory)  # gives the keys
    with Library(directory) as library:
        generation = library.generation()
    code, out, _ = run(capsys, "export", "--library", directory)
    assert code == 0 and out.count("@") == len(PAPERS)
    with Library(directory) as library:
        assert library.generation() == generation  # no write transaction was needed


def test_a_stale_index_is_read_as_it_is_with_a_note(tmp_path, read_only, capsys):
    directory = make_library(tmp_path / "lib")
    with Library(directory) as library:  # the store moves on without the index (a write whose indexing died)
        with library.db.transaction() as conn:
            meta.bump_generation(conn)
    read_only(directory)
    code, out, err = run(capsys, "search", "diffusion", "--library", directory)
    assert code == 0 and "Diffusion" in out
    assert "the search index is stale and the library is read-only, so it is not rebuilt" in err


def test_a_library_that_needs_an_upgrade_read_only_is_a_clear_error(tmp_path, read_only, capsys):
    directory = tmp_path / "old"
    directory.mkdir()
    shutil.copy(ROOT / "tests" / "data" / "old_libraries" / "v1.sqlite3", directory / "library.sqlite3")
    read_only(directory)
    code, _, err = run(capsys, "list", "--library", directory)
    assert code == 1 and "must be upgraded" in err and "read-only" in err and "Traceback" not in err
    code, _, err = run(capsys, "list", "--library", directory / "missing")
    assert code == 1 and "cannot be made" in err


async def test_the_app_browses_a_read_only_library(library_ro):
    app = PapersApp(library_ro)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert shown_titles(app)  # the inbox is listed
        await pilot.press("slash")
        app.focused.insert_text_at_cursor("diffusion")
        await settle(pilot)
        assert shown_titles(app) == [PAPERS[0]["title"]]
        await app.action_quit()
