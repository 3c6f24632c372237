"""The command line, driven as a user or a script would."""

from __future__ import annotations

import io
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
    "bad.jsonl": b'{"title": \n[1, 2\n',
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


# Files that import partly: the good papers go in, each entry skipped or flagged is
# reported as file:line, and the exit code (3) tells a script the import was partial.
PARTIAL_INPUTS = {
    "broken-card.txt": (
        b"CLMar 22, 2023\nA Title Glued ToNobody\nabstract\nnot a card line at all\nx\ny\n"
        b"LGMar 23, 2023\nAttention Is All You NeedAshish Vaswani, Noam Shazeer\nThe dominant sequence models.\n",
        ["A Title Glued To", "Attention Is All You Need"], ":4: skipped: ",
    ),
    "truncated-listing.txt": (
        ("A" * 150 + "\narXiv:2301.03988" + "B" * 150 + "\n").encode(),
        ["[no title] " + "A" * 150, "[no title] " + "B" * 150], ":2: flagged ",
    ),
    "bad.jsonl": (b'{"title": "ok"}\n{"title": \n', ["ok"], ":2: skipped: not valid JSON"),
}


@pytest.mark.parametrize("name", sorted(PARTIAL_INPUTS))
def test_partial_import_takes_the_good_papers_and_reports_the_rest(library_dir, tmp_path, capsys, name):
    data, titles, reported = PARTIAL_INPUTS[name]
    source = tmp_path / name
    source.write_bytes(data)
    code, out, err = run(capsys, "import", "--library", library_dir, source)
    assert code == 3, err
    assert f"{source}{reported}" in out and "Traceback" not in out + err
    with Library(library_dir) as library:
        assert sorted(p.display_title for p in library.list()) == sorted(titles)


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


# --- progress bars ------------------------------------------------------------------------


def many_papers(path, count):
    path.write_text("".join(json.dumps({"title": f"Study {n} of progress bars", "authors": [f"Author {n}"],
                                        "abstract": f"Finding {n} about long work."}) + "\n" for n in range(count)))
    return path


def bar_lines(err: str) -> list[str]:
    """What a terminal would show at the end: each line as its last redraw left it."""
    return [line.split("\r")[-1].rstrip() for line in err.split("\n")]


def test_progress_bars_show_each_phase_and_the_final_count(tmp_path, capsys):
    source = many_papers(tmp_path / "many.jsonl", 1200)
    library = tmp_path / "lib"
    code, out, err = run(capsys, "--progress", "import", "--library", library, source)
    assert code == 0 and out.strip() == f"{source} (jsonl): 1200 added, 0 merged, 0 already known, 0 skipped"
    assert "\r" in err and err.endswith("\n")
    shown = bar_lines(err)
    assert shown[0].startswith("storing   [") and shown[0].endswith("100%  1,200/1,200 papers")
    assert shown[1].startswith("indexing  [") and shown[1].endswith("100%  1,200/1,200 papers")
    assert shown[2:] == [""]
    assert "reading many.jsonl…" in err  # before the file is parsed, drawn over by the first phase

    target = tmp_path / "out.bib"
    code, out, err = run(capsys, "export", "--library", library, "-o", target, "--progress")
    assert code == 0 and out == ""
    assert bar_lines(err) == ["exporting [########################################] 100%  1,200/1,200 entries",
                              "wrote 1200 entries to " + str(target), ""]
    assert target.read_text().count("@") == 1200

    code, out, err = run(capsys, "export", "--library", library, "--progress")  # BibTeX on stdout, the bar on stderr
    assert code == 0 and out == target.read_text() and "\r" not in out
    assert bar_lines(err)[0].endswith("1,200/1,200 entries")

    code, out, err = run(capsys, "--progress", "reindex", "--library", library)
    assert code == 0 and out.strip() == "indexed 1200 papers"
    assert bar_lines(err) == ["indexing  [########################################] 100%  1,200/1,200 papers", ""]


def test_doctor_and_a_search_show_the_rebuild_of_the_index(tmp_path, capsys):
    from store import search as search_index

    library = tmp_path / "lib"
    run(capsys, "import", "--library", library, many_papers(tmp_path / "some.jsonl", 30))
    (library / "index" / search_index.GENERATION_FILE).unlink()
    code, out, err = run(capsys, "doctor", "--library", library, "--progress")
    assert code == 0 and out.strip().endswith("repaired 1 problem") and "fixed  search index" in out
    assert bar_lines(err)[0].startswith("indexing") and bar_lines(err)[0].endswith("30/30 papers")
    code, out, err = run(capsys, "doctor", "--library", library, "--progress")
    assert code == 0 and out.strip().endswith("healthy") and err == ""  # nothing to rebuild, no bar
    (library / "index" / search_index.GENERATION_FILE).unlink()
    code, out, err = run(capsys, "search", "--library", library, "--progress", "study")
    assert code == 0 and "Study" in out
    assert bar_lines(err)[:2] == ["papers-tui: the search index is missing; rebuilding it from the library…",
                                  "indexing  [########################################] 100%  30/30 papers"]


def test_scripts_and_pipes_get_no_control_characters(tmp_path, capsys, monkeypatch):
    from store import search as search_index

    library = tmp_path / "lib"
    source = many_papers(tmp_path / "many.jsonl", 600)
    results = [run(capsys, "import", "--library", library, source),
               run(capsys, "export", "--library", library, "-o", tmp_path / "out.bib"),
               run(capsys, "export", "--library", library),
               run(capsys, "reindex", "--library", library)]
    (library / "index" / search_index.GENERATION_FILE).unlink()
    results.append(run(capsys, "doctor", "--library", library))
    for code, out, err in results:
        assert code == 0
        assert "\r" not in err + out and "\x1b" not in err + out and "\b" not in err + out
    assert [err for _, _, err in results] == ["", f"wrote 600 entries to {tmp_path / 'out.bib'}\n", "", "", ""]

    # A terminal gets the bar unless --no-progress says otherwise.
    monkeypatch.setattr("tui.progress.is_terminal", lambda stream: True)
    assert "\r" in run(capsys, "reindex", "--library", library)[2]
    assert run(capsys, "reindex", "--library", library, "--no-progress")[2] == ""
    assert run(capsys, "--no-progress", "reindex", "--library", library)[2] == ""


def test_a_failed_import_erases_its_progress_line(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": \n[1, 2\n')  # no line readable: refused
    code, out, err = run(capsys, "import", "--library", tmp_path / "lib", "--progress", bad)
    assert code == 1 and out == ""
    note = "reading bad.jsonl…"
    assert err.startswith(f"\r{note}\r{' ' * len(note)}\r")  # drawn, then blanked out
    assert bar_lines(err)[0].startswith(f"papers-tui: {bad}") and bar_lines(err)[1:] == [""]


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_the_bar_is_throttled_and_always_draws_the_final_state():
    from tui.progress import ProgressBar

    stream, clock = io.StringIO(), FakeClock()
    with ProgressBar(stream, enabled=True, columns=80, clock=clock) as bar:
        for done in range(0, 10_001, 100):  # 101 calls in 0.5 s
            bar("index", done, 10_000)
            clock.now += 0.005
    draws = stream.getvalue().split("\r")[1:]
    assert 5 <= len(draws) <= 7  # ten a second, plus the final state
    assert draws[-1].rstrip() == "indexing  [########################################] 100%  10,000/10,000 papers"
    assert stream.getvalue().endswith("\n") and stream.getvalue().count("\n") == 1


def test_a_throttled_state_is_drawn_when_the_phase_changes():
    from tui.progress import ProgressBar

    stream, clock = io.StringIO(), FakeClock()
    bar = ProgressBar(stream, enabled=True, columns=60, clock=clock)
    bar("store", 500, 1000)
    bar("store", 900, 1000)  # too soon to draw
    bar("vectorise", 1, 3)  # a phase the bar has no name for shows its own
    bar.finish()
    lines = bar_lines(stream.getvalue())
    assert lines[0].endswith("900/1,000 papers") and lines[1].startswith("vectorise") and lines[1].endswith("1/3")
    assert lines[2:] == [""]


@pytest.mark.parametrize("columns", [12, 30, 50, 80, 200])
def test_the_bar_fits_the_terminal_and_nothing_to_do_is_done(columns):
    from tui.progress import ProgressBar

    stream = io.StringIO()
    with ProgressBar(stream, enabled=True, columns=columns) as bar:
        bar("store", 0, 0)
        bar("export", 123_456, 1_000_000)
    drawn = [piece for line in stream.getvalue().split("\n") for piece in line.split("\r") if piece]
    assert drawn and all(len(piece) <= columns - 1 for piece in drawn)
    if columns >= 50:
        assert drawn[0].startswith("storing   [####") and "100%  0/0 papers" in drawn[0]
        assert drawn[-1].startswith("exporting") and " 12%  123,456/1,000,000 entries" in drawn[-1]
    if columns >= 80:
        assert "[####-----" in drawn[-1]  # the bar itself when there is room for it


def test_a_disabled_bar_writes_nothing():
    from tui.progress import ProgressBar

    stream = io.StringIO()  # not a terminal
    with ProgressBar(stream) as bar:
        bar.note("reading x…")
        bar("store", 1, 1)
    assert stream.getvalue() == ""
