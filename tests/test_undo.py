"""Undo is the inverse of one change: it puts back the fields that change set, as
they were before it, and leaves everything else, including what another window or
the CLI changed in the meantime (issue 17, item 2)."""

from __future__ import annotations

import pytest

from store.errors import LibraryError
from store.library import Library
from tui.app import PapersApp

from .test_app import SIZE, TITLES, make_library, paper_list, settle, stored


@pytest.fixture
def paper_id(library) -> int:
    make_library(library.directory)
    return next(paper.id for paper in library.list() if paper.title == TITLES[0])


def other_process(library: Library) -> Library:
    """Another connection to the same library, as the CLI or a second window has."""
    return Library(library.directory)


def test_undoing_a_star_leaves_a_tag_added_since_elsewhere(library, paper_id):
    library.mark([paper_id], starred=True)
    with other_process(library) as cli:
        cli.tag([paper_id], add=["from-cli"])
    library.undo_change({paper_id: {"starred": False, "starred_at": None}})
    paper = library.get(paper_id)
    assert (paper.starred, paper.starred_at, paper.tags) == (False, None, ["from-cli"])


def test_undoing_tags_removes_only_the_added_and_puts_back_only_the_removed(library, paper_id):
    library.tag([paper_id], add=["kept", "dropped"])
    library.tag([paper_id], add=["new"], remove=["dropped"])  # the change to undo
    with other_process(library) as cli:
        cli.tag([paper_id], add=["elsewhere"])
    library.undo_change({paper_id: {"tags": {"added": ["new"], "removed": ["dropped"]}}})
    assert library.get(paper_id).tags == ["dropped", "elsewhere", "kept"]
    assert ("new", 1) not in library.tag_counts()


def test_undoing_a_note_edit_keeps_a_later_edit_made_elsewhere(library, paper_id):
    library.set_note(paper_id, "mine")
    with other_process(library) as cli:
        cli.set_note(paper_id, "theirs")
    library.undo_change({paper_id: {"note": "", "note_written": "mine"}})
    assert library.get(paper_id).note == "theirs"
    library.set_note(paper_id, "again")
    library.undo_change({paper_id: {"note": "theirs", "note_written": "again"}})
    assert library.get(paper_id).note == "theirs"


def test_undoing_mark_unread_puts_back_when_it_was_read(library, paper_id):
    library.mark([paper_id], read=True)
    was = library.get(paper_id)
    library.mark([paper_id], read=False)
    library.undo_change({paper_id: {"read": True, "read_at": was.read_at}})
    paper = library.get(paper_id)
    assert (paper.read, paper.read_at) == (True, was.read_at)


def test_undo_refuses_fields_it_does_not_know(library, paper_id):
    with pytest.raises(LibraryError, match="title"):
        library.undo_change({paper_id: {"title": "x"}})


async def test_u_in_the_app_undoes_the_star_and_keeps_a_tag_added_from_the_cli(tmp_path):
    directory = make_library(tmp_path / "library")
    app = PapersApp(directory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pid = paper_list(app).current_paper().id
        await pilot.press("s")
        await settle(pilot)
        with Library(directory) as cli:  # as `papers-tui tag KEY --add from-cli` would, from another process
            assert cli.get(pid).starred
            cli.tag([pid], add=["from-cli"])
        await pilot.press("u")
        await settle(pilot)
        shown = paper_list(app).paper(pid)
        assert (shown.starred, shown.tags) == (False, ["from-cli"])
        await pilot.press("q")
        await settle(pilot)
    paper = stored(directory, shown.title)
    assert (paper.starred, paper.tags) == (False, ["from-cli"])
