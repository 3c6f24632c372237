"""Ranking of plain-word searches: the paper a person half remembers comes first."""

from __future__ import annotations

import json

import pytest


def add(library, *papers: dict) -> None:
    lines = "".join(json.dumps({"abstract": "", "authors": ["Ann Other"], **paper}) + "\n" for paper in papers)
    library.import_text(lines, "papers.jsonl")


def titles(library, query: str, **kwargs) -> list[str]:
    return [paper.title for paper in library.search(query, **kwargs)]


FILLER = "We study several questions and report what we observe on common benchmarks."


def test_words_in_the_title_beat_the_same_words_in_the_abstract(library):
    add(
        library,
        {"title": "A study of many things", "abstract": f"{FILLER} Diffusion models and distillation are discussed."},
        {"title": "Progressive distillation of diffusion models", "abstract": FILLER},
        {"title": "Another study", "abstract": f"Distillation here. {FILLER} Diffusion there."},
    )
    assert titles(library, "diffusion distillation")[0] == "Progressive distillation of diffusion models"


def test_words_in_order_and_together_beat_scattered_words(library):
    add(
        library,
        {"title": "Translation of documents, with level attention", "abstract": FILLER},
        {"title": "Document level translation", "abstract": FILLER},
        {"title": "Level sets for document translation", "abstract": FILLER},
    )
    assert titles(library, "document level translation")[0] == "Document level translation"


def test_words_close_together_in_the_abstract_beat_scattered_ones(library):
    add(
        library,
        {"title": "First", "abstract": f"Sparse codes. {FILLER} {FILLER} Retrieval matters. {FILLER} Graph theory."},
        {"title": "Second", "abstract": f"{FILLER} We build sparse graph retrieval for code. {FILLER}"},
    )
    assert titles(library, "sparse graph retrieval")[0] == "Second"


def test_an_author_surname_comes_first(library):
    add(
        library,
        {"title": "Meng: a model of diffusion", "abstract": FILLER, "authors": ["Zoe Adams"]},
        {"title": "On distillation of diffusion", "abstract": FILLER, "authors": ["Chenlin Meng", "Tim Salimans"]},
        {"title": "Diffusion for all", "abstract": FILLER, "authors": ["Meng Li"]},
    )
    assert titles(library, "meng diffusion")[0] == "On distillation of diffusion"


def test_a_partly_typed_last_word_finds_the_paper(library):
    add(
        library,
        {"title": "Document level machine translation", "abstract": FILLER},
        {"title": "Document level sentiment", "abstract": FILLER},
    )
    assert titles(library, "document level trans") == ["Document level machine translation"]
    # The stem of `learning` is `learn`: `learnin` is on its way to it.
    add(library, {"title": "Contrastive learning of sounds", "abstract": FILLER})
    assert titles(library, "contrastive learnin") == ["Contrastive learning of sounds"]


def test_a_short_last_word_is_not_a_prefix(library):
    add(library, {"title": "Residual networks", "abstract": FILLER}, {"title": "Residual aligners", "abstract": FILLER})
    # `a` is a stop word, dropped; `al` is too short to stand for every word starting so.
    assert sorted(titles(library, "residual a")) == ["Residual aligners", "Residual networks"]
    assert titles(library, "residual al") == []


def test_a_misspelled_word_finds_the_paper_when_nothing_matches_exactly(library):
    add(
        library,
        {"title": "Progressive distillation for fast sampling", "abstract": FILLER},
        {"title": "Fast sampling of graphs", "abstract": FILLER},
    )
    assert titles(library, "progressive distilation")[0] == "Progressive distillation for fast sampling"
    assert titles(library, "progresive distillation")[0] == "Progressive distillation for fast sampling"
    assert titles(library, "progressive ditsillation")[0] == "Progressive distillation for fast sampling"


def test_exact_hits_come_before_any_spelling_one_edit_away(library):
    add(
        library,
        {"title": "Models of modes", "abstract": FILLER},
        {"title": "Modes of transport", "abstract": FILLER},
        {"title": "Mode collapse", "abstract": FILLER},
        {"title": "Models everywhere with many models", "abstract": FILLER},
    )
    found = titles(library, "modes")
    # Three exact hits: nothing one edit away (`models`, `mode`) is added.
    assert sorted(found) == ["Mode collapse", "Models of modes", "Modes of transport"]


def test_a_single_exact_hit_comes_alone(library):
    add(library, {"title": "Transfomer networks", "abstract": FILLER}, {"title": "Transformer networks", "abstract": FILLER})
    assert titles(library, "transfomer networks") == ["Transfomer networks"]


def test_words_that_exist_but_never_together_are_tried_one_edit_away(library):
    add(
        library,
        {"title": "Transfomer networks", "abstract": FILLER},  # the typo is in the paper
        {"title": "Transformer for vision", "abstract": FILLER},
    )
    assert titles(library, "transformer networks") == ["Transfomer networks"]


def test_the_same_ranking_orders_the_apps_relevance_view(library):
    add(
        library,
        {"title": "A study of many things", "abstract": f"{FILLER} Diffusion models and distillation are discussed."},
        {"title": "Progressive distillation of diffusion models", "abstract": FILLER},
    )
    ids = library.ids("diffusion distil", sort="relevance")
    assert [paper.title for paper in library.papers(ids)][0] == "Progressive distillation of diffusion models"
    assert ids == [paper.id for paper in library.search("diffusion distil")]


@pytest.mark.parametrize("query", ["title:distillation", '"diffusion models"', "distill*", "diffusion OR nothing"])
def test_the_query_language_is_still_answered_as_before(library, query):
    add(library, {"title": "Progressive distillation of diffusion models", "abstract": FILLER})
    assert titles(library, query) == ["Progressive distillation of diffusion models"]


def test_a_view_and_a_search_combined_as_the_app_does_are_ranked_the_same(library):
    add(
        library,
        {"title": "A study of many things", "abstract": f"{FILLER} Diffusion models and distillation are discussed."},
        {"title": "Progressive distillation of diffusion models", "abstract": FILLER},
        {"title": "Diffusion distillation, read already", "abstract": FILLER},
    )
    done = [p.id for p in library.search("already")]
    library.mark(done, read=True)
    ids = library.ids("(is:unread) AND (diffusion distil)", sort="relevance")
    assert [paper.title for paper in library.papers(ids)] == ["Progressive distillation of diffusion models", "A study of many things"]


def test_date_order_finds_what_the_ranked_search_finds(library):
    add(
        library,
        {"title": "Document level machine translation", "abstract": FILLER},
        {"title": "Document level sentiment", "abstract": FILLER},
        {"title": "Progressive distillation for fast sampling", "abstract": FILLER},
    )
    for query in ("document level trans", "progressive distilation", "(is:unread) AND (document lev)"):
        assert sorted(library.ids(query, sort="date")) == sorted(library.ids(query, sort="relevance"))
    assert len(library.ids("document level trans", sort="date")) == 1
