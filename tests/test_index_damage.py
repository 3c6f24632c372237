"""Damage inside the search index's files is found, reported as damage, and repaired.

A library of a few hundred generated papers is built once; each test damages a
copy of it: one kind of segment file (postings, terms, stored fields, the paper
id column, a field-length column, the TOC), 256 bytes overwritten at its start,
middle or end, or the file cut short. Then, through the command line:
`doctor --check-only` names the damaged index and exits non-zero; a search
rebuilds the index and answers as before the damage; `doctor` repairs it; and
a library opened on the damaged index says it is damaged rather than answering
a query wrong or calling the damage the query's fault.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from store.errors import IndexUnavailable, QueryError
from store.library import Library
from tui.cli import main

PAPERS = 400
DAMAGE_BYTES = 256
SURNAMES = ["Okafor", "Lindqvist", "Tanaka", "Moreau", "Silva", "Novak", "Haddad", "Kowalski", "Ivanova", "Chen",
            "Mbeki", "Rossi", "Schmidt", "Nakamura", "Oliveira", "Dubois", "Jensen", "Kumar", "Petrov", "Walsh"]
GIVEN = ["Ada", "Bruno", "Chiara", "Dmitri", "Elif", "Farid", "Greta", "Hiro", "Ines", "Jonas"]
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "zu", "pe", "qua", "dri", "sto", "fen", "gal"]
# Segment files by kind: the suffix after the segment id (Whoosh's W3 codec, files not compound).
FILE_KINDS = {
    "postings": ".pst",
    "terms": ".trm",
    "stored fields": "._stored.col",
    "paper id column": ".pid.col",
    "field lengths": "._abstract_len.col",
    "table of contents": ".toc",
}


def vocabulary() -> list[str]:
    rng = random.Random(15)
    return sorted({"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))) for _ in range(1500)})


WORDS = vocabulary()
# Words, a field, two words, a phrase, filters: each found in many papers (checked by `answers`).
QUERIES = ["author:okafor", "author:tanaka", WORDS[7], f"title:{WORDS[40]}", f"{WORDS[100]} {WORDS[300]}",
           f'"{WORDS[1]} {WORDS[2]}" OR {WORDS[3]}', "tag:reviewed", "is:starred", "year:2021"]


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def generated_papers(count: int) -> list[dict]:
    rng = random.Random(15)
    words = vocabulary()
    papers = []
    for number in range(count):
        authors = [f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}" for _ in range(rng.randint(1, 4))]
        papers.append({
            "title": f"Paper {number}: " + " ".join(rng.choice(words) for _ in range(6)),
            "authors": authors,
            "date": f"{2019 + number % 5}-{1 + number % 12:02d}-{1 + number % 28:02d}",
            "arxiv_id": f"{19 + number % 5}{1 + number % 12:02d}.{10000 + number}",
            "category": "cs.LG",
            "abstract": " ".join(rng.choice(words) for _ in range(120)),
            "tags": ["reviewed"] if number % 7 == 0 else [],
            "read": number % 3 == 0,
            "starred": number % 11 == 0,
            "note": "",
        })
    return papers


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """A library of PAPERS generated papers whose index is whole."""
    folder = tmp_path_factory.mktemp("pristine")
    source = folder / "papers.jsonl"
    source.write_text("".join(json.dumps(paper) + "\n" for paper in generated_papers(PAPERS)), encoding="utf-8")
    directory = folder / "library"
    assert main(["import", "--library", str(directory), str(source)]) == 0
    with Library(directory) as library:
        assert library.count() == PAPERS and library.index_status() == "current"
    return directory


@pytest.fixture(scope="module")
def answers(pristine) -> dict[str, tuple[list[str], list[str]]]:
    """What each query answers on the whole index: (relevance order, date order) of keys."""
    with Library(pristine) as library:
        found = {query: ([p.key for p in library.search(query, limit=PAPERS)], keys(library, query)) for query in QUERIES}
    assert all(found[query][0] for query in QUERIES)  # every query finds papers: an empty answer is a failure
    return found


def keys(library: Library, query: str) -> list[str]:
    return [paper.key for paper in library.list(query, sort="date")]


def answers_of(directory: Path) -> dict[str, tuple[list[str], list[str]]]:
    with Library(directory) as library:
        return {query: ([p.key for p in library.search(query, limit=PAPERS)], keys(library, query)) for query in QUERIES}


@pytest.fixture
def copy(pristine, tmp_path) -> Path:
    directory = tmp_path / "library"
    shutil.copytree(pristine, directory)
    return directory


def largest(index: Path, suffix: str) -> Path:
    candidates = [path for path in index.iterdir() if path.name.endswith(suffix)]
    assert candidates, f"the index has no {suffix} file: {sorted(p.name for p in index.iterdir())}"
    return max(candidates, key=lambda path: path.stat().st_size)


def damage(path: Path, where: str) -> None:
    """256 bytes overwritten at the start, middle or end of the file, or the file cut in half."""
    size = path.stat().st_size
    if where == "truncated":
        with open(path, "r+b") as handle:
            handle.truncate(size // 2)
        return
    offset = {"start": 0, "middle": size // 2, "end": max(0, size - DAMAGE_BYTES)}[where]
    length = min(DAMAGE_BYTES, size - offset)
    with open(path, "r+b") as handle:
        handle.seek(offset)
        original = handle.read(length)
        noise = bytes(random.Random(offset).randrange(256) for _ in range(length))
        if noise == original:  # cannot happen for 256 random bytes; a small file is inverted instead
            noise = bytes(255 - b for b in original)
        handle.seek(offset)
        handle.write(noise)


CASES = [(kind, where) for kind in FILE_KINDS for where in ("start", "middle", "end", "truncated")]


def case_id(case) -> str:
    return f"{case[0].replace(' ', '-')}-{case[1]}"


def test_the_index_has_the_files_these_tests_damage(pristine):
    names = [path.name for path in (pristine / "index").iterdir()]
    for kind, suffix in FILE_KINDS.items():
        assert any(name.endswith(suffix) for name in names), f"no {kind} file ({suffix}) in {sorted(names)}"


@pytest.mark.parametrize("kind, where", CASES, ids=[case_id(c) for c in CASES])
def test_doctor_finds_and_repairs_damage_and_searches_answer_as_before(copy, answers, kind, where, capsys):
    damage(largest(copy / "index", FILE_KINDS[kind]), where)

    code, out, err = run(capsys, "doctor", "--check-only", "--library", copy)
    assert code != 0, out
    assert "search index damaged" in out and "Traceback" not in out + err

    code, out, err = run(capsys, "doctor", "--library", copy)
    assert code == 0, out + err
    assert "fixed" in out and "search index damaged" in out and "rebuilt" in out
    code, out, _ = run(capsys, "doctor", "--check-only", "--library", copy)
    assert code == 0 and "healthy" in out
    assert answers_of(copy) == answers


@pytest.mark.parametrize("kind, where", CASES, ids=[case_id(c) for c in CASES])
def test_a_search_on_a_damaged_index_rebuilds_it_and_answers_as_before(copy, answers, kind, where, capsys):
    damage(largest(copy / "index", FILE_KINDS[kind]), where)

    code, out, err = run(capsys, "search", "--library", copy, "--json", "--limit", PAPERS, "author:okafor")
    assert code == 0, err
    assert "Block tag error" not in err and "cannot run the query" not in err
    assert "search index is damaged; rebuilding" in err
    assert [paper["key"] for paper in json.loads(out)] == answers["author:okafor"][0]
    assert answers_of(copy) == answers


@pytest.mark.parametrize("kind", list(FILE_KINDS), ids=[k.replace(" ", "-") for k in FILE_KINDS])
def test_a_library_opened_on_a_damaged_index_says_so_instead_of_answering(copy, answers, kind):
    damage(largest(copy / "index", FILE_KINDS[kind]), "middle")
    with Library(copy) as library:
        assert library.index_status() == "damaged"
        for query in QUERIES:
            if query.startswith(("is:", "tag:")):
                continue  # views: answered by the store alone, rightly
            with pytest.raises(IndexUnavailable, match="damaged"):
                library.list(query, sort="date")
            with pytest.raises(IndexUnavailable, match="damaged"):
                library.search(query)
        assert library.repair_index()
        assert library.index_status() == "current"
    assert answers_of(copy) == answers


@pytest.mark.parametrize("part", [".pst", ".trm"])
def test_damage_after_opening_found_by_a_search_is_damage_not_a_query_error(copy, answers, part):
    with Library(copy) as library:
        assert library.index_status() == "current"
        assert [p.key for p in library.search("author:okafor", limit=PAPERS)] == answers["author:okafor"][0]
        segment = largest(copy / "index", part)
        segment.write_bytes(b"\xff" * segment.stat().st_size)  # the disk goes bad under the open library
        library.index.close()  # as after another process's write: the next search reads the files again
        with pytest.raises(IndexUnavailable, match="damaged"):
            library.search("author:okafor", limit=PAPERS)
        assert library.index_status() == "damaged"
        assert "checksum" in library.index.problem
        assert library.repair_index()
        assert [p.key for p in library.search("author:okafor", limit=PAPERS)] == answers["author:okafor"][0]


def test_verify_is_clean_on_a_whole_index_and_names_the_damaged_file(copy):
    with Library(copy) as library:
        assert library.index.verify() is None
        postings = largest(copy / "index", ".pst")
        damage(postings, "middle")
        problem = library.index.verify()
        assert problem is not None and postings.name in problem
        assert library.index_status() == "damaged"


def test_checksums_follow_every_write(copy, capsys):
    """A write adds (and merges) segments: their checksums are recorded with the commit."""
    with Library(copy) as library:
        library.tag(library.ids("author:tanaka"), add=["tanaka-papers"])
        library.mark(library.ids("author:okafor"), starred=True)
        for number in range(12):  # enough small segments for Whoosh to merge some
            library.tag(library.ids(WORDS[7])[number : number + 1], add=[f"later{number}"])
        assert library.index.verify() is None
        assert library.index_status() == "current"
    code, out, _ = run(capsys, "doctor", "--check-only", "--library", copy)
    assert code == 0 and "healthy" in out


def test_an_index_without_recorded_checksums_is_rebuilt(copy, answers, capsys):
    """An index written by an older papers-tui has no checksums: it cannot be trusted, so it is rebuilt."""
    (copy / "index" / "papers-tui-checksums.json").unlink()
    code, out, _ = run(capsys, "doctor", "--check-only", "--library", copy)
    assert code != 0 and "no checksums" in out
    code, out, err = run(capsys, "search", "--library", copy, "--json", "--limit", PAPERS, "author:okafor")
    assert code == 0 and [paper["key"] for paper in json.loads(out)] == answers["author:okafor"][0]
    assert (copy / "index" / "papers-tui-checksums.json").exists()


def test_a_query_error_stays_a_query_error_with_its_message(copy, capsys):
    with Library(copy) as library:
        with pytest.raises(QueryError) as refused:
            library.search("title:(unbalanced")
        assert not isinstance(refused.value, IndexUnavailable)
        # Refused by Whoosh while it runs the query, not by the parser: still the query's fault.
        # (Whoosh's "Phrase search: 'cat' field has no positions"; should the query language
        # come to accept it, take another query Whoosh refuses as it runs.)
        with pytest.raises(QueryError, match="has no positions") as refused:
            library.search('cat:"cs lg"')
        assert not isinstance(refused.value, IndexUnavailable)
        assert library.index.problem is None and library.index_status() == "current"
    code, _, err = run(capsys, "search", "--library", copy, "title:(unbalanced")
    assert code != 0 and "damaged" not in err and "rebuilding" not in err


async def test_the_app_rebuilds_an_index_a_search_finds_damaged_then_answers(copy, monkeypatch):
    from tui.app import PapersApp

    from .test_app import paper_list, record_work_line, search_status, settle, type_text

    shown_work = record_work_line(monkeypatch)
    with Library(copy) as library:
        expected = {paper.id for paper in library.list("author:okafor", sort="date")}
    app = PapersApp(copy)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert shown_work == []  # the index was whole when the app opened it
        await pilot.press("3")  # all papers
        await settle(pilot)
        segment = largest(copy / "index", ".pst")
        segment.write_bytes(b"\xff" * segment.stat().st_size)  # the disk goes bad under the running app
        await pilot.press("slash")
        await type_text(pilot, "author:okafor")
        await settle(pilot)
        assert [label for label, *_ in shown_work] and all("search index" in label for label, *_ in shown_work)
        assert set(paper_list(app).paper_ids) == expected
        status = str(search_status(app).content)
        assert status == f"{len(expected)} hits" and "cannot run the query" not in status
    with Library(copy) as library:
        assert library.index_status() == "current" and library.index.verify() is None


def test_a_read_error_that_comes_back_after_the_rebuild_is_not_blamed_on_the_files_again(copy, monkeypatch):
    """Checksums right and Whoosh raising what damaged bytes raise: the index is rebuilt
    once; if the same error comes back from the new index, the files are not to blame,
    and rebuilding again and again (the app would loop) helps nobody."""
    from whoosh.searching import Searcher

    def broken_search(self, *args, **kwargs):
        raise Exception("Block tag error")

    with Library(copy) as library:
        monkeypatch.setattr(Searcher, "search", broken_search)
        with pytest.raises(IndexUnavailable, match="damaged"):
            library.search("author:okafor")
        assert "Block tag error" in library.index.problem
        assert library.repair_index() and library.index_status() == "current"
        with pytest.raises(QueryError, match="cannot run the query: Exception: Block tag error") as refused:
            library.search("author:okafor")
        assert not isinstance(refused.value, IndexUnavailable)
        assert library.index_status() == "current"
        monkeypatch.undo()
        assert library.search("author:okafor")
