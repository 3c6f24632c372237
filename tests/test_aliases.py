"""Citation keys that came in keep resolving (issue 12): a paper merged from
entries under several keys keeps them all as aliases; keys are unique without
regard to case; export writes the aliases; papers without a title stay out of
citations and get no frozen key (issue 14, item 7)."""

from __future__ import annotations

import json

import bibtexparser
import pytest

from store.errors import LibraryError
from store.library import Library
from tui.cli import main

from .bibtex_check import needs_bibtex, run_bibtex

# The same paper under three keys, as a thesis .bib had it (issue 12).
THESIS = """\
@article{millidge2020deep,
  title = {Deep Active Inference as Variational Policy Gradients},
  author = {Millidge, Beren},
  journal = {Journal of Mathematical Psychology},
  year = {2020},
  doi = {10.1016/j.jmp.2020.102348}
}
@misc{millidge2019deep,
  title = {Deep active inference as variational policy gradients},
  author = {Beren Millidge},
  year = {2020},
  doi = {10.1016/j.jmp.2020.102348}
}
@article{millidge_deep_2019,
  title = {Deep {Active} {Inference} as {Variational} {Policy} {Gradients}},
  author = {Millidge, Beren},
  journal = {Journal of Mathematical Psychology},
  year = {2020},
  doi = {10.1016/j.jmp.2020.102348}
}
"""
THESIS_KEYS = ["millidge2020deep", "millidge2019deep", "millidge_deep_2019"]


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return code, out, err


def written_keys(text: str) -> list[str]:
    return [entry.key for entry in bibtexparser.parse_string(text).entries]


def test_one_paper_under_three_keys_keeps_two_as_aliases_and_all_resolve_after_export(library, tmp_path):
    report = library.import_text(THESIS, "thesis.bib")
    (paper,) = library.list()
    assert (paper.key, paper.aliases) == ("millidge2020deep", ["millidge2019deep", "millidge_deep_2019"])
    assert (report.added, report.merged) == (1, 2)
    assert library.resolve(THESIS_KEYS) == [paper.id] * 3
    assert library.resolve(["MILLIDGE2019DEEP"]) == [paper.id]  # bibtex ignores case; so does resolve
    for style in ("arxiv", "scholar"):
        assert written_keys(library.bibtex(library.ids(), style=style)) == THESIS_KEYS
    biblatex = library.bibtex(library.ids(), style="biblatex")
    assert written_keys(biblatex) == ["millidge2020deep"] and "ids = {millidge2019deep,millidge_deep_2019}" in biblatex
    # ...and after the export goes into another library, in every style.
    for style in ("arxiv", "scholar", "biblatex"):
        (tmp_path / f"{style}.bib").write_text(library.bibtex(library.ids(), style=style))
        with Library(tmp_path / style) as again:
            again.import_paths([str(tmp_path / f"{style}.bib")])
            (copy,) = again.list()
            assert (copy.key, copy.aliases) == (paper.key, paper.aliases)
            assert again.resolve(THESIS_KEYS) == [copy.id] * 3


@needs_bibtex
def test_a_document_citing_every_key_compiles(library, tmp_path):
    library.import_text(THESIS, "thesis.bib")
    code, log, bbl = run_bibtex(tmp_path, library.bibtex(library.ids()))
    assert code == 0 and "error message" not in log, log
    assert all(f"\\bibitem{{{key}}}" in bbl for key in THESIS_KEYS)


def test_every_command_that_takes_a_key_takes_an_alias(library_dir, capsys):
    with Library(library_dir) as library:
        library.import_text(THESIS, "thesis.bib")
    assert cli(capsys, "mark", "--library", library_dir, "millidge_deep_2019", "--read", "--star")[0] == 0
    assert cli(capsys, "tag", "--library", library_dir, "Millidge2019Deep", "--add", "to-cite")[0] == 0
    with Library(library_dir) as library:
        (paper,) = library.list()
        assert (paper.read, paper.starred, paper.tags) == (True, True, ["to-cite"])
    code, _, err = cli(capsys, "mark", "--library", library_dir, "millidge2018deep", "--read")
    assert code == 1 and "no paper with key millidge2018deep" in err


def test_key_search_finds_a_paper_by_an_alias(library):
    library.import_text(THESIS, "thesis.bib")
    (paper,) = library.list()
    for key in THESIS_KEYS:
        assert [found.id for found in library.search(f"key:{key}")] == [paper.id]
    assert [found.id for found in library.list(query="key:millidge_deep_2019")] == [paper.id]


def test_biblatex_ids_are_read_as_aliases_and_written_back(library):
    library.import_text("@article{main2020, title={Main Paper}, author={Doe, Jane}, year={2020},"
                        " ids={old2019, Older2018}}\n", "ids.bib")
    (paper,) = library.list()
    assert paper.aliases == ["old2019", "Older2018"] and "ids" not in paper.extra
    assert library.resolve(["older2018"]) == [paper.id]
    assert "ids = {old2019,Older2018}" in library.bibtex([paper.id], style="biblatex")


def test_keys_are_unique_without_regard_to_case(library, tmp_path):
    """bibtex takes `Smith80` and `smith80` for one entry ("Repeated entry"): the
    second paper gets a key of its own, and the import says so."""
    report = library.import_text(
        "@article{Smith80, title={Apples}, author={Smith, Ann}, year={1980}}\n"
        "@article{smith80, title={Oranges}, author={Smith, Bob}, year={1980}}\n", "fruit.bib")
    keys = sorted(paper.key for paper in library.list())
    assert keys == ["Smith80", "smith1980oranges"]
    assert report.notes == ["line 2: key 'smith80' repeats an earlier entry's, another paper;"
                            " this entry is cited as 'smith1980oranges'"]
    # A key made later steps around an alias that differs only in case.
    library.import_text("@article{main, title={Pears}, author={Doe, Jane}, year={2021}, ids={Doe2021Plums}}\n")
    library.import_text('{"title": "Plums", "authors": ["Jane Doe"], "date": "2021"}\n')
    assert library.list(query="title:plums")[0].key == "doe2021plumsa"


def test_no_aliases_writes_each_paper_once(library_dir, capsys, tmp_path):
    with Library(library_dir) as library:
        library.import_text(THESIS, "thesis.bib")
    code, out, _ = cli(capsys, "export", "--library", library_dir, "--no-aliases")
    assert code == 0 and written_keys(out) == ["millidge2020deep"]
    code, out, _ = cli(capsys, "export", "--library", library_dir, "--style", "biblatex", "--no-aliases")
    assert code == 0 and "ids =" not in out


def test_a_partial_export_brings_the_crossref_parents_its_papers_need(library):
    library.import_text(
        "@inproceedings{child2020, title={A Child Paper}, author={Kid, Ann}, crossref={procs2020}}\n"
        "@inproceedings{other2020, title={Another Paper}, author={Else, Bob}, crossref={procs2020}}\n"
        "@proceedings{procs2020, title={Proceedings of Things 2020}, year={2020}, crossref={series}}\n"
        "@book{series, title={A Series of Proceedings}, publisher={Pub}}\n", "x.bib")
    (child,) = library.resolve(["child2020"])
    text = library.bibtex([child])
    assert written_keys(text) == ["child2020", "procs2020", "series"]
    assert "crossref = {procs2020}" in text


def test_a_crossref_naming_a_parent_by_its_alias_names_its_key(library, tmp_path):
    library.import_text(
        "@proceedings{procs, title={Proceedings of Things 2020}, year={2020}, ids={things2020}}\n"
        "@inproceedings{child2020, title={A Child Paper}, author={Kid, Ann}, crossref={things2020}}\n", "x.bib")
    for style in ("arxiv", "biblatex"):
        text = library.bibtex(library.ids(), style=style)
        assert "crossref = {procs}" in text
        assert text.index("{child2020,") < text.index("{procs,")


def test_preambles_are_kept_and_written_once(library):
    bib = '@preamble{"\\newcommand{\\noopsort}[1]{}"}\n@book{k, title={{\\noopsort{a}}Title}, author={A, B}, year=1}\n'
    library.import_text(bib, "a.bib")
    library.import_text(bib, "a.bib")
    text = library.bibtex(library.ids())
    assert text.startswith("@preamble{") and text.count("@preamble") == 1


def test_a_latin1_bib_is_read_with_a_note(library_dir, tmp_path, capsys):
    (tmp_path / "old.bib").write_bytes("@article{k, title={Caf\xe9s}, author={Dur\xe1n, Ana}, year=1999}\n".encode("latin-1"))
    code, out, _ = cli(capsys, "import", "--library", library_dir, tmp_path / "old.bib")
    assert code == 0 and "note: not valid UTF-8 (first at line 1): read as Latin-1" in out
    with Library(library_dir) as library:
        assert [(p.title, p.authors) for p in library.list()] == [("Cafés", ["Ana Durán"])]


# --- issue 14, item 7: papers without a title ----------------------------------------------

UNTITLED = json.dumps({"abstract": "The BigScience Workshop was a value-driven initiative that spanned one year.",
                       "arxiv_id": "2303.04715", "date": "2023-03-08"}) + "\n"


def test_export_leaves_out_untitled_papers_with_a_warning_naming_them(library_dir, capsys):
    with Library(library_dir) as library:
        library.import_text(UNTITLED + json.dumps({"title": "Cited", "authors": ["A. Writer"], "date": "2023"}) + "\n")
        untitled = next(paper for paper in library.list() if not paper.title)
    code, out, err = cli(capsys, "export", "--library", library_dir)
    assert code == 0 and written_keys(out) == ["writer2023cited"] and "[no title]" not in out
    assert f"warning: left out 1 paper without a title: {untitled.key} ([no title] The BigScience" in err
    with Library(library_dir) as library:
        assert library.get(untitled.id).key == untitled.key == f"untitled-{untitled.id}"  # no key frozen


def test_copying_the_bibtex_of_a_paper_with_neither_title_nor_author_freezes_no_key(library):
    library.import_text(UNTITLED)
    (paper,) = library.list()
    result = library.export_bibtex([paper.id])  # what `y` in the app does, through Library.bibtex
    assert (result.text, [p.id for p in result.left_out]) == ("", [paper.id])
    assert library.get(paper.id).key.startswith("untitled-")


def test_a_later_import_gives_a_stand_in_key_its_real_key_and_keeps_it_as_an_alias(library):
    library.import_text(json.dumps({"title": "Spacerini: Plug-and-play Search Engines", "arxiv_id": "2302.14534",
                                    "date": "2023-02-28"}) + "\n")
    (paper,) = library.list()
    library.bibtex([paper.id])  # an export: the paper has no author yet
    assert library.get(paper.id).key == "anon2023spacerini"
    library.import_text("@misc{akiki2023spacerini, title={Spacerini: Plug-and-play Search Engines},"
                        " author={Akiki, Christopher}, eprint={2302.14534}, archivePrefix={arXiv}, year={2023}}\n")
    now = library.get(paper.id)
    assert (now.key, now.aliases) == ("akiki2023spacerini", ["anon2023spacerini"])
    assert library.resolve(["akiki2023spacerini", "anon2023spacerini"]) == [paper.id] * 2


def test_a_frozen_anon_key_from_an_older_papers_tui_gives_way_to_the_real_one(library):
    """Older versions keyed papers with neither title nor author on export (`anon2023`)."""
    library.import_text(UNTITLED)
    (paper,) = library.list()
    with library.db.transaction() as conn:  # the state such a library was left in
        conn.execute("UPDATE papers SET key = 'anon2023a' WHERE id = ?", (paper.id,))
    library.import_text(json.dumps({"title": "BLOOM", "authors": ["BigScience Workshop"], "arxiv_id": "2303.04715"}) + "\n")
    now = library.get(paper.id)
    assert (now.key, now.aliases) == ("workshop2023bloom", ["anon2023a"])


def test_a_key_read_from_a_file_is_never_replaced(library):
    library.import_text("@misc{myown, eprint={2303.04715}, archivePrefix={arXiv}, year={2023}}\n")
    library.import_text(json.dumps({"title": "BLOOM", "authors": ["BigScience Workshop"], "arxiv_id": "2303.04715"}) + "\n")
    (paper,) = library.list()
    assert (paper.key, paper.aliases) == ("myown", [])


@pytest.mark.parametrize("handle", ["millidge2019deep", "MILLIDGE_DEEP_2019"])
def test_resolve_raises_for_nothing_else(library, handle):
    library.import_text(THESIS, "thesis.bib")
    assert len(library.resolve([handle])) == 1
    with pytest.raises(LibraryError):
        library.resolve([handle + "x"])
