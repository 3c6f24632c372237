"""Keys typed faster than the app handles them: none is lost, each applies in order (tui/key_line.py).

Keys are posted to the app all at once, as a terminal delivers a burst it read in one go: Pilot's
`press` would wait for the app between keys and hide the problem.
"""

from __future__ import annotations

import threading

from textual import events

from store.library import Library
from tests.test_app import SIZE, TITLES, current_title, make_library, paper_list, reader, settle, shown_titles, stored
from tui import library_client
from tui.app import PapersApp
from tui.screens.prompt import PromptScreen
from tui.widgets.search_pane import SearchPane

CHARACTER_KEYS = {"/": "slash", " ": "space", "-": "minus", ",": "comma"}


def burst(app: PapersApp, *keys: str) -> None:
    """Post every key to the app before it has handled any (a key name, or text typed)."""
    for key in keys:
        if len(key) == 1:
            app.post_message(events.Key(CHARACTER_KEYS.get(key, key), key))
        else:
            app.post_message(events.Key(key, None))


async def applied(pilot) -> None:
    """Wait until every key typed has been applied and what it started is done."""
    for _ in range(50):
        await settle(pilot)
        if not pilot.app.keys_waiting:
            await settle(pilot)
            return
    raise AssertionError("keys still waiting")


def slow_to_open(monkeypatch) -> threading.Event:
    """The app's library opens only once the returned event is set (a big or busy library)."""
    opened = threading.Event()

    class SlowLibrary(Library):
        def __init__(self, *args, **kwargs) -> None:
            opened.wait(timeout=30)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(library_client, "Library", SlowLibrary)
    return opened


async def test_keys_typed_while_the_library_opens_apply_in_order_once_it_has(tmp_path, monkeypatch):
    directory = make_library(tmp_path / "lib")
    may_open = slow_to_open(monkeypatch)
    app = PapersApp(directory)
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "j", "j", "s")
        await pilot.pause()
        assert paper_list(app).paper_ids == []  # the keys came before any paper was shown
        may_open.set()
        await applied(pilot)
        assert current_title(app) == TITLES[2]
        assert paper_list(app).current_paper().starred
    assert stored(directory, TITLES[2]).starred
    assert not stored(directory, TITLES[0]).starred


async def test_a_search_typed_in_one_burst_reaches_the_search_field(tmp_path):
    app = PapersApp(make_library(tmp_path / "lib"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(app, *"/bert")  # `/` moves the focus: the letters behind it must follow
        await applied(pilot)
        assert reader(app).query_one(SearchPane).query_text == "bert"
        assert shown_titles(app) == [TITLES[2]]


async def test_a_search_typed_as_the_app_starts_reaches_the_search_field(tmp_path):
    app = PapersApp(make_library(tmp_path / "lib"))
    async with app.run_test(size=SIZE) as pilot:
        burst(app, *"/bert")
        await applied(pilot)
        assert reader(app).query_one(SearchPane).query_text == "bert"
        assert shown_titles(app) == [TITLES[2]]


async def test_keys_typed_behind_one_that_opens_a_dialog_go_to_the_dialog(tmp_path):
    directory = make_library(tmp_path / "lib")
    app = PapersApp(directory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(app, "t", *"to-read", "enter", "j", "s")  # tag the first paper, then star the second
        await applied(pilot)
        assert not isinstance(app.screen, PromptScreen)
        assert current_title(app) == TITLES[1]
    assert stored(directory, TITLES[0]).tags == ["to-read"]
    assert stored(directory, TITLES[1]).starred
