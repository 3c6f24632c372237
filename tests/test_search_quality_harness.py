"""The known-item search harness (benchmarks/search_quality.py) on a small library made here:
its metrics for known cases, its queries, and its FTS5 anchor."""

from __future__ import annotations

import json
import random

import pytest

from benchmarks import search_quality
from benchmarks.search_quality import Doc, known_item, rank_of, reciprocal_rank

fts_anchor = search_quality.fts_anchor

# Every paper gets one title word no other paper has (MARKERS), so a query for it has one answer.
MARKERS = """aardvark badger caracal dingo echidna ferret gazelle hedgehog ibex jackal kinkajou lemur
marmot narwhal ocelot pangolin quokka raccoon serval tapir urchin vicuna walrus yabby zebu axolotl
bonobo capybara dugong ermine fossa gerbil hyrax impala jerboa""".split()
TOPICS = ["translation", "segmentation", "retrieval", "summarization", "parsing", "alignment"]
SURNAMES = [f"Surname{chr(ord('a') + i % 26)}{chr(ord('a') + i // 26)}" for i in range(len(MARKERS))]


def record(i: int) -> dict:
    marker, topic = MARKERS[i], TOPICS[i % len(TOPICS)]
    return {
        "id": f"2025.test-{i}",
        "title": f"Learning {marker.capitalize()} Representations for Multilingual {topic.capitalize()}",
        "authors": [f"Ada {SURNAMES[i]}", "Grace Hopper"],
        "abstract": f"Reliable {topic} remains difficult for low resource settings. We study {marker} features.",
        "date": "2025-01",
    }


@pytest.fixture
def small_library(library):
    library.import_text("".join(json.dumps(record(i)) + "\n" for i in range(len(MARKERS))), fmt="jsonl")
    return library


def pid_of(library, marker: str) -> int:
    (paper,) = [p for p in library.list() if marker.capitalize() in p.title]
    return paper.id


def query(kind: str, target: int, *words: str, prefix_last: bool = False):
    return known_item.KnownItemQuery(kind, target, " ".join(words), tuple(words), prefix_last)


def test_rank_is_first_relevant_position_within_the_limit():
    assert rank_of([5, 7, 9], {5}) == 1
    assert rank_of([5, 7, 9], {9, 7}) == 2
    assert rank_of(list(range(100)), {19}) == 20
    assert rank_of(list(range(100)), {20}) is None  # 21st: not in the top 20
    assert rank_of([], {1}) is None
    assert [reciprocal_rank(r) for r in (1, 4, None)] == [1.0, 0.25, 0.0]


def test_metrics_of_known_ranks():
    figures = search_quality.metrics([1, None, 4, 12])
    assert figures == {"n": 4, "mrr": round((1 + 0 + 0.25 + 1 / 12) / 4, 3), "success_at_1": 0.25, "success_at_10": 0.5}


def test_a_target_found_first_scores_one_and_a_missed_one_zero(small_library, tmp_path):
    docs = search_quality.load_docs(small_library)
    anchor = search_quality.build_anchor(tmp_path / "anchor.sqlite3", docs)
    quokka, tapir = pid_of(small_library, "quokka"), pid_of(small_library, "tapir")
    queries = [query("title", quokka, "quokka", "representations"), query("title", tapir, "tapir", "nowhereword")]
    results = search_quality.run_queries(queries, small_library, anchor, search_quality.title_twins(docs))
    assert [(r["ours"]["rank"], r["fts5"]["rank"]) for r in results] == [(1, 1), (None, None)]
    overall = search_quality.summarize(results)["overall"]
    for engine in ("ours", "fts5"):
        assert overall[engine] | {"search_ms": None} == {
            "n": 2, "mrr": 0.5, "success_at_1": 0.5, "success_at_10": 0.5, "errors": 0, "search_ms": None}


def test_the_anchor_weighs_title_over_abstract_and_takes_prefixes(small_library, tmp_path):
    docs = search_quality.load_docs(small_library)
    anchor = search_quality.build_anchor(tmp_path / "anchor.sqlite3", docs)
    # "quokka" is in one title and the same paper's abstract: that paper, alone.
    assert fts_anchor.search(anchor, ["quokka"]) == [pid_of(small_library, "quokka")]
    assert fts_anchor.search(anchor, ["quok"]) == []
    assert fts_anchor.search(anchor, ["quok"], prefix_last=True) == [pid_of(small_library, "quokka")]
    # Words FTS5 would read as syntax are only words.
    assert fts_anchor.search(anchor, ["NEAR", "title:quokka", 'a"b', "*"]) == []


def test_title_twins_count_as_the_target():
    docs = {1: Doc(1, "Deep  Residual Learning", [], ""), 2: Doc(2, "deep residual learning", [], ""), 3: Doc(3, "Other", [], "")}
    twins = search_quality.title_twins(docs)
    assert twins[1] == twins[2] == {1, 2}
    assert twins[3] == {3}


def test_queries_of_each_kind_are_made_as_described():
    paper = Doc(7, "Shared Multilingual Representations for Neural Translation", ["Ada Lovelace", "Alan Turing"],
                "Parallel corpora remain scarce for most language pairs. Second sentence here.")
    title_words = set(known_item.content_words(paper.title, 1))
    for seed in range(20):
        made = {kind: known_item.make_query(kind, paper, random.Random(seed)) for kind in known_item.KINDS}
        assert len(made["title"].words) == 2 and set(made["title"].words) <= title_words
        assert all(len(w) >= known_item.LONG_WORD for w in made["title"].words)
        assert made["author_topic"].words[0] == "lovelace" and made["author_topic"].words[1] in title_words
        assert len(made["gist"].words) == 3
        assert set(made["gist"].words) <= {"parallel", "corpora", "remain", "scarce", "language", "pairs"}
        wrong = [w for w in made["misspelled"].words if w not in title_words]
        assert len(wrong) == 1 and wrong[0][0] in {w[0] for w in title_words}
        partial = made["partial"]
        assert partial.prefix_last and not made["title"].prefix_last
        assert partial.text == " ".join(partial.words)
        assert set(partial.words[:-1]) <= title_words
        assert any(w.startswith(partial.words[-1]) and w != partial.words[-1] for w in title_words)
        assert len(partial.words[-1]) >= known_item.MIN_PREFIX


def test_a_paper_that_cannot_give_a_kind_of_query_is_passed_over():
    paper = Doc(1, "Attention", [], "")
    assert all(known_item.make_query(kind, paper, random.Random(0)) is None for kind in known_item.KINDS)


def test_the_sets_are_repeatable_and_the_held_back_set_has_other_targets(small_library):
    docs = search_quality.load_docs(small_library)
    first = search_quality.query_sets(docs, 3, seed=18, held_back_seed=81)
    assert first == search_quality.query_sets(docs, 3, seed=18, held_back_seed=81)
    assert {q.target for q in first["tuning"]}.isdisjoint(q.target for q in first["held_back"])
    for name in ("tuning", "held_back"):
        assert sorted(q.kind for q in first[name]) == sorted(list(known_item.KINDS) * 3)


def test_the_whole_evaluation_on_a_small_library(small_library, tmp_path):
    report = search_quality.evaluate(small_library, tmp_path / "anchor.sqlite3", 4, seed=18, held_back_seed=81)
    assert report["papers"] == len(MARKERS)
    for name in ("tuning", "held_back"):
        results = report["queries"][name]
        overall = report["sets"][name]["overall"]
        assert overall["ours"]["n"] == len(results) == 4 * len(known_item.KINDS)
        for engine in ("ours", "fts5"):
            ranks = [r[engine]["rank"] for r in results]
            assert overall[engine]["mrr"] == round(sum(1 / r for r in ranks if r) / len(ranks), 3)
            assert overall[engine]["errors"] == 0
        # Each title's surname and marker word are unique to it: an author + topic query naming them finds it.
        assert all(r["ours"]["rank"] is not None for r in results if r["kind"] == "author_topic")
    assert "held_back" in search_quality.table(report)
