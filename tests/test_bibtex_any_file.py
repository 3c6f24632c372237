"""Any .bib a user has is read; crossrefs survive; export is a fixed point of import."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from store.bibtex import (
    MAX_BRACE_DEPTH,
    STYLES,
    add_crossref_parents,
    crossref_order,
    export_bibtex,
    ids_of,
    parse_bibtex,
)
from store.model import ImportFormatError
from tui.cli import main

from .bibtex_check import needs_bibtex, run_bibtex
from .test_bibtex import make_paper, paper_from_record


def papers(text: str, macros: dict | None = None) -> list:
    return [paper_from_record(r, i) for i, r in enumerate(parse_bibtex(text, "x.bib", macros).records)]


def deep(depth: int) -> str:
    return "{" * depth + "x" + "}" * depth


# --- files that are not a list of entries ---------------------------------------------


def test_a_file_of_only_strings_preambles_and_comments_is_read():
    result = parse_bibtex('@comment{nothing}\n@string{tacl = {Trans. ACL}}\n@preamble{"\\newcommand{\\x}{}"}\n', "a.bib")
    assert (result.records, result.skipped) == ([], [])
    assert result.macros == {"tacl": "Trans. ACL"}
    assert result.preambles == ['"\\newcommand{\\x}{}"']


def test_macros_carry_to_the_next_file_through_the_dict_passed_in():
    macros: dict[str, str] = {}
    parse_bibtex("@string{tacl = {Transactions of the ACL}}\n", "abbrev.bib", macros)
    (record,) = parse_bibtex("@article{a, title={T}, journal = tacl}\n", "refs.bib", macros).records
    assert record.venue == "Transactions of the ACL"


def test_only_broken_entries_is_an_error_naming_the_first():
    with pytest.raises(ImportFormatError) as caught:
        parse_bibtex("\n@article{one, title = {T\n\n@article{two title={T}}\n", "x.bib")
    assert caught.value.line == 2 and "'one'" in caught.value.message


def test_every_broken_entry_is_reported_and_the_others_read():
    text = "@article{a, title={A}}\n@article{b title={B}}\n@article{c, title={C}}\n@misc{d, title = {D\n@misc{e, title={E}}\n"
    result = parse_bibtex(text, "x.bib")
    assert [r.key for r in result.records] == ["a", "c", "e"]
    assert [(s.line, "'" + k + "'" in s.reason) for s, k in zip(result.skipped, "bd", strict=True)] == [(2, True), (4, True)]


# --- nesting depth -------------------------------------------------------------------


def test_braces_nested_past_the_limit_skip_that_entry_only():
    text = f"@article{{ok, title={{Fine}}}}\n@article{{deep, title={deep(300)}}}\n@article{{after, title={{After}}}}\n"
    result = parse_bibtex(text, "x.bib")
    assert [r.key for r in result.records] == ["ok", "after"]
    (skip,) = result.skipped
    assert skip.line == 2 and "'deep'" in skip.reason and f"limit is {MAX_BRACE_DEPTH}" in skip.reason


def test_the_limit_is_exact():
    # The outermost braces delimit the value: inside it, braces nest MAX_BRACE_DEPTH deep.
    at_limit = parse_bibtex(f"@misc{{k, title = {deep(MAX_BRACE_DEPTH + 1)}}}", "x.bib")
    assert at_limit.records[0].title == "x"
    over = parse_bibtex(f"@misc{{k, title = {deep(MAX_BRACE_DEPTH + 2)}}}", "x.bib")
    assert not over.records and over.skipped


@pytest.mark.parametrize("name", ["author", "journal", "note", "year"])
def test_deep_values_in_any_field_or_macro_are_skipped_not_a_crash(name):
    for text in (f"@misc{{k, title={{T}}, {name} = {deep(5000)}}}",
                 f"@string{{m = {deep(5000)}}}\n@misc{{k, title={{T}}, {name} = m}}"):
        result = parse_bibtex(text, "x.bib")
        assert not result.records and "nests braces" in result.skipped[0].reason


def test_import_of_a_value_nested_300_deep_prints_no_traceback(tmp_path, capsys):
    bib = tmp_path / "deep.bib"
    bib.write_text(f"@article{{good, title={{Good}}, author={{Doe, Jane}}}}\n@article{{deep, title={deep(300)}}}\n")
    code = main(["import", "--library", str(tmp_path / "lib"), str(bib)])
    out, err = capsys.readouterr()
    assert code == 3, err  # a partial import
    assert "Traceback" not in out + err and "RecursionError" not in out + err
    assert f"{bib}:2: skipped: entry 'deep' skipped: its title nests braces" in out


# --- crossref ------------------------------------------------------------------------

CROSSREF = (
    "@proceedings{acl2020, title={Proceedings of ACL 2020}, year={2020}, publisher={ACL}, doi={10.1/proc}}\n"
    "@inproceedings{smith2020a, title={Paper A}, author={Smith, Jane}, crossref={ACL2020}, pages={1--9}}\n"
    "@inproceedings{doe2020b, title={Paper B}, author={Doe, John}, crossref={acl2020}}\n"
)


def test_crossref_parent_is_a_record_and_children_take_their_columns_from_it():
    records = {r.key: r for r in parse_bibtex(CROSSREF, "x.bib").records}
    assert set(records) == {"acl2020", "smith2020a", "doe2020b"}
    child = records["smith2020a"]
    assert (child.venue, child.date, child.doi) == ("Proceedings of ACL 2020", "2020", None)  # never the parent's DOI
    assert child.extra == {"crossref": "ACL2020", "pages": "1--9"}  # the parent's publisher stays the parent's
    assert records["acl2020"].extra["publisher"] == "ACL"


def test_a_parent_without_title_is_kept_and_exported_without_a_stand_in():
    text = "@article{a, title={A}, author={X, Y}, crossref={vol}}\n@misc{vol, journal={J}, year={1999}, key={Vol}}\n"
    parent = papers(text)[1]
    entry = export_bibtex([parent])
    assert "title" not in entry and "  key = {Vol},\n" in entry


@pytest.mark.parametrize("style", STYLES)
def test_export_writes_children_before_parents_and_keeps_crossref(style):
    text = export_bibtex(papers(CROSSREF), style=style)
    assert text.index("{smith2020a,") < text.index("{acl2020,") and text.index("{doe2020b,") < text.index("{acl2020,")
    assert "  crossref = {ACL2020}" in text


def test_export_drops_a_crossref_to_an_entry_not_exported():
    child = papers(CROSSREF)[1]
    assert "crossref" not in export_bibtex([child])
    assert "crossref = {ACL2020}" in export_bibtex([child], exported_keys={"smith2020a", "acl2020"})


@needs_bibtex
def test_bibtex_inherits_from_the_kept_parent_without_errors(tmp_path):
    code, log, bbl = run_bibtex(tmp_path, export_bibtex(papers(CROSSREF)))
    assert "error message" not in log and "bad cross reference" not in log, log
    assert bbl.count("\\bibitem") == 3


@dataclass
class Keyed:
    key: str
    extra: dict = field(default_factory=dict)


def test_crossref_order_puts_grandparents_last_and_survives_cycles():
    book, part, chapter, other = Keyed("book"), Keyed("part", {"crossref": "Book"}), Keyed("ch", {"crossref": "part"}), Keyed("z")
    assert [p.key for p in crossref_order([book, part, other, chapter])] == ["z", "ch", "part", "book"]
    a, b = Keyed("a", {"crossref": "b"}), Keyed("b", {"crossref": "a"})
    assert sorted(p.key for p in crossref_order([a, b])) == ["a", "b"]


def test_add_crossref_parents_for_a_partial_export():
    store = {p.key.lower(): p for p in (Keyed("book"), Keyed("part", {"crossref": "book"}), Keyed("ch", {"crossref": "part"}))}
    needed = add_crossref_parents([store["ch"], Keyed("lone", {"crossref": "missing"})], store.get)
    assert [p.key for p in needed] == ["ch", "lone", "part", "book"]


# --- round trips -----------------------------------------------------------------------

ZOTERO = """@article{strubell_energy_2019,
\ttitle = {Energy and {Policy} {Considerations} for {Deep} {Learning} in {NLP}},
\turl = {http://arxiv.org/abs/1906.02243},
\turldate = {2020-08-29},
\tjournal = {arXiv:1906.02243 [cs]},
\tauthor = {Strubell, Emma and Ganesh, Ananya and McCallum, Andrew},
\tmonth = jun,
\tyear = {2019},
\tnote = {arXiv: 1906.02243},
\tkeywords = {Computer Science - Computation and Language},
}
@article{author_title_2011, title = {A title}, author = {Doe, Jane}, journal = {arXiv:1111.1797 [cs]}, year = {2011}}
@article{old, title = {Higher-Dimensional Algebra}, author = {Baez, John}, journal = {arXiv preprint arXiv:math/0307200}}
@article{quotes, title = {The actor{\\textquoteright}s view: {\\textquotedblleft}planning{\\textquotedblright}}, author = {A, B}}
@misc{doi, title = {T}, author = {A, B}, doi = {DOI:  https://doi.org/10.31399/ASM.hb}}
@book{eds, title = {T}, editor = {Ryszard Michalski, Jaime G. Carbonell, and Tom M. Mitchell}}
"""


@pytest.mark.parametrize("style", STYLES)
def test_zotero_and_other_odd_entries_export_import_export_the_same_bytes(style):
    first = export_bibtex(papers(ZOTERO), style=style)
    assert export_bibtex(papers(first), style=style) == first


def test_zotero_arxiv_journal_is_the_arxiv_id_not_a_venue():
    zotero, plain, old, *_ = parse_bibtex(ZOTERO, "z.bib").records
    assert (zotero.arxiv_id, zotero.venue, plain.arxiv_id, old.arxiv_id) == ("1906.02243", None, "1111.1797", "math/0307200")
    assert "journal" not in zotero.extra


def test_doi_with_two_prefixes_and_a_prose_list_of_editors():
    *_, doi, eds = parse_bibtex(ZOTERO, "z.bib").records
    assert doi.doi == "10.31399/asm.hb"
    assert eds.extra["editor"] == "Ryszard Michalski and Jaime G. Carbonell and Tom M. Mitchell"


# --- aliases (the keys a paper was also imported under) -----------------------------------


@dataclass
class WithAliases:
    paper: object
    aliases: list

    def __getattr__(self, name):
        return getattr(self.paper, name)


def test_aliases_become_ids_in_biblatex_and_copies_in_bibtex_styles():
    paper = WithAliases(make_paper("millidge2020deep", title="Deep active inference", authors=["Beren Millidge"], date="2020"),
                        ["millidge2019deep", "millidge_deep_2019"])
    biblatex = export_bibtex([paper], style="biblatex")
    assert "  ids = {millidge2019deep,millidge_deep_2019},\n" in biblatex
    bibtex = export_bibtex([paper], style="arxiv")
    assert [line for line in bibtex.splitlines() if line.startswith("@")] == [
        "@misc{millidge2020deep,", "@misc{millidge2019deep,", "@misc{millidge_deep_2019,"]
    assert export_bibtex([paper], style="arxiv", aliases=False).count("@misc") == 1


def test_biblatex_ids_are_read_back_as_the_other_keys():
    paper = WithAliases(make_paper("k1", title="T", authors=["A B"]), ["k2", "k3"])
    (record,) = parse_bibtex(export_bibtex([paper], style="biblatex"), "x.bib").records
    assert (record.key, ids_of(record.extra)) == ("k1", ["k2", "k3"])
