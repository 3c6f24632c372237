"""Issue 11's partial imports through the store and the CLI: flags kept on the paper they
became (`is:flagged`), cleared once checked; the report as text and as data; exit codes.
Issue 14 items 4 and 6: `list --format jsonl` imports back losslessly, and pasted BibTeX
that starts with `%` comments is recognised as in a file."""

from __future__ import annotations

import dataclasses
import json

import pytest

from store.library import Library
from tui.cli import main

CUT_OFF_LISTING = (
    "A" * 150 + "\narXiv:2301.03988\n"  # a first paper with its id
    + "We study what happens when a listing is cut off before the id of its last paper. " * 2 + "\n"
)


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_flagged_entry_flags_the_paper_it_became_until_checked(library_dir, tmp_path, capsys):
    source = tmp_path / "cut.txt"
    source.write_text(CUT_OFF_LISTING)
    code, out, err = run(capsys, "import", "--library", library_dir, source)
    assert code == 3, err
    assert f"{source}:3: flagged untitled-2: arXiv listing: no id after this paper" in out
    with Library(library_dir) as library:
        (flagged,) = library.list("is:flagged")
        assert flagged.flags == ["arXiv listing: no id after this paper (the listing looks cut off)"]
        assert flagged.abstract.startswith("We study what happens")
        assert [p.id for p in library.list("is:flagged cut")] == [flagged.id]  # the index holds is:flagged too
        assert library.list("is:flagged", sort="title") and library.count() == 2
    # The user checked it: the flag goes, from the store and from the index.
    assert run(capsys, "mark", "--library", library_dir, f"untitled-{flagged.id}", "--checked")[0] == 0
    with Library(library_dir) as library:
        assert library.list("is:flagged") == [] and library.list("is:flagged cut") == []
        assert library.get(flagged.id).flags == []
    # The same listing again changes nothing on the paper: it is not flagged again.
    code, out, _ = run(capsys, "import", "--library", library_dir, source)
    assert code == 0 and out.endswith("2 already known, 0 skipped\n") and len(out.splitlines()) == 1
    with Library(library_dir) as library:
        assert library.list("is:flagged") == []


def test_a_merged_paper_takes_the_flag_of_the_record_that_changed_it(library_dir):
    with Library(library_dir) as library:
        library.import_text(json.dumps({"title": "A paper", "arxiv_id": "2301.00001"}) + "\n", "first.jsonl")
        guessed = {"title": "A paper", "arxiv_id": "2301.00001", "venue": "ACL", "flags": ["byline: a guess"]}
        report = library.import_text(json.dumps(guessed) + "\n", "second.jsonl")
        assert (report.merged, [f.reasons for f in report.flagged]) == (1, [["byline: a guess"]])
        (paper,) = library.list("is:flagged")
        assert paper.venue == "ACL" and paper.flags == ["byline: a guess"]
        library.clear_flags([paper.id])
        assert library.list("is:flagged") == []


def test_import_json_gives_the_whole_report_as_data(library_dir, tmp_path, capsys):
    source = tmp_path / "mixed.jsonl"
    source.write_text('{"title": "Good"}\nnot json\n{"title": "Guess", "flags": ["byline: a guess"]}\n')
    code, out, _ = run(capsys, "import", "--library", library_dir, "--json", source)
    assert code == 3
    report = json.loads(out)
    assert report["partial"] is True
    (only,) = report["inputs"]
    assert (only["source"], only["format"], only["added"], only["merged"], only["unchanged"]) == (
        str(source), "jsonl", 2, 0, 0)
    assert only["skipped"] == [{"line": 2, "reason": "not valid JSON: Expecting value (column 1)"}]
    assert only["flagged"] == [{"line": 3, "key": "untitled-2", "title": "Guess", "reasons": ["byline: a guess"]}]


def test_exit_codes_complete_partial_refused_usage(library_dir, tmp_path, capsys):
    good, partial, junk = tmp_path / "good.jsonl", tmp_path / "partial.jsonl", tmp_path / "junk.jsonl"
    good.write_text('{"title": "Good"}\n')
    partial.write_text('{"title": "Other"}\n{"title": \n')
    junk.write_text('{"title": \n')
    assert run(capsys, "import", "--library", library_dir, good)[0] == 0
    assert run(capsys, "import", "--library", library_dir, partial)[0] == 3
    assert run(capsys, "import", "--library", library_dir, junk)[0] == 1
    with pytest.raises(SystemExit) as usage:
        main(["import", "--library", str(library_dir), "--format", "nonsense", str(good)])
    assert usage.value.code == 2


def test_list_jsonl_imports_back_every_field_and_the_users_state(library_dir, tmp_path, capsys):
    bib = tmp_path / "refs.bib"
    bib.write_text("@inproceedings{smith2020cats,\n  title = {Cats and Dogs},\n  author = {Smith, Jo and Lee, Al},\n"
                   "  booktitle = {Proc. of Pets},\n  year = {2020},\n  pages = {1--9},\n  publisher = {ACM}\n}\n")
    cut = tmp_path / "cut.txt"
    cut.write_text(CUT_OFF_LISTING)
    assert run(capsys, "import", "--library", library_dir, bib, cut)[0] == 3
    with Library(library_dir) as library:
        cats = next(p for p in library.list() if p.title == "Cats and Dogs")
        library.mark([cats.id], read=True, starred=True)
        library.tag([cats.id], add=["pets", "to-read"])
        library.set_note(cats.id, "Read section 3.\nTwice.")
    code, dump, _ = run(capsys, "list", "--library", library_dir, "--format", "jsonl")
    assert code == 0 and len(dump.splitlines()) == 3
    (tmp_path / "dump.jsonl").write_text(dump)
    code, _, err = run(capsys, "import", "--library", tmp_path / "copy", tmp_path / "dump.jsonl")
    assert code == 3, err  # the flagged paper is still flagged: there is something to check

    def fields(directory):
        with Library(directory) as library:
            papers = library.list()
        # The row id and when this library got the paper are the library's own (and an
        # unkeyed paper's `untitled-N` handle names its row).
        rows = [{k: v for k, v in dataclasses.asdict(p).items() if k not in ("id", "added")} for p in papers]
        for row in rows:
            row["key"] = None if row["key"].startswith("untitled-") else row["key"]
        return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True))

    original = fields(library_dir)
    assert fields(tmp_path / "copy") == original
    cats = next(p for p in original if p["title"] == "Cats and Dogs")
    assert cats["key"] == "smith2020cats" and cats["read"] and cats["starred"] and cats["read_at"]
    assert cats["tags"] == ["pets", "to-read"] and cats["note"] == "Read section 3.\nTwice."
    assert cats["extra"]["pages"] == "1--9" and cats["entry_type"] == "inproceedings"
    assert any(p["flags"] for p in original)


def test_a_json_array_is_refused_saying_which_export_imports_back(imported_array_dir, capsys):
    library_dir, array = imported_array_dir
    code, _, err = run(capsys, "import", "--library", library_dir / "copy", array)
    assert code == 1 and "list --format jsonl" in err


@pytest.fixture
def imported_array_dir(library_dir, tmp_path, capsys):
    source = tmp_path / "one.jsonl"
    source.write_text('{"title": "One"}\n')
    run(capsys, "import", "--library", library_dir, source)
    _, out, _ = run(capsys, "list", "--library", library_dir, "--json")
    array = tmp_path / "array.json"
    array.write_text(out)
    return library_dir, array


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_pasted_bibtex_starting_with_comments_is_recognised_as_in_a_file(library_dir, tmp_path, capsys, newline):
    text = newline.join([
        "% Exported from a reference manager", "%% on Tuesday", "",
        "@article{doe2021,", "  title = {Pasted Paper},", "  author = {Doe, Jane},", "  year = {2021}", "}", "",
    ])
    with Library(library_dir) as library:
        report = library.import_text(text, "<pasted>")
        assert (report.format, report.added) == ("bibtex", 1)
    source = tmp_path / "comments.bib"
    source.write_bytes(text.encode())
    code, out, _ = run(capsys, "import", "--library", tmp_path / "other", source)
    assert code == 0 and "(bibtex): 1 added" in out
