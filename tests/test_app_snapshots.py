"""What the reader looks like, compared with the SVG screenshots in tests/__snapshots__.

The library is made of fixed papers and the screen never shows when a paper was added, so
the pictures are the same on every run. After a deliberate change of looks, review the new
pictures and update them with `pytest tests/test_app_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from tests.test_app import TITLES, make_library, settle
from tui.app import PapersApp

SIZE = (100, 30)


def app_on_fixture(tmp_path) -> PapersApp:
    directory = make_library(
        tmp_path / "library",
        read=[TITLES[4]],
        starred=[TITLES[1], TITLES[3]],
        tags={TITLES[1]: ["gpt", "scaling"], TITLES[3]: ["transformers"]},
    )
    return PapersApp(directory)


def test_the_main_screen(snap_compare, tmp_path):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("3", "j", "space", "j")  # all papers; one selected, the cursor on the next
        await settle(pilot)

    assert snap_compare(app_on_fixture(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_the_detail_of_a_paper_with_a_long_abstract(snap_compare, tmp_path):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("slash", *"transformer", "enter")  # the search terms are highlighted
        await settle(pilot)
        await pilot.press("j", "enter")  # Attention Is All You Need, its details focused
        await settle(pilot)

    assert snap_compare(app_on_fixture(tmp_path), terminal_size=(120, 36), run_before=run_before)


def test_the_help_screen(snap_compare, tmp_path):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(app_on_fixture(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_a_narrow_terminal(snap_compare, tmp_path):
    async def run_before(pilot) -> None:
        await settle(pilot)

    assert snap_compare(app_on_fixture(tmp_path), terminal_size=(80, 24), run_before=run_before)


def test_the_light_theme(snap_compare, tmp_path):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)

    assert snap_compare(app_on_fixture(tmp_path), terminal_size=SIZE, run_before=run_before)
