"""Output files follow what the user pointed at (issue 15, item 1).

Every node is made by the test in its temporary directory: the machine's own
/dev files are never written to."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from store.backup import backup_database
from store.errors import OutputRefused
from store.files import output_target, write_output
from store.library import Library
from tui.cli import main

from .conftest import ROOT, snapshot


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def filled(tmp_path, examples, capsys):
    library = tmp_path / "library"
    code, _, err = run(capsys, "import", "--library", library, examples / "cards.txt")
    assert code == 0, err
    return library


def make_char_device(path: Path) -> Path:
    """A character device with /dev/null's numbers (1, 3), made here; skipped where
    the test may not make one, or the file system does not let it be opened."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        os.open(path, os.O_WRONLY)
    except (PermissionError, OSError) as error:
        pytest.skip(f"cannot make or open a character device here: {error}")
    return path


class FifoReader(threading.Thread):
    """Reads a FIFO to its end, as `cat fifo` would."""

    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self.path, self.data = path, b""

    def run(self):
        with open(self.path, "rb") as handle:
            self.data = handle.read()


# --- regular files and symlinks ---------------------------------------------------------------


def test_a_symlink_is_followed_and_its_target_replaced(tmp_path):
    real = tmp_path / "thesis-data" / "reading-list.bib"
    real.parent.mkdir()
    real.write_text("OLD\n")
    real.chmod(0o640)
    link = tmp_path / "thesis" / "refs.bib"
    link.parent.mkdir()
    link.symlink_to(real)
    write_output(link, "NEW\n")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "NEW\n" and stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(p.name for p in real.parent.iterdir()) == ["reading-list.bib"]  # no temporary file left
    assert sorted(p.name for p in link.parent.iterdir()) == ["refs.bib"]


def test_a_chain_of_symlinks_and_a_dangling_one_lead_to_the_file_at_the_end(tmp_path):
    real = tmp_path / "real.bib"
    real.write_text("OLD\n")
    (tmp_path / "b.bib").symlink_to("real.bib")  # relative links, resolved from their own folder
    (tmp_path / "a.bib").symlink_to(tmp_path / "b.bib")
    write_output(tmp_path / "a.bib", "NEW\n")
    assert real.read_text() == "NEW\n" and (tmp_path / "a.bib").is_symlink() and (tmp_path / "b.bib").is_symlink()
    dangling = tmp_path / "new-link.bib"
    dangling.symlink_to(tmp_path / "not-yet.bib")
    write_output(dangling, "FIRST\n")
    assert dangling.is_symlink() and (tmp_path / "not-yet.bib").read_text() == "FIRST\n"


def test_a_symlink_loop_is_refused(tmp_path):
    (tmp_path / "a.bib").symlink_to(tmp_path / "b.bib")
    (tmp_path / "b.bib").symlink_to(tmp_path / "a.bib")
    with pytest.raises(OutputRefused, match="loop"):
        write_output(tmp_path / "a.bib", "x")
    assert (tmp_path / "a.bib").is_symlink() and (tmp_path / "b.bib").is_symlink()


def test_a_new_and_an_existing_regular_file(tmp_path):
    write_output(tmp_path / "new.bib", "one\n")
    assert (tmp_path / "new.bib").read_text() == "one\n"
    write_output(str(tmp_path / "new.bib"), "two\n")
    assert (tmp_path / "new.bib").read_text() == "two\n" and len(list(tmp_path.iterdir())) == 1


# --- written in place: devices, FIFOs, standard output ----------------------------------------------


def test_a_character_device_is_written_to_not_replaced(tmp_path):
    device = make_char_device(tmp_path / "null")
    before = os.stat(device)
    write_output(device, "into the void\n")
    after = os.stat(device)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_ino == before.st_ino
    assert [p.name for p in tmp_path.iterdir()] == ["null"]


def test_a_symlink_to_a_character_device_is_written_through(tmp_path):
    device = make_char_device(tmp_path / "null")
    (tmp_path / "out.bib").symlink_to(device)
    write_output(tmp_path / "out.bib", "x")
    assert stat.S_ISCHR(os.stat(device).st_mode) and (tmp_path / "out.bib").is_symlink()


def test_a_fifo_gets_the_text_and_stays_a_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = FifoReader(fifo)
    reader.start()
    write_output(fifo, "@article{a,\n}\n")
    reader.join(timeout=30)
    assert reader.data == b"@article{a,\n}\n" and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_dash_is_standard_output(capsys):
    write_output("-", "to stdout\n")
    assert capsys.readouterr().out == "to stdout\n"
    assert output_target("-") == ("stdout", None)


# --- refused ----------------------------------------------------------------------------------------


def test_a_directory_a_socket_and_an_empty_path_are_refused(tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(OutputRefused, match="is a directory"):
        write_output(folder, "x")
    (tmp_path / "link-to-folder").symlink_to(folder)
    with pytest.raises(OutputRefused, match="is a directory"):
        write_output(tmp_path / "link-to-folder", "x")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tmp_path / "sock"))
        with pytest.raises(OutputRefused, match="is a socket"):
            write_output(tmp_path / "sock", "x")
    finally:
        sock.close()
    with pytest.raises(OutputRefused, match="empty"):
        write_output("", "x")
    assert list(folder.iterdir()) == []


def test_a_block_device_is_refused(tmp_path):
    node = tmp_path / "disk"
    try:
        os.mknod(node, stat.S_IFBLK | 0o600, os.makedev(7, 0))  # a loop device's numbers; never opened
    except (PermissionError, OSError) as error:
        pytest.skip(f"cannot make a block device here: {error}")
    with pytest.raises(OutputRefused, match="block device"):
        write_output(node, "x")
    assert stat.S_ISBLK(os.stat(node).st_mode)


# --- the command line -----------------------------------------------------------------------------


def test_export_to_a_symlink_replaces_its_target_and_keeps_the_link(filled, tmp_path, capsys):
    real = tmp_path / "reading-list.bib"
    real.write_text("OLD\n")
    link = tmp_path / "thesis.bib"
    link.symlink_to(real)
    code, out, err = run(capsys, "export", "--library", filled, "-o", link)
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text().startswith("@") and "OLD" not in real.read_text()


def test_export_to_a_character_device_a_fifo_and_dash(filled, tmp_path, capsys):
    code, expected, _ = run(capsys, "export", "--library", filled)
    code, out, err = run(capsys, "export", "--library", filled, "-o", "-")
    assert code == 0 and out == expected, err
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = FifoReader(fifo)
    reader.start()
    code, out, err = run(capsys, "export", "--library", filled, "-o", fifo)
    reader.join(timeout=30)
    assert code == 0 and reader.data.decode() == expected and stat.S_ISFIFO(os.stat(fifo).st_mode)
    device = make_char_device(tmp_path / "null")
    code, _, err = run(capsys, "export", "--library", filled, "-o", device)
    assert code == 0 and stat.S_ISCHR(os.stat(device).st_mode), err


@pytest.mark.parametrize("name", ["empty", "directory", "socket"])
def test_export_to_what_is_not_a_file_is_refused_before_any_work(filled, tmp_path, capsys, name):
    paths = {"empty": "", "directory": str(tmp_path)}
    sock = socket.socket(socket.AF_UNIX)
    try:
        if name == "socket":
            sock.bind(str(tmp_path / "sock"))
            paths["socket"] = str(tmp_path / "sock")
        before = sorted(os.listdir(tmp_path))
        with Library(filled) as library:
            contents = snapshot(library)
        code, out, err = run(capsys, "export", "--library", filled, "-o", paths[name])
    finally:
        sock.close()
    assert code == 1 and out == "" and "Traceback" not in err
    assert err.startswith("papers-tui: ") and ("empty" in err if name == "empty" else f"is a {name}" in err)
    assert sorted(os.listdir(tmp_path)) == before
    with Library(filled) as library:
        assert snapshot(library) == contents  # refused before any work (no key was given out)


# --- backups follow the same rules ----------------------------------------------------------------


def test_backup_to_a_symlink_replaces_its_target(filled, tmp_path):
    real = tmp_path / "copies" / "latest.sqlite3"
    real.parent.mkdir()
    real.write_bytes(b"old backup")
    link = tmp_path / "latest-backup.sqlite3"
    link.symlink_to(real)
    written = backup_database(filled / "library.sqlite3", link)
    assert link.is_symlink() and written == real
    with sqlite3.connect(real) as copy:
        assert copy.execute("SELECT count(*) FROM papers").fetchone()[0] == 7
    assert sorted(p.name for p in real.parent.iterdir()) == ["latest.sqlite3"]


def test_backup_to_a_fifo_and_a_character_device_writes_in_place(filled, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = FifoReader(fifo)
    reader.start()
    backup_database(filled / "library.sqlite3", fifo)
    reader.join(timeout=30)
    assert reader.data.startswith(b"SQLite format 3\x00") and stat.S_ISFIFO(os.stat(fifo).st_mode)
    device = make_char_device(tmp_path / "null")
    backup_database(filled / "library.sqlite3", device)
    assert stat.S_ISCHR(os.stat(device).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["library", "null", "pipe"]


def test_backup_refuses_a_socket_and_an_empty_path(filled, tmp_path, capsys):
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tmp_path / "sock"))
        with pytest.raises(OutputRefused, match="is a socket"):
            backup_database(filled / "library.sqlite3", tmp_path / "sock")
    finally:
        sock.close()
    with pytest.raises(OutputRefused, match="empty"):
        backup_database(filled / "library.sqlite3", "")
    code, out, err = run(capsys, "backup", "--library", filled, tmp_path / "sock")
    assert code == 1 and err.startswith("papers-tui: ") and "is a socket" in err and "Traceback" not in err


def test_backup_into_a_directory_still_makes_a_new_file_there(filled, tmp_path):
    folder = tmp_path / "backups-here"
    folder.mkdir()
    written = backup_database(filled / "library.sqlite3", folder)
    assert written.parent == folder and written.name.startswith("library-")


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs POSIX file size limits")
def test_a_backup_that_fills_the_disk_names_the_copy_not_the_library(filled, tmp_path):
    """A real short write, in a child process: the kernel stops the copy from growing
    past 8 KiB (RLIMIT_FSIZE), as a full disk would, once the library is open."""
    target = tmp_path / "out" / "copy.sqlite3"
    target.parent.mkdir()
    child = "\n".join([
        "import resource, signal, sys",
        "import store.backup as S",
        "real = S._backup_to_file",
        "def limited(source, destination):",
        "    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)",
        "    resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))",
        "    return real(source, destination)",
        "S._backup_to_file = limited",
        "from tui.cli import main",
        f"sys.exit(main(['backup', '--library', {str(filled)!r}, {str(target)!r}]))",
    ])
    result = subprocess.run([sys.executable, "-c", child], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"papers-tui: {target}: cannot write the backup"), result.stderr
    assert "library.sqlite3" not in result.stderr and list(target.parent.iterdir()) == []


def test_backup_to_dash_sends_the_copy_to_standard_output(filled, tmp_path):
    result = subprocess.run([sys.executable, "-m", "tui.cli", "backup", "--library", str(filled), "-"],
                            cwd=ROOT, capture_output=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr.decode().startswith("backed up 7 papers to -")
    (tmp_path / "piped.sqlite3").write_bytes(result.stdout)
    with sqlite3.connect(tmp_path / "piped.sqlite3") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT count(*) FROM papers").fetchone()[0] == 7
    copy.close()
    assert not (filled.parent / "-").exists() and not (ROOT / "-").exists()
