"""The dialogs do what their hints say: export, tag and import prompts, the note editor; and what
the reader sees at the edges (a narrow footer, a long status line, the view kept across runs)."""

from __future__ import annotations

import pytest
from textual.widgets import Footer, Input, TextArea

from store.library import Library
from tests.test_app import (
    SIZE,
    TITLES,
    make_library,
    notifications,
    option_labels,
    reader,
    settle,
    shown_titles,
    status_text,
    stored,
)
from tui.app import PapersApp
from tui.screens.export import ExportScreen
from tui.screens.note import NoteScreen
from tui.screens.pick import PickScreen
from tui.screens.prompt import PromptScreen
from tui.screens.reader import ReaderScreen


@pytest.fixture
async def running_on(tmp_path):
    """The app on the fixture library, loaded and idle, with the library's directory."""
    directory = make_library(tmp_path / "lib")
    app = PapersApp(directory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        yield app, pilot, directory


async def export_dialog(pilot, path) -> ExportScreen:
    await pilot.press("x")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ExportScreen)
    screen.query_one(Input).value = str(path)
    return screen


# --- export -----------------------------------------------------------------------------


async def test_enter_on_a_style_exports_in_that_style(running_on, tmp_path):
    app, pilot, _ = running_on
    target = tmp_path / "out.bib"
    await export_dialog(pilot, target)
    await pilot.press("tab", "down", "enter")  # scholar
    await settle(pilot)
    assert isinstance(app.screen, ReaderScreen)
    text = target.read_text()
    assert text.count("@") == len(TITLES)
    assert "journal = {arXiv preprint arXiv:" in text


async def test_exporting_onto_a_file_asks_before_replacing_it(running_on, tmp_path):
    app, pilot, _ = running_on
    target = tmp_path / "reading.bib"
    target.write_text("my own bibliography\n")
    await export_dialog(pilot, target)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(app.screen, PickScreen)
    assert option_labels(app.screen) == ["Replace it", "Write to another file"]
    await pilot.press("down", "enter")  # another file: the dialog again, as it was
    await settle(pilot)
    assert isinstance(app.screen, ExportScreen)
    assert app.screen.query_one(Input).value == str(target)
    assert target.read_text() == "my own bibliography\n"
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("enter")  # replace it
    await settle(pilot)
    assert target.read_text().count("@") == len(TITLES)


@pytest.mark.parametrize("path", ["-", "/dev/null"])
async def test_the_export_dialog_refuses_standard_output_and_devices(running_on, path):
    app, pilot, _ = running_on
    await export_dialog(pilot, path)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(app.screen, ExportScreen)  # asked again, saying why
    assert "not a file" in str(app.screen.query_one(".dialog-error").content)
    await pilot.press("escape")
    await settle(pilot)
    assert not any("Wrote" in message for message in notifications(app))


# --- completion in the prompts ------------------------------------------------------------


async def test_tab_takes_the_suggested_tag(tmp_path):
    directory = make_library(tmp_path / "lib", tags={TITLES[3]: ["to-read"]})
    app = PapersApp(directory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert "Tab to complete" in str(app.screen.query_one(".dialog-hint").content)
        await pilot.press("t", "o", "tab", "enter")
        await settle(pilot)
    assert stored(directory, TITLES[0]).tags == ["to-read"]


async def test_the_import_prompt_completes_paths(running_on, tmp_path):
    app, pilot, directory = running_on
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "new-papers.jsonl").write_text('{"title": "Generative Adversarial Networks", "authors": ["Ian Goodfellow"]}\n')
    await pilot.press("i")
    await settle(pilot)
    assert isinstance(app.screen, PromptScreen)
    assert "Tab to complete" in str(app.screen.query_one(".dialog-hint").content)
    app.screen.query_one(Input).value = str(folder) + "/new"
    await pilot.press("tab")
    assert app.screen.query_one(Input).value == str(folder / "new-papers.jsonl")
    await pilot.press("enter")
    await settle(pilot)
    assert "Generative Adversarial Networks" in shown_titles(app)


# --- the note editor --------------------------------------------------------------------


async def test_escape_in_the_note_editor_asks_before_throwing_changes_away(running_on):
    app, pilot, directory = running_on
    await pilot.press("N")
    await settle(pilot)
    app.screen.query_one(TextArea).text = "Compare with GANs."
    await pilot.press("escape")
    await settle(pilot)
    assert isinstance(app.screen, PickScreen)
    assert option_labels(app.screen) == ["Keep editing", "Save the note", "Discard the changes"]
    await pilot.press("enter")  # keep editing
    await settle(pilot)
    assert isinstance(app.screen, NoteScreen)
    assert app.screen.query_one(TextArea).text == "Compare with GANs."
    await pilot.press("escape", "down", "enter")  # save it after all
    await settle(pilot)
    assert isinstance(app.screen, ReaderScreen)
    await pilot.press("N")
    await settle(pilot)
    await pilot.press("escape")  # unchanged: it just closes
    await settle(pilot)
    assert isinstance(app.screen, ReaderScreen)
    await pilot.press("q")
    await settle(pilot)
    assert stored(directory, TITLES[0]).note == "Compare with GANs."


# --- the edges of the screen --------------------------------------------------------------


async def test_a_narrow_footer_keeps_help_and_quit(tmp_path):
    app = PapersApp(make_library(tmp_path / "lib"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        footer = reader(app).query_one(Footer)
        shown = [key for key in footer.query("FooterKey") if key.region.right <= 80 and key.region.width]
        assert {"help", "quit"} <= {key.action for key in shown}


async def test_the_status_line_keeps_the_selection_and_the_count_within_its_width(tmp_path):
    app = PapersApp(make_library(tmp_path / "lib"))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "space")
        await settle(pilot)
        assert "3 selected" in status_text(app)
        await pilot.press("g", "j", "j", "m")  # BERT's related papers: a long name
        await settle(pilot)
        line = status_text(app)
        assert line.startswith("Related to: ") and f"({len(shown_titles(app))})" in line
        assert len(line) <= reader(app).query_one("#list-status").content_size.width


async def test_a_dialog_title_cuts_a_long_paper_title_between_words(tmp_path):
    title = "Economies of Open Intelligence: Tracing Power and Participation in the Model Ecosystem"
    app = PapersApp(make_library(tmp_path / "lib", [{"title": title, "authors": ["Shayne Longpre"]}]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        shown = str(app.screen.query_one(".dialog-title").content)
        assert "“Economies of Open Intelligence: Tracing Power and…”" in shown


async def test_the_view_and_its_sort_are_kept_for_the_next_run(tmp_path):
    directory = make_library(tmp_path / "lib", starred=[TITLES[1], TITLES[3]], tags={TITLES[2]: ["nlp"]})
    app = PapersApp(directory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2", "S")  # starred, by title
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
    app = PapersApp(directory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert status_text(app).startswith("Starred (2)")
        assert "sort: title" in status_text(app)
        assert shown_titles(app) == [TITLES[3], TITLES[1]]
        await pilot.press("5", "enter")  # the tag nlp
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
    app = PapersApp(directory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert status_text(app).startswith("Tag: nlp (1)")
    with Library(directory) as library:  # the store knows nothing of it
        assert library.count() == len(TITLES)
