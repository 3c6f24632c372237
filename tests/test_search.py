"""Every query form of the search language, against a library built from the examples."""

from __future__ import annotations

import pytest

from store.library import QueryError


@pytest.fixture
def lib(library, examples):
    library.import_paths([str(examples / n) for n in ("cards.txt", "abstracts.txt", "arxiv-listing.txt", "library.bib", "papers.jsonl")])
    vaswani = library.resolve(["vaswani2017attention"])
    library.mark(vaswani, read=True, starred=True)
    library.tag(library.resolve(["devlin2018bert", "sanh2019distilbert"]), add=["bert family"])
    library.set_note(library.resolve(["kingma2014adam"])[0], "the optimiser everybody uses")
    return library


def keys(library, query, **kwargs):
    return [p.key for p in library.search(query, limit=None, **kwargs)]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("title:residual", ["he2015deep"]),
        ("author:hinton", ["hinton2015distilling"]),
        ("author:vinyals", ["hinton2015distilling", "sutskever2014sequence"]),
        ("abstract:ensemble", ["he2015deep", "hinton2015distilling"]),
        ('tag:"bert family"', ["devlin2018bert", "sanh2019distilbert"]),
        ("cat:LG", ["kingma2014adam"]),
        ("cat:cs.CV", ["he2015deep"]),
        ("year:2015", ["bahdanau2015neural", "he2015deep", "hinton2015distilling"]),
        ("year:[2018 TO 2019]", ["devlin2018bert", "clark2019bert", "liu2019roberta", "sanh2019distilbert"]),
        ("arxiv:1706.03762", ["vaswani2017attention"]),
        ("is:starred", ["vaswani2017attention"]),
        ("is:read", ["vaswani2017attention"]),
        ("has:code AND cat:CV", ["he2015deep"]),
        ('"knowledge distillation"', ["sanh2019distilbert"]),
        ("distill* NOT author:sanh", ["hinton2015distilling"]),
        ("distill* -author:sanh", ["hinton2015distilling"]),
        ("(distill* -author:sanh) OR title:residual", ["hinton2015distilling", "he2015deep"]),
        ("optimiser OR optimizer", ["he2015deep", "kingma2014adam"]),
        ("note:everybody", ["kingma2014adam"]),
        ("org:huggingface", ["sanh2019distilbert"]),
        ("comments:ICLR", ["bahdanau2015neural", "kingma2014adam"]),
        ("residul~", ["he2015deep"]),
        ("robustly", ["liu2019roberta"]),
    ],
)
def test_query_forms(lib, query, expected):
    assert sorted(keys(lib, query)) == sorted(expected)


def test_is_unread_excludes_read(lib):
    unread = keys(lib, "is:unread")
    assert "vaswani2017attention" not in unread and len(unread) == lib.count() - 1


def test_ranking_puts_title_matches_first(lib):
    assert keys(lib, "attention")[0] == "vaswani2017attention"


def test_accents_are_folded(library):
    library.import_text('{"title": "The BigScience ROOTS Corpus", "authors": ["Hugo Laurençon"], "abstract": "Corpus."}\n', "x.jsonl")
    assert [p.title for p in library.search("laurencon")] == ["The BigScience ROOTS Corpus"]
    assert [p.title for p in library.search("author:Laurençon")] == ["The BigScience ROOTS Corpus"]


@pytest.mark.parametrize("query", ['"unbalanced quote', "(attention", "attention)", "year:[2019 TO", "year:abc"])
def test_bad_queries_say_why(lib, query):
    with pytest.raises(QueryError) as error:
        lib.search(query)
    assert str(error.value)


def test_list_sorts(lib):
    by_date = lib.list(sort="date")
    assert [p.full_date for p in by_date] == sorted([p.full_date for p in by_date], reverse=True)
    by_title = [p.display_title.lower() for p in lib.list(sort="title")]
    assert by_title == sorted(by_title)
    assert lib.list("year:2014", sort="title")[0].title.startswith("Adam")


def test_highlight_terms_and_related(lib):
    assert "distil" in lib.highlight_terms("distillation author:hinton")[0]
    paper = lib.search("title:distilbert")[0]
    related = [p.key for p in lib.related(paper.id)]
    assert related and paper.key not in related


def test_reindex_rebuilds_same_results(lib):
    before = keys(lib, "bert")
    assert lib.reindex() == lib.count()
    assert keys(lib, "bert") == before


# --- the fast paths give what the plain ones would ------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from store.search import analysis, parallel  # noqa: E402

# Stop words, accents, dotted and apostrophe words, ligatures, İ (longer when lowercased).
WORDY_TEXT = st.lists(
    st.sampled_from(list("abcdeé AÉİßﬁ'’.-_,;0123456789\u0301\u00a0") + ["the ", "and ", "of ", "a ", "models "]),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=WORDY_TEXT, kind=st.sampled_from(sorted(analysis.ANALYZERS)))
def test_fast_indexing_gives_the_analyzer_terms_and_positions(text, kind):
    assert analysis.analysed_terms(kind, text) == analysis.reference_terms(kind, text)


def test_fast_indexing_on_real_abstracts(lib):
    for paper in lib.list():
        for kind, text in (("text", paper.title or ""), ("text", paper.abstract or ""), ("name", " ; ".join(paper.authors))):
            assert analysis.analysed_terms(kind, text) == analysis.reference_terms(kind, text)


@pytest.mark.parametrize(
    "query",
    ["is:unread", "is:read", "is:starred", "is:untitled", 'tag:"bert family"', 'tags:"BERT Family"', "tag:nothing",
     "is:unread AND is:starred", "is:unread attention", "is:unread AND (attention OR bert)", 'tag:"bert family" distil*',
     "is:starred OR tag:\"bert family\"", "NOT is:read"],
)
def test_filters_the_store_answers_agree_with_the_index(lib, query):
    everything = sorted(pid for pid, _ in lib.index.search(query))  # Whoosh's own matching
    assert sorted(lib.index.matching(query)) == everything
    assert sorted(lib.ids(query)) == everything
    ranked = lib.ids(query, sort="relevance")
    assert sorted(ranked) == everything
    assert lib.ids(query, sort="relevance", limit=2) == ranked[:2]


def test_views_do_not_need_the_index(lib):
    unread = lib.ids("is:unread")
    lib.index.close()
    lib.index._ix = None  # as if the index were damaged: the store still answers views
    assert lib.ids("is:unread") == unread and lib.ids('tag:"bert family"')
    with pytest.raises(QueryError):
        lib.ids("attention")


def test_an_empty_library_answers_every_query_form(library):
    for query in ("attention", "is:unread", "is:unread attention", "author:x OR tag:y"):
        assert library.ids(query) == [] and library.ids(query, sort="relevance", limit=5) == []
        assert library.search(query) == []


@pytest.mark.parametrize(
    "query",
    ["attention", "neural networks", '"machine translation"', "distill* OR optimi*", "NOT attention", "bert -roberta",
     "bert ANDNOT roberta", "bert ANDMAYBE roberta", "residul~", "year:[2015 TO 2017]", "author:vinyals OR cat:LG",
     "title:bert AND NOT is:read", "has:code", "key:vaswani2017attention", "*", "tag:bert*"],
)
def test_unranked_matching_finds_what_whoosh_finds(lib, query):
    # After changes (documents replaced: the old versions are deleted ones).
    lib.mark(lib.ids("bert"), read=True)
    lib.tag(lib.ids("attention"), add=["later"])
    searcher = lib.index._get_searcher()  # Whoosh's own matchers, step by step: the reference
    pids = lib.index._pids(searcher)
    whoosh_found = sorted(int(pids[docnum]) for docnum in searcher.docs_for_query(lib.index.parse(query)))
    assert sorted(lib.index.matching(query)) == whoosh_found
    assert sorted(pid for pid, _ in lib.index.search(query)) == whoosh_found  # ranked: expanded terms as sets


@pytest.mark.parametrize("query", ["residual a", "the residual", "residual 7 learning", "residual AND of"])
def test_stop_words_and_single_characters_do_not_empty_a_search(lib, query):
    assert keys(lib, query) == ["he2015deep"]


def test_a_single_letter_still_finds_names_and_tags(library):
    library.import_text('{"title": "Paper", "authors": ["A Person"], "abstract": "Text."}\n', "x.jsonl")
    assert [p.title for p in library.search("author:a")] == ["Paper"]


def test_the_parallel_writer_indexes_the_same_as_one_process(lib, monkeypatch, tmp_path):
    """Big writes are shared by two processes (each its own segment): same answers."""
    queries = ["attention", "neural networks", '"machine translation"', "distill*", "is:unread", "author:vinyals", "year:2015"]
    before = {query: sorted(lib.ids(query)) for query in queries}
    ranked = lib.ids("neural", sort="relevance")
    monkeypatch.setattr(parallel, "PARALLEL_MIN_DOCS", 2)
    monkeypatch.setattr(parallel, "INDEX_PROCS", 2)
    assert lib.reindex() == lib.count()
    assert lib.index_is_current()
    assert {query: sorted(lib.ids(query)) for query in queries} == before
    assert lib.ids("neural", sort="relevance") == ranked  # the same order, not only the same papers
    # And an import through it, then a small write through one process after it.
    lib.import_text("".join('{"title": "Quokka paper %d", "authors": ["P Q"], "abstract": "Words %d."}\n' % (n, n) for n in range(5)), "p.jsonl")
    lib.mark(lib.ids("quokka")[:1], starred=True)
    assert len(lib.ids("quokka")) == 5 and len(lib.ids("quokka is:starred")) == 1
    assert lib.index_is_current()
