"""The query language's one home (store/query.py): who answers a query, what each
state means in the store and in the index, and the enums the app and CLI share."""

from __future__ import annotations

import pytest

from store import bibtex
from store.errors import LibraryBusy, LibraryError
from store.library import Library
from store.query import Sort, State, combined_query, parse, tag_query
from store.styles import Style
from tui.cli import main
from tui.screens import export as export_screen
from tui.screens.views import SORTS, next_sort, tag_view


@pytest.mark.parametrize("text", ["", "  ", "is:read", "is:unread AND tag:x", 'tag:"deep learning" is:starred',
                                  "state:STARRED", "is:nonsense"])
def test_views_are_answered_by_the_store(text):
    assert parse(text).answered_by_store


@pytest.mark.parametrize("text", ["attention", "is:read attention", "is:read AND", "AND is:read", "tag:a,b",
                                  "is:read OR is:starred", "author:vaswani", "-is:read"])
def test_everything_else_is_answered_by_the_index(text):
    query = parse(text)
    assert not query.answered_by_store and query.text == text


def test_a_parsed_view_says_its_states_and_tags():
    assert parse("is:Read tag:'Deep Learning' is:Starred").states == ("read", "starred")
    assert parse("is:Read tag:'Deep Learning'").tags == ("deep learning",)
    assert not parse("IS:read").answered_by_store  # not the field's name: the index's parser says what it means


def test_every_state_means_the_same_in_the_store_and_in_the_index(library, examples):
    library.import_paths([str(p) for p in sorted(examples.glob("*.txt"))])
    ids = library.ids(sort="title")
    library.mark(ids[:3], read=True)
    library.mark(ids[2:5], starred=True)
    for state in [*State, "nonsense"]:
        from_store = library.ids(f"is:{state}")
        from_index = library.index.matching(f"is:{state}")
        assert sorted(from_store) == sorted(from_index), state
    assert len(library.ids(f"is:{State.READ}")) == 3 and len(library.ids(f"is:{State.STARRED}")) == 3
    assert library.ids("is:nonsense") == []


def test_a_tag_view_is_a_store_query_for_the_whole_name(library, examples):
    library.import_paths([str(examples / "cards.txt")])
    pid = library.ids(sort="title")[0]
    library.tag([pid], add=['say "hi"', "Deep Learning"])
    for tag in ('say "hi"', "Deep Learning"):
        view = tag_view(tag)
        assert view.query == tag_query(tag) and parse(view.query).answered_by_store
        assert library.ids(view.query) == [pid] == library.index.matching(view.query)
    assert combined_query(tag_query("x"), "a OR b") == '(tags:"x") AND (a OR b)'
    assert combined_query("", "a OR b") == "a OR b"


def offered(capsys, *args: str) -> str:
    """What the CLI offers for a wrong choice (argparse's usage error)."""
    with pytest.raises(SystemExit):
        main(list(args))
    return capsys.readouterr().err.split("choose from", 1)[1]


def test_sorts_are_one_enum_for_the_library_the_app_and_the_cli(library, capsys):
    assert list(SORTS) == list(Sort) and next_sort("date") == Sort.TITLE and next_sort(Sort.RELEVANCE) == Sort.DATE
    choices = offered(capsys, "list", "--sort", "size")
    assert [choices.index(sort.value) for sort in Sort] == sorted(choices.index(sort.value) for sort in Sort)
    for sort in Sort:
        library.ids(sort=sort)
    with pytest.raises(LibraryError, match="unknown sort 'size'; choose date, title, added or relevance"):
        library.ids(sort="size")


def test_styles_are_one_enum_wherever_they_are_offered(capsys):
    assert tuple(Style) == tuple(bibtex.STYLES) == tuple(export_screen.STYLES)
    choices = offered(capsys, "export", "--style", "apa")
    assert [choices.index(style.value) for style in Style] == sorted(choices.index(style.value) for style in Style)


def test_a_cli_write_that_meets_a_busy_library_waits_and_says_so_once(library_dir, examples, capsys, monkeypatch):
    with Library(library_dir) as library:
        library.import_paths([str(examples / "cards.txt")])
        key = library.list(sort="title")[0].key
    real_mark, calls = Library.mark, []

    def busy_twice(self, *args, **kwargs):
        calls.append(args)
        if len(calls) <= 2:  # what the store says when another process held the lock past the timeout
            raise LibraryBusy("another papers-tui is writing to this library")
        return real_mark(self, *args, **kwargs)

    monkeypatch.setattr(Library, "mark", busy_twice)
    assert main(["mark", "--library", str(library_dir), "--star", key]) == 0
    err = capsys.readouterr().err
    assert len(calls) == 3 and err.count("waiting") == 1 and err.startswith("papers-tui: ")
    with Library(library_dir) as library:
        assert library.ids("is:starred") == library.resolve([key])
