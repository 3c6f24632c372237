"""Export from a real library, end to end: the file a LaTeX user gets must compile."""

from __future__ import annotations

import bibtexparser
import pytest

from store.library import Library
from tui.cli import main

from .bibtex_check import needs_style, run_bibtex
from .conftest import EXAMPLES, SAMPLES


def inputs() -> list:
    examples = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".txt", ".bib", ".jsonl"))
    samples = sorted(SAMPLES.glob("*.txt")) if SAMPLES.is_dir() else []
    return examples + samples


def titled(library: Library) -> int:
    """How many papers an export writes: those without a title are left out (issue 14, item 7)."""
    return sum(1 for paper in library.list() if paper.title)


@pytest.fixture
def full_library(library_dir):
    with Library(library_dir) as library:
        library.import_paths([str(p) for p in inputs()])
        yield library


@pytest.mark.parametrize("style", ["arxiv", "scholar", "biblatex"])
def test_whole_library_export_parses(full_library, tmp_path, style):
    pybtex = pytest.importorskip("pybtex.database")
    target = tmp_path / f"all-{style}.bib"
    text = full_library.export(full_library.ids(), target, style=style)
    assert target.read_text(encoding="utf-8") == text
    parsed = bibtexparser.parse_string(text)
    assert not parsed.failed_blocks
    keys = [entry.key for entry in parsed.entries]
    assert len(keys) == titled(full_library) == len(set(keys))
    assert titled(full_library) < full_library.count()  # the samples hold untitled papers
    assert len(pybtex.parse_string(text, "bibtex").entries) == len(keys)


@pytest.mark.parametrize("bst", [pytest.param("plain", marks=needs_style("plain")),
                                 pytest.param("plainnat", marks=needs_style("plainnat"))])
@pytest.mark.parametrize("style", ["arxiv", "scholar"])
def test_whole_library_export_runs_through_bibtex(full_library, tmp_path, style, bst):
    code, log, bbl = run_bibtex(tmp_path, full_library.bibtex(full_library.ids(), style=style), bst)
    assert code == 0, log
    assert "Warning--" not in log and "error message" not in log, log
    assert bbl.count("\\bibitem") == titled(full_library)


def test_keys_are_frozen_by_export(full_library, tmp_path):
    """Papers get a key on first export; it stays through re-import and later exports.
    Papers without a title are left out and get none (issue 14, item 7)."""
    first = bibtexparser.parse_string(full_library.bibtex(full_library.ids()))
    full_library.import_paths([str(p) for p in inputs()])
    second = bibtexparser.parse_string(full_library.bibtex(full_library.ids()))
    assert [e.key for e in first.entries] == [e.key for e in second.entries]
    assert not any(p.key.startswith("untitled-") for p in full_library.list() if p.title)
    assert all(p.key.startswith("untitled-") for p in full_library.list() if not p.title)


def test_export_to_unwritable_place_keeps_old_file(full_library, tmp_path, capsys):
    target = tmp_path / "list.bib"
    target.write_text("old content")
    tmp_path.chmod(0o500)
    try:
        code = main(["export", "--library", str(full_library.directory), "-o", str(target)])
    finally:
        tmp_path.chmod(0o700)
    err = capsys.readouterr().err
    if code == 0:
        pytest.skip("running as a user who can write anywhere (root): cannot make a read-only directory")
    assert code == 1 and "Permission denied" in err
    assert target.read_text() == "old content"


@pytest.mark.parametrize("style", ["arxiv", "scholar", "biblatex"])
def test_export_import_export_is_byte_identical(full_library, tmp_path, style):
    first = full_library.export(full_library.ids(), tmp_path / "first.bib", style=style)
    with Library(tmp_path / "second-library") as second:
        report = second.import_paths([str(tmp_path / "first.bib")])[0]
        assert (report.added, report.skipped) == (titled(full_library), [])
        assert second.export(second.ids(), None, style=style) == first


def test_string_macros_from_a_file_imported_before(library, tmp_path):
    (tmp_path / "abbrev.bib").write_text('@string{tacl = "Transactions of the ACL"}\n@misc{dummy, title={Placeholder}}\n')
    (tmp_path / "refs.bib").write_text("@article{a2020x, title={Xylophones}, author={A, B}, journal=tacl # { 8}, year=2020}\n")
    library.import_paths([str(tmp_path / "abbrev.bib")])
    library.import_paths([str(tmp_path / "refs.bib")])
    assert library.search("title:xylophones")[0].venue == "Transactions of the ACL 8"


def test_crossref_parent_is_kept_and_exported_after_its_child(library, tmp_path):
    (tmp_path / "x.bib").write_text(
        "@inproceedings{smith2020a, title={Paper A}, author={Smith, Jane}, crossref={acl2020}, pages={1--9}}\n"
        "@proceedings{acl2020, title={Proceedings of ACL 2020}, year={2020}, publisher={ACL}}\n"
    )
    report = library.import_paths([str(tmp_path / "x.bib")])[0]
    assert (report.added, report.skipped) == (2, [])
    child, parent = library.search("key:smith2020a")[0], library.search("key:acl2020")[0]
    assert (child.venue, child.year, child.extra["crossref"]) == ("Proceedings of ACL 2020", 2020, "acl2020")
    assert parent.extra["publisher"] == "ACL" and "publisher" not in child.extra
    text = library.bibtex(library.ids())
    assert text.index("{smith2020a,") < text.index("{acl2020,")


def test_macro_file_then_the_file_using_it_in_one_command_or_two_gives_the_same_library(tmp_path):
    (tmp_path / "abbrev.bib").write_text('@string{tacl = "Transactions of the ACL"}\n@string{mit = {MIT Press}}\n')
    (tmp_path / "refs.bib").write_text(
        "@article{a2020x, title={Xylophones}, author={A, B}, journal=tacl # { 8}, year=2020, publisher=mit}\n"
    )
    paths = [str(tmp_path / "abbrev.bib"), str(tmp_path / "refs.bib")]
    with Library(tmp_path / "one") as one, Library(tmp_path / "two") as two:
        reports = one.import_paths(paths)
        assert [(r.added, r.skipped) for r in reports] == [(0, []), (1, [])]
        for path in paths:
            two.import_paths([path])
        assert one.bibtex(one.ids()) == two.bibtex(two.ids())
        assert one.list()[0].venue == "Transactions of the ACL 8" and one.list()[0].extra["publisher"] == "MIT Press"


def test_keys_given_by_export_are_searchable(library):
    # A title and no author: not keyed on import, keyed by the export (anon...).
    library.import_text('{"title": "A Paper Known Only by Its Title", "date": "2023-01-01"}\n')
    (paper,) = library.list()
    library.bibtex([paper.id])
    (keyed,) = library.list()
    assert not keyed.key.startswith("untitled-")
    assert [p.id for p in library.search(f"key:{keyed.key}")] == [paper.id]
    assert library.index_is_current()
