"""Searching in the app: the whole library by default, best match first, related papers whatever the search."""

from __future__ import annotations

import pytest

from store.library import Library
from tests.test_app import (
    PAPERS,
    SIZE,
    TITLES,
    make_library,
    reader,
    search_status,
    settle,
    shown_titles,
    status_text,
    type_text,
)
from tui.app import PapersApp
from tui.widgets.search_pane import SearchPane

BLOOM = "BLOOM: A 176B-Parameter Open-Access Multilingual Language Model"
MENTIONS_BLOOM = "Evaluating Multilingual Models on Low-Resource Languages"
BLOOM_PAPERS = [
    {"title": MENTIONS_BLOOM, "authors": ["Ada Newer"], "date": "2024-05-01",
     "abstract": "We evaluate many multilingual language models, BLOOM among them, on forty languages."},
    {"title": BLOOM, "authors": ["BigScience Workshop"], "date": "2022-11-09",
     "abstract": "Large language models have been shown to be able to perform new tasks."},
    *PAPERS,
]


@pytest.fixture
async def running_fixture(tmp_path):
    """The app on the fixture library, loaded and idle, and the library's directory."""
    directory = make_library(tmp_path / "lib")
    app = PapersApp(directory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        yield app, pilot, directory


async def test_a_search_finds_papers_outside_the_view_and_says_where_it_looked(tmp_path):
    app = PapersApp(make_library(tmp_path / "lib", BLOOM_PAPERS, read=[BLOOM]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the Unread view: BLOOM is read
        assert BLOOM not in shown_titles(app)
        assert search_status(app).content.plain == "/ to search all papers"
        await pilot.press("slash")
        await type_text(pilot, "bloom")
        await settle(pilot)
        assert set(shown_titles(app)) == {BLOOM, MENTIONS_BLOOM}
        assert search_status(app).content.plain == "2 hits in all papers · best match"
        await pilot.press("ctrl+u")  # the field emptied: back to the inbox
        await type_text(pilot, "is:read")
        await settle(pilot)
        assert shown_titles(app) == [BLOOM]
        assert status_text(app).startswith("Search in all papers (1)")


async def test_filters_work_in_the_view_scope_too(tmp_path):
    app = PapersApp(make_library(tmp_path / "lib", BLOOM_PAPERS, read=[BLOOM], starred=[MENTIONS_BLOOM]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2", "ctrl+l", "slash")  # Starred, searched alone
        await type_text(pilot, "is:unread")
        await settle(pilot)
        assert shown_titles(app) == [MENTIONS_BLOOM]
        assert search_status(app).content.plain == "1 hit in Starred · best match"


async def test_a_typed_search_shows_the_best_match_first_and_clearing_it_restores_the_order(tmp_path):
    app = PapersApp(make_library(tmp_path / "lib", BLOOM_PAPERS))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("S")  # the view by title
        await settle(pilot)
        await pilot.press("slash")
        await type_text(pilot, "bloom")
        await settle(pilot)
        assert shown_titles(app) == [BLOOM, MENTIONS_BLOOM]  # newer, but BLOOM is in its abstract only
        assert "sort: relevance" in status_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert "sort: title" in status_text(app)
        assert shown_titles(app) == sorted((paper["title"] for paper in BLOOM_PAPERS), key=str.casefold)


async def test_related_papers_come_from_the_paper_alone_whatever_the_search(running_fixture):
    app, pilot, library_dir = running_fixture
    await pilot.press("slash")
    await type_text(pilot, "bert")
    await pilot.press("enter")
    await settle(pilot)
    assert shown_titles(app) == [TITLES[2]]
    await pilot.press("m")
    await settle(pilot)
    with Library(library_dir) as library:
        expected = [paper.title for paper in library.related(library.ids("bert")[0])]
    assert expected and shown_titles(app) == expected
    assert reader(app).query_one(SearchPane).query_text == ""  # the search made way for them
    assert status_text(app).startswith(f"Related to: {TITLES[2][:31]}… ({len(expected)})")
    assert "sort: likeness" in status_text(app)
