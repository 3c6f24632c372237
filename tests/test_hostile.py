"""Hostile text, generated: every importer, the query parser, tags and notes.

Text pasted from the web may hold markup, escape sequences, control
characters, bidi overrides, combining marks, emoji, NUL bytes or invalid
UTF-8. Whatever comes in is imported safely or refused with ImportFormatError
(QueryError for a query, LibraryError for an empty tag): never another
exception, never a damaged library, and nothing that reaches the terminal as
a control sequence once passed through `safe_text`.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from store.importers import FORMATS, decode, parse_text
from store.library import Library, LibraryError, QueryError
from store.model import ImportFormatError
from tui.text import safe_text

# Fragments that have broken programs like this one.
NASTY = [
    "[bold]", "[/]", "[@click=app.quit]", "[link=https://evil.example]x[/link]", "\x1b[31m", "\x1b[2J", "\x1b[?1049h",
    "\x1b]0;pwned\x07", "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\", "\x9b31m", "\x07", "\x08", "\x7f",
    "\r", "\r\n", "\x0b", "\x0c", "\u2028", "\u2029", "\x85", "\u202e", "\u2066", "\u200f", "\u200d", "\ufeff",
    "e\u0301", "\u0300\u0301\u0302\u0303", "👩‍👩‍👧", "🏳️‍🌈", "\U0001f600", "שלום", "مرحبا", "\x00", "\ud800", "\udcff",
    "{", "}", "@article{", "@string{x = \"", "\\", "\\'{e}", "$", "%", "#", '"', "'", "`", "; DROP TABLE papers; --",
    "' OR '1'='1", "AND", "OR", "NOT", "*", "?", "~", "~2", "^3", "title:", "author:", "year:>", "year:<abc",
    "tag:", "[a TO b]", "(", ")", ":", "-", "+", "Abstract:", "arXiv:1706.03762", "CLJun 12, 2017Code", " · ",
    "et al.", "\n", "\t", " ", "   ",
]
nasty_text = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=20)), max_size=12).map("".join)
# What a file can hold: no lone surrogates (decoding UTF-8 never yields them).
file_text = nasty_text.map(lambda s: s.encode("utf-8", "replace").decode("utf-8"))

# PAPERS_TUI_HYPOTHESIS_SCALE=10 for a longer hunt than the suite's few seconds.
SCALE = float(os.environ.get("PAPERS_TUI_HYPOTHESIS_SCALE", "1"))


def hostile_settings(examples: int):
    return settings(max_examples=int(examples * SCALE), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def no_control(text: str) -> bool:
    """What the store keeps: no C0/C1 control characters (where ESC and CSI sequences
    start) and no lone surrogates. Bidi marks are text (decisions.md) and stay."""
    return not any(unicodedata.category(c) in ("Cc", "Cs") for c in text)


def terminal_safe(text: str) -> bool:
    """What reaches the terminal (after safe_text): no controls and no bidi overrides either."""
    return no_control(text) and not any(c in BIDI_CONTROLS for c in text)


def in_templates(text: str) -> list[str]:
    """`text` where each format puts a title, an author, an abstract, a tag."""
    bib_safe = text.replace("}", ")").replace("{", "(")
    return [
        text,
        json.dumps({"title": text, "authors": [text], "abstract": text, "tags": [text], "note": text,
                    "date": "2020", "arxiv_id": "2001.00001"}),
        json.dumps({"title": text}) + "\n" + text,
        f"@article{{key{len(text)},\n  title = {{{bib_safe}}},\n  author = {{{bib_safe} and Doe, Jane}},\n"
        f"  abstract = {{{bib_safe}}},\n  year = {{2020}}\n}}\n",
        f"@article{{k, title = {{{text}}} }}",
        f"CLJun 12, 2017Code\n{text}Ashish Vaswani, Noam Shazeer · google\n{text}\n",
        f"Abstract:{text}\n",
        f"{text}\nNeurIPS 2017\narXiv:1706.03762{text}\narXiv:1409.0473\n",
    ]


@hostile_settings(200)
@given(file_text, st.sampled_from((None, *FORMATS)))
def test_every_importer_takes_or_refuses_hostile_text(text, fmt):
    for variant in in_templates(text):
        try:
            result = parse_text(variant, "hostile.txt", fmt)
        except ImportFormatError as error:
            assert str(error).startswith("hostile.txt")
            continue
        for record in result.records:
            for value in (record.title, record.abstract, record.venue, record.url, record.key, *record.authors,
                          *record.tags, *record.comments, *record.orgs):
                if value:
                    assert no_control(value.replace("\n", "").replace("\t", ""))
                    assert terminal_safe(safe_text(value))


@hostile_settings(200)
@given(st.binary(max_size=200) | nasty_text.map(lambda s: s.encode("utf-8", "surrogatepass")))
def test_bytes_decode_or_are_refused(data):
    try:
        text = decode(data, "bytes.bin")
    except ImportFormatError as error:
        assert error.source == "bytes.bin" and error.message
        return
    assert "\x00" not in text and "\r" not in text
    text.encode("utf-8")  # no surrogates got through


@pytest.fixture(scope="module")
def shared_library():
    directory = Path(tempfile.mkdtemp(prefix="hostile-"))
    library = Library(directory / "library")
    library.import_paths([str(p) for p in sorted((Path(__file__).parent.parent / "docs" / "examples").glob("*.txt"))])
    yield library
    library.close()
    shutil.rmtree(directory, ignore_errors=True)


def fresh_randomness() -> None:
    """Hypothesis seeds the `random` module alike for every example, and Whoosh names
    new segments with it: the same name twice fails a commit. Real runs are not seeded."""
    random.seed(os.urandom(16))


def assert_consistent(library: Library) -> None:
    conn = sqlite3.connect(library.db.path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()
    for paper in library.list():
        for value in (paper.title, paper.display_title, paper.abstract, paper.note, paper.key, paper.venue,
                      *paper.authors, *paper.tags, *paper.comments, *paper.orgs):
            assert terminal_safe(safe_text(value)), repr(value)
            assert terminal_safe(safe_text(value, keep_newlines=True).replace("\n", ""))
        for tag in paper.tags:
            assert no_control(tag)  # tags are cleaned when given, not only when shown


@hostile_settings(40)
@given(file_text)
def test_hostile_imports_keep_the_library_consistent(shared_library, text):
    fresh_randomness()
    for variant in in_templates(text):
        before = shared_library.count()
        try:
            shared_library.import_text(variant, source="pasted \x1b[31m")
        except ImportFormatError:
            assert shared_library.count() == before
    assert_consistent(shared_library)
    assert shared_library.index_is_current()


@hostile_settings(50)
@given(nasty_text)
def test_hostile_queries_are_data_or_a_clear_error(shared_library, query):
    for text in (query, f'"{query}"', f"tag:{query}", f"title:({query})", f"year:>{query}", f"{query}~"):
        try:
            shared_library.ids(text)
            shared_library.list(text, sort="relevance", limit=5)
        except QueryError as error:
            assert str(error)
        assert isinstance(shared_library.highlight_terms(text), list)
    assert shared_library.count() >= 8  # an SQL fragment did nothing


@hostile_settings(50)
@given(nasty_text, nasty_text)
def test_hostile_tags_and_notes_are_stored_clean(shared_library, tag, note):
    fresh_randomness()
    pid = shared_library.ids(sort="title")[0]
    try:
        shared_library.tag([pid], add=[tag])
    except LibraryError:
        assume(True)  # a tag of nothing but spaces and controls has no name
    shared_library.set_note(pid, note)
    paper = shared_library.get(pid)
    assert no_control(paper.note.replace("\n", "").replace("\t", ""))
    assert all(no_control(t) for t in paper.tags)
    for name, _ in shared_library.tag_counts():
        assert no_control(name)
    assert_consistent(shared_library)
