"""Writes the system refuses, tested when the suite runs as root (as CI does).

Root ignores directory permissions, so two tests of an export into a read-only
directory (tests/test_reliability.py::test_export_to_a_read_only_directory_keeps_the_old_file
and tests/test_export.py::test_export_to_unwritable_place_keeps_old_file) skip
there. The same promise is tested here in the two ways root can really be
refused: the export runs as an unprivileged user (the kernel's permission
check, "Permission denied"), and the directory is made immutable with
`chattr +i` (which stops root too, "Operation not permitted"). As any other
user, those two tests run and these skip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from store.library import Library
from tui.cli import main

from .conftest import ROOT

NOBODY = 65534
PAPERS = [
    {"title": f"Refused writes, part {n}", "authors": ["Ada Lovelace", "Grace Hopper"], "date": f"202{n}-01-02",
     "arxiv_id": f"2101.0000{n}", "abstract": f"Part {n} of a study of exports that the system refuses to write."}
    for n in range(3)
]

pytestmark = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                                reason="not root: the read-only directory tests in test_reliability/test_export run")


def make_library(directory: Path) -> Path:
    with Library(directory) as library:
        library.import_text("\n".join(json.dumps(p) for p in PAPERS), source="papers.jsonl")
    return directory


@pytest.fixture
def nobodys_tree():
    """A directory tree the unprivileged user owns (pytest's tmp_path is root's alone, 0700)."""
    base = Path(tempfile.mkdtemp(prefix="papers-tui-as-nobody-"))
    base.chmod(0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def run_as_nobody(*args: str, home: Path) -> subprocess.CompletedProcess:
    """`python -m tui.cli ARGS` as the unprivileged user, with no capabilities left (setpriv, from util-linux)."""
    env = {**os.environ, "HOME": str(home), "PYTHONPATH": str(ROOT)}
    drop = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--inh-caps=-all"]
    return subprocess.run([*drop, sys.executable, *args], env=env, cwd=home, capture_output=True, text=True,
                          timeout=120)


def cli_as_nobody(*args: str, home: Path) -> subprocess.CompletedProcess:
    return run_as_nobody("-m", "tui.cli", *args, home=home)


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="no setpriv (util-linux)")
def test_export_as_an_unprivileged_user_to_a_read_only_directory_keeps_the_old_file(nobodys_tree):
    can_run = run_as_nobody("-c", "import os, tui.cli; print(os.geteuid())", home=nobodys_tree)
    if can_run.returncode != 0:
        pytest.skip(f"the unprivileged user cannot run this Python: {can_run.stderr.strip()[-200:]}")
    assert can_run.stdout == f"{NOBODY}\n"
    library = make_library(nobodys_tree / "library")
    folder = nobodys_tree / "ro"
    folder.mkdir()
    target = folder / "list.bib"
    target.write_text("OLD\n")
    for path in [nobodys_tree, *nobodys_tree.rglob("*")]:
        os.chown(path, NOBODY, NOBODY)
    # The check that this is a real refusal, not one made up by the test: nobody can write beside it.
    allowed = cli_as_nobody("export", "--library", str(library), "-o", str(nobodys_tree / "ok.bib"), home=nobodys_tree)
    assert allowed.returncode == 0, allowed.stderr
    assert (nobodys_tree / "ok.bib").read_text().startswith("@")
    folder.chmod(0o555)
    refused = cli_as_nobody("export", "--library", str(library), "-o", str(target), home=nobodys_tree)
    folder.chmod(0o755)
    assert refused.returncode == 1, refused.stderr
    assert refused.stderr.startswith("papers-tui: cannot write") and "Traceback" not in refused.stderr
    assert "Permission denied" in refused.stderr
    assert target.read_text() == "OLD\n"
    assert [p.name for p in folder.iterdir()] == ["list.bib"]  # no temporary file left behind


@pytest.fixture
def immutable(tmp_path):
    """chattr +i on a directory, undone after the test; skips where the file system has no such flag."""
    made: list[Path] = []

    def make(path: Path) -> None:
        result = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
        if result.returncode != 0:
            pytest.skip(f"chattr +i does not work here: {result.stderr.strip()}")
        made.append(path)

    yield make
    for path in made:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@pytest.mark.skipif(shutil.which("chattr") is None, reason="no chattr (e2fsprogs)")
def test_export_as_root_to_an_immutable_directory_keeps_the_old_file(tmp_path, immutable, capsys):
    library = make_library(tmp_path / "library")
    folder = tmp_path / "locked"
    folder.mkdir()
    target = folder / "list.bib"
    target.write_text("OLD\n")
    immutable(folder)
    with pytest.raises(PermissionError):  # the refusal is real, for root too
        (folder / "probe").write_text("x")
    code = main(["export", "--library", str(library), "-o", str(target)])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("papers-tui: cannot write") and "Traceback" not in err
    assert "Operation not permitted" in err
    assert target.read_text() == "OLD\n"
    assert [p.name for p in folder.iterdir()] == ["list.bib"]
