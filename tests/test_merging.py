"""Which records become one paper: the rules of one work (store/same_work.py), on
real records. tests/data/merge_cases.jsonl holds corpus records (../shared/corpus)
that an earlier rule joined wrongly, or that must be joined; biblatex's own
examples hold volumes and reprints that share a title."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from store import dedup
from store.library import Library
from tui.cli import main

DATA = Path(__file__).parent / "data"
CASES = DATA / "merge_cases.jsonl"
BIBLATEX_EXAMPLES = DATA / "bib" / "real" / "biblatex-examples.bib"
CORPUS_IDS = [json.loads(line)["id"] for line in CASES.read_text(encoding="utf-8").splitlines()]


def papers_by_source_id(library: Library) -> dict[str, int]:
    """Corpus id -> the paper its record became (via the sources table's line numbers)."""
    return {CORPUS_IDS[line - 1]: pid for pid, line in library.db.conn.execute("SELECT paper_id, line FROM sources")}


@pytest.fixture
def corpus_cases(library):
    report = library.import_paths([str(CASES)])[0]
    return library, report, papers_by_source_id(library)


def test_one_work_on_arxiv_and_in_the_anthology_is_one_paper(corpus_cases):
    _, _, paper_of = corpus_cases
    # Authors reordered and spelt without diacritics in the Anthology (Ayşe / Ayse).
    assert paper_of["2504.09714"] == paper_of["2025.gem-1.41"]
    # Posted on arXiv two years after the venue: an arXiv version's year says nothing.
    assert paper_of["2024.eacl-long.121"] == paper_of["2603.23949"]


@pytest.mark.parametrize(
    "first, second, reason",
    [
        ("W18-6481", "W18-6482", "same DOI, but different ACL Anthology ids"),  # the source gives both one DOI
        ("2021.cl-2.11", "E17-5001", "same title, but different ACL Anthology ids"),  # "Universal Dependencies"
        ("2022.ltedi-1.58", "2023.ltedi-1.7", "same title, but different ACL Anthology ids"),  # 2022 and 2023 tasks
        ("2022.emnlp-tutorials.1", "2024.lrec-tutorials.3", "same title, but different ACL Anthology ids"),
        ("D17-1043", "W17-4308", "same title, but different ACL Anthology ids"),  # main conference and workshop
        ("2507.12759", "2510.09354", "same title, but different arXiv ids"),
    ],
)
def test_different_works_sharing_an_id_or_title_stay_apart_and_are_reported(corpus_cases, first, second, reason):
    library, report, paper_of = corpus_cases
    assert paper_of[first] != paper_of[second]
    lines = {CORPUS_IDS.index(first) + 1, CORPUS_IDS.index(second) + 1}
    reported = [c for c in report.conflicts if c.line in lines and c.paper_id in (paper_of[first], paper_of[second])]
    assert [c.reason.split(" (")[0] for c in reported] == [reason]


def test_chinese_papers_with_unspaced_abstracts_stay_apart(corpus_cases):
    _, _, paper_of = corpus_cases
    ccl = [pid for ident, pid in paper_of.items() if ".ccl-" in ident]
    assert len(ccl) == 6 and len(set(ccl)) == 6


def test_the_whole_case_file_makes_one_paper_per_work(corpus_cases):
    library, report, _ = corpus_cases
    assert (report.added, report.merged + report.unchanged) == (len(CORPUS_IDS) - 2, 2)
    assert library.count() == len(CORPUS_IDS) - 2


def test_a_doi_another_paper_holds_is_kept_and_exported(corpus_cases):
    library, _, paper_of = corpus_cases
    holder, other = library.papers([paper_of["W18-6481"], paper_of["W18-6482"]])
    assert holder.doi == "10.18653/v1/w18-6481"
    assert other.doi is None and other.extra["doi"] == "10.18653/v1/w18-6481"
    for style in ("arxiv", "scholar", "biblatex"):
        entry = library.bibtex([other.id], style=style)
        assert "doi = {10.18653/v1/w18-6481}" in entry and "Alibaba Submission" in entry


def test_a_shared_doi_with_agreeing_title_and_authors_is_one_paper(library):
    library.import_paths([str(CASES)])
    before = library.count()
    bib = """@inproceedings{hope2022,
  title = {Overview of the Shared Task on Hope Speech Detection for Equality, Diversity, and Inclusion},
  author = {Chakravarthi, Bharathi Raja and Muralidaran, Vigneshwaran},
  year = {2022},
  doi = {10.18653/v1/2022.ltedi-1.58}
}
"""
    report = library.import_text(bib, "hope.bib")
    assert (report.merged + report.unchanged, library.count(), report.conflicts) == (1, before, [])


def test_a_shared_doi_with_another_title_is_two_papers(library):
    library.import_paths([str(CASES)])
    bib = """@article{other,
  title = {A Completely Different Paper},
  author = {Nobody, Alice},
  year = {2018},
  doi = {10.18653/v1/W18-6481}
}
"""
    report = library.import_text(bib, "other.bib")
    assert report.added == 1
    assert [c.reason for c in report.conflicts] == ["same DOI, but different titles"]


def test_the_cli_reports_records_kept_apart(library_dir, capsys):
    assert main(["import", "--library", str(library_dir), str(CASES)]) == 0
    out = capsys.readouterr().out
    assert "line 2: kept apart from lo2018accurate: same DOI, but different ACL Anthology ids (W18-6481, W18-6482)" in out


def test_a_similar_abstract_with_a_title_one_word_apart_is_another_paper(library):
    def record(animal: str) -> str:
        return json.dumps({"title": f"Learning {animal} Representations for Multilingual Parsing",
                           "authors": [f"Ada Surname{animal[0]}", "Grace Hopper"],
                           "abstract": f"Reliable parsing remains difficult for low resource settings. We study {animal} features."})

    report = library.import_text(record("Aardvark") + "\n" + record("Badger") + "\n", "siblings.jsonl")
    assert report.added == 2


def test_a_similar_abstract_under_a_title_with_a_subtitle_is_the_same_paper(library):
    abstract = "Reliable parsing remains difficult for low resource settings, and we study aardvark features here."
    first = json.dumps({"title": "Aardvark Parsing", "authors": ["Ada Lovelace"], "abstract": abstract})
    second = json.dumps({"title": "Aardvark Parsing: Learning from Few Examples", "authors": ["A. Lovelace"],
                         "abstract": abstract.replace("and we study", "we study")})
    report = library.import_text(first + "\n" + second + "\n", "versions.jsonl")
    assert (report.added, library.count()) == (1, 1)


# --- BibTeX: volumes, editions, reprints ---------------------------------------------------


def keys_by_paper(library: Library) -> list[list[str]]:
    lines = BIBLATEX_EXAMPLES.read_text(encoding="utf-8").split("\n")
    groups: dict[int, list[str]] = {}
    for pid, line in library.db.conn.execute("SELECT paper_id, line FROM sources ORDER BY line"):
        groups.setdefault(pid, []).append(lines[line - 1].split("{", 1)[1].rstrip(","))
    return sorted(groups.values())


def test_biblatex_examples_keep_volumes_and_reprints_apart(library):
    report = library.import_paths([str(BIBLATEX_EXAMPLES)])[0]
    merged = [keys for keys in keys_by_paper(library) if len(keys) > 1]
    # The 1965 article and the 1998 reprint (volume 38 / 86); the 1959 book and its 1997 reprint.
    assert ["moore", "moore:related"] not in merged
    assert not any("kullback" in keys and "kullback:reprint" in keys for keys in merged)
    # Entries that are one work in two forms are still joined: the arXiv version of
    # an article, a reprint listed twice, an entry repeated under a `:related` key.
    assert ["baez/article", "baez/online"] in merged
    assert ["kullback:reprint", "kullback:related"] in merged
    reasons = {c.reason for c in report.conflicts}
    assert "same title, but years 1965 and 1998" in reasons  # (and volumes 38 and 86)
    assert "same title, but years 1959 and 1997" in reasons


EDITIONS = """@book{first,
  title = {Speech and Language Processing},
  author = {Jurafsky, Daniel and Martin, James H.},
  edition = {2nd},
  year = {2008}
}
@book{second,
  title = {Speech and Language Processing},
  author = {Jurafsky, Daniel and Martin, James H.},
  edition = {3},
  year = {2009}
}
@book{again,
  title = {Speech and Language Processing},
  author = {Jurafsky, Daniel and Martin, James H.},
  edition = {Second},
  year = {2008}
}
@incollection{vol1,
  title = {Handbook of Natural Language Processing},
  author = {Dale, Robert},
  volume = {1},
  year = {2000}
}
@incollection{vol2,
  title = {Handbook of Natural Language Processing},
  author = {Dale, Robert},
  volume = {2},
  year = {2000}
}
@article{article,
  title = {Speech and Language Processing},
  author = {Jurafsky, Daniel},
  journal = {A Journal},
  year = {2008}
}
"""


def test_editions_volumes_and_entry_kinds_sharing_a_title_stay_apart(library):
    report = library.import_text(EDITIONS, "editions.bib")
    assert (report.added, report.merged + report.unchanged) == (5, 1)  # `again` is the 2nd edition
    reasons = [c.reason for c in report.conflicts]
    assert "same title, but edition 2nd and 3" in reasons
    assert "same title, but volume 1 and 2" in reasons
    assert "same title, but a book and a article" in reasons


# --- forms made by an older dedup.words() ---------------------------------------------------


def test_forms_of_an_older_version_are_recomputed_on_open(library_dir):
    with Library(library_dir) as library:
        library.import_paths([str(CASES)])
        chinese = library.papers([papers_by_source_id(library)["2021.ccl-1.46"]])[0]
        english = library.papers([papers_by_source_id(library)["W18-6481"]])[0]
        path = library.db.path
    conn = sqlite3.connect(path)  # what version 1 stored: Latin fragments only, and no version in meta
    with conn:
        conn.execute("UPDATE papers SET title_norm = 'ccl', abstract_hash = 'old' WHERE id = ?", (chinese.id,))
        conn.execute("DELETE FROM abstract_sketch WHERE paper_id = ?", (chinese.id,))
        conn.execute("DELETE FROM meta WHERE name = 'dedup_version'")
    conn.close()
    with Library(library_dir) as library:
        conn = library.db.conn
        title_norm, abstract_hash = conn.execute(
            "SELECT title_norm, abstract_hash FROM papers WHERE id = ?", (chinese.id,)
        ).fetchone()
        assert title_norm == dedup.normalise_title(chinese.title)
        assert abstract_hash == dedup.abstract_hash(chinese.abstract)
        sketch = {row[0] for row in conn.execute("SELECT hash FROM abstract_sketch WHERE paper_id = ?", (chinese.id,))}
        assert sketch == set(dedup.sketch(dedup.shingles(chinese.abstract)))
        assert conn.execute("SELECT value FROM meta WHERE name = 'dedup_version'").fetchone()[0] == str(
            dedup.DEDUP_VERSION
        )
        # Importing the same record again finds it: the forms are the ones imports compare.
        report = library.import_text(CASES.read_text(encoding="utf-8").splitlines()[CORPUS_IDS.index("2021.ccl-1.46")],
                                     "again.jsonl")
        assert report.added == 0
        assert library.get(english.id).title == english.title
