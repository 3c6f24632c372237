"""Reliability promises (docs/reliability.md), one at a time, in this process:
the index's record of the store state, a damaged index, `doctor`, `backup`,
atomic exports on a full disk or a read-only target, bad input files, and
hostile text on the command line."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from store import search as search_index
from store.backup import backup_database
from store.doctor import doctor, index_problem
from store.importers import MAX_INPUT_BYTES
from store.library import Library
from store.search import index as paper_index
from tui.cli import main

from .conftest import ROOT, snapshot

EXAMPLE_INPUTS = ("cards.txt", "abstracts.txt", "arxiv-listing.txt", "papers.jsonl", "library.bib")


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def filled(library_dir, examples):
    with Library(library_dir) as library:
        library.import_paths([str(examples / name) for name in EXAMPLE_INPUTS])
    return library_dir


# --- the index records the store state it reflects ------------------------------------------


def test_a_new_library_and_every_write_leave_the_index_current(library, examples):
    assert library.index_status() == "current"
    library.import_paths([str(examples / "cards.txt")])
    pid = library.ids(sort="title")[0]
    library.mark([pid], read=True)
    library.tag([pid], add=["x"])
    library.set_note(pid, "n")
    library.undo_change({pid: {"read": False}})
    assert library.index_status() == "current" and library.index_is_current()
    assert index_problem(library) is None


def test_a_write_whose_indexing_never_happened_is_caught_on_open(filled, monkeypatch):
    """What a kill between the SQL commit and the index update leaves behind."""
    with Library(filled) as library:
        pid = library.ids("attention")[0]
        monkeypatch.setattr(library.index, "update", lambda docs, generation=None, expected=0: False)
        library.mark([pid], starred=True)
    monkeypatch.undo()
    with Library(filled) as library:
        assert library.index_status() == "stale"
        assert library.index.matching("is:starred") == []  # what the stale index answers
        assert library.ids("is:starred") == [pid]  # views are answered by the store all the same
        assert library.repair_index()
        assert library.index_status() == "current"
        assert library.index.matching("is:starred") == [pid]


def test_a_hole_left_by_one_process_is_not_covered_by_later_writes(filled, monkeypatch):
    """Generation n not indexed (its process died), n+1 indexed by another: still stale."""
    with Library(filled) as library:
        pid = library.ids("attention")[0]
        with monkeypatch.context() as patch:
            patch.setattr(library.index, "update", lambda docs, generation=None, expected=0: False)
            library.mark([pid], starred=True)
        library.mark([pid], read=True)
        assert library.index_status() == "stale"
        assert library.repair_index() and library.ids("is:starred") == [pid]


@pytest.mark.parametrize(
    "damage",
    ["no index dir", "no marker", "garbage marker", "garbage toc", "empty toc", "empty segment", "missing segment",
     "index is a file", "store restored from a backup"],
)
def test_a_missing_stale_or_damaged_index_is_found_on_open_and_rebuilt(filled, damage, capsys):
    index = filled / "index"
    if damage == "no index dir":
        shutil.rmtree(index)
    elif damage == "no marker":
        (index / search_index.GENERATION_FILE).unlink()
    elif damage == "garbage marker":
        (index / search_index.GENERATION_FILE).write_bytes(b"\x00\xff{not json")
    elif damage == "garbage toc":
        next(index.glob("_MAIN_*.toc")).write_bytes(b"garbage" * 20)
    elif damage == "empty toc":
        next(index.glob("_MAIN_*.toc")).write_bytes(b"")
    elif damage == "empty segment":  # segments are separate files (no compound .seg): its terms
        next(index.glob("*.trm")).write_bytes(b"")
    elif damage == "missing segment":
        next(index.glob("*.trm")).unlink()
    elif damage == "index is a file":
        shutil.rmtree(index)
        index.write_text("not a directory")
    elif damage == "store restored from a backup":
        with Library(filled) as library:
            backup = library.backup()
        with Library(filled) as library:
            library.tag(library.ids("attention"), add=["after-backup"])
        shutil.copy(backup, filled / "library.sqlite3")
        for suffix in ("-wal", "-shm"):
            (filled / f"library.sqlite3{suffix}").unlink(missing_ok=True)

    with Library(filled) as library:  # never raises
        assert library.index_status() in ("missing", "stale", "damaged")
        if library.index_status() == "damaged":
            with pytest.raises(search_index.QueryError, match="damaged"):
                library.ids("attention")
            library.mark(library.ids(), read=True)  # writes still work; the store is the truth
        assert library.repair_index()
        assert library.index_status() == "current"
        assert index_problem(library) is None
        assert library.search("attention")[0].key == "vaswani2017attention"
        assert library.ids("tag:after-backup") == []

    # The command line checks and rebuilds on its own before a query.
    (filled / "index" / search_index.GENERATION_FILE).unlink()
    code, out, err = run(capsys, "search", "--library", filled, "attention")
    assert code == 0 and "vaswani2017attention" in out
    assert "search index is missing; rebuilding" in err


def test_damage_found_only_by_a_search_is_reported_not_raised(filled):
    with Library(filled) as library:
        assert library.index_status() == "current"  # opened fine; then the disk goes bad
        for part in ("*.trm", "*.pst"):  # a segment's terms and postings
            segment = next((filled / "index").glob(part))
            segment.write_bytes(b"\0" * segment.stat().st_size)
        library.index.close()  # as after another process's write: the next search opens it again
        with pytest.raises(search_index.IndexUnavailable, match="damaged"):
            library.ids("attention")
        assert library.index_status() == "damaged"
        assert library.repair_index() and library.search("attention")[0].key == "vaswani2017attention"


def test_a_query_whoosh_chokes_on_is_a_query_error_not_a_damaged_index(library):
    class Choking:
        def search(self, *args, **kwargs):
            raise ValueError("whoosh internals")

    library.index._get_searcher = lambda: Choking()
    with pytest.raises(search_index.QueryError, match="cannot run the query"):
        library.ids("anything")
    assert library.index.problem is None


def test_an_index_held_by_another_process_makes_writes_wait_then_go_stale_not_fail(filled, monkeypatch):
    monkeypatch.setattr(paper_index, "WRITE_LOCK_TIMEOUT_S", 0.3)
    with Library(filled) as library:
        pid = library.ids("attention")[0]
        lock = library.index._ix.storage.lock("MAIN_WRITELOCK")  # a second flock: as another process holds it
        assert lock.acquire(blocking=False)
        try:
            library.mark([pid], starred=True)  # waits 0.3 s; no LockError reaches the caller
        finally:
            lock.release()
        assert library.get(pid).starred  # the store has it
        assert library.index_status() == "stale"
        assert library.repair_index() and library.ids("is:starred") == [pid]


def test_a_failed_index_commit_does_not_keep_the_lock(library, examples, monkeypatch):
    """After one failure every later write must not wait for a lock nobody releases."""
    monkeypatch.setattr(paper_index, "WRITE_LOCK_TIMEOUT_S", 1.0)
    from whoosh.writing import SegmentWriter

    real_commit = SegmentWriter.commit
    calls = []

    def failing_commit(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise AssertionError("segment name collision")
        return real_commit(self, *args, **kwargs)

    monkeypatch.setattr(SegmentWriter, "commit", failing_commit)
    library.import_paths([str(examples / "cards.txt")])  # the commit fails: stale, no exception
    assert library.index_status() == "stale"
    library.tag(library.ids(), add=["y"])  # would wait 1 s and fail if the lock were still held
    assert library.repair_index() and len(library.ids("tag:y")) == library.count()


def test_reindex_replaces_in_one_commit(filled):
    """A reindex killed half-way leaves the old index whole: nothing is deleted first."""
    with Library(filled) as library:
        before = library.index.doc_count()

        def docs():
            yield from []
            raise KeyboardInterrupt  # dies in the middle

        with pytest.raises(KeyboardInterrupt):
            library.index.rebuild(docs, generation=library.generation)
        assert library.index.doc_count() == before and library.index_status() == "current"


# --- doctor -------------------------------------------------------------------------------


def test_doctor_says_healthy(filled, capsys):
    code, out, _ = run(capsys, "doctor", "--library", filled)
    assert code == 0 and out.strip().endswith("healthy")
    assert "ok     database integrity" in out


def test_doctor_rebuilds_a_stale_index_and_deletes_orphans(filled, capsys):
    (filled / "index" / search_index.GENERATION_FILE).unlink()
    conn = sqlite3.connect(filled / "library.sqlite3")
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("INSERT INTO authors(paper_id, position, name) VALUES (9999, 0, 'Nobody')")
    conn.execute("INSERT INTO tags(name) VALUES ('unused')")
    conn.commit()
    conn.close()
    code, out, _ = run(capsys, "doctor", "--library", filled, "--check-only")
    assert code == 1 and "found" in out and "1 in authors" in out and "problems left" in out
    code, out, _ = run(capsys, "doctor", "--library", filled)
    assert code == 0 and "fixed" in out and out.strip().endswith("repaired 2 problems")
    code, out, _ = run(capsys, "doctor", "--library", filled)
    assert code == 0 and out.strip().endswith("healthy")


def test_doctor_notices_an_index_that_claims_current_but_is_not(filled):
    with Library(filled) as library:
        pid = library.ids("attention")[0]
        library.index.update([], generation=None)
        with library.db.transaction() as conn:  # a write behind the Library's back
            conn.execute("UPDATE papers SET read = 1 WHERE id = ?", (pid,))
        report = doctor(library, repair=False)
        assert not report.healthy and any("is:read" in f.message or "is:unread" in f.message for f in report.findings)
        assert doctor(library).healthy and library.ids("is:read") == [pid]


def test_doctor_on_a_damaged_database_fails_clearly(filled, capsys):
    with Library(filled) as library:
        library.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        rootpage = library.db.conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'papers_title_norm'").fetchone()[0]
        page_size = library.db.conn.execute("PRAGMA page_size").fetchone()[0]
    with open(filled / "library.sqlite3", "r+b") as handle:  # scribble over an index's b-tree page
        handle.seek((rootpage - 1) * page_size + 8)
        handle.write(b"\xde\xad\xbe\xef" * 64)
    code, out, err = run(capsys, "doctor", "--library", filled)
    assert code == 1 and "Traceback" not in out + err
    assert "damaged" in out + err or "malformed" in out + err


def test_a_file_that_is_not_a_database_is_a_message_not_a_traceback(tmp_path, capsys):
    directory = tmp_path / "lib"
    directory.mkdir()
    (directory / "library.sqlite3").write_bytes(b"this is not SQLite" * 100)
    for command in (("doctor",), ("list",), ("backup",)):
        code, _, err = run(capsys, *command, "--library", directory)
        assert code == 1 and err.startswith("papers-tui: ") and "not a database" in err


# --- backup -------------------------------------------------------------------------------


def test_backup_command_writes_a_consistent_copy(filled, capsys, tmp_path):
    code, out, _ = run(capsys, "backup", "--library", filled)
    assert code == 0
    path = Path(out.strip().rsplit(" to ", 1)[1])
    assert path.parent == filled / "backups" and path.name.startswith("library-")
    assert_copy_of(path, filled)
    code, out, _ = run(capsys, "backup", "--library", filled, tmp_path / "elsewhere" / "copy.sqlite3")
    assert code == 0 and (tmp_path / "elsewhere" / "copy.sqlite3").exists()
    code, out, _ = run(capsys, "backup", "--library", filled, tmp_path / "elsewhere")  # a directory: a new file in it
    assert code == 0 and len(list((tmp_path / "elsewhere").glob("library-*.sqlite3"))) == 1


def assert_copy_of(path: Path, library_dir: Path) -> None:
    assert not Path(f"{path}-wal").exists()
    copy = sqlite3.connect(path)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    titles = sorted(r[0] or "" for r in copy.execute("SELECT title FROM papers"))
    copy.close()
    with Library(library_dir) as library:
        assert titles == sorted(p.title or "" for p in library.list())


def test_backup_while_another_process_is_writing(filled, tmp_path):
    """A transaction open (uncommitted) in another process: the backup neither waits
    for it nor includes it."""
    holder = subprocess.Popen(
        [sys.executable, "-c", (
            "import sqlite3, sys, time;"
            f"c = sqlite3.connect({str(filled / 'library.sqlite3')!r}, isolation_level=None);"
            "c.execute('BEGIN IMMEDIATE'); c.execute(\"UPDATE papers SET note = 'uncommitted'\");"
            "print('holding', flush=True); time.sleep(30)"
        )],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        with Library(filled) as library:  # the app, open
            path = library.backup(tmp_path / "during.sqlite3")
        copy = sqlite3.connect(path)
        assert copy.execute("SELECT count(*) FROM papers WHERE note = 'uncommitted'").fetchone()[0] == 0
        copy.close()
        assert_copy_of(path, filled)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()


def test_backup_while_this_process_writes_from_threads(filled, tmp_path):
    with Library(filled) as library:
        stop = threading.Event()

        def keep_writing():
            n = 0
            while not stop.is_set():
                library.tag(library.ids(), add=[f"t{n}"])
                n += 1

        writer = threading.Thread(target=keep_writing)
        writer.start()
        try:
            paths = [library.backup(tmp_path / f"b{i}.sqlite3") for i in range(5)]
        finally:
            stop.set()
            writer.join()
    for path in paths:
        copy = sqlite3.connect(path)
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # Each copy is one moment: every paper carries the same tags.
        per_paper = {r[0] for r in copy.execute("SELECT count(*) FROM paper_tags GROUP BY paper_id")}
        assert len(per_paper) <= 1
        copy.close()


def test_a_failed_backup_leaves_no_partial_file(filled, tmp_path, monkeypatch):
    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(OSError):
        backup_database(filled / "library.sqlite3", tmp_path / "out" / "copy.sqlite3")
    assert list((tmp_path / "out").iterdir()) == []


# --- writes: exports are atomic --------------------------------------------------------------


def test_export_on_a_full_disk_keeps_the_old_file(filled, tmp_path, capsys, monkeypatch):
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "reading-list.bib"
    target.write_text("OLD CONTENT\n")

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    code, out, err = run(capsys, "export", "--library", filled, "-o", target)
    assert code == 1 and out == ""
    assert "No space left on device" in err and "unchanged" in err and str(target) in err
    assert target.read_text() == "OLD CONTENT\n"
    assert [p.name for p in target.parent.iterdir()] == ["reading-list.bib"]  # no temporary file left


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs POSIX file size limits")
def test_export_that_hits_a_real_file_size_limit_keeps_the_old_file(filled, tmp_path):
    """A real short write, in a child process: the kernel refuses to let the file grow
    past 2 KiB (RLIMIT_FSIZE), as a full disk would. The limit is set just before
    the export file is written, so that SQLite's own files are not limited."""
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "reading-list.bib"
    target.write_text("OLD CONTENT\n")
    child = "\n".join([
        "import resource, signal, sys",
        "import store.exporting as L",
        "real = L.write_atomically",
        "def limited(path, text):",
        "    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)",
        "    resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))",
        "    real(path, text)",
        "L.write_atomically = limited",
        "from tui.cli import main",
        f"sys.exit(main(['export', '--library', {str(filled)!r}, '-o', {str(target)!r}]))",
    ])
    result = subprocess.run([sys.executable, "-c", child], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("papers-tui: cannot write") and "Traceback" not in result.stderr
    assert "File too large" in result.stderr
    assert target.read_text() == "OLD CONTENT\n"
    assert [p.name for p in target.parent.iterdir()] == ["reading-list.bib"]


def test_export_to_a_read_only_directory_keeps_the_old_file(filled, tmp_path, capsys):
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("running as root: permissions do not stop writes (the next test covers an unwritable target)")
    folder = tmp_path / "ro"
    folder.mkdir()
    target = folder / "list.bib"
    target.write_text("OLD\n")
    folder.chmod(0o555)
    try:
        code, _, err = run(capsys, "export", "--library", filled, "-o", target)
    finally:
        folder.chmod(0o755)
    assert code == 1 and "Permission denied" in err and target.read_text() == "OLD\n"


def test_export_to_an_unwritable_target_says_so(filled, tmp_path, capsys, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code, _, err = run(capsys, "export", "--library", filled, "-o", blocker / "list.bib")  # under a file
    assert code == 1 and "cannot write" in err and "Not a directory" in err
    # A read-only file system, as the kernel would report it.
    target = tmp_path / "list.bib"
    target.write_text("OLD\n")
    import tempfile

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    code, _, err = run(capsys, "export", "--library", filled, "-o", target)
    assert code == 1 and "Read-only file system" in err and target.read_text() == "OLD\n"


def test_export_keeps_the_files_permissions(filled, tmp_path, capsys):
    target = tmp_path / "shared.bib"
    target.write_text("")
    target.chmod(0o644)
    assert run(capsys, "export", "--library", filled, "-o", target)[0] == 0
    assert target.stat().st_mode & 0o777 == 0o644 and target.read_text().startswith("@")


# --- bad input files ---------------------------------------------------------------------------


def bad_inputs(tmp_path: Path) -> dict[str, tuple[str, str]]:
    """name -> (path, what the message must say)."""
    made = {}
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)) * 4)
    made["binary"] = (tmp_path / "binary.bin", "binary data")
    (tmp_path / "empty.txt").write_bytes(b"")
    made["empty"] = (tmp_path / "empty.txt", "empty input")
    (tmp_path / "blank.txt").write_text("  \n\n\t\n")
    made["blank"] = (tmp_path / "blank.txt", "empty input")
    (tmp_path / "folder").mkdir()
    made["directory"] = (tmp_path / "folder", "is a directory")
    made["missing"] = (tmp_path / "nope.txt", "no such file")
    (tmp_path / "prose.txt").write_text("Dear diary,\nnothing here is a paper listing.\n")
    made["not a listing"] = (tmp_path / "prose.txt", "not a format papers-tui knows")
    (tmp_path / "latin1.txt").write_bytes("Laurençon".encode("latin-1"))
    made["invalid utf-8"] = (tmp_path / "latin1.txt", "not valid UTF-8")
    big = tmp_path / "huge.txt"
    with open(big, "wb") as handle:  # 600 MB, sparse: costs no disk and no time
        handle.truncate(600 * 1024 * 1024)
    made["600 MB"] = (big, "limit is 512 MiB")
    made["device"] = (Path("/dev/zero"), "device")
    # One bad line among good ones is skipped (a partial import); with no good line, refused.
    (tmp_path / "broken.jsonl").write_text('\n{"title": \n')
    made["broken json"] = (tmp_path / "broken.jsonl", ":2: nothing could be imported: not valid JSON")
    return made


def test_bad_files_are_refused_with_a_message_and_the_library_is_unchanged(filled, tmp_path, capsys, examples):
    with Library(filled) as library:
        before, generation = snapshot(library), library.generation()
    for name, (path, message) in bad_inputs(tmp_path).items():
        if name == "device" and not path.exists():
            continue
        # Alone, and after a good file in the same command: nothing of either is written.
        for paths in ([path], [examples / "cards.txt", path]):
            code, out, err = run(capsys, "import", "--library", filled, *paths)
            assert code == 1, name
            assert err.startswith(f"papers-tui: {path}") and message in err, (name, err)
            assert out == "" and "Traceback" not in err
    with Library(filled) as library:
        assert snapshot(library) == before and library.generation() == generation


def test_stdin_over_the_limit_is_refused(library_dir, capsys, monkeypatch):
    import io

    from store import importers

    monkeypatch.setattr(importers, "MAX_INPUT_BYTES", 100)
    monkeypatch.setattr(sys, "stdin", type("In", (), {"buffer": io.BytesIO(b"x" * 101)})())
    code, _, err = run(capsys, "import", "--library", library_dir, "-")
    assert code == 1 and "over the limit" in err


def test_the_limit_is_stated(tmp_path):
    assert MAX_INPUT_BYTES == 512 * 2**20
    assert "512 MiB" in (ROOT / "docs" / "reliability.md").read_text()


# --- hostile text through the command line ------------------------------------------------------

HOSTILE = {
    "title": "Evil \x1b[31mred\x1b[0m \x1b]0;pwned\x07 [bold]markup[/] [@click=app.quit]x \u202eevil\u202c \x9b2J",
    "authors": ["Ada \x1b]8;;https://evil.example\x1b\\Lovelace\x1b]8;;\x1b\\", "\u05e9\u05dc\u05d5\u05dd Cohen"],
    "abstract": "e\u0301\u0301\u0301 👩\u200d👩\u200d👧 " + "long " * 50_000 + "\x07\x08\x7f end",
    "tags": ["'; DROP TABLE papers; --", "\"quoted\"", "x\x1b[2Jy"],
    "note": "line one\nline two \x1b[?1049h",
    "date": "2021",
    "arxiv_id": "2101.00001",
}


def test_hostile_text_is_imported_and_printed_literally_without_control_sequences(library_dir, tmp_path, capsys):
    source = tmp_path / "hostile.jsonl"
    source.write_text(json.dumps(HOSTILE) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "import", "--library", library_dir, source)
    assert code == 0, err
    code, out, err = run(capsys, "list", "--library", library_dir)
    assert code == 0 and "Evil [31m" in out  # the escape character gone, the rest literal
    code, json_out, _ = run(capsys, "list", "--library", library_dir, "--json")
    assert "[bold]markup[/] [@click=app.quit]x" in json.loads(json_out)[0]["title"]  # markup is text
    assert not any(ch in out for ch in "\x1b\x07\x08\x7f\x9b\u202e")
    # JSON is data for scripts: the store's text exactly, bidi marks included, no controls.
    assert not any(ch in json_out for ch in "\x1b\x07\x08\x7f\x9b")
    paper = json.loads(json_out)[0]
    assert paper["tags"] == ["\"quoted\"", "'; DROP TABLE papers; --", "x[2Jy"]
    assert paper["note"] == "line one\nline two [?1049h"
    with Library(library_dir) as library:
        assert library.count() == 1  # the SQL in a tag was data
        assert library.ids('tag:"\'; DROP TABLE papers; --"') == library.ids()
        assert library.ids("tag:'\"quoted\"'") == library.ids()


@pytest.mark.parametrize("query", [
    "'; DROP TABLE papers; --", '" OR 1=1 --', "title:(", "author:", "year:>abc", "*", "?~~", "a AND", "NOT",
    "[a TO", "tag:\"x", "\x1b[31m", "\u202e", "é\u0301", "🙂", pytest.param("x" * 10_000, id="10k-chars"), "\x00",
])
def test_queries_from_the_command_line_are_data(filled, capsys, query):
    with Library(filled) as library:
        count = library.count()
    code, out, err = run(capsys, "search", "--library", filled, query)
    assert code in (0, 1) and "Traceback" not in err
    if code == 1:
        assert err.startswith("papers-tui: ") and not any(c in err for c in "\x1b\u202e\x00")
    with Library(filled) as library:
        assert library.count() == count


def test_arguments_that_are_not_utf8_are_refused_clearly(filled, capsys):
    bad = b"\xff\xfe".decode("utf-8", "surrogateescape")  # what Python makes of such argv bytes
    code, _, err = run(capsys, "search", "--library", filled, bad)
    assert code == 1 and "UTF-8" in err
    code, _, err = run(capsys, "tag", "--library", filled, "vaswani2017attention", "--add", f"ok{bad}")
    assert code == 0
    with Library(filled) as library:
        assert library.get(library.resolve(["vaswani2017attention"])[0]).tags == ["ok"]
