"""No traceback reaches the user from any command, whatever fails (issue 15; issue 14, item 9).

Every command runs with a fault injected into the store method it leans on: a
full disk (OSError ENOSPC), a damaged database (sqlite3.DatabaseError), memory
running out, ctrl+c, and a plain bug. Each must end with one line on standard
error, the exit status of its kind (1; 130 for ctrl+c), and no traceback. A
closed standard output (`papers-tui list | head -1`) ends quietly with 0.
Then hypothesis throws arbitrary bytes at the command line as files to import,
queries and tag names: exit 0, 1, 2 or 3 (a partial import), a message, never a
traceback, and a refused command leaves the library as it was.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import store.doctor
from store.library import Library
from tui.cli import main

from .conftest import ROOT, snapshot
from .test_app import make_library

CARDS = ROOT / "docs" / "examples" / "cards.txt"


def fault(kind: str):
    def raise_it(*args, **kwargs):
        if kind == "disk full":
            raise OSError(errno.ENOSPC, "No space left on device")
        if kind == "damaged database":
            raise sqlite3.DatabaseError("database disk image is malformed")
        if kind == "memory":
            raise MemoryError()
        if kind == "ctrl+c":
            raise KeyboardInterrupt()
        raise RuntimeError("a bug nobody foresaw")

    return raise_it


# Each command, and the store function it cannot do without.
COMMANDS = {
    "list": ((Library, "papers"), ["list"]),
    "list --json": ((Library, "papers"), ["list", "--json"]),
    "list -q": ((Library, "ids"), ["list", "-q", "attention"]),
    "search": ((Library, "search"), ["search", "attention"]),
    "export": ((Library, "bibtex"), ["export"]),
    "export -o": ((Library, "export"), ["export", "-o", "{tmp}/refs.bib"]),
    "mark": ((Library, "mark"), ["mark", "{key}", "--read"]),
    "tag": ((Library, "tag"), ["tag", "{key}", "--add", "x"]),
    "import": ((Library, "parse_paths"), ["import", str(CARDS)]),
    "import write": ((Library, "import_parsed"), ["import", str(CARDS)]),
    "reindex": ((Library, "reindex"), ["reindex"]),
    "doctor": ((store.doctor, "doctor"), ["doctor"]),
    "backup": ((Library, "backup"), ["backup", "{tmp}/copy.sqlite3"]),
    "open": ((Library, "count"), ["backup"]),
}
FAULTS = {"disk full": 1, "damaged database": 1, "memory": 1, "ctrl+c": 130, "bug": 1}


@pytest.fixture(scope="module")
def library_dir(tmp_path_factory):
    return make_library(tmp_path_factory.mktemp("faults") / "lib")


@pytest.mark.parametrize("kind", sorted(FAULTS))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_under_every_fault_says_one_line(library_dir, tmp_path, capsys, monkeypatch, command, kind):
    with Library(library_dir) as library:
        key = library.list()[0].key
    (owner, name), argv = COMMANDS[command]
    monkeypatch.setattr(owner, name, fault(kind))
    argv = [arg.format(tmp=tmp_path, key=key) for arg in argv]
    code = main([*argv, "--library", str(library_dir)])
    out, err = capsys.readouterr()
    assert code == FAULTS[kind], err
    assert "Traceback" not in err and "Traceback" not in out
    assert err.count("\n") == 1 and err.startswith("papers-tui: "), err
    assert len(err) < 400
    if kind == "disk full":
        assert "No space left on device" in err and "papers-tui: : " not in err
        if command == "export -o":  # the target is named (backup: tests/test_files.py, a real short write)
            assert str(tmp_path) in err and "library.sqlite3" not in err
    if kind == "damaged database":
        assert "database disk image is malformed" in err
        assert "backup" in err + out and ("doctor" in err or command == "doctor")  # doctor lists its checks


def test_a_bug_shows_its_traceback_only_when_asked(library_dir, monkeypatch):
    monkeypatch.setattr(Library, "papers", fault("bug"))
    monkeypatch.setenv("PAPERS_TUI_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main(["list", "--library", str(library_dir)])


def cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], env=env, stderr=subprocess.PIPE, timeout=120,
                          **kwargs)


def test_a_closed_standard_output_ends_quietly(library_dir):
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will read: the first write meets EPIPE
    try:
        result = cli("list", "--library", str(library_dir), stdout=write_end)
    finally:
        os.close(write_end)
    assert result.returncode == 0 and result.stderr == b""


def test_list_piped_into_head_exits_0_quietly(tmp_path):
    directory = tmp_path / "lib"
    papers = [{"title": f"Paper number {n}", "authors": ["A. Author"], "date": "2020", "arxiv_id": f"2001.{n:05d}"}
              for n in range(2000)]
    make_library(directory, papers=papers)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = f"{sys.executable} -m tui.cli list --json --library {directory} | head -1; exit ${{PIPESTATUS[0]}}"
    result = subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout == "[\n" and result.stderr == ""


def test_version_and_every_option_has_a_description(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("papers-tui ")
    from tui.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for each in [parser, *commands.values()]:
        for action in each._actions:
            assert action.help, f"{each.prog}: {action.option_strings or action.dest} has no description"


# --- fuzzing the command line -------------------------------------------------------------------------

FUZZ_SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                         suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
ANY_TEXT = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200).map(os.fsdecode),  # what a shell hands over: bytes, not UTF-8 (surrogates)
    st.sampled_from(['tag:"a,b,c"', 'title:"', "a" * 3_000, "((((", "author:*", "\u202e", "is:", "AND", "-"]),
)


def run_fuzzed(argv: list[str], directory: Path) -> tuple[int, str]:
    """Exit status and standard error of one command, in this process (argparse exits on bad usage)."""
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main([argv[0], "--library", str(directory), *argv[1:]])
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 2
    return code, err.getvalue()


def check_outcome(code: int, err: str, before: str, directory: Path) -> None:
    assert code in (0, 1, 2, 3), err
    assert "Traceback" not in err
    if code != 0:
        assert err.strip(), "a refusal says why"
    if code in (1, 2):
        with Library(directory) as library:
            assert snapshot(library) == before  # a refused command changed nothing


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory):
    return make_library(tmp_path_factory.mktemp("fuzz") / "lib")


@FUZZ_SETTINGS
@given(query=ANY_TEXT, command=st.sampled_from(["search", "list", "export"]))
def test_any_query_is_an_answer_or_a_message(fuzz_dir, query, command):
    with Library(fuzz_dir) as library:
        before = snapshot(library)
    argv = ["search", "--", query] if command == "search" else [command, f"--query={query}"]
    code, err = run_fuzzed(argv, fuzz_dir)
    check_outcome(code, err, before, fuzz_dir)


@FUZZ_SETTINGS
@given(tag=ANY_TEXT, remove=st.booleans())
def test_any_tag_name_is_taken_or_refused_with_a_message(fuzz_dir, tag, remove):
    with Library(fuzz_dir) as library:
        before = snapshot(library)
        key = library.list()[0].key
    code, err = run_fuzzed(["tag", key, f"--remove={tag}" if remove else f"--add={tag}"], fuzz_dir)
    check_outcome(code, err, before, fuzz_dir)
    if code == 0 and not remove:
        with Library(fuzz_dir) as library:
            library.tag([library.resolve([key])[0]], remove=[tag])  # back as it was, for the next example


@FUZZ_SETTINGS
@given(content=st.one_of(
    st.binary(max_size=2_000),
    st.text(max_size=2_000).map(str.encode),
    st.sampled_from([b"@article{x, title={" + b"{" * 300 + b"}" * 300 + b"}}", b'{"title": "T", "read": "yes"}\n',
                     b"\xff\xfe\x00", b"{" * 10_000, b"\x1b[31m@misc{k, title={\x1b]0;x\x07}}"]),
))
def test_any_bytes_to_import_are_imported_or_refused_with_a_message(fuzz_dir, content):
    with Library(fuzz_dir) as library:
        before = snapshot(library)
    with tempfile.NamedTemporaryFile(suffix=".txt", delete=False) as handle:
        handle.write(content)
    try:
        code, err = run_fuzzed(["import", handle.name], fuzz_dir)
    finally:
        os.unlink(handle.name)
    check_outcome(code, err, before, fuzz_dir)
