"""The command line, driven as a user or a script would."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from store.library import Library
from tui.cli import main

from .conftest import ROOT, snapshot

JSON_KEYS = ["key", "title", "authors", "authors_truncated", "orgs", "date", "category", "has_code", "arxiv_id", "doi",
             "url", "venue", "comments", "abstract", "tags", "read", "starred", "note", "added"]


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def imported(library_dir, examples, capsys):
    code, out, err = run(capsys, "import", "--library", library_dir, *sorted(examples.glob("*.txt")))
    assert code == 0, err
    return library_dir


def test_import_reports_per_file(library_dir, examples, capsys):
    code, out, _ = run(capsys, "import", "--library", library_dir, examples / "cards.txt", examples / "abstracts.txt")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].endswith("cards.txt (cards): 7 added, 0 merged, 0 already known, 0 skipped")
    assert lines[1].endswith("abstracts.txt (abstracts): 1 added, 1 merged, 1 already known, 0 skipped")


def test_import_from_stdin(library_dir, examples, monkeypatch, capsys):
    data = (examples / "cards.txt").read_bytes()
    monkeypatch.setattr(sys, "stdin", type("In", (), {"buffer": __import__("io").BytesIO(data)})())
    code, out, _ = run(capsys, "import", "--library", library_dir, "-")
    assert code == 0 and "<stdin> (cards): 7 added" in out


def test_list_json_has_exactly_the_documented_keys(imported, capsys):
    code, out, _ = run(capsys, "list", "--library", imported, "--json")
    papers = json.loads(out)
    assert code == 0 and len(papers) == 8
    assert all(list(p) == JSON_KEYS for p in papers)
    attention = next(p for p in papers if p["key"] == "vaswani2017attention")
    assert attention["date"] == "2017-06-12" and attention["arxiv_id"] == "1706.03762"
    assert attention["comments"] == ["NeurIPS 2017"] and attention["authors_truncated"] is True
    assert attention["orgs"] == ["google"] and attention["category"] == "cs.CL" and attention["has_code"] is True


def test_json_output_imports_back(imported, tmp_path, capsys):
    run(capsys, "mark", "--library", imported, "vaswani2017attention", "--star")
    run(capsys, "tag", "--library", imported, "vaswani2017attention", "--add", "classic")
    _, out, _ = run(capsys, "list", "--library", imported, "--json")
    dump = tmp_path / "dump.jsonl"
    dump.write_text("".join(json.dumps(p) + "\n" for p in json.loads(out)))
    code, _, _ = run(capsys, "import", "--library", tmp_path / "copy", dump)
    _, copied, _ = run(capsys, "list", "--library", tmp_path / "copy", "--json")
    # `added` is when this library got it; an untitled paper's handle names its row.
    def strip(papers):
        return [{k: v for k, v in p.items() if k != "added" and not str(v).startswith("untitled-")}
                for p in json.loads(papers)]

    assert code == 0 and strip(copied) == strip(out)


def test_search_and_list_query(imported, capsys):
    code, out, _ = run(capsys, "search", "--library", imported, "attention", "--json")
    assert code == 0 and json.loads(out)[0]["key"] == "vaswani2017attention"
    code, out, _ = run(capsys, "list", "--library", imported, "--query", "year:2014", "--sort", "title")
    rows = out.splitlines()
    assert code == 0 and len(rows) == 2 and "Adam: A Method" in rows[0] and "[no title] Neural machine" in rows[1]


def test_mark_and_tag_for_scripts(imported, capsys):
    assert run(capsys, "mark", "--library", imported, "kingma2014adam", "he2015deep", "--read", "--star")[0] == 0
    assert run(capsys, "tag", "--library", imported, "kingma2014adam", "--add", "optim", "--add", "classic")[0] == 0
    assert run(capsys, "tag", "--library", imported, "kingma2014adam", "--remove", "classic")[0] == 0
    _, out, _ = run(capsys, "list", "--library", imported, "--query", "is:starred", "--json")
    papers = {p["key"]: p for p in json.loads(out)}
    assert set(papers) == {"kingma2014adam", "he2015deep"}
    assert papers["kingma2014adam"]["tags"] == ["optim"] and papers["kingma2014adam"]["read"]
    code, _, err = run(capsys, "mark", "--library", imported, "nosuch2020key", "--read")
    assert code == 1 and "nosuch2020key" in err


def test_export_writes_bibtex_that_parses(imported, tmp_path, capsys):
    pybtex = pytest.importorskip("pybtex.database")
    run(capsys, "mark", "--library", imported, "vaswani2017attention", "sanh2019distilbert", "--star")
    target = tmp_path / "reading-list.bib"
    code, _, err = run(capsys, "export", "--library", imported, "--query", "is:starred", "-o", target)
    assert code == 0 and "2 entries" in err
    data = pybtex.parse_string(target.read_text(), "bibtex")
    assert sorted(data.entries) == ["sanh2019distilbert", "vaswani2017attention"]
    entry = data.entries["vaswani2017attention"]
    assert entry.fields["eprint"] == "1706.03762" and entry.fields["primaryClass"] == "cs.CL"
    assert entry.fields["archivePrefix"] == "arXiv"
    assert not list(tmp_path.glob(".reading-list.bib.*"))  # no temporary file left behind


def test_library_from_environment(tmp_path, examples, monkeypatch, capsys):
    monkeypatch.setenv("PAPERS_TUI_LIBRARY", str(tmp_path / "from-env"))
    assert run(capsys, "import", examples / "cards.txt")[0] == 0
    assert Library.exists(tmp_path / "from-env")


BAD_INPUTS = {
    "empty.txt": b"",
    "blank.txt": b"\n  \n",
    "binary.bin": bytes(range(256)) * 4,
    "latin1.txt": "Abstract:caf\xe9 au lait\n".encode("latin-1"),
    "prose.txt": b"Dear colleague,\nplease find attached the minutes of the meeting.\n",
    "broken-card.txt": b"CLMar 22, 2023\nA Title Glued ToNobody\nabstract\nnot a card line at all\nx\ny\n",
    "truncated-listing.txt": ("A" * 150 + "\narXiv:2301.03988" + "B" * 150 + "\n").encode(),
    "bad.jsonl": b'{"title": "ok"}\n{"title": \n',
    "bad.bib": b"@article{key,\n  title = {Unclosed,\n  author = {A B}\n",
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_refused_and_library_unchanged(imported, tmp_path, capsys, name):
    with Library(imported) as library:
        before = snapshot(library)
    bad = tmp_path / name
    bad.write_bytes(BAD_INPUTS[name])
    code, _, err = run(capsys, "import", "--library", imported, bad)
    assert code == 1
    assert err.startswith(f"papers-tui: {bad}") and "Traceback" not in err
    with Library(imported) as library:
        assert snapshot(library) == before


def test_missing_file_and_directory(imported, tmp_path, capsys):
    code, _, err = run(capsys, "import", "--library", imported, tmp_path / "nope.txt")
    assert code == 1 and "no such file" in err
    code, _, err = run(capsys, "import", "--library", imported, tmp_path)
    assert code == 1 and "directory" in err


def test_unbalanced_query_is_a_clear_error(imported, capsys):
    code, out, err = run(capsys, "search", "--library", imported, '"attention is')
    assert code == 1 and out == "" and "unbalanced quote" in err


def test_reindex(imported, capsys):
    code, out, _ = run(capsys, "reindex", "--library", imported)
    assert code == 0 and out.strip() == "indexed 8 papers"


def test_entry_point_runs_as_a_program(imported):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "tui.cli", "list", "--library", str(imported), "--limit", "2"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0 and len(done.stdout.splitlines()) == 2


def test_hostile_text_never_reaches_the_terminal(library_dir, tmp_path, capsys):
    hostile = tmp_path / "hostile.jsonl"
    hostile.write_text(json.dumps({"title": "\x1b]8;;http://x\x07click\x1b[2J [bold]x[/]", "authors": ["Eve \x1b[31mRed"]}) + "\n")
    assert run(capsys, "import", "--library", library_dir, hostile)[0] == 0
    _, out, _ = run(capsys, "list", "--library", library_dir)
    assert "\x1b" not in out and "\x07" not in out and "[bold]x[/]" in out


def test_library_option_before_or_after_the_command(tmp_path, examples, capsys):
    assert run(capsys, "--library", tmp_path / "before", "import", examples / "cards.txt")[0] == 0
    assert run(capsys, "import", "--library", tmp_path / "after", examples / "cards.txt")[0] == 0
    assert Library.exists(tmp_path / "before") and Library.exists(tmp_path / "after")
