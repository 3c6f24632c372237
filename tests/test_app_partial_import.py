"""Issue 11 in the app: a paste with a broken entry imports the rest and reports the broken
one with its line; flagged papers are one key away (f in the report: the Flagged view) and
leave it once checked (c)."""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import Static

from store.library import Library
from tui.app import PapersApp
from tui.screens.import_report import ImportReportScreen

from .test_app import SIZE, TITLES, detail_text, make_library, notifications, paper_list, settle, shown_titles, status_text

GOOD_AND_BROKEN_CARDS = (
    "CLMar 22, 2023Code\n"
    "Sparks of Artificial General IntelligenceSébastien Bubeck, Varun Chandrasekaran et al. · microsoft\n"
    "We report on our investigation of an early version of GPT-4.\n"
    "this line is not a card at all\n"
    "nor is this one\n"
    "LGMar 23, 2023\n"
    "Scaling Laws for Neural Language ModelsJared Kaplan, Sam McCandlish\n"
    "We study empirical scaling laws for language model performance.\n"
)
CUT_OFF_LISTING = (
    "We study what happens to a long abstract when the page it came from is cut off. " * 2
    + "\narXiv:2301.03988\n"
    + "A second abstract, whose id never came, because the copy ended here on the page. " * 2
    + "\n"
)


@pytest.fixture
def library_dir(tmp_path):
    return make_library(tmp_path / "library")


@pytest.fixture
async def running(library_dir):
    """The app on a library of TITLES, loaded and idle."""
    app = PapersApp(library_dir)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        yield app, pilot


def report_text(app) -> str:
    assert isinstance(app.screen, ImportReportScreen)
    return app.screen.query_one("#import-report-text", Static).content.plain


async def test_a_paste_with_a_broken_card_imports_the_rest_and_reports_its_line(running, library_dir):
    app, pilot = running
    paper_list(app).post_message(events.Paste(GOOD_AND_BROKEN_CARDS.replace("\n", "\r")))  # as a terminal pastes
    await settle(pilot)
    assert any("2 added" in message and "1 skipped" in message for message in notifications(app))
    assert "<pasted>:4: skipped: expected a card's first line" in report_text(app)
    await pilot.press("escape")
    await settle(pilot)
    assert {"Sparks of Artificial General Intelligence", "Scaling Laws for Neural Language Models"} <= set(
        shown_titles(app))
    with Library(library_dir) as library:
        assert library.count() == len(TITLES) + 2


async def test_flagged_papers_are_a_key_away_and_leave_the_view_once_checked(running, library_dir):
    app, pilot = running
    paper_list(app).post_message(events.Paste(CUT_OFF_LISTING))
    await settle(pilot)
    assert "<pasted>:3: flagged untitled-" in report_text(app)
    await pilot.press("f")
    await settle(pilot)
    assert "Flagged" in status_text(app)
    (flagged,) = [paper_list(app).paper(pid) for pid in paper_list(app).paper_ids]
    assert flagged.abstract.startswith("A second abstract")
    assert "no id after this paper" in detail_text(app)
    await pilot.press("c")
    await settle(pilot)
    assert list(paper_list(app).paper_ids) == []  # checked: it left the Flagged view
    assert any("no longer flagged" in message for message in notifications(app))
    with Library(library_dir) as library:
        assert library.list("is:flagged") == [] and library.get(flagged.id).flags == []
