"""The three listing shapes, parsed from text written for the tests and from the real samples."""

from __future__ import annotations

import pytest

from store.importers import detect_format, parse_text
from store.listing import detect_shape, parse_listing, split_byline
from store.model import ImportFormatError

CARDS = """\
CLMar 22, 2023Code
AfroDigits: A Community-Driven Spoken Digit Dataset for African LanguagesChris Chinenye Emezue, Sanchit Gandhi, Lewis Tunstall et al. · huggingface
An abstract written for this test about spoken digits in many languages.
MLMay 23, 2017
Grounded Recurrent Neural NetworksAnkit Vani, Yacine Jernite, David Sontag
Another abstract written for this test, about recurrent networks that are grounded.
"""


@pytest.mark.parametrize(
    "byline, title, authors, truncated, orgs",
    [
        ("SantaCoder: don't reach for the stars!Loubna Ben Allal, Raymond Li, Denis Kocetkov et al. · cmu, huggingface",
         "SantaCoder: don't reach for the stars!", ["Loubna Ben Allal", "Raymond Li", "Denis Kocetkov"], True, ["cmu", "huggingface"]),
        ("BLOOM: A 176B-Parameter Open-Access Multilingual Language ModelBigScience Workshop, Teven Le Scao, Angela Fan et al. · allen-ai, berkeley",
         "BLOOM: A 176B-Parameter Open-Access Multilingual Language Model", ["BigScience Workshop", "Teven Le Scao", "Angela Fan"], True, ["allen-ai", "berkeley"]),
        ("The BigCode Project Governance CardBigCode collaboration, Sean Hughes, Harm de Vries et al.",
         "The BigCode Project Governance Card", ["BigCode collaboration", "Sean Hughes", "Harm de Vries"], True, []),
        ("GEMv2: Multilingual NLG Benchmarking in a Single Line of CodeSebastian Gehrmann, Abhik Bhattacharjee et al. · amazon-science, cmu",
         "GEMv2: Multilingual NLG Benchmarking in a Single Line of Code", ["Sebastian Gehrmann", "Abhik Bhattacharjee"], True, ["amazon-science", "cmu"]),
        ("HuggingFace's Transformers: State-of-the-art Natural Language ProcessingThomas Wolf, Lysandre Debut, Victor Sanh et al.",
         "HuggingFace's Transformers: State-of-the-art Natural Language Processing", ["Thomas Wolf", "Lysandre Debut", "Victor Sanh"], True, []),
        ("The ROOTS Search Tool: Data Transparency for LLMsAleksandra Piktus, Christopher Akiki · huggingface",
         "The ROOTS Search Tool: Data Transparency for LLMs", ["Aleksandra Piktus", "Christopher Akiki"], False, ["huggingface"]),
        ("INTIMA: A Benchmark for Human-AI Companionship BehaviorLucie-Aimée Kaffee, Giada Pistilli, Yacine Jernite · huggingface",
         "INTIMA: A Benchmark for Human-AI Companionship Behavior", ["Lucie-Aimée Kaffee", "Giada Pistilli", "Yacine Jernite"], False, ["huggingface"]),
        ("PolyPythias: Stability and Outliers across Fifty Language Model Pre-Training RunsOskar van der Wal, Pietro Lesci et al.",
         "PolyPythias: Stability and Outliers across Fifty Language Model Pre-Training Runs", ["Oskar van der Wal", "Pietro Lesci"], True, []),
        ("Power Hungry Processing: Watts Driving the Cost of AI Deployment?Alexandra Sasha Luccioni, Yacine Jernite, Emma Strubell",
         "Power Hungry Processing: Watts Driving the Cost of AI Deployment?", ["Alexandra Sasha Luccioni", "Yacine Jernite", "Emma Strubell"], False, []),
        ("ELI5: Long Form Question AnsweringAngela Fan, Yacine Jernite",
         "ELI5: Long Form Question Answering", ["Angela Fan", "Yacine Jernite"], False, []),
        ("Documenting Data Sources: The BigScience Catalogue of Language Data and ResourcesAngelina McMillan-Major, Zaid Alyafeai",
         "Documenting Data Sources: The BigScience Catalogue of Language Data and Resources", ["Angelina McMillan-Major", "Zaid Alyafeai"], False, []),
        ("Unsupervised Text Summarization via Mixed Model Back-TranslationYacine Jernite",
         "Unsupervised Text Summarization via Mixed Model Back-Translation", ["Yacine Jernite"], False, []),
        ("Discourse-Based Objectives for Fast Unsupervised Sentence Representation LearningYacine Jernite, Samuel R. Bowman, David Sontag",
         "Discourse-Based Objectives for Fast Unsupervised Sentence Representation Learning", ["Yacine Jernite", "Samuel R. Bowman", "David Sontag"], False, []),
        ("BLOOM+1: Adding Language Support to BLOOM for Zero-Shot PromptingZheng-Xin Yong, Hailey Schoelkopf et al. · cmu",
         "BLOOM+1: Adding Language Support to BLOOM for Zero-Shot Prompting", ["Zheng-Xin Yong", "Hailey Schoelkopf"], True, ["cmu"]),
        ("A Cartography of Open Collaboration in Open Source AI: Mapping Practices, Motivations, and Governance in 14 Open Large Language Model ProjectsJohan Linåker, Cailean Osborne et al.",
         "A Cartography of Open Collaboration in Open Source AI: Mapping Practices, Motivations, and Governance in 14 Open Large Language Model Projects", ["Johan Linåker", "Cailean Osborne"], True, []),
    ],
)
def test_byline_splits_title_from_authors(byline, title, authors, truncated, orgs):
    assert split_byline(byline) == (title, authors, truncated, orgs)


def test_cards_give_every_fact():
    result = parse_listing(CARDS, "cards.txt")
    first, second = result.records
    assert first.title == "AfroDigits: A Community-Driven Spoken Digit Dataset for African Languages"
    assert first.date == "2023-03-22" and first.category == "cs.CL" and first.has_code
    assert first.orgs == ["huggingface"] and first.authors_truncated
    assert first.abstract.startswith("An abstract written")
    assert first.line == 1 and second.line == 4
    assert second.category == "stat.ML" and not second.has_code and second.authors[-1] == "David Sontag"


def test_abstracts_shape():
    text = "Abstract:First abstract written for this test.\n\nAbstract:Second one, also ours.\n"
    result = parse_text(text, "a.txt")
    assert [r.abstract for r in result.records] == ["First abstract written for this test.", "Second one, also ours."]
    assert [r.title for r in result.records] == [None, None]
    assert [r.line for r in result.records] == [1, 3]


ABSTRACT_A = "A first abstract written for this test, long enough to be an abstract and not a comment line at all."
ABSTRACT_B = "A second abstract written for this test; it too is long enough to count as an abstract in a listing."


def test_arxiv_listing_ids_close_the_paper_before():
    text = f"{ABSTRACT_A}\nNeurIPS 2022, Datasets and Benchmarks Track\narXiv:2303.03915{ABSTRACT_B}\narXiv:2212.04960\n"
    result = parse_text(text, "listing.txt")
    first, second = result.records
    assert (first.arxiv_id, first.comments) == ("2303.03915", ["NeurIPS 2022, Datasets and Benchmarks Track"])
    assert (second.arxiv_id, second.comments) == ("2212.04960", [])
    assert first.abstract == ABSTRACT_A and second.abstract == ABSTRACT_B


def test_arxiv_listing_cut_off_imports_what_came_before_and_flags_the_last():
    text = f"{ABSTRACT_A}\narXiv:2303.03915{ABSTRACT_B}\n"
    first, last = parse_text(text, "cut.txt").records
    assert (first.arxiv_id, first.flags) == ("2303.03915", [])
    assert last.line == 2 and last.arxiv_id is None and last.abstract == ABSTRACT_B
    assert last.flags and "cut off" in last.flags[0]


def test_broken_card_is_skipped_with_its_line_and_the_rest_imports():
    broken = CARDS.replace("MLMay 23, 2017", "MLSomeday 2017")
    result = parse_text(broken, "broken.txt")
    assert [r.title for r in result.records] == ["AfroDigits: A Community-Driven Spoken Digit Dataset for African Languages"]
    assert [s.line for s in result.skipped] == [4] and "first line" in result.skipped[0].reason


def test_a_file_where_nothing_reads_is_still_refused():
    with pytest.raises(ImportFormatError) as error:
        parse_listing("arXiv:2303.03915\narXiv:2212.04960\n", "ids.txt", "arxiv")
    assert "no paper" in error.value.message


@pytest.mark.parametrize("name, shape", [("cards.txt", "cards"), ("abstracts.txt", "abstracts"), ("arxiv-listing.txt", "arxiv"),
                                         ("library.bib", "bibtex"), ("papers.jsonl", "jsonl")])
def test_examples_are_recognised(examples, name, shape):
    assert detect_format((examples / name).read_text(encoding="utf-8")) == shape


def test_samples_parse_in_their_shapes(samples):
    shapes = {path.name: detect_shape(path.read_text(encoding="utf-8")) for path in samples}
    assert sorted(set(shapes.values())) == ["abstracts", "arxiv", "cards"]
    for path in samples:
        result = parse_text(path.read_text(encoding="utf-8"), path.name)
        assert result.records and not result.skipped
        for record in result.records:
            if shapes[path.name] == "cards":
                assert record.title and record.authors and record.date and record.abstract
                # A misplaced split leaves a camel-cased glue or a lowercase start in the first author.
                assert record.authors[0][0].isupper() and " " in record.authors[0]
                assert not record.title.endswith((" ", "-"))
            if shapes[path.name] == "arxiv":
                assert record.arxiv_id and record.abstract and len(record.abstract) > 200
