"""The store: import, the merge rules, the user's state, citation keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from store.library import Library, LibraryError
from store.model import ImportFormatError

from .conftest import snapshot

TITLE = "Grounded Recurrent Neural Networks"
ABSTRACT = (
    "We study recurrent networks whose hidden state is grounded in a knowledge base of medical concepts, "
    "and show that grounding improves the prediction of patient outcomes from clinical notes written by doctors."
)
REWORDED = (
    "We study recurrent networks whose hidden state is grounded in a knowledge base of medical concepts; "
    "we show that this grounding improves prediction of patient outcomes from the clinical notes that doctors write."
)
CARD = f"MLMay 23, 2017\n{TITLE}Ankit Vani, Yacine Jernite, David Sontag\n{ABSTRACT}\n"


def jsonl(**fields) -> str:
    return json.dumps(fields) + "\n"


def only(library: Library):
    papers = library.list()
    assert len(papers) == 1, [p.display_title for p in papers]
    return papers[0]


def test_card_import_stores_every_fact(library):
    report = library.import_text(CARD, "cards.txt")
    assert (report.added, report.merged) == (1, 0)
    paper = only(library)
    assert paper.title == TITLE and paper.authors == ["Ankit Vani", "Yacine Jernite", "David Sontag"]
    assert paper.date == "2017-05-23" and paper.category == "stat.ML" and not paper.read
    assert paper.key == "vani2017grounded"
    assert library.sources(paper.id) == [("cards.txt", 1, "cards")]


def test_same_arxiv_id_merges_and_fills_missing_fields(library):
    library.import_text(jsonl(abstract=ABSTRACT, arxiv_id="1705.08557"), "a.jsonl")
    report = library.import_text(jsonl(title=TITLE, authors=["Ankit Vani"], arxiv_id="arXiv:1705.08557v2"), "b.jsonl")
    assert (report.added, report.merged) == (0, 1)
    paper = only(library)
    assert (paper.title, paper.abstract, paper.arxiv_id) == (TITLE, ABSTRACT, "1705.08557")


def test_same_doi_merges_case_insensitively(library):
    library.import_text(jsonl(title="One title", doi="10.18653/V1/2024.ACL-LONG.1"), "a.jsonl")
    # (The titles must agree for a shared DOI to merge: the venue's adds a subtitle.)
    library.import_text(jsonl(title="One title: the long version", doi="https://doi.org/10.18653/v1/2024.acl-long.1",
                              venue="ACL"), "b.jsonl")
    paper = only(library)
    assert paper.title == "One title" and paper.venue == "ACL"


def test_same_normalised_title_merges(library):
    library.import_text(CARD, "cards.txt")
    library.import_text(jsonl(title="grounded recurrent neural   networks.", arxiv_id="1705.08557"), "b.jsonl")
    assert only(library).arxiv_id == "1705.08557"


def test_same_abstract_merges_an_untitled_paper(library):
    library.import_text(f"Abstract:{ABSTRACT}\n", "abstracts.txt")
    paper = only(library)
    assert paper.needs_title and paper.display_title.startswith("[no title] We study recurrent")
    assert paper.key == f"untitled-{paper.id}"
    library.import_text(CARD, "cards.txt")
    paper = only(library)
    assert paper.title == TITLE and paper.key == "vani2017grounded"


def test_lightly_reworded_abstract_merges(library):
    library.import_text(CARD, "cards.txt")
    report = library.import_text(f"Abstract:{REWORDED}\n", "abstracts.txt")
    assert report.added == 0
    # Of two versions the longer is kept, whichever came first.
    assert only(library).abstract == max(ABSTRACT, REWORDED, key=len)


def test_different_papers_stay_apart(library):
    library.import_text(CARD, "cards.txt")
    other = "An unrelated abstract about compilers, register allocation and the cost of spilling values to memory in loops."
    library.import_text(f"Abstract:{other}\n", "abstracts.txt")
    # A matching title with a conflicting arXiv id is another paper (a namesake).
    library.import_text(jsonl(title=TITLE, arxiv_id="1705.00001"), "c.jsonl")
    library.import_text(jsonl(title=TITLE, arxiv_id="1705.00002"), "d.jsonl")
    assert library.count() == 3


def test_merge_never_touches_user_state(library):
    library.import_text(CARD, "cards.txt")
    paper = only(library)
    library.mark([paper.id], read=True, starred=True)
    library.tag([paper.id], add=["to-cite"])
    library.set_note(paper.id, "mine")
    library.import_text(jsonl(title=TITLE, read=False, starred=False, tags=["other"], note="theirs", arxiv_id="1705.08557"), "x.jsonl")
    paper = only(library)
    assert (paper.read, paper.starred, paper.tags, paper.note) == (True, True, ["to-cite"], "mine")
    assert paper.arxiv_id == "1705.08557"


def test_merge_unions_comments_and_completes_truncated_authors(library):
    library.import_text(jsonl(title=TITLE, authors=["Ankit Vani"], authors_truncated=True, comments=["ICML"]), "a.jsonl")
    library.import_text(jsonl(title=TITLE, authors=["Ankit Vani", "Yacine Jernite", "David Sontag"], comments=["ICML", "8 pages"]), "b.jsonl")
    paper = only(library)
    assert paper.authors == ["Ankit Vani", "Yacine Jernite", "David Sontag"] and not paper.authors_truncated
    assert paper.comments == ["ICML", "8 pages"]


def test_citation_keys_are_unique_and_frozen(library):
    library.import_text(jsonl(title="The Stack: 3 TB of permissively licensed source code", authors=["Denis Kocetkov"], date="2022-11-20"), "a.jsonl")
    library.import_text(jsonl(title="The Stack v2 and more", authors=["Denis Kocetkov"], date="2022-12-01"), "b.jsonl")
    keys = [p.key for p in library.list(sort="date")]
    assert sorted(keys) == ["kocetkov2022stack", "kocetkov2022stacka"]
    # A later edit of the facts does not change a key once given.
    before = {p.id: p.key for p in library.list()}
    library.import_text(jsonl(title="The Stack: 3 TB of permissively licensed source code", arxiv_id="2211.15533", date="2022-11-20"), "c.jsonl")
    library.reindex()
    assert {p.id: p.key for p in library.list()} == before


def test_samples_in_any_order_leave_one_row_per_paper(tmp_path, samples):
    """All five samples, in several orders and twice over, give the same library."""
    results = []
    orders = [samples, samples[::-1], [samples[2], samples[1], samples[4], samples[0], samples[3]]]
    for number, order in enumerate(orders):
        with Library(tmp_path / f"lib{number}") as library:
            library.import_paths([str(p) for p in order])
            library.import_paths([str(p) for p in order])
            papers = library.list(sort="title")
            results.append(sorted((p.title or "", p.arxiv_id or "", tuple(p.authors), p.date or "", tuple(p.comments),
                                   p.abstract[:60]) for p in papers))
    assert results[0] == results[1] == results[2]
    facts = results[0]
    assert len(facts) == 71
    titles = [f[0] for f in facts if f[0]]
    assert len(titles) == len(set(titles)) == 67
    # The arXiv listing's ids and comments reached the cards they belong to.
    by_title = {f[0]: f for f in facts}
    assert by_title["SantaCoder: don't reach for the stars!"][1] == "2301.03988"
    assert by_title["The BigScience ROOTS Corpus: A 1.6TB Composite Multilingual Dataset"][4] == (
        "NeurIPS 2022, Datasets and Benchmarks Track",)


def test_samples_reworded_abstract_is_merged(library, samples):
    library.import_paths([str(p) for p in samples])
    hits = library.search('"Generative AI systems across modalities"')
    assert len(hits) == 1 and hits[0].title.startswith("Evaluating the Social Impact of Generative AI")


def test_failed_import_leaves_library_unchanged(library, tmp_path):
    library.import_text(CARD, "cards.txt")
    before = snapshot(library)
    good = tmp_path / "good.jsonl"
    good.write_text(jsonl(title="A new paper", authors=["Ada Lovelace"]))
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n{nor this\n")  # nothing readable (one bad line among good ones is skipped)
    with pytest.raises(ImportFormatError) as error:
        library.import_paths([str(good), str(bad)])
    assert error.value.source == str(bad) and error.value.line == 1
    assert snapshot(library) == before


def test_tags_are_case_insensitive_and_removed_when_unused(library):
    library.import_text(CARD, "cards.txt")
    pid = only(library).id
    library.tag([pid], add=["Reading Group", "reading group", "nlp"])
    assert only(library).tags == ["nlp", "Reading Group"]
    assert library.tag_counts() == [("nlp", 1), ("Reading Group", 1)]
    library.tag([pid], remove=["READING GROUP"])
    assert library.tag_counts() == [("nlp", 1)]
    with pytest.raises(LibraryError):
        library.tag([pid], add=[" , "])


def test_undo_change_puts_back_what_the_change_set(library):
    library.import_text(CARD, "cards.txt")
    before = only(library)
    library.mark([before.id], read=True, starred=True)
    library.tag([before.id], add=["x"])
    library.undo_change({before.id: {"read": False, "starred": False, "tags": {"added": ["x"], "removed": []}}})
    after = only(library)
    assert (after.read, after.starred, after.tags) == (False, False, [])


def test_resolve_unknown_key_is_an_error(library):
    library.import_text(CARD, "cards.txt")
    assert library.resolve(["vani2017grounded"]) == [only(library).id]
    with pytest.raises(LibraryError, match="nokey2020"):
        library.resolve(["vani2017grounded", "nokey2020"])


def test_reopened_library_keeps_everything(library_dir):
    with Library(library_dir) as library:
        library.import_text(CARD, "cards.txt")
        library.mark(library.ids(), starred=True)
    with Library(library_dir) as library:
        assert library.counts() == {"all": 1, "unread": 1, "read": 0, "starred": 1}
        assert [p.key for p in library.search("is:starred")] == ["vani2017grounded"]


def test_jsonl_corpus_shape(library):
    line = {"id": "2024.emnlp-main.33", "title": "Evaluating Robustness", "authors": ["Zekun Li"], "abstract": "Text.",
            "date": "2024-11", "venue": "EMNLP", "categories": [], "doi": None, "url": "https://aclanthology.org/2024.emnlp-main.33"}
    arxiv = {"id": "2503.12345", "title": "Some arXiv paper", "authors": ["A B"], "abstract": "Other.", "date": "2025-03-18",
             "venue": None, "categories": ["cs.CV", "cs.AI"], "doi": None, "url": "https://arxiv.org/abs/2503.12345"}
    library.import_text(json.dumps(line) + "\n" + json.dumps(arxiv) + "\n", "corpus.jsonl")
    acl, ax = library.list(sort="title")
    assert (acl.venue, acl.full_date, acl.arxiv_id) == ("EMNLP", "2024-11-01", None)
    assert (ax.arxiv_id, ax.category) == ("2503.12345", "cs.CV")


def test_many_papers_with_the_same_key_base_get_distinct_keys(library):
    lines = "".join(
        '{"title": "Large models %d", "authors": ["Ann Wang"], "date": "2023-01-01", "abstract": "Number %d of a series."}\n' % (n, n)
        for n in range(60)
    )
    library.import_text(lines, "wang.jsonl")
    library.import_text(lines.replace("Large models", "Large systems"), "more.jsonl")
    keys = [paper.key for paper in library.list()]
    assert len(keys) == len(set(keys)) == 120
    assert "wang2023large" in keys and "wang2023largea" in keys and "wang2023largebh" in keys


def test_views_are_answered_without_loading_whoosh(library, examples):
    """What keeps the app's first screen fast on a big library: rows come from SQLite."""
    import subprocess
    import sys

    library.import_paths([str(examples / "papers.jsonl")])
    script = (
        "import sys; from store.library import Library\n"
        f"lib = Library({str(library.directory)!r})\n"
        "assert lib.ids('is:unread') and lib.ids('') and lib.papers(lib.ids()[:5]) and lib.counts()['all']\n"
        "lib.ids('is:starred', sort='title'); lib.ids('tag:\"x\" AND is:read')\n"
        "print('whoosh' in sys.modules)\n"
    )
    root = str(Path(__file__).resolve().parent.parent)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root, check=True).stdout
    assert out.strip() == "False"
