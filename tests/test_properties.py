"""Properties of import, export and de-duplication, over generated papers (hypothesis).

Papers go in as JSON lines through `Library.import_text`, as the CLI's import
does; what comes out is read through the public `Library` API only. Each
property runs a bounded number of examples (the whole file takes well under
half a minute), with the database of examples kept out of the repository.
"""

from __future__ import annotations

import json
import lzma
import re
import tempfile
from contextlib import contextmanager
from datetime import date
from itertools import islice
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, assume, example, given, settings
from hypothesis import strategies as st

from store.library import Library

from .conftest import ROOT

CORPUS = ROOT.parent / "shared" / "corpus" / "papers100k.jsonl.xz"
STYLES = ("arxiv", "scholar", "biblatex")
# What bibtex, biber and BibTeX parsers cannot take in a key (a space or comma ends it, braces and quotes
# delimit, # concatenates, % starts a comment, ~ is a tie), and what LaTeX's \cite chokes on.
BAD_KEY_CHARACTERS = re.compile(r"[\s,{}\"'#%~\\()=]")

# No "explain" phase: its tracing makes a failing example take minutes to report.
PROPERTY = settings(max_examples=10, deadline=None, database=None,
                    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

WORDS = (
    "model data training language neural attention graph token vision speech learning transfer sparse dense "
    "retrieval memory reasoning policy reward agent robust benchmark corpus alignment decoder encoder layer "
    "gradient optimiser scale compute latency pruning quantised distilled multilingual translation summary "
    "dialogue question answer entity relation parse syntax semantic embedding contrastive generative diffusion "
    "image audio video code program proof search planning causal bias fairness privacy federated continual "
    "kernel bandit manifold spectral tensor lattice protein molecule climate weather ocean robot grasp"
).split()


@contextmanager
def new_library():
    with tempfile.TemporaryDirectory(prefix="papers-tui-property-") as tmp, Library(Path(tmp) / "library") as library:
        yield library


def jsonl(papers: list[dict]) -> str:
    return "\n".join(json.dumps(p, ensure_ascii=False) for p in papers) + "\n"


# --- strategies ---------------------------------------------------------------------------------------

# Letters of several scripts, as in real names and titles (Latin with accents, Greek, Cyrillic, CJK).
LETTERS = st.characters(whitelist_categories=("Lu", "Ll", "Lo"), max_codepoint=0x9FFF,
                        blacklist_characters="ʹʺʻʼʽˆˇˈˉˊˋ")
name_part = st.text(LETTERS, min_size=1, max_size=10).map(str.strip).filter(bool)
author = st.builds(lambda given, family: f"{given} {family}", name_part, name_part)
word = st.sampled_from(WORDS)
dates = st.dates(min_value=date(1991, 1, 1), max_value=date(2025, 12, 31)).map(lambda d: d.isoformat())


@st.composite
def distinct_papers(draw, min_size: int = 1, max_size: int = 5, title_text=None) -> list[dict]:
    """Papers that differ in title, authors and abstract (no identifiers: only content tells them apart)."""
    count = draw(st.integers(min_size, max_size))
    if title_text is None:
        title_text = st.lists(word, min_size=3, max_size=9).map(" ".join).map(str.capitalize)
    titles = draw(st.lists(title_text,
                           min_size=count, max_size=count, unique_by=lambda t: t.casefold()))
    bylines = draw(st.lists(st.lists(author, min_size=1, max_size=4, unique=True), min_size=count, max_size=count,
                            unique_by=lambda names: tuple(n.casefold() for n in names)))
    abstracts = draw(st.lists(st.lists(word, min_size=25, max_size=60).map(" ".join), min_size=count,
                              max_size=count, unique=True))
    return [{"title": t, "authors": a, "date": draw(dates), "abstract": ab + "."}
            for t, a, ab in zip(titles, bylines, abstracts, strict=True)]


# --- export, import, export ---------------------------------------------------------------------------

# Titles with what BibTeX must escape or protect: braces, specials, maths, accents, capitals.
bibtex_title = st.lists(
    st.one_of(word, st.sampled_from(["GPT-4", "BERT", "{LaTeX}", "50%", "R&D", "$x^2$", "C#", "a_b", "~", "Zürich",
                                     "naïve", "Δ-learning", "深度学习", "«quoted»", "\"quoted\"", "back\\slash"])),
    min_size=2, max_size=8).map(" ".join)


# Found by the round-trip property (letters with no LaTeX form lost their surname); kept as its first example.
MINIMAL_NUMENT = [{"title": "model data", "authors": ["A \u01e2"], "date": "2000-01-01", "abstract": "model model."}]


@pytest.mark.parametrize("style", ["arxiv", "scholar", "biblatex"])
@settings(PROPERTY, max_examples=8)
@given(papers=distinct_papers(title_text=bibtex_title))
@example(papers=MINIMAL_NUMENT)  # first, every run: the known failure, found by this property
def test_export_import_export_gives_the_same_text(style, papers):
    with new_library() as first:
        first.import_text(jsonl(papers), source="papers.jsonl")
        text = first.export(first.ids(), None, style=style)
        with new_library() as second:
            second.import_text(text, source="export.bib", fmt="bibtex")
            assert second.count() == first.count()
            assert second.export(second.ids(), None, style=style) == text


# --- citation keys ------------------------------------------------------------------------------------


def assert_keys_unique_and_valid(library: Library) -> list[str]:
    library.export(library.ids(), None)  # keys are given (and frozen) by the first export
    keys = [p.key for p in library.list()]
    assert len(set(keys)) == len(keys), sorted(k for k in keys if keys.count(k) > 1)
    bad = [k for k in keys if not k or BAD_KEY_CHARACTERS.search(k)]
    assert not bad, bad
    return keys


@PROPERTY
@given(papers=distinct_papers(min_size=2, max_size=8))
@example(papers=[{"title": f"Same words {n}", "authors": ["Ana Lee"], "date": "2020-01-01",
                  "abstract": f"paper {n} " + "data " * 30} for n in range(4)])  # one author, one year, many papers
def test_citation_keys_are_unique_and_valid_for_generated_names(papers):
    with new_library() as library:
        library.import_text(jsonl(papers), source="papers.jsonl")
        assert_keys_unique_and_valid(library)


def corpus_records(count: int) -> list[dict]:
    if not CORPUS.exists():
        pytest.skip(f"the corpus is not here: {CORPUS}")
    with lzma.open(CORPUS, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in islice(lines, count)]


def test_citation_keys_are_unique_and_valid_for_real_author_names():
    """The bylines of the corpus' first 2,000 records, non-Latin ones included, each on a made-up paper
    (same year and a one-word title for all: as many collisions as possible)."""
    records = corpus_records(2000)
    bylines = [r["authors"] for r in records if r.get("authors")]
    assert any(re.search(r"[^\x00-\u024f]", " ".join(b)) for b in bylines)  # non-Latin names are in there
    papers = [{"title": f"Study {n}", "authors": byline, "date": "2021-06-01", "abstract": f"Made-up paper {n}."}
              for n, byline in enumerate(bylines)]
    with new_library() as library:
        library.import_text(jsonl(papers), source="bylines.jsonl")
        assert library.count() == len(papers)
        keys = assert_keys_unique_and_valid(library)
    assert len(keys) == len(bylines)


@PROPERTY
@given(names=st.lists(st.sampled_from(sorted({a for r in (corpus_records(2000) if CORPUS.exists() else [])
                                               for a in r.get("authors") or []}) or ["Ada Lovelace"]),
                      min_size=2, max_size=8, unique=True))
def test_citation_keys_are_unique_and_valid_for_sampled_real_names(names):
    papers = [{"title": "Results", "authors": [name], "date": "2022-03-04", "abstract": f"Paper by {name}, {n}."}
              for n, name in enumerate(names)]
    with new_library() as library:
        library.import_text(jsonl(papers), source="papers.jsonl")
        assert_keys_unique_and_valid(library)


# --- de-duplication -----------------------------------------------------------------------------------


@PROPERTY
@given(papers=distinct_papers(min_size=2, max_size=8))
def test_distinct_papers_are_kept_apart(papers):
    with new_library() as library:
        library.import_text(jsonl(papers), source="papers.jsonl")
        assert library.count() == len(papers)


cjk_text = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=60, max_size=200)


@PROPERTY
@given(papers=distinct_papers(min_size=2, max_size=4), abstracts=st.lists(cjk_text, min_size=4, max_size=4, unique=True))
def test_distinct_papers_with_unspaced_abstracts_are_kept_apart(papers, abstracts):
    """Chinese or Japanese abstracts have no spaces between words (issue 17, item 1)."""
    for paper, abstract in zip(papers, abstracts, strict=False):  # more abstracts than papers
        paper["abstract"] = abstract
    with new_library() as library:
        library.import_text(jsonl(papers), source="papers.jsonl")
        assert library.count() == len(papers)


@st.composite
def reworded(draw) -> tuple[dict, dict]:
    """A paper, and the same paper with a few words of its abstract changed (a new version)."""
    paper = draw(distinct_papers(min_size=1, max_size=1))[0]
    words = paper["abstract"].rstrip(".").split()
    changes = draw(st.integers(1, max(1, len(words) // 15)))
    positions = draw(st.lists(st.integers(0, len(words) - 1), min_size=changes, max_size=changes, unique=True))
    for position in positions:
        words[position] = draw(word.filter(lambda w, old=words[position]: w != old))
    other = paper | {"abstract": " ".join(words) + "."}
    assume(other["abstract"] != paper["abstract"])
    return paper, other


@PROPERTY
@given(pair=reworded())
def test_a_reworded_abstract_is_the_same_paper(pair):
    with new_library() as library:
        library.import_text(jsonl([pair[0]]), source="v1.jsonl")
        library.import_text(jsonl([pair[1]]), source="v2.jsonl")
        assert library.count() == 1
