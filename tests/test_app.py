"""The reader app, driven key by key with Textual's pilot.

Each test builds a small library of fixed papers, runs the app on it, presses keys, and
checks what the screen shows and, after the app has exited, what the store holds.
"""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from rich.console import Console
from textual import events
from textual.widgets import Input, OptionList, ProgressBar, Static, TextArea
from textual.worker import WorkerCancelled

from store.errors import LibraryBusy
from store.library import Library
from tui.app import PapersApp
from tui.library_client import LibraryClient
from tui.screens.export import ExportScreen
from tui.screens.help import HelpScreen
from tui.screens.note import NoteScreen
from tui.screens.pick import PickScreen
from tui.screens.prompt import PromptScreen
from tui.screens.reader import ReaderScreen
from tui.widgets.component_style import foreground_style
from tui.widgets.detail_pane import DetailPane
from tui.widgets.paper_list import ListStatus, PaperList
from tui.widgets.search_pane import SearchPane
from tui.widgets.work_indicator import WorkIndicator, WorkState, describe_phase

SIZE = (100, 30)

LONG_ABSTRACT = (
    "The dominant sequence transduction models are based on complex recurrent or convolutional neural "
    "networks that include an encoder and a decoder. The best performing models also connect the encoder "
    "and decoder through an attention mechanism. We propose a new simple network architecture, the "
    "Transformer, based solely on attention mechanisms, dispensing with recurrence and convolutions "
    "entirely. Experiments on two machine translation tasks show these models to be superior in quality "
    "while being more parallelizable and requiring significantly less time to train. Our model achieves "
    "28.4 BLEU on the WMT 2014 English-to-German translation task, improving over the existing best "
    "results, including ensembles, by over 2 BLEU. On the WMT 2014 English-to-French translation task, "
    "our model establishes a new single-model state-of-the-art BLEU score of 41.8 after training for 3.5 "
    "days on eight GPUs, a small fraction of the training costs of the best models from the literature. "
    "We show that the Transformer generalizes well to other tasks by applying it successfully to English "
    "constituency parsing both with large and limited training data. Transformers are everywhere now."
)

# Newest first: the order of the default (date) sort.
PAPERS = [
    {
        "title": "Denoising Diffusion Probabilistic Models",
        "authors": ["Jonathan Ho", "Ajay Jain", "Pieter Abbeel"],
        "date": "2020-06-19",
        "category": "cs.LG",
        "arxiv_id": "2006.11239",
        "has_code": True,
        "abstract": "We present high quality image synthesis results using diffusion probabilistic models.",
    },
    {
        "title": "Language Models are Few-Shot Learners",
        "authors": ["Tom B. Brown", "Benjamin Mann"],
        "authors_truncated": True,
        "orgs": ["OpenAI"],
        "date": "2020-05-28",
        "category": "cs.CL",
        "arxiv_id": "2005.14165",
        "abstract": "Scaling up language models greatly improves task-agnostic, few-shot performance.",
    },
    {
        "title": "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
        "authors": ["Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova"],
        "orgs": ["Google AI Language"],
        "date": "2018-10-11",
        "category": "cs.CL",
        "arxiv_id": "1810.04805",
        "abstract": "We introduce a new language representation model called BERT, built on Transformer encoders.",
    },
    {
        "title": "Attention Is All You Need",
        "authors": ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"],
        "authors_truncated": True,
        "orgs": ["Google Brain", "Google Research"],
        "date": "2017-06-12",
        "category": "cs.CL",
        "arxiv_id": "1706.03762",
        "has_code": True,
        "venue": "NeurIPS 2017",
        "comments": ["15 pages, 5 figures"],
        "abstract": LONG_ABSTRACT,
    },
    {
        "title": "Deep Residual Learning for Image Recognition",
        "authors": ["Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"],
        "date": "2015-12-10",
        "category": "cs.CV",
        "arxiv_id": "1512.03385",
        "abstract": "Deeper neural networks are more difficult to train; residual learning eases their training.",
    },
    {
        "title": "Distributed Representations of Words and Phrases and their Compositionality",
        "authors": ["Tomas Mikolov"],
        "date": "2013-10-16",
        "doi": "10.48550/arxiv.1310.4546",
        "venue": "NIPS 2013",
        "abstract": "The Skip-gram model learns high-quality distributed vector representations of words.",
    },
]
TITLES = [paper["title"] for paper in PAPERS]


def jsonl(papers: list[dict]) -> str:
    return "\n".join(json.dumps(paper) for paper in papers) + "\n"


def make_library(directory: Path, papers: list[dict] = PAPERS, read: list[str] = (), starred: list[str] = (),
                 tags: dict[str, list[str]] | None = None) -> Path:
    """A library of `papers`, the ones titled in `read`/`starred` marked so, `tags` {title: [tag]}."""
    with Library(directory) as library:
        if papers:
            library.import_text(jsonl(papers), "fixture.jsonl")
        by_title = {paper.title: paper.id for paper in library.list()}
        if read:
            library.mark([by_title[title] for title in read], read=True)
        if starred:
            library.mark([by_title[title] for title in starred], starred=True)
        for title, names in (tags or {}).items():
            library.tag([by_title[title]], add=names)
    return directory


def stored(directory: Path, title: str):
    """The paper titled `title` as the store holds it (read after the app has exited)."""
    with Library(directory) as library:
        return next(paper for paper in library.list() if paper.title == title)


async def settle(pilot) -> None:
    """Wait until no worker runs and every message has been handled."""
    app = pilot.app
    for _ in range(200):
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:
            continue  # a newer search replaced it; wait for the rest
        await pilot.pause()
        if not any(not worker.is_finished for worker in app.workers):
            await pilot.pause()
            if not any(not worker.is_finished for worker in app.workers):
                return
    raise AssertionError("the app never settled")


async def wait_for(pilot, condition, what: str) -> None:
    """Poll `condition` while the app runs (without waiting for every worker to end)."""
    for _ in range(2000):
        if condition():
            return
        await pilot.pause()
    raise AssertionError(f"timed out waiting for {what}")


def reader(app) -> ReaderScreen:
    screen = app.screen_stack[0]
    assert isinstance(screen, ReaderScreen)
    return screen


def paper_list(app) -> PaperList:
    return reader(app).query_one(PaperList)


def shown_titles(app) -> list[str]:
    papers = paper_list(app)
    return [papers.paper(pid).title for pid in papers.paper_ids]


def current_title(app) -> str:
    return paper_list(app).current_paper().title


def row_text(app, row: int) -> str:
    return paper_list(app).render_line(row).text


def detail_text(app) -> str:
    return reader(app).query_one(DetailPane).query_one("#detail-body", Static).content.plain


def status_text(app) -> str:
    return reader(app).query_one(ListStatus).content.plain


def search_status(app) -> Static:
    return reader(app).query_one("#search-status", Static)


def work_line(app) -> WorkIndicator:
    return reader(app).query_one(WorkIndicator)


def option_labels(screen) -> list[str]:
    options = screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def notifications(app) -> list[str]:
    return [notification.message for notification in app._notifications]


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[{" ": "space", '"': "quotation_mark", ":": "colon", ",": "comma", "/": "slash",
                          ".": "full_stop", "~": "tilde", "-": "minus", "_": "underscore"}.get(c, c) for c in text])


@pytest.fixture
def library_dir(tmp_path) -> Path:
    return make_library(tmp_path / "library")


@pytest.fixture
async def running(library_dir):
    """The app on the fixture library, loaded and idle."""
    app = PapersApp(library_dir)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        yield app, pilot


# --- opening ----------------------------------------------------------------------------


async def test_opens_on_the_unread_inbox_newest_first(tmp_path):
    directory = make_library(tmp_path / "lib", read=[TITLES[1]])
    app = PapersApp(directory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert shown_titles(app) == [title for title in TITLES if title != TITLES[1]]
        assert "Unread (5)" in status_text(app)
        assert "all 6 · unread 5 · starred 0" in status_text(app)
        assert "sort: date" in status_text(app)
        assert app.focused is paper_list(app)
        assert TITLES[0] in detail_text(app)


def damage_index(directory: Path, damage: str) -> None:
    """A write the index never saw (stale), and the index gone or damaged as well if asked."""
    with sqlite3.connect(directory / "library.sqlite3") as conn:
        conn.execute("UPDATE papers SET read = 1 WHERE title = ?", (TITLES[0],))
        conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE name = 'generation'")
    conn.close()
    if damage == "missing":
        shutil.rmtree(directory / "index")
    elif damage == "damaged":
        next((directory / "index").glob("_MAIN_*.toc")).write_bytes(b"garbage" * 20)


@pytest.mark.parametrize("damage", ["stale", "missing", "damaged"])
async def test_an_index_behind_the_store_is_rebuilt_on_open_and_the_inbox_is_right(tmp_path, damage):
    directory = make_library(tmp_path / "lib")
    damage_index(directory, damage)
    app = PapersApp(directory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert shown_titles(app) == TITLES[1:]
        assert not work_line(app).display and work_line(app).text == ""
        assert [n.message for n in app._notifications if n.severity != "information"] == []
        await pilot.press("slash")
        await type_text(pilot, "transformer")
        await settle(pilot)
        assert set(shown_titles(app)) == {TITLES[2], TITLES[3]}
    with Library(directory) as library:
        assert library.index_status() == "current"


async def test_an_empty_library_says_how_to_import(tmp_path):
    app = PapersApp(tmp_path / "new-library")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "papers-tui import FILE" in detail_text(app)
        assert "press i" in detail_text(app)
        assert "paste" in detail_text(app)
        assert "press i to import" in row_text(app, 1)


async def test_a_row_shows_marks_date_title_first_author_and_tags(tmp_path):
    directory = make_library(tmp_path / "lib", starred=[TITLES[1]], tags={TITLES[1]: ["gpt", "scaling"]})
    app = PapersApp(directory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")  # all papers
        await settle(pilot)
        first = row_text(app, 0)
        assert first.startswith(" ●  2020-06-19 Denoising Diffusion Probabilistic Models")
        assert first.rstrip().endswith("Jonathan Ho +2")
        second = row_text(app, 1)
        assert second.startswith(" ●★ 2020-05-28 Language Models are Few-Shot Learners")
        assert "#gpt #scaling" in second
        assert second.rstrip().endswith("Tom B. Brown et al.")
        assert row_text(app, 5).rstrip().endswith("Tomas Mikolov")
        assert len(first) == paper_list(app).scrollable_content_region.width


async def test_titles_are_shown_as_text_never_as_markup(tmp_path):
    papers = [
        {"title": "[bold]x[/]", "authors": ["[red]Mallory[/]"], "date": "2021-01-02", "abstract": "[i]not italic[/i]"},
        {"title": "[@click=app.quit]y[/]", "authors": ["Eve"], "date": "2021-01-01"},
        {"title": "[00] foo", "authors": ["Trent"], "date": "2020-12-31"},
    ]
    app = PapersApp(make_library(tmp_path / "lib", papers))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "[bold]x[/]" in row_text(app, 0)
        assert "[red]Mallory[/]" in row_text(app, 0)
        assert "[@click=app.quit]y[/]" in row_text(app, 1)
        assert "[00] foo" in row_text(app, 2)
        assert "[bold]x[/]" in detail_text(app)
        assert "[i]not italic[/i]" in detail_text(app)
        await pilot.press("j")
        await settle(pilot)
        assert "[@click=app.quit]y[/]" in detail_text(app)
        assert app.is_running


# --- long work: the work line ---------------------------------------------------------


def many_papers(count: int) -> list[dict]:
    def surname(n: int) -> str:  # Ab, Ac, ... Bab: a citation key of its own for each paper
        letters = ""
        while True:
            n, digit = divmod(n, 26)
            letters = "abcdefghijklmnopqrstuvwxyz"[digit] + letters
            if not n:
                return "B" + letters

    return [{"title": f"Study {n} of long work", "authors": [f"Ada {surname(n)}"], "date": f"2021-01-{n % 28 + 1:02}",
             "abstract": f"Finding {n} about waiting."} for n in range(count)]


class Gate:
    """Holds the store's work at its first progress report until the test opens it, so the test
    sees the app in the middle of the work. Never a sleep: the worker thread waits on an event."""

    def __init__(self, monkeypatch, method: str) -> None:
        self.opened = threading.Event()
        self.reports: list[tuple[str, int, int]] = []
        real = getattr(Library, method)
        gate = self

        def gated(library, *args, **kwargs):
            progress = kwargs.pop("progress", None)

            def held(phase: str, done: int, total: int) -> None:
                gate.reports.append((phase, done, total))
                if progress is not None:
                    progress(phase, done, total)
                if not gate.opened.wait(60):
                    raise AssertionError("the test never opened the gate")

            return real(library, *args, progress=held, **kwargs)

        monkeypatch.setattr(Library, method, gated)

    def open(self) -> None:
        self.opened.set()


def record_work_line(monkeypatch) -> list[tuple[str, str, int, int]]:
    """Every state the work line is given: (label, phase, done, total)."""
    shown: list[tuple[str, str, int, int]] = []
    real = WorkIndicator.show_work

    def recording(self, key, label, phase, done, total):
        shown.append((label, phase, done, total))
        real(self, key, label, phase, done, total)

    monkeypatch.setattr(WorkIndicator, "show_work", recording)
    return shown


async def test_an_import_shows_its_phase_and_count_on_the_work_line_then_goes(running, library_dir, tmp_path,
                                                                              monkeypatch):
    app, pilot = running
    source = tmp_path / "many.jsonl"
    source.write_text(jsonl(many_papers(1200)))
    gate, shown = Gate(monkeypatch, "import_paths"), record_work_line(monkeypatch)
    assert not work_line(app).display
    await pilot.press("i")
    await settle(pilot)
    app.screen.query_one(Input).value = str(source)
    await pilot.press("enter")
    try:
        await wait_for(pilot, lambda: "storing" in work_line(app).text, "the work line to show the import")
        assert work_line(app).display
        assert work_line(app).text == "Importing many.jsonl · storing 500/1,200 papers"
        assert work_line(app).query_one(ProgressBar).percentage == pytest.approx(500 / 1200)
        assert len(paper_list(app).paper_ids) == len(TITLES)  # the list is still there, and usable
        await pilot.press("j")
        assert paper_list(app).cursor == 1
    finally:
        gate.open()
    await settle(pilot)
    assert not work_line(app).display and work_line(app).text == ""
    assert shown[0] == ("Importing many.jsonl", "", 0, 0)  # at once, while the file is read
    assert [(phase, done) for _, phase, done, _ in shown[1:]] == [
        ("store", 500), ("store", 1000), ("store", 1200), ("index", 500), ("index", 1000), ("index", 1200)]
    assert any("1200 added" in message for message in notifications(app))
    assert "all 1206" in status_text(app)


async def test_an_export_and_a_pasted_import_show_on_the_work_line(running, tmp_path, monkeypatch):
    app, pilot = running
    shown = record_work_line(monkeypatch)
    monkeypatch.setenv("HOME", str(tmp_path))
    await pilot.press("x")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert (tmp_path / "papers-unread.bib").exists()
    assert shown == [("Exporting to papers-unread.bib", "", 0, 0), ("Exporting to papers-unread.bib", "export", 6, 6)]
    assert not work_line(app).display
    shown.clear()
    paper_list(app).post_message(events.Paste(jsonl([{"title": "Pasted paper", "authors": ["P. Aster"]}])))
    await settle(pilot)
    assert [phase for label, phase, _, _ in shown if label == "Importing the pasted text"] == ["", "store", "index"]
    assert not work_line(app).display


async def test_the_work_line_names_a_phase_it_does_not_know_and_counts_several_pieces_of_work(running):
    app, pilot = running
    line = work_line(app)
    assert describe_phase(WorkState("Thinking", "vectorise", 3, 7)) == "vectorise 3/7"
    line.show_work(1, "Importing a.jsonl", "store", 500, 1000)
    line.show_work(2, "Rebuilding the search index", "index", 0, 0)
    await pilot.pause()
    assert line.display and line.text == "Rebuilding the search index (+1 more) · indexing 0/0 papers"
    assert line.query_one(ProgressBar).percentage == 1  # nothing to do is done
    line.end_work(2)
    assert line.text == "Importing a.jsonl · storing 500/1,000 papers"
    line.end_work(1)
    await pilot.pause()
    assert not line.display


async def test_a_search_while_the_index_is_rebuilt_waits_for_it_then_runs(tmp_path, monkeypatch):
    directory = make_library(tmp_path / "lib", many_papers(1200))
    damage_index(directory, "stale")
    gate = Gate(monkeypatch, "repair_index")
    app = PapersApp(directory)
    async with app.run_test(size=(80, 24)) as pilot:
        try:
            await wait_for(pilot, lambda: "indexing" in work_line(app).text, "the rebuild on the work line")
            assert work_line(app).display
            assert work_line(app).text == "Rebuilding the search index · indexing 500/1,200 papers"
            await pilot.press("slash")
            await type_text(pilot, "study 77")
            await wait_for(pilot, lambda: reader(app).waiting is not None, "the search to wait")
            await pilot.pause()
            assert paper_list(app).paper_ids == []  # no results from an index half rebuilt
            assert row_text(app, 1).strip() == "The search index is being rebuilt: 500 of 1,200…"
            assert row_text(app, 2).strip() == "Your search shows when it is done."
            assert "being rebuilt: 500 of 1,200" in detail_text(app)
            assert "waiting for the index" in str(search_status(app).content)
        finally:
            gate.open()
        await settle(pilot)
        assert not work_line(app).display
        assert gate.reports[-1] == ("index", 1200, 1200)
        assert shown_titles(app) == ["Study 77 of long work"]
        assert str(search_status(app).content) == "1 hit in all papers · best match"


async def test_quitting_stops_a_rebuild_and_the_next_open_rebuilds(tmp_path, monkeypatch):
    directory = make_library(tmp_path / "lib", many_papers(1200))
    damage_index(directory, "stale")
    gate = Gate(monkeypatch, "repair_index")
    real_unmount = ReaderScreen.on_unmount

    async def unmount(screen):
        screen.client.begin_closing()
        gate.open()  # the rebuild goes on, and finds at its next report that the app is closing
        await real_unmount(screen)

    monkeypatch.setattr(ReaderScreen, "on_unmount", unmount)
    app = PapersApp(directory)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "indexing" in work_line(app).text, "the rebuild on the work line")
        await pilot.press("q")
    assert gate.reports == [("index", 500, 1200), ("index", 1000, 1200)]  # stopped there
    with Library(directory) as library:
        assert library.index_status() == "stale" and library.count() == 1200
    monkeypatch.undo()
    app = PapersApp(directory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(paper_list(app).paper_ids) == 1200
    with Library(directory) as library:
        assert library.index_status() == "current"


def views_answered_from_the_store(directory: Path) -> bool:
    """Whether `Library.ids` answers a plain view (is:unread) from SQLite, without the search index."""
    with Library(directory) as library:
        def no_index(*args, **kwargs):
            raise LookupError("the search index was asked")

        library.index.search = no_index
        try:
            library.ids("is:unread")
        except LookupError:
            return False
        return True


async def test_the_list_shows_while_the_index_is_rebuilt(tmp_path, monkeypatch):
    directory = make_library(tmp_path / "lib", many_papers(1200))
    assert views_answered_from_the_store(directory), "Library.ids reads views from the search index: they would wait for its rebuild"
    damage_index(directory, "missing")
    gate = Gate(monkeypatch, "repair_index")
    app = PapersApp(directory)
    async with app.run_test(size=(80, 24)) as pilot:
        try:
            await wait_for(pilot, lambda: "indexing" in work_line(app).text, "the rebuild on the work line")
            await wait_for(pilot, lambda: paper_list(app).paper_ids, "the inbox")
            await pilot.pause()
            assert len(paper_list(app).paper_ids) == 1200 and row_text(app, 0).lstrip(" ●").startswith("20")
            assert work_line(app).display and "Unread (1200)" in status_text(app)
            await pilot.press("j", "j")
            assert paper_list(app).cursor == 2
        finally:
            gate.open()
        await settle(pilot)
        assert not work_line(app).display and len(paper_list(app).paper_ids) == 1200


# --- moving ---------------------------------------------------------------------------


async def test_moving_with_j_k_arrows_g_and_G(running):
    app, pilot = running
    await pilot.press("j")
    assert current_title(app) == TITLES[1]
    await pilot.press("down", "down")
    assert current_title(app) == TITLES[3]
    await pilot.press("k")
    assert current_title(app) == TITLES[2]
    await pilot.press("up")
    assert current_title(app) == TITLES[1]
    await pilot.press("G")
    assert current_title(app) == TITLES[-1]
    await pilot.press("g")
    assert current_title(app) == TITLES[0]
    await pilot.press("end")
    assert current_title(app) == TITLES[-1]
    await pilot.press("home")
    assert current_title(app) == TITLES[0]
    await pilot.press("k")  # stays on the first
    assert current_title(app) == TITLES[0]


async def test_the_detail_follows_the_cursor(running):
    app, pilot = running
    await pilot.press("j", "j", "j")
    await settle(pilot)
    text = detail_text(app)
    assert text.startswith("Attention Is All You Need")
    assert "Ashish Vaswani, Noam Shazeer, Niki Parmar et al." in text
    assert "Google Brain, Google Research" in text
    assert "2017-06-12 · cs.CL · code" in text
    assert "arXiv     1706.03762\n" in text
    assert "Links     https://arxiv.org/abs/1706.03762\n          https://arxiv.org/pdf/1706.03762\n" in text
    assert "NeurIPS 2017" in text
    assert "15 pages, 5 figures" in text
    assert "State     unread" in text
    assert "Tags      none" in text
    assert "the Transformer, based solely on attention mechanisms" in text
    await pilot.press("G")
    await settle(pilot)
    text = detail_text(app)
    assert "DOI       10.48550/arxiv.1310.4546\n" in text
    assert "Links     https://doi.org/10.48550/arxiv.1310.4546\n" in text
    assert "NIPS 2013" in text


async def test_page_keys_move_a_screen_at_a_time(tmp_path):
    papers = [{"title": f"Paper number {n:03}", "authors": ["A. Author"], "date": "2020-01-01"} for n in range(300)]
    app = PapersApp(make_library(tmp_path / "lib", papers))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        papers = paper_list(app)
        height = papers.scrollable_content_region.height
        await pilot.press("pagedown")
        assert papers.cursor == height - 1
        await pilot.press("pagedown")
        assert papers.cursor == 2 * (height - 1)
        assert papers.scroll_offset.y > 0
        await pilot.press("pageup")
        assert papers.cursor == height - 1
        await pilot.press("G")
        await settle(pilot)
        assert papers.cursor == 299
        # The last page was loaded when it came into view: no row is left as a placeholder.
        assert all("…" != row_text(app, y).strip() for y in range(height))
        assert "Paper number" in row_text(app, height - 1)


async def test_enter_on_the_list_focuses_the_detail_and_escape_comes_back(running):
    app, pilot = running
    await pilot.press("enter")
    assert app.focused is reader(app).query_one(DetailPane)
    await pilot.press("escape")
    assert app.focused is paper_list(app)


async def test_n_and_p_go_to_the_next_and_previous_unread(tmp_path):
    directory = make_library(tmp_path / "lib", read=[TITLES[1], TITLES[2], TITLES[4]])
    app = PapersApp(directory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")  # all papers: read and unread mixed
        await settle(pilot)
        assert current_title(app) == TITLES[0]
        await pilot.press("n")
        await settle(pilot)
        assert current_title(app) == TITLES[3]
        await pilot.press("n")
        await settle(pilot)
        assert current_title(app) == TITLES[5]
        await pilot.press("n")
        await settle(pilot)
        assert current_title(app) == TITLES[5]
        assert any("No more unread" in message for message in notifications(app))
        await pilot.press("p")
        await settle(pilot)
        assert current_title(app) == TITLES[3]
        await pilot.press("p")
        await settle(pilot)
        assert current_title(app) == TITLES[0]


async def test_n_waits_for_rows_not_loaded_yet(tmp_path):
    # Only the first page is loaded at first: the next unread paper is far below it.
    papers = [{"title": f"Paper {n:04}", "authors": ["A. Author"], "date": "2020-01-01"} for n in range(400)]
    directory = make_library(tmp_path / "lib", papers)
    with Library(directory) as library:
        ids = library.ids(sort="title")
        library.mark(ids[:350], read=True)
    app = PapersApp(directory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3", "S", "g")  # all papers, by title, from the top
        await settle(pilot)
        assert current_title(app) == "Paper 0000"
        await pilot.press("n")
        await settle(pilot)
        assert current_title(app) == "Paper 0350"


# --- search -------------------------------------------------------------------------


async def test_search_as_you_type_counts_hits_and_enter_goes_to_the_results(running):
    app, pilot = running
    await pilot.press("slash")
    assert isinstance(app.focused, Input)
    await type_text(pilot, "transf")
    await settle(pilot)
    # Stems: "transf" is a prefix of nothing indexed, but "transformer" is.
    await type_text(pilot, "ormer")
    await settle(pilot)
    assert set(shown_titles(app)) == {TITLES[2], TITLES[3]}
    assert search_status(app).content.plain == "2 hits in all papers · best match"
    await pilot.press("enter")
    assert app.focused is paper_list(app)
    assert set(shown_titles(app)) == {TITLES[2], TITLES[3]}
    await pilot.press("slash")
    await type_text(pilot, " author:devlin")
    await settle(pilot)
    assert shown_titles(app) == [TITLES[2]]
    assert search_status(app).content.plain == "1 hit in all papers · best match"


async def test_escape_in_the_search_clears_it_and_goes_back_to_the_list(running):
    app, pilot = running
    await pilot.press("slash")
    await type_text(pilot, "diffusion")
    await settle(pilot)
    assert shown_titles(app) == [TITLES[0]]
    await pilot.press("escape")
    await settle(pilot)
    assert app.focused is paper_list(app)
    assert reader(app).query_one(SearchPane).query_text == ""
    assert shown_titles(app) == TITLES
    assert search_status(app).content.plain == "/ to search all papers"


async def test_escape_in_the_results_clears_the_search_too(running):
    app, pilot = running
    await pilot.press("slash")
    await type_text(pilot, "diffusion")
    await settle(pilot)
    await pilot.press("enter")
    assert app.focused is paper_list(app) and shown_titles(app) == [TITLES[0]]
    await pilot.press("escape")
    await settle(pilot)
    assert reader(app).query_one(SearchPane).query_text == ""
    assert shown_titles(app) == TITLES


async def test_a_query_that_does_not_parse_says_why_inline(running):
    app, pilot = running
    await pilot.press("slash")
    await type_text(pilot, "diffusion")
    await settle(pilot)
    await type_text(pilot, ' "probabilistic')
    await settle(pilot)
    assert "unbalanced quote" in search_status(app).content.plain
    assert search_status(app).has_class("-error")
    assert shown_titles(app) == [TITLES[0]]  # the last results stay
    await type_text(pilot, '"')
    await settle(pilot)
    assert not search_status(app).has_class("-error")
    assert search_status(app).content.plain == "1 hit in all papers · best match"


async def test_a_stale_search_never_overwrites_a_newer_one(tmp_path, monkeypatch):
    directory = make_library(tmp_path / "lib")
    release = threading.Event()
    original_ids = Library.ids

    def slow_for_bert(self, query=None, sort="date", limit=None):
        if query and "bert" in query and "learners" not in query:
            # The first search is still running when the second has finished.
            if not release.wait(10):
                raise AssertionError("the second search never finished")
        return original_ids(self, query, sort, limit)

    monkeypatch.setattr(Library, "ids", slow_for_bert)
    app = PapersApp(directory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        search = reader(app).query_one(SearchPane)
        search.post_message(SearchPane.Changed("bert"))
        await pilot.pause()
        search.post_message(SearchPane.Changed("learners"))
        try:
            await wait_for(pilot, lambda: shown_titles(app) == [TITLES[1]], "the newer search")
        finally:
            release.set()
        await settle(pilot)
        assert shown_titles(app) == [TITLES[1]]


async def test_search_terms_are_highlighted_in_the_detail(running):
    app, pilot = running
    await pilot.press("slash")
    await type_text(pilot, "transformers")
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("j")  # Attention Is All You Need, below BERT
    await settle(pilot)
    text = reader(app).query_one(DetailPane).query_one("#detail-body", Static).content
    highlight = reader(app).query_one(DetailPane).get_component_rich_style("detail-pane--highlight")
    marked = {text.plain[span.start : span.end] for span in text.spans if span.style == highlight}
    assert marked == {"Transformer", "Transformers"}


# --- views and sort -------------------------------------------------------------------


async def test_views_are_a_key_away(tmp_path):
    directory = make_library(tmp_path / "lib", read=[TITLES[0], TITLES[3]], starred=[TITLES[3], TITLES[5]],
                             tags={TITLES[1]: ["nlp"], TITLES[2]: ["nlp", "to read"]})
    app = PapersApp(directory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert shown_titles(app) == [TITLES[1], TITLES[2], TITLES[4], TITLES[5]]
        await pilot.press("2")
        await settle(pilot)
        assert shown_titles(app) == [TITLES[3], TITLES[5]]
        assert status_text(app).startswith("Starred (2)")
        await pilot.press("3")
        await settle(pilot)
        assert shown_titles(app) == TITLES
        await pilot.press("4")
        await settle(pilot)
        assert shown_titles(app) == [TITLES[0], TITLES[3]]
        await pilot.press("5")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PickScreen)
        assert option_labels(picker) == ["nlp  (2)", "to read  (1)"]
        await pilot.press("down", "enter")
        await settle(pilot)
        assert shown_titles(app) == [TITLES[2]]
        assert status_text(app).startswith("Tag: to read (1)")
        await pilot.press("1")
        await settle(pilot)
        assert status_text(app).startswith("Unread (4)")


async def test_the_search_covers_the_library_and_ctrl_l_narrows_it_to_the_view(tmp_path):
    app = PapersApp(make_library(tmp_path / "lib", read=[TITLES[2]]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await type_text(pilot, "language")
        await settle(pilot)
        assert set(shown_titles(app)) == {TITLES[1], TITLES[2]}  # BERT is read, and found all the same
        assert status_text(app).startswith("Search in all papers (2)")
        await pilot.press("ctrl+l")  # typing still: the search field keeps the focus
        await settle(pilot)
        assert isinstance(app.focused, Input)
        assert shown_titles(app) == [TITLES[1]]  # BERT is read: not in the inbox
        assert search_status(app).content.plain == "1 hit in Unread · best match"
        assert status_text(app).startswith("Search in Unread (1)")
        await pilot.press("enter", "3")  # another view: the search ends, the view shows whole
        await settle(pilot)
        assert reader(app).query_one(SearchPane).query_text == ""
        assert shown_titles(app) == TITLES
        await pilot.press("slash")
        await type_text(pilot, "language")
        await settle(pilot)
        assert search_status(app).content.plain == "2 hits in all papers · best match"


async def test_S_cycles_the_sort(running):
    app, pilot = running
    await pilot.press("j")
    await pilot.press("S")
    await settle(pilot)
    assert "sort: title" in status_text(app)
    assert shown_titles(app) == sorted(TITLES, key=str.casefold)
    assert current_title(app) == TITLES[1]  # the cursor stays on its paper
    await pilot.press("S")
    await settle(pilot)
    assert "sort: added" in status_text(app)
    await pilot.press("slash")
    await type_text(pilot, "models")  # a search: best match first, whatever the view's order
    await settle(pilot)
    assert "sort: relevance" in status_text(app)
    with Library(reader(app).directory) as library:
        assert paper_list(app).paper_ids == library.ids("models", "relevance")
    await pilot.press("enter", "S")  # S cycles the search's order
    await settle(pilot)
    assert "sort: date" in status_text(app)
    assert shown_titles(app) == [title for title in TITLES if title in set(shown_titles(app))]
    await pilot.press("escape")  # the search cleared: the view in its own order
    await settle(pilot)
    assert "sort: added" in status_text(app)
    await pilot.press("S")  # without a search there is no relevance: back to the date
    await settle(pilot)
    assert "sort: date" in status_text(app)
    assert shown_titles(app) == TITLES


async def test_m_shows_related_papers_as_a_view(running, library_dir):
    app, pilot = running
    await pilot.press("j", "j")  # BERT
    await pilot.press("m")
    await settle(pilot)
    with Library(library_dir) as library:
        bert = library.ids("bert")[0]
        expected = [paper.title for paper in library.related(bert)]
    # What the fixture says, not what the code says: the two other papers on language, never BERT itself.
    assert set(expected) == {"Language Models are Few-Shot Learners", "Attention Is All You Need"}
    assert shown_titles(app) == expected  # in the store's order
    assert status_text(app).startswith(f"Related to: {TITLES[2][:31]}… ({len(expected)})")


async def test_a_store_that_fails_a_read_is_reported_not_fatal(running, monkeypatch):
    app, pilot = running

    def locked(self, pid, limit=20):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(Library, "related", locked)
    await pilot.press("m")
    await settle(pilot)
    assert app.is_running
    assert "database is locked" in notifications(app)
    assert shown_titles(app) == TITLES  # the view is as it was


# --- changing papers ------------------------------------------------------------------


async def test_ctrl_r_shows_what_another_window_changed(running, library_dir):
    app, pilot = running
    assert "starred 0" in status_text(app)
    with Library(library_dir) as other:  # another window or a command, on the same library
        other.mark(other.ids(f'title:"{TITLES[0]}"'), starred=True)
        other.import_text('{"title": "A paper from elsewhere", "authors": ["Ann Other"]}\n', "other.jsonl")
    await pilot.press("ctrl+r")
    await settle(pilot)
    assert "starred 1" in status_text(app)
    assert row_text(app, shown_titles(app).index(TITLES[0])).startswith(" ●★")
    assert "A paper from elsewhere" in shown_titles(app)


async def test_a_change_waits_for_another_writer_instead_of_failing(running, library_dir, monkeypatch):
    app, pilot = running
    library = reader(app).client.library
    real_mark, calls = library.mark, []

    def busy_once(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:  # what the store says when another process held the lock past the timeout
            raise LibraryBusy("another papers-tui is writing to this library")
        return real_mark(*args, **kwargs)

    monkeypatch.setattr(library, "mark", busy_once)
    await pilot.press("s")
    await settle(pilot)
    assert len(calls) == 2
    await pilot.press("q")
    await settle(pilot)
    assert stored(library_dir, TITLES[0]).starred


async def test_r_and_s_show_at_once_and_are_saved(running, library_dir):
    app, pilot = running
    screen = reader(app)
    screen.action_toggle_read()  # no await: the row changes before any save has run
    assert paper_list(app).current_paper().read
    assert row_text(app, 0).startswith("    2020-06-19")
    screen.action_toggle_star()
    assert row_text(app, 0).startswith("  ★ 2020-06-19")
    await settle(pilot)
    assert "unread 5 · starred 1" in status_text(app)
    assert "State     read · ★ starred" in detail_text(app)
    assert TITLES[0] in shown_titles(app)  # it stays in the inbox until the view is reloaded
    await pilot.press("j", "s", "s", "r")
    await settle(pilot)
    await pilot.press("q")
    await settle(pilot)
    assert not app.is_running
    first, second = stored(library_dir, TITLES[0]), stored(library_dir, TITLES[1])
    assert (first.read, first.starred) == (True, True)
    assert (second.read, second.starred) == (True, False)


async def test_changes_still_saving_when_the_app_exits_are_saved(library_dir, monkeypatch):
    # The store is slow: the first change is still being written when the app is told to exit.
    store_is_slow = threading.Event()
    original_mark = Library.mark

    def slow_mark(self, *args, **kwargs):
        if not store_is_slow.wait(30):
            raise AssertionError("the app never began to exit")
        return original_mark(self, *args, **kwargs)

    real_shut_down = LibraryClient.shut_down

    def exit_begins(self, timeout):
        store_is_slow.set()  # the writes waiting for the store go on only once the exit has begun
        return real_shut_down(self, timeout)

    monkeypatch.setattr(Library, "mark", slow_mark)
    monkeypatch.setattr(LibraryClient, "shut_down", exit_begins)
    app = PapersApp(library_dir)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r", "j", "s", "j", "r", "r", "r")
    assert stored(library_dir, TITLES[0]).read
    assert stored(library_dir, TITLES[1]).starred
    assert stored(library_dir, TITLES[2]).read


async def test_t_adds_tags_with_suggestions_from_the_library(tmp_path):
    directory = make_library(tmp_path / "lib", tags={TITLES[5]: ["embeddings", "nlp"]})
    app = PapersApp(directory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        prompt = app.screen.query_one(Input)
        await type_text(pilot, "survey, em")
        await settle(pilot)
        assert prompt._suggestion == "survey, embeddings"
        await pilot.press("right", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ReaderScreen)
        assert paper_list(app).current_paper().tags == ["embeddings", "survey"]
        assert "#embeddings #survey" in row_text(app, 0)
        assert "Tags      embeddings, survey" in detail_text(app)
    assert stored(directory, TITLES[0]).tags == ["embeddings", "survey"]


async def test_T_removes_a_tag_picked_from_the_papers_tags(tmp_path):
    directory = make_library(tmp_path / "lib", tags={TITLES[0]: ["diffusion", "images"]})
    app = PapersApp(directory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("T")
        await settle(pilot)
        assert option_labels(app.screen) == ["diffusion", "images"]
        await pilot.press("down", "enter")
        await settle(pilot)
        assert paper_list(app).current_paper().tags == ["diffusion"]
        await pilot.press("j", "T")  # a paper without tags: nothing to pick
        await settle(pilot)
        assert isinstance(app.screen, ReaderScreen)
        assert "No tags to remove." in notifications(app)
    assert stored(directory, TITLES[0]).tags == ["diffusion"]


async def test_N_edits_the_note_and_escape_leaves_it(running, library_dir):
    app, pilot = running
    await pilot.press("N")
    await settle(pilot)
    assert isinstance(app.screen, NoteScreen)
    app.screen.query_one(TextArea).text = "Read section 3 first.\nCompare with GANs."
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert "Note      Read section 3 first.\n          Compare with GANs.\n" in detail_text(app)
    await pilot.press("N")
    await settle(pilot)
    assert app.screen.query_one(TextArea).text == "Read section 3 first.\nCompare with GANs."
    app.screen.query_one(TextArea).text = "thrown away"
    await pilot.press("escape")  # the editor asks first (tests/test_app_dialogs.py)
    await settle(pilot)
    assert isinstance(app.screen, PickScreen)
    await pilot.press("up", "enter")  # discard the changes
    await settle(pilot)
    assert isinstance(app.screen, ReaderScreen)
    await pilot.press("q")
    await settle(pilot)
    assert stored(library_dir, TITLES[0]).note == "Read section 3 first.\nCompare with GANs."


async def test_space_selects_and_every_action_applies_to_the_selection(running, library_dir, tmp_path):
    app, pilot = running
    await pilot.press("space", "j", "space")  # the first, third papers (space moves down)
    assert paper_list(app).selected_ids == [paper_list(app).paper_ids[0], paper_list(app).paper_ids[2]]
    assert "2 selected" in status_text(app)
    assert row_text(app, 0).startswith("▌")
    assert row_text(app, 1).startswith(" ")
    await pilot.press("r", "s")
    await settle(pilot)
    await pilot.press("t")
    await settle(pilot)
    await type_text(pilot, "batch")
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("y")
    await settle(pilot)
    assert app.clipboard.count("@") == 2
    await pilot.press("x")
    await settle(pilot)
    assert isinstance(app.screen, ExportScreen)
    app.screen.query_one(Input).value = str(tmp_path / "selection.bib")
    await pilot.press("enter")
    await settle(pilot)
    assert (tmp_path / "selection.bib").read_text().count("@") == 2
    await pilot.press("escape")  # clears the selection
    assert paper_list(app).selected_ids == []
    assert "selected" not in status_text(app)
    await pilot.press("q")
    await settle(pilot)
    for title in (TITLES[0], TITLES[2]):
        paper = stored(library_dir, title)
        assert (paper.read, paper.starred, paper.tags) == (True, True, ["batch"])
    paper = stored(library_dir, TITLES[1])
    assert (paper.read, paper.starred, paper.tags) == (False, False, [])


async def test_u_undoes_several_changes_in_turn(running, library_dir):
    app, pilot = running
    await pilot.press("r", "s")
    await pilot.press("t")
    await settle(pilot)
    await type_text(pilot, "keep")
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("space", "space")  # select the first two papers
    await pilot.press("r")
    await settle(pilot)
    assert paper_list(app).paper(paper_list(app).paper_ids[1]).read
    await pilot.press("u")  # the bulk mark
    await settle(pilot)
    assert not paper_list(app).paper(paper_list(app).paper_ids[1]).read
    assert paper_list(app).paper(paper_list(app).paper_ids[0]).read
    await pilot.press("u")  # the tag
    await settle(pilot)
    assert paper_list(app).paper(paper_list(app).paper_ids[0]).tags == []
    await pilot.press("u")  # the star
    await settle(pilot)
    with Library(library_dir) as library:
        first = library.get(paper_list(app).paper_ids[0])
    assert (first.read, first.starred, first.tags) == (True, False, [])
    await pilot.press("u", "u")  # the read mark, then nothing left
    await settle(pilot)
    assert "Nothing to undo." in notifications(app)
    await pilot.press("q")
    await settle(pilot)
    for title in TITLES[:2]:
        paper = stored(library_dir, title)
        assert (paper.read, paper.starred, paper.tags) == (False, False, [])


# --- outside the app ------------------------------------------------------------------


async def test_o_opens_the_papers_page(running, monkeypatch):
    app, pilot = running
    opened = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or True)
    await pilot.press("o")
    await settle(pilot)
    assert opened == ["https://arxiv.org/abs/2006.11239"]
    await pilot.press("G", "o")
    await settle(pilot)
    assert opened[-1] == "https://doi.org/10.48550/arxiv.1310.4546"
    assert not [n for n in app._notifications if n.severity != "information"]
    monkeypatch.setattr("webbrowser.open", lambda url: False)  # no browser on this machine
    await pilot.press("o")
    await settle(pilot)
    assert "No web browser could be started." in notifications(app)


async def test_y_copies_the_bibtex(running):
    app, pilot = running
    await pilot.press("y")
    await settle(pilot)
    assert app.clipboard.startswith("@")
    assert "Denoising Diffusion Probabilistic Models" in app.clipboard
    assert "ho2020denoising" in app.clipboard
    assert any("Copied the BibTeX" in message for message in notifications(app))


async def test_x_exports_the_view_to_the_default_file_in_the_chosen_style(running, monkeypatch, tmp_path):
    app, pilot = running
    monkeypatch.setenv("HOME", str(tmp_path))
    await pilot.press("x")
    await settle(pilot)
    assert app.screen.query_one(Input).value == "~/papers-unread.bib"
    await pilot.press("enter")
    await settle(pilot)
    text = (tmp_path / "papers-unread.bib").read_text()
    assert text.count("@") == len(TITLES)
    await pilot.press("2")  # starred: empty
    await settle(pilot)
    await pilot.press("x")
    assert "Nothing to export in this view." in notifications(app)
    await pilot.press("3", "x")
    await settle(pilot)
    await pilot.press("tab", "down", "down", "enter")  # the style: biblatex, and Enter exports
    await settle(pilot)
    biblatex = (tmp_path / "papers-all.bib").read_text()
    assert biblatex != text
    assert "eprinttype" in biblatex or "date" in biblatex


async def test_i_imports_a_file(running, library_dir, tmp_path):
    app, pilot = running
    source = tmp_path / "new.jsonl"
    source.write_text(jsonl([{"title": "Generative Adversarial Networks", "authors": ["Ian Goodfellow"],
                              "date": "2014-06-10", "arxiv_id": "1406.2661"}]))
    await pilot.press("i")
    await settle(pilot)
    assert isinstance(app.screen, PromptScreen)
    app.screen.query_one(Input).value = str(source)
    await pilot.press("enter")
    await settle(pilot)
    assert "Generative Adversarial Networks" in shown_titles(app)
    assert "all 7 · unread 7" in status_text(app)
    assert any("1 added" in message for message in notifications(app))
    await pilot.press("i")
    await settle(pilot)
    app.screen.query_one(Input).value = str(tmp_path / "missing.txt")
    await pilot.press("enter")
    await settle(pilot)
    assert any("no such file" in message for message in notifications(app))
    with Library(library_dir) as library:
        assert library.count() == 7


async def test_pasting_a_listing_imports_it(running, library_dir):
    app, pilot = running
    listing = (
        "CLMar 22, 2023Code\n"
        "Sparks of Artificial General IntelligenceSébastien Bubeck, Varun Chandrasekaran et al. · microsoft\n"
        "We report on our investigation of an early version of GPT-4.\n"
    )
    paper_list(app).post_message(events.Paste(listing))
    await settle(pilot)
    assert any("1 added" in message for message in notifications(app))
    assert "Sparks of Artificial General Intelligence" in shown_titles(app)
    assert "all 7" in status_text(app)
    with Library(library_dir) as library:
        assert library.count() == 7


async def test_pasting_text_that_is_no_listing_changes_nothing(running, library_dir):
    app, pilot = running
    paper_list(app).post_message(events.Paste("just some words\nthat are not a listing\n"))
    await settle(pilot)
    errors = [n for n in app._notifications if n.severity == "error"]
    assert errors and "not a format papers-tui knows" in errors[0].message
    with Library(library_dir) as library:
        assert library.count() == len(TITLES)


async def test_pasting_into_the_search_is_not_an_import(running, library_dir):
    app, pilot = running
    await pilot.press("slash")
    app.focused.post_message(events.Paste("CLMar 22, 2023\nA TitleAn Author\nAn abstract.\n"))
    await settle(pilot)
    with Library(library_dir) as library:
        assert library.count() == len(TITLES)


# --- the app --------------------------------------------------------------------------


async def test_the_help_screen_lists_every_key(running):
    app, pilot = running
    await pilot.press("question_mark")
    await settle(pilot)
    assert isinstance(app.screen, HelpScreen)
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(app.screen.query_one("#help-table", Static).content)
    text = console.export_text()
    for node in (ReaderScreen, PaperList, SearchPane, DetailPane, PapersApp):
        for binding in node.BINDINGS:
            assert binding.description in text, binding.description
    for keys in ("j ↓", "G end", "space", "/", "?", "^t", "^p"):
        assert keys in text, keys
    await pilot.press("escape")
    assert isinstance(app.screen, ReaderScreen)


async def test_every_key_is_in_the_command_palette(running):
    app, pilot = running
    titles = {command.title for command in app.get_system_commands(reader(app))}
    for node in (ReaderScreen, PaperList, SearchPane, DetailPane, PapersApp):
        for binding in node.BINDINGS:
            assert binding.description in titles, binding.description
    await pilot.press("ctrl+p")
    await settle(pilot)
    await type_text(pilot, "Star")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert paper_list(app).current_paper().starred


async def test_footer_shows_the_keys(running):
    app, pilot = running
    from textual.widgets import Footer

    footer = reader(app).query_one(Footer)
    shown = {key.description for key in footer.query("FooterKey")}
    assert {"Search", "Read", "Star", "Tag", "Undo", "Help"} <= shown


async def test_every_binding_has_an_id_and_a_description():
    for node in (ReaderScreen, PaperList, SearchPane, DetailPane, PapersApp, HelpScreen, PromptScreen,
                 PickScreen, NoteScreen, ExportScreen):
        for binding in node.BINDINGS:
            assert binding.id and binding.description, (node.__name__, binding)


async def test_ctrl_t_toggles_light_and_dark(running):
    app, pilot = running
    detail = reader(app).query_one(DetailPane)

    def label_colour():
        text = detail.query_one("#detail-body", Static).content
        start = text.plain.index("Date ")
        return next(span.style.color for span in text.spans if span.start == start)

    dark_label = label_colour()
    assert app.theme == "textual-dark"
    await pilot.press("ctrl+t")
    await settle(pilot)
    assert app.theme == "textual-light"
    # The details were drawn again in the light theme's colours.
    assert label_colour() != dark_label
    assert label_colour() == foreground_style(detail, "detail-pane--label").color
    await pilot.press("ctrl+t")
    await settle(pilot)
    assert app.theme == "textual-dark"
    assert label_colour() == dark_label


async def test_q_quits(running):
    app, pilot = running
    await pilot.press("q")
    await settle(pilot)
    assert not app.is_running


async def test_narrow_terminals_stack_the_panes_and_resizing_reflows(running):
    app, pilot = running
    screen = reader(app)
    await pilot.resize_terminal(80, 24)
    await settle(pilot)
    assert screen.has_class("-narrow")
    papers, detail = paper_list(app), screen.query_one(DetailPane)
    assert detail.region.y > papers.region.y  # the detail under the list
    assert papers.region.width >= 78
    assert len(row_text(app, 0)) == papers.scrollable_content_region.width
    assert "Denoising Diffusion" in row_text(app, 0)
    assert "Jonathan Ho" in row_text(app, 0)
    assert papers.region.height >= 5 and detail.region.height >= 5
    await pilot.resize_terminal(160, 40)
    await settle(pilot)
    assert screen.has_class("-wide")
    assert detail.region.x > papers.region.x  # beside it
    assert len(row_text(app, 0)) == papers.scrollable_content_region.width


# --- staying fast ---------------------------------------------------------------------


async def test_thousands_of_papers_never_make_a_widget_a_row(tmp_path):
    papers = [
        {"title": f"Study {n} of scaling", "authors": [f"Author {n}"], "date": f"20{n % 20:02}-01-{n % 28 + 1:02}",
         "abstract": f"Abstract {n}."}
        for n in range(2000)
    ]
    directory = make_library(tmp_path / "lib", papers)
    app = PapersApp(directory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(paper_list(app).paper_ids) == 2000
        widgets = len(app.screen.query("*"))
        assert widgets < 60
        cached = len(paper_list(app)._papers)
        assert cached <= 200  # only the pages around the cursor were loaded
        await pilot.press("G")
        await settle(pilot)
        assert len(app.screen.query("*")) == widgets
        assert "Study" in row_text(app, paper_list(app).scrollable_content_region.height - 1)


async def test_the_app_thread_never_calls_the_store(library_dir, monkeypatch, tmp_path):
    calls: list[tuple[str, bool]] = []

    def recording(name, method):
        def wrapper(*args, **kwargs):
            calls.append((name, threading.current_thread() is threading.main_thread()))
            return method(*args, **kwargs)

        return wrapper

    for name, method in list(vars(Library).items()):
        public = not name.startswith("_") or name == "__init__"
        if public and callable(method) and not isinstance(method, staticmethod):
            monkeypatch.setattr(Library, name, recording(name, method))
    monkeypatch.setattr("webbrowser.open", lambda url: True)
    monkeypatch.setenv("HOME", str(tmp_path))
    app = PapersApp(library_dir)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r", "s", "j", "space", "space", "u", "y", "o", "m", "3", "S", "n", "p")
        await settle(pilot)
        await pilot.press("slash")
        await type_text(pilot, "model")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await type_text(pilot, "x")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("N")
        await settle(pilot)
        await type_text(pilot, "a note")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("T")
        await settle(pilot)
        await pilot.press("enter", "5")
        await settle(pilot)
        await pilot.press("enter", "enter", "escape", "i")
        await settle(pilot)
        app.screen.query_one(Input).value = str(tmp_path / "missing.txt")
        await pilot.press("enter")
        await settle(pilot)
        paper_list(app).post_message(events.Paste(jsonl([{"title": "Pasted paper", "authors": ["P. Aster"]}])))
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
    names = {name for name, _ in calls}
    assert {"__init__", "ids", "papers", "counts", "tag_counts", "mark", "tag", "set_note", "undo_change", "bibtex",
            "export", "related", "import_text", "import_paths", "highlight_terms", "close"} <= names
    assert [name for name, on_main in calls if on_main] == []
