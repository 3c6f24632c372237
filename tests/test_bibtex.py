"""BibTeX import (parse_bibtex), export (export_bibtex) and citation keys."""

from __future__ import annotations

from pathlib import Path

import bibtexparser
import pybtex.database
import pytest

from store.bibtex import STYLES, export_bibtex, make_citation_key, parse_bibtex
from store.model import ImportFormatError, Paper, PaperRecord

from .bibtex_check import needs_bibtex, run_bibtex

DATA = Path(__file__).parent / "data" / "bib"


def parse_one(text: str) -> PaperRecord:
    result = parse_bibtex(text, "test.bib")
    assert not result.skipped
    assert len(result.records) == 1
    return result.records[0]


def parse_file(name: str):
    return parse_bibtex((DATA / name).read_text(encoding="utf-8"), name)


def make_paper(key: str, **fields) -> Paper:
    values = dict(
        id=1, key=key, title=None, authors=[], authors_truncated=False, orgs=[], date=None,
        category=None, has_code=False, arxiv_id=None, doi=None, url=None, venue=None, comments=[],
        abstract=None, tags=[], read=False, starred=False, note="", added="2024-01-01",
    )
    values.update(fields)
    return Paper(**values)


def paper_from_record(record: PaperRecord, index: int) -> Paper:
    """What the store would build from an imported record."""
    return make_paper(
        record.key, id=index, title=record.title, authors=record.authors,
        authors_truncated=record.authors_truncated, date=record.date, category=record.category,
        arxiv_id=record.arxiv_id, doi=record.doi, url=record.url, venue=record.venue,
        abstract=record.abstract, extra=dict(record.extra), entry_type=record.entry_type,
    )


# Papers covering the export rules: accents, specials, protected words, particles.
BLOOM = make_paper(
    "workshop2022bloom",
    title="BLOOM: A 176B-Parameter Open-Access Multilingual Language Model",
    authors=["Hugo Laurençon", "Oskar van der Wal", "Paweł Łukasz", "Martin Luther King Jr.", "Søren Hénaff"],
    authors_truncated=True,
    date="2022-11-09",
    arxiv_id="2211.05100",
    category="cs.CL",
    note="my private note",
)
STARCODER = make_paper(
    "li2023starcoder",
    title="StarCoder: may the source be with you! 100% R&D on C_# and $5",
    authors=["Raymond Li", "Loubna Ben Allal"],
    date="2023-05",
    arxiv_id="2305.06161",
    category="cs.CL",
    venue="Transactions on Machine Learning Research",
    doi="10.48550/arxiv.2305.06161",
)
PUBLISHED = make_paper(
    "smith2020training",
    title="Training models on English text with ~50% less data",
    authors=["Jane Smith", "Simon and Schuster"],
    date="2020-02",
    venue="Proceedings of the 2020 Conference on Empirical Methods in NLP & Friends",
    doi="10.18653/v1/2020.emnlp-main.1",
    url="https://example.org/paper_1%20v2",
    entry_type="inproceedings",
    extra={"pages": "1--10", "publisher": "Association for Computational Linguistics", "year": "ignored"},
)
JOURNAL = make_paper(
    "doe2021stack",
    title="A Study of Gradient Descent",
    authors=["Jane Doe"],
    date="2021",
    venue="Journal of Machine Learning Research",
)
ALL = [BLOOM, STARCODER, PUBLISHED, JOURNAL]


def entry_of(text: str, key: str) -> str:
    """The lines of one exported entry."""
    start = text.index("{" + key + ",")
    return text[text.rindex("@", 0, start) : text.index("\n}", start) + 2]


# ---------------------------------------------------------------------------
# parse_bibtex
# ---------------------------------------------------------------------------


def test_arxiv_own_bibtex():
    record = parse_one((DATA / "arxiv.bib").read_text())
    assert record.title == "The Stack: 3 TB of permissively licensed source code"
    assert record.authors[:2] == ["Denis Kocetkov", "Raymond Li"]
    assert "Leandro von Werra" in record.authors and "Carlos Muñoz Ferrandis" in record.authors
    assert record.arxiv_id == "2211.15533"
    assert record.category == "cs.CL"
    assert record.date == "2022"
    assert record.url == "https://arxiv.org/abs/2211.15533"
    assert record.venue is None
    assert record.key == "kocetkov2022stack"
    assert record.entry_type == "misc"
    assert record.extra == {}
    assert record.line == 1


def test_google_scholar_pseudo_journal_gives_arxiv_id_not_venue():
    first, second = parse_file("scholar.bib").records
    assert first.arxiv_id == "2303.03915"
    assert first.venue is None
    assert "journal" not in first.extra
    assert first.title == "The bigscience ROOTS corpus: A 1.6TB composite multilingual dataset"
    assert first.authors[0] == "Hugo Laurençon"
    assert first.authors[-1] == "Albert Villanova del Moral"
    assert first.authors_truncated is True
    assert (first.line, second.line) == (1, 8)
    assert second.venue == "Advances in Neural Information Processing Systems"
    assert second.entry_type == "inproceedings"
    assert "Łukasz Kaiser" in second.authors and "Aidan N Gomez" in second.authors
    assert second.extra == {"volume": "30"}
    assert second.arxiv_id is None


def test_biblatex_fields():
    online, article = parse_file("biblatex.bib").records
    assert online.entry_type == "online"
    assert online.arxiv_id == "2305.06161"
    assert online.category == "cs.CL"
    assert online.date == "2023-05-09"
    assert online.authors == ["Raymond Li", "Loubna Ben Allal"]
    assert online.authors_truncated is True
    assert online.extra == {"langid": "english"}
    assert article.authors == ["Oskar van der Wal", "Jaap Jumelet"]
    assert article.venue == "Transactions of the ACL"
    assert article.date == "2024-03"
    assert article.doi == "10.1162/tacl_a_00001"
    assert article.line == 11


def test_dblp_corr_entry():
    record = parse_one((DATA / "dblp.bib").read_text())
    assert record.arxiv_id == "2301.03988"
    assert record.venue is None  # CoRR is arXiv, not a venue
    assert record.doi == "10.48550/arxiv.2301.03988"
    assert record.authors == ["Loubna Ben Allal", "Raymond Li", "Denis Kocetkov"]
    assert record.title == "SantaCoder: don't reach for the stars!"
    assert record.key == "DBLP:journals/corr/abs-2301-03988"
    # The id is not kept a second time in `volume`; DBLP's bookkeeping is.
    assert "volume" not in record.extra and "eprint" not in record.extra
    assert set(record.extra) == {"timestamp", "biburl", "bibsource"}


def test_string_macros_concatenation_comments_and_preamble():
    records = parse_file("macros.bib").records
    assert [r.key for r in records] == ["smith2021", "paren2020"]  # the @comment entry is not one
    smith, paren = records
    assert smith.title == "A Quoted Title with a concatenation"
    assert smith.venue == "Proceedings of the Annual Meeting of the ACL 2021"
    assert smith.date == "2021-06"
    assert smith.entry_type == "inproceedings"
    assert smith.extra == {"publisher": "Association for Computational Linguistics", "pages": "1--10"}
    assert smith.line == 8
    assert paren.title == "Parenthesised entry" and paren.line == 17


@pytest.mark.parametrize(
    "author, expected",
    [
        ("Kocetkov, Denis", ["Denis Kocetkov"]),
        ("Denis Kocetkov", ["Denis Kocetkov"]),
        ("van der Wal, Oskar", ["Oskar van der Wal"]),
        ("Oskar van der Wal", ["Oskar van der Wal"]),
        ("King, Jr., Martin Luther", ["Martin Luther King Jr."]),
        ("von Werra, Jr., Leandro", ["Leandro von Werra Jr."]),
        ("Lauren{\\c{c}}on, Hugo and M{\\\"u}ller, J{\\\"{o}}rg", ["Hugo Laurençon", "Jörg Müller"]),
        ("{BigScience Workshop} and Doe, Jane", ["BigScience Workshop", "Jane Doe"]),
        ("{Simon and Schuster}", ["Simon and Schuster"]),
        ("Gr{\\o}nlund, Allan and Kaiser, {\\L}ukasz", ["Allan Grønlund", "Łukasz Kaiser"]),
        ("Doe,\n  Jane   and\n  Smith, John", ["Jane Doe", "John Smith"]),
    ],
)
def test_author_forms(author, expected):
    record = parse_one(f"@article{{k, title={{T}}, author={{{author}}}}}")
    assert record.authors == expected
    assert record.authors_truncated is False


def test_and_others_marks_authors_truncated():
    record = parse_one("@article{k, title={T}, author={Doe, Jane and Smith, John and others}}")
    assert record.authors == ["Jane Doe", "John Smith"]
    assert record.authors_truncated is True


def test_title_latex_decoded_braces_removed_whitespace_collapsed():
    record = parse_one(
        r"""@article{k,
  title = {The {BLOOM}   model:
           {\'e}t{\'e} \`a Lauren{\c{c}}on, na\"{\i}ve {\o} {\l} \& 50\% of C\_\# --- $\alpha$-divergence},
  author = {Doe, Jane}
}"""
    )
    assert record.title == "The BLOOM model: été à Laurençon, naïve ø ł & 50% of C_# — α-divergence"


def test_bare_percent_is_text_not_a_comment():
    assert parse_one("@misc{k, title={Cut 50% of the cost}}").title == "Cut 50% of the cost"


@pytest.mark.parametrize(
    "fields, date",
    [
        ("year = {2023}", "2023"),
        ("year = 2023, month = jan", "2023-01"),
        ("year = 2023, month = {Feb}", "2023-02"),
        ("year = {2023}, month = {March}", "2023-03"),
        ("year = {2023}, month = {sept.}", "2023-09"),
        ("year = {2023}, month = 11", "2023-11"),
        ("year = {2023}, month = {07}", "2023-07"),
        ("date = {2023-01-15}", "2023-01-15"),
        ("date = {2023-04}", "2023-04"),
        ("date = {2023}", "2023"),
        ("date = {2023-01-15/2023-01-20}", "2023-01-15"),
        ("date = {2023-05-02}, year = {2022}", "2023-05-02"),
        ("", None),
    ],
)
def test_dates(fields, date):
    record = parse_one(f"@misc{{k, title = {{T}}, {fields}}}" if fields else "@misc{k, title = {T}}")
    assert record.date == date
    assert not {"year", "month", "date"} & set(record.extra)


def test_unreadable_month_stays_in_extra():
    record = parse_one("@misc{k, title={T}, year={2023}, month={Spring}}")
    assert record.date == "2023"
    assert record.extra == {"month": "Spring"}


@pytest.mark.parametrize(
    "fields, arxiv_id",
    [
        ("eprint = {2301.03988}, archivePrefix = {arXiv}", "2301.03988"),
        ("eprint = {arXiv:2301.03988v2}, ArchivePrefix = {ARXIV}", "2301.03988"),
        ("eprint = {2301.03988}, eprinttype = {arxiv}", "2301.03988"),
        ("eprint = {2301.03988}", "2301.03988"),
        ("eprint = {hep-th/9901001}, archiveprefix = {arXiv}", "hep-th/9901001"),
        ("journal = {arXiv preprint arXiv:2301.03988}", "2301.03988"),
        ("url = {https://arxiv.org/abs/2301.03988v3}", "2301.03988"),
        ("url = {http://arxiv.org/pdf/2301.03988.pdf}", "2301.03988"),
        ("doi = {10.48550/arXiv.2301.03988}", "2301.03988"),
        ("journal = {ArXiv}, volume = {abs/2301.03988}", "2301.03988"),
        ("eprint = {10.1234/xyz}, eprinttype = {doi}", None),
        ("url = {https://example.org/2301.03988}", None),
    ],
)
def test_arxiv_id_sources(fields, arxiv_id):
    record = parse_one(f"@misc{{k, title = {{T}}, {fields}}}")
    assert record.arxiv_id == arxiv_id
    assert record.venue is None


def test_non_arxiv_eprint_stays_in_extra():
    record = parse_one("@misc{k, title={T}, eprint={10.1234/xyz}, eprinttype={doi}}")
    assert record.extra == {"eprint": "10.1234/xyz", "eprinttype": "doi"}


@pytest.mark.parametrize(
    "fields, category",
    [
        ("eprint={2301.03988}, archivePrefix={arXiv}, primaryClass={cs.CL}", "cs.CL"),
        ("eprint={2301.03988}, eprinttype={arxiv}, eprintclass={stat.ML}", "stat.ML"),
        ("eprint={2301.03988}, archivePrefix={arXiv}, primaryClass={CL}", "cs.CL"),
        ("eprint={2301.03988}, archivePrefix={arXiv}, primaryClass={cs.LG cs.AI}", "cs.LG"),
    ],
)
def test_category(fields, category):
    record = parse_one(f"@misc{{k, title={{T}}, {fields}}}")
    assert record.category == category
    assert "primaryclass" not in record.extra and "eprintclass" not in record.extra


@pytest.mark.parametrize(
    "fields, venue",
    [
        ("journal = {Nature}", "Nature"),
        ("journaltitle = {Transactions of the {ACL}}", "Transactions of the ACL"),
        ("booktitle = {Proceedings of {EMNLP} 2023}", "Proceedings of EMNLP 2023"),
        ("journal = {arXiv preprint arXiv:2301.03988}", None),
        ("journal = {CoRR}, volume = {abs/2301.03988}", None),
    ],
)
def test_venue(fields, venue):
    assert parse_one(f"@article{{k, title={{T}}, {fields}}}").venue == venue


def test_doi_url_abstract_and_raw_extra():
    record = parse_one(
        r"""@ARTICLE{Key:2020,
  TITLE = {T},
  DOI = {https://doi.org/10.1000/ABC_def},
  Url = {\url{https://example.org/a_b%20c~d}},
  Abstract = {We show   that \emph{this}
              works.},
  Note = {Accepted at {ICLR} 2024 \& more},
  Pages = "1--10",
}"""
    )
    assert record.key == "Key:2020"
    assert record.entry_type == "article"
    assert record.doi == "10.1000/abc_def"
    assert record.url == "https://example.org/a_b%20c~d"
    assert record.abstract == "We show that this works."
    # Other fields are kept as written (LaTeX and all), under lowercase names.
    assert record.extra == {"note": r"Accepted at {ICLR} 2024 \& more", "pages": "1--10"}


def test_repeated_field_first_wins_like_bibtex():
    record = parse_one("@misc{k, title={First}, Title={Second}, year={2020}, year={2021}}")
    assert record.title == "First"
    assert record.date == "2020"


def test_entry_without_title_author_or_id_is_skipped():
    text = "@misc{good, title={Good}}\n\n@misc{empty,\n  note={nothing else}\n}\n@misc{byid, doi={10.1/x}}\n"
    result = parse_bibtex(text, "skips.bib")
    assert [r.key for r in result.records] == ["good", "byid"]
    assert len(result.skipped) == 1
    assert result.skipped[0].line == 3
    assert "empty" in result.skipped[0].reason


def test_duplicate_keys_are_all_imported():
    result = parse_bibtex("@misc{k, title={One}}\n@misc{k, title={Two}}\n", "dup.bib")
    assert [r.title for r in result.records] == ["One", "Two"]


def test_broken_entry_is_skipped_with_its_line_and_key_and_the_rest_read():
    result = parse_file("broken.bib")
    assert [r.key for r in result.records] == ["good", "after"]
    (skip,) = result.skipped
    assert skip.line == 7
    assert "'bad'" in skip.reason and "syntax" in skip.reason.lower()


def test_missing_comma_after_key_is_a_syntax_error():
    with pytest.raises(ImportFormatError) as caught:
        parse_bibtex("\n\n@article{k title={T}}\n", "x.bib")
    assert caught.value.line == 3


@pytest.mark.parametrize(
    "text",
    ["", "   \n\n", "just some notes, no entries\n"],
)
def test_nothing_readable_is_an_error(text):
    with pytest.raises(ImportFormatError) as caught:
        parse_bibtex(text, "empty.bib")
    assert (caught.value.source, caught.value.line, caught.value.message) == (
        "empty.bib",
        None,
        "no BibTeX entries found",
    )


# ---------------------------------------------------------------------------
# export_bibtex
# ---------------------------------------------------------------------------


def test_arxiv_style_exact_output():
    assert export_bibtex([BLOOM]) == (
        "@misc{workshop2022bloom,\n"
        "  title = {{BLOOM}: A {176B}-Parameter Open-Access Multilingual Language Model},\n"
        "  author = {Lauren{\\c{c}}on, Hugo and van der Wal, Oskar and {\\L}ukasz, Pawe{\\l} and "
        "King, Jr., Martin Luther and H{\\'e}naff, S{\\o}ren and others},\n"
        "  year = {2022},\n"
        "  month = nov,\n"
        "  eprint = {2211.05100},\n"
        "  archivePrefix = {arXiv},\n"
        "  primaryClass = {cs.CL},\n"
        "  url = {https://arxiv.org/abs/2211.05100}\n"
        "}\n"
    )


def test_scholar_style_prints_the_arxiv_id_once():
    text = export_bibtex([BLOOM], style="scholar")
    assert text.startswith("@article{workshop2022bloom,\n")
    assert "  journal = {arXiv preprint arXiv:2211.05100},\n" in text
    assert text.count("2211.05100") == 1
    assert "eprint =" not in text.lower() and "url =" not in text
    assert "  year = {2022},\n" in text


def test_biblatex_style():
    text = export_bibtex([BLOOM, STARCODER, JOURNAL], style="biblatex")
    bloom = entry_of(text, "workshop2022bloom")
    assert bloom.startswith("@online{workshop2022bloom,\n")
    assert "  date = {2022-11-09},\n" in bloom
    assert "  eprint = {2211.05100},\n  eprinttype = {arxiv},\n  eprintclass = {cs.CL},\n" in bloom
    # UTF-8 is kept: no accent commands.
    assert "Laurençon, Hugo and van der Wal, Oskar and Łukasz, Paweł" in bloom
    assert "\\c{" not in text and "year =" not in text and "month =" not in text
    starcoder = entry_of(text, "li2023starcoder")
    assert starcoder.startswith("@article{li2023starcoder,\n")
    assert "  journaltitle = {Transactions on Machine Learning Research},\n" in starcoder
    assert "  date = {2023-05},\n" in starcoder
    assert "  date = {2021}\n" in entry_of(text, "doe2021stack")


def test_special_characters_escaped_except_in_url_doi_eprint():
    for style in STYLES:
        published = entry_of(export_bibtex([PUBLISHED], style=style), "smith2020training")
        assert "with \\textasciitilde{}50\\% less data" in published
        assert "Methods in NLP \\& Friends" in published
        assert "  doi = {10.18653/v1/2020.emnlp-main.1},\n" in published
        assert "  url = {https://example.org/paper_1%20v2}" in published
        starcoder = entry_of(export_bibtex([STARCODER], style=style), "li2023starcoder")
        assert "100\\% {R}\\&{D} on {C}\\_\\# and \\$5}" in starcoder


def test_every_special_character_escaped():
    paper = make_paper("k", title="a & b % c $ d # e _ f { g } h ~ i ^ j \\ k", authors=["A B"])
    title = export_bibtex([paper]).splitlines()[1]
    assert title == (
        "  title = {a \\& b \\% c \\$ d \\# e \\_ f \\{ g \\} h \\textasciitilde{} i "
        "\\textasciicircum{} j \\textbackslash{} k},"
    )


@pytest.mark.parametrize(
    "char, latex",
    [("ç", "{\\c{c}}"), ("é", "{\\'e}"), ("ø", "{\\o}"), ("ł", "{\\l}"), ("ü", '{\\"u}'), ("ß", "{\\ss}")],
)
def test_accents_become_latex_commands_in_ascii_styles(char, latex):
    paper = make_paper("k", title=f"x{char}y", authors=[f"Ann B{char}c"])
    for style in ("arxiv", "scholar"):
        text = export_bibtex([paper], style=style)
        assert f"title = {{x{latex}y}}" in text
        assert f"author = {{B{latex}c, Ann}}" in text
        assert text.isascii()


def test_characters_without_latex_form():
    paper = make_paper("k", title="Romanian ș and 中文 text", authors=["A B"])
    text = export_bibtex([paper])
    # A base letter where there is one; otherwise the character itself (UTF-8), never dropped.
    assert "title = {Romanian s and 中文 text}" in text
    assert "中文" in export_bibtex([paper], style="biblatex")


def test_title_protection_word_by_word():
    text = export_bibtex([BLOOM, STARCODER, PUBLISHED, JOURNAL])
    assert "title = {{BLOOM}: A {176B}-Parameter Open-Access Multilingual Language Model}" in text
    assert "title = {{StarCoder}: may the source be with you!" in text
    # Sentence case: a capitalised word in the middle is a proper name.
    assert "title = {Training models on {English} text with" in text
    # Title Case: capitals are style, not names; never one brace around it all.
    assert "title = {A Study of Gradient Descent}" in text
    assert "title = {{" not in text.replace("{{BLOOM}", "").replace("{{StarCoder}", "")


@pytest.mark.parametrize(
    "title, expected",
    [
        ("Fine-tuning Llama 2 for chat in Python", "Fine-tuning {Llama} 2 for chat in {Python}"),
        ("What I learned from X", "What {I} learned from {X}"),
        ("Towards A Theory Of Everything", "Towards A Theory Of Everything"),
        ("Exploring the limits of transfer learning with T5 and LLMs", "Exploring the limits of transfer learning with {T5} and {LLMs}"),
        ("Attention Is All You Need", "Attention Is All You Need"),
        ("GPT-4 technical report", "{GPT}-4 technical report"),
        ("The bigscience ROOTS corpus: a 1.6TB dataset", "The bigscience {ROOTS} corpus: a {1.6TB} dataset"),
        ("Don't stop pretraining: adapt to domains", "Don't stop pretraining: adapt to domains"),
    ],
)
def test_title_protection_cases(title, expected):
    paper = make_paper("k", title=title, authors=["A B"])
    assert f"  title = {{{expected}}},\n" in export_bibtex([paper])


def test_author_names():
    text = export_bibtex([BLOOM, PUBLISHED])
    assert "van der Wal, Oskar" in text
    assert "King, Jr., Martin Luther" in text
    assert text.count(" and others}") == 1
    assert "author = {Smith, Jane and {Simon and Schuster}}" in text


def test_paper_without_title_exports_its_display_title():
    paper = make_paper("anon2023", abstract="We study how models learn to count.", authors=["A B"], date="2023")
    assert paper.needs_title
    text = export_bibtex([paper])
    assert "  title = {[no title] {We} study how models learn to count.},\n" in text


def test_user_note_abstract_and_state_never_exported():
    text = export_bibtex([BLOOM, make_paper("k", title="T", abstract="secret abstract", note="n")])
    assert "my private note" not in text and "secret abstract" not in text
    assert "note" not in text and "abstract" not in text


def test_month_only_when_the_date_has_one():
    assert "month" not in export_bibtex([JOURNAL])
    assert "  month = feb,\n" in export_bibtex([PUBLISHED])


def test_non_arxiv_entry_types_and_venue_fields():
    text = export_bibtex([PUBLISHED, JOURNAL])
    assert entry_of(text, "smith2020training").startswith("@inproceedings{smith2020training,\n  title")
    assert "  booktitle = {Proceedings of the 2020" in text
    assert entry_of(text, "doe2021stack").startswith("@article{doe2021stack,")
    assert "  journal = {Journal of Machine Learning Research},\n" in text
    # A published arXiv paper keeps its venue and its eprint.
    starcoder = entry_of(export_bibtex([STARCODER]), "li2023starcoder")
    assert starcoder.startswith("@article{li2023starcoder,")
    assert "  journal = {Transactions on Machine Learning Research},\n" in starcoder
    assert "  eprint = {2305.06161},\n" in starcoder
    bare = make_paper("bare", title="Bare", authors=["A B"], url="https://example.org")
    assert export_bibtex([bare]).startswith("@misc{bare,\n")
    guessed = make_paper("g", title="G", authors=["A B"], venue="Proceedings of ICML 2023")
    assert export_bibtex([guessed]).startswith("@inproceedings{g,\n")


def test_extra_fields_written_back_and_generated_fields_win():
    published = entry_of(export_bibtex([PUBLISHED]), "smith2020training")
    assert "  pages = {1--10},\n" in published
    assert "  publisher = {Association for Computational Linguistics}\n}" in published
    assert "ignored" not in published and published.count("year =") == 1


def test_layout_and_determinism():
    text = export_bibtex(ALL)
    assert text == export_bibtex(ALL)
    assert text.endswith("}\n") and not text.endswith("\n\n")
    blocks = text.split("\n\n")
    assert len(blocks) == len(ALL)
    for block in blocks:
        lines = block.strip("\n").splitlines()
        assert lines[0].startswith("@") and lines[0].endswith(",")
        assert lines[-1] == "}"
        assert all(line.startswith("  ") and not line.startswith("   ") for line in lines[1:-1])
        assert all(line.endswith(",") for line in lines[1:-2]) and not lines[-2].endswith(",")
    assert export_bibtex([]) == ""


def test_unknown_style():
    with pytest.raises(ValueError, match="unknown BibTeX style"):
        export_bibtex(ALL, style="ieee")


# --- what other tools make of the exports ----------------------------------------


@pytest.mark.parametrize("style", STYLES)
def test_export_reads_back_with_bibtexparser(style):
    library = bibtexparser.parse_string(export_bibtex(ALL, style=style))
    assert not library.failed_blocks
    assert [e.key for e in library.entries] == [p.key for p in ALL]
    bloom = library.entries_dict["workshop2022bloom"]
    assert bloom.fields_dict["title"].value.startswith("{BLOOM}: A")
    assert bloom.fields_dict["author"].value.count(" and ") == 5
    if style == "biblatex":
        assert bloom.fields_dict["date"].value == "2022-11-09"
    else:
        assert bloom.fields_dict["year"].value == "2022"
    journal_field = {"arxiv": None, "scholar": "arXiv preprint arXiv:2211.05100", "biblatex": None}[style]
    assert (bloom.fields_dict["journal"].value if "journal" in bloom.fields_dict else None) == journal_field


@pytest.mark.parametrize("style", STYLES)
def test_export_reads_back_with_pybtex(style):
    data = pybtex.database.parse_string(export_bibtex(ALL, style=style), "bibtex")
    assert list(data.entries) == [p.key for p in ALL]
    bloom = data.entries["workshop2022bloom"]
    assert len(bloom.persons["author"]) == 6  # five names and "others"
    assert str(bloom.persons["author"][1]) == "van der Wal, Oskar"
    assert bloom.fields["title"].startswith("{BLOOM}: A {176B}")
    if style == "arxiv":
        assert bloom.type == "misc"
        assert bloom.fields["eprint"] == "2211.05100"
        assert bloom.fields["month"] == "November"  # the month macro was understood
    elif style == "scholar":
        assert bloom.type == "article"
        assert bloom.fields["journal"] == "arXiv preprint arXiv:2211.05100"
    else:
        assert bloom.type == "online"
        assert bloom.fields["eprinttype"] == "arxiv"
    published = data.entries["smith2020training"]
    assert published.type == "inproceedings"
    assert published.fields["pages"] == "1--10"
    assert [str(p) for p in published.persons["author"]] == ["Smith, Jane", "{Simon and Schuster}"]


@needs_bibtex
@pytest.mark.parametrize("style", ["arxiv", "scholar"])  # biblatex output is for biber, not bibtex
def test_real_bibtex_reads_export_without_warnings(tmp_path, style):
    code, log, bbl = run_bibtex(tmp_path, export_bibtex(ALL, style=style))
    assert code == 0, log
    assert "Warning--" not in log and "error message" not in log, log
    assert bbl.count("\\bibitem") == len(ALL)
    # plain lowercases titles but keeps what was braced.
    assert "{BLOOM}: A {176B}-parameter open-access multilingual language model" in bbl
    assert "{StarCoder}: may the source be with you" in bbl


# --- round trips -----------------------------------------------------------------


@pytest.mark.parametrize("style", STYLES)
def test_round_trip_keeps_title_authors_year_and_arxiv_id(style):
    records = parse_bibtex(export_bibtex(ALL, style=style), "export.bib").records
    assert [r.key for r in records] == [p.key for p in ALL]
    for paper, record in zip(ALL, records, strict=True):
        assert record.title == paper.title
        assert record.authors == paper.authors
        assert record.authors_truncated == paper.authors_truncated
        assert int(record.date[:4]) == paper.year
        assert record.arxiv_id == paper.arxiv_id
        assert record.venue == paper.venue
    if style != "scholar":  # Scholar's form has no category
        assert records[0].category == "cs.CL"
    if style == "biblatex":
        assert records[0].date == "2022-11-09"


@pytest.mark.parametrize("style", STYLES)
def test_export_parse_export_gives_the_same_bytes(style):
    first = export_bibtex(ALL, style=style)
    again = [paper_from_record(r, i) for i, r in enumerate(parse_bibtex(first, "x.bib").records)]
    assert export_bibtex(again, style=style) == first


@pytest.mark.parametrize("name", ["arxiv.bib", "scholar.bib", "biblatex.bib", "dblp.bib", "macros.bib"])
def test_imported_files_export_stably(name):
    papers = [paper_from_record(r, i) for i, r in enumerate(parse_file(name).records)]
    first = export_bibtex(papers)
    again = [paper_from_record(r, i) for i, r in enumerate(parse_bibtex(first, name).records)]
    assert export_bibtex(again) == first


def test_imported_extra_fields_come_back_on_export():
    papers = [paper_from_record(r, i) for i, r in enumerate(parse_file("macros.bib").records)]
    smith = entry_of(export_bibtex(papers), "smith2021")
    assert smith.startswith("@inproceedings{smith2021,\n")
    assert "  booktitle = {Proceedings of the Annual Meeting of the ACL 2021},\n" in smith
    assert "  publisher = {Association for Computational Linguistics},\n" in smith
    assert "  pages = {1--10}\n" in smith


# ---------------------------------------------------------------------------
# make_citation_key
# ---------------------------------------------------------------------------


def never_taken(key: str) -> bool:
    return False


@pytest.mark.parametrize(
    "authors, year, title, key",
    [
        (["Denis Kocetkov"], 2022, "The Stack: 3 TB of permissively licensed source code", "kocetkov2022stack"),
        (["Hugo Laurençon", "X Y"], 2022, "The BigScience ROOTS Corpus", "laurencon2022bigscience"),
        (["Oskar van der Wal"], 2022, "The Birth of Bias", "wal2022birth"),
        (["Paweł Łukasz"], 2021, "On the Øresund bridge", "lukasz2021oresund"),
        (["Martin Luther King Jr."], 1963, "I have a dream", "king1963i"),
        ([], 2020, "Anonymous work", "anon2020anonymous"),
        (["Jane Doe"], None, "Towards a theory of everything", "doetheory"),
        (["Jane Doe"], 2020, None, "doe2020"),
        (["Jane Doe"], 2020, "", "doe2020"),
        (["张三"], 2020, "中文", "anon2020"),
    ],
)
def test_default_key(authors, year, title, key):
    assert make_citation_key(authors, year, title, never_taken) == key


def test_key_collisions_append_letters():
    taken = {"kocetkov2022stack", "kocetkov2022stacka"}
    assert make_citation_key(["Denis Kocetkov"], 2022, "The Stack", taken.__contains__) == "kocetkov2022stackb"
    taken = {"doe2020"} | {"doe2020" + chr(c) for c in range(ord("a"), ord("z") + 1)}
    assert make_citation_key(["Jane Doe"], 2020, None, taken.__contains__) == "doe2020aa"
    taken.add("doe2020aa")
    assert make_citation_key(["Jane Doe"], 2020, None, taken.__contains__) == "doe2020ab"


@pytest.mark.parametrize(
    "pattern, key",
    [
        ("{author}{year}{word}", "kocetkov2022stack"),
        ("{author}_{year}", "kocetkov_2022"),
        ("{Author}{year}", "Kocetkov2022"),
        ("{author}{year}{words2}", "kocetkov2022stacktb"),
        ("{author}{year}{words3}", "kocetkov2022stacktbpermissively"),
        ("{author}:{year} {word}!", "kocetkov:2022stack"),  # characters not allowed in keys are dropped
    ],
)
def test_key_patterns(pattern, key):
    title = "The Stack: 3 TB of permissively licensed source code"
    assert make_citation_key(["Denis Kocetkov"], 2022, title, never_taken, pattern=pattern) == key


def test_key_pattern_with_an_empty_placeholder_drops_its_separator():
    assert make_citation_key(["Jane Doe"], None, "T", never_taken, pattern="{author}_{year}") == "doe"
    assert make_citation_key([], None, None, never_taken, pattern="{year}-{word}") == "anon"


def test_unknown_key_placeholder():
    with pytest.raises(ValueError, match="title9"):
        make_citation_key(["Jane Doe"], 2020, "T", never_taken, pattern="{author}{title9}")


def test_group_authors_stay_whole_and_authorless_entries_carry_a_sort_key():
    group = make_paper("workshop2022bloom", title="BLOOM", authors=["BigScience Workshop", "Teven Le Scao"])
    assert "author = {{BigScience Workshop} and Scao, Teven Le}" in export_bibtex([group])
    record = parse_one(export_bibtex([group]))
    assert record.authors == ["BigScience Workshop", "Teven Le Scao"]
    nobody = make_paper("anon2023open", title=None, authors=[], abstract="Open collaboratives offer pathways.",
                        arxiv_id="2302.14035")
    for style in ("arxiv", "scholar"):
        text = export_bibtex([nobody], style=style)
        assert "key = {anon2023open}" in text
        assert parse_one(text).arxiv_id == "2302.14035"
