"""Every query and tag that enters the library meets its limit (issue 15, items 5, 6, 8, 9).

Items 6 and 8: a 100 KB query is refused at once, naming the limit, from the
command line and in the app's search status; a tag holding a comma or 100,000
characters is refused; `tag:"a,b,c"` is a clear message, never Whoosh's "Phrase
search: 'tags' field has no positions". Item 5: an index write that fails after
the SQL commit is one line, the change is kept, the index rebuilt later.
Item 9: bidi overrides never reach a terminal raw from `list --json` or an export.
"""

from __future__ import annotations

import errno
import json
import time

import pytest

from store.errors import LibraryError, QueryError
from store.index_sync import IndexStatus
from store.library import Library
from tui.app import PapersApp

from .test_app import SIZE, make_library, search_status, settle
from .test_cli import run

HUGE_QUERY = "attention " * 10_000  # 100,000 characters: 42 s of Whoosh's parser before the limit


@pytest.fixture
def filled(tmp_path):
    return make_library(tmp_path / "lib")


@pytest.mark.parametrize("command", [("search", HUGE_QUERY), ("list", "-q", HUGE_QUERY), ("export", "-q", HUGE_QUERY)])
def test_a_100kb_query_is_refused_at_once_naming_the_limit(filled, capsys, command):
    started = time.perf_counter()
    code, out, err = run(capsys, *command, "--library", filled)
    assert time.perf_counter() - started < 5  # was 42 s of CPU
    assert code == 1 and out == ""
    assert err.strip() == "papers-tui: the query is 100,000 characters long; the limit is 2,000 (query length)"


def test_every_way_into_the_library_checks_the_query(filled):
    with Library(filled) as library:
        for ask in (library.ids, library.search, library.highlight_terms, library.list):
            with pytest.raises(QueryError, match=r"the limit is 2,000 \(query length\)"):
                ask(HUGE_QUERY)
        assert library.ids("attention " * 190)  # under the limit: answered


async def test_a_pasted_100kb_query_shows_the_limit_in_the_search_status(filled):
    from textual import events

    app = PapersApp(filled)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        started = time.perf_counter()
        app.focused.post_message(events.Paste(HUGE_QUERY))
        await settle(pilot)
        assert "the limit is 2,000 (query length)" in search_status(app).content.plain
        assert search_status(app).has_class("-error")
        await app.action_quit()
    assert time.perf_counter() - started < 10  # quitting took 11.7 s


@pytest.mark.parametrize("query", ['tag:"a,b,c"', "tag:'a,b'", 'attention AND tags:"x, y"'])
def test_a_tag_with_a_comma_in_a_query_is_a_clear_message(filled, capsys, query):
    for command in (("search", query), ("list", "-q", query)):
        code, _, err = run(capsys, *command, "--library", filled)
        assert code == 1 and "a tag cannot hold a comma" in err
        assert "no positions" not in err and "Phrase" not in err


def test_a_tag_with_a_comma_or_over_the_limit_is_refused(filled, capsys):
    with Library(filled) as library:
        key = library.list()[0].key
        before = library.generation()
    code, _, err = run(capsys, "tag", "--library", filled, key, "--add", "a,b,c")
    assert code == 1 and err.strip() == (
        "papers-tui: a tag cannot hold a comma: commas separate tags (add 'a,b,c' as separate tags)")
    code, _, err = run(capsys, "tag", "--library", filled, key, "--add", "x" * 100_000)
    assert code == 1 and "is 100,000 characters long; the limit is 100 (tag length)" in err
    assert len(err) < 300
    with Library(filled) as library:
        assert library.generation() == before and library.tag_counts() == []
        with pytest.raises(LibraryError, match="commas separate tags"):
            library.tag([library.list()[0].id], add=["a,b"])
        library.tag([library.list()[0].id], add=["  reading   group "])
        assert library.tag_counts() == [("reading group", 1)]


# --- item 5: the index write fails after the commit -------------------------------------------------


def no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("where", ["segment", "marker"])
def test_a_failed_index_write_says_saved_in_one_line_and_the_index_is_rebuilt(filled, capsys, monkeypatch, where):
    from whoosh.writing import SegmentWriter

    from store.search.marker import GenerationMarker

    with Library(filled) as library:
        key = library.list()[0].key
    if where == "segment":
        monkeypatch.setattr(SegmentWriter, "commit", no_space)
    else:
        monkeypatch.setattr(GenerationMarker, "mark_indexed", no_space)
    code, out, err = run(capsys, "tag", "--library", filled, key, "--add", "kept")
    assert code == 0 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("papers-tui: saved, but the search index could not be updated: ")
    assert "No space left on device" in err and "it will be rebuilt" in err
    monkeypatch.undo()
    with Library(filled) as library:
        assert library.index_status() == IndexStatus.STALE  # marked stale: rebuilt next time
        assert [p.key for p in library.list("tag:kept")] == [key]  # the change is saved
    code, out, err = run(capsys, "search", "--library", filled, "tag:kept")
    assert code == 0 and key in out and "rebuilding" in err


# --- item 9: bidi overrides in JSON and BibTeX ----------------------------------------------------


def test_list_json_and_the_biblatex_export_neutralise_bidi_overrides(tmp_path, capsys):
    title = "Safe \u202egnp.exe\u202c and \u2066isolated\u2069"
    directory = make_library(tmp_path / "lib", papers=[{"title": title, "authors": ["A \u202eB"], "date": "2020"}])
    code, out, _ = run(capsys, "list", "--json", "--library", directory)
    assert code == 0 and not any(char in out for char in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert "\\u202e" in out and json.loads(out)[0]["title"] == title  # the data is whole, only escaped
    for style in ("biblatex", "arxiv", "scholar"):
        code, out, _ = run(capsys, "export", "--style", style, "--library", directory)
        assert code == 0 and "gnp.exe" in out
        assert not any(char in out for char in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def test_the_screen_and_the_outputs_neutralise_the_same_characters():
    from store.bidi import BIDI_CONTROLS, neutralise_bidi
    from tui.text import BIDI_CONTROLS as ON_SCREEN
    from tui.text import safe_text

    assert ON_SCREEN == BIDI_CONTROLS
    every = "".join(sorted(BIDI_CONTROLS))
    assert safe_text(every) == neutralise_bidi(every) == "\ufffd" * len(every)
