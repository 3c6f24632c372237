"""Search, keys and scrolling measured inside the real app, driven by Textual's Pilot.

The app runs headless (`run_test`), but every frame the compositor produces is also encoded to
the escape sequences a terminal would be sent (`FrameProbe`), and the clock stops at the first
frame that shows the awaited state: a measurement is "key (or keystroke) -> that frame".

Keys are posted the way the terminal driver posts them (`driver.send_message`), without
Pilot's `press`, which waits for idle and forces a repaint itself: the app's own refresh timer
decides when the frame is drawn, as it does in a terminal.

Some methods of the screen and the list are wrapped on the instance (never edited) to
timestamp the steps in between: when the search worker starts and ends (`client.read_view`), when
the list gets the new ids (`show_ids`), when a write has finished (`client.write`).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter

from stats import summary, to_ms

SIZE = (120, 40)
WAIT_S = 60.0  # the longest any single wait may take before the measurement fails
DB_POLL_S = 0.0005
PAGE_DOWNS = 6  # per run: crosses the first cached page (100 rows) at least once
PRESSES = 3  # star and read presses per run
TAGS = 2  # tags added per run


# --- plumbing ------------------------------------------------------------------------------


@dataclass
class Waiter:
    predicate: Callable[[], bool]
    event: asyncio.Event = field(default_factory=asyncio.Event)
    time: float | None = None


class FrameProbe:
    """Wraps `app._display` (called with each compositor update): encodes the update as a real
    terminal would get it, then timestamps it and wakes the waiters whose predicate holds."""

    def __init__(self, app) -> None:
        self.frames = 0
        self._waiters: list[Waiter] = []
        original = app._display
        console = app.console

        def display(screen, update) -> None:
            original(screen, update)
            if update is None:
                return
            update.render_segments(console)
            self._frame(perf_counter())

        app._display = display

    def _frame(self, now: float) -> None:
        self.frames += 1
        for waiter in list(self._waiters):
            if waiter.predicate():
                waiter.time = now
                waiter.event.set()
                self._waiters.remove(waiter)

    def expect(self, predicate: Callable[[], bool]) -> Waiter:
        waiter = Waiter(predicate)
        self._waiters.append(waiter)
        return waiter

    async def wait(self, waiter: Waiter, what: str) -> float:
        try:
            await asyncio.wait_for(waiter.event.wait(), WAIT_S)
        except asyncio.TimeoutError:
            self._waiters.remove(waiter)
            raise TimeoutError(f"no frame showed {what} within {WAIT_S:.0f} s") from None
        return waiter.time


class Timeline:
    """Timestamps from inside the app, by wrapping methods on the instances."""

    def __init__(self, screen, paper_list) -> None:
        self.reads: list[tuple[float, float, int | None]] = []  # search worker (start, end, hits)
        self.shown: list[float] = []  # the list got a view's ids
        self.saves: list[float] = []  # a save job (SQL, index, re-read) finished
        self._wrap(screen.client, "read_view", self._on_read)
        self._wrap(paper_list, "show_ids", lambda start, end, result: self.shown.append(end))
        self._wrap(screen.client, "write", lambda start, end, result: self.saves.append(end))

    @staticmethod
    def _wrap(obj, name: str, record) -> None:
        original = getattr(obj, name)

        def wrapper(*args, **kwargs):
            start = perf_counter()
            result = original(*args, **kwargs)
            record(start, perf_counter(), result)
            return result

        setattr(obj, name, wrapper)

    def _on_read(self, start: float, end: float, result) -> None:
        ids = getattr(result, "paper_ids", None)
        self.reads.append((start, end, None if ids is None else len(ids)))


def key_event(key: str):
    """The Key event the terminal driver would post for `key` (as Pilot builds it)."""
    from textual import events
    from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


def send_key(app, key: str) -> float:
    """Post the key as the driver does; returns the time it was sent."""
    event = key_event(key)
    event.set_sender(app)
    sent = perf_counter()
    app._driver.send_message(event)
    return sent


async def settle(pilot) -> None:
    """Until no worker runs and the screen has handled its messages."""
    from textual.worker import WorkerCancelled

    app = pilot.app
    deadline = perf_counter() + WAIT_S
    while perf_counter() < deadline:
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:
            continue
        await pilot.pause()
        if all(worker.is_finished for worker in app.workers):
            return
    raise TimeoutError("the app did not settle")


async def wait_until(pilot, condition: Callable[[], bool], what: str) -> None:
    deadline = perf_counter() + WAIT_S
    while not condition():
        if perf_counter() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await pilot.pause()


def visible_range(paper_list) -> range:
    top = int(paper_list.scroll_offset.y)
    return range(top, min(len(paper_list.paper_ids), top + paper_list.scrollable_content_region.height))


def rows_ready(paper_list) -> bool:
    """Every row on screen shows a paper (none is a placeholder waiting for its page)."""
    return all(paper_list.paper(paper_list.paper_ids[i]) is not None for i in visible_range(paper_list))


def cursor_on_screen(paper_list) -> bool:
    return paper_list.cursor in visible_range(paper_list)


def cursor_row_text(paper_list) -> str:
    return paper_list.render_line(paper_list.cursor - int(paper_list.scroll_offset.y)).text


@dataclass
class Session:
    app: object
    pilot: object
    screen: object
    papers: object  # the PaperList
    probe: FrameProbe
    timeline: Timeline


async def start_session(app, pilot) -> Session:
    from tui.screens.reader import ReaderScreen
    from tui.widgets.paper_list import PaperList

    await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen), "the reader screen")
    screen = app.screen
    papers = screen.query_one(PaperList)
    session = Session(app, pilot, screen, papers, FrameProbe(app), Timeline(screen, papers))
    await wait_until(pilot, lambda: screen.library_open and papers.paper_ids and rows_ready(papers),
                     "the inbox to show rows")
    await settle(pilot)
    return session


async def in_app(library_dir: Path, measure) -> dict:
    """Run the app on `library_dir` and `await measure(session)` in it."""
    from tui.app import PapersApp

    app = PapersApp(library_dir)
    async with app.run_test(size=SIZE) as pilot:
        session = await start_session(app, pilot)
        return await measure(session)


# --- search --------------------------------------------------------------------------------


async def time_query(s: Session, query: str) -> dict:
    """Type `query` but its last character, let that settle, then time the last keystroke to
    the first frame that shows the new results (every visible row a real paper)."""
    field_ = s.screen.search_pane.input
    field_.value = query[:-1]
    field_.cursor_position = len(field_.value)
    await settle(s.pilot)
    shown_before, reads_before = len(s.timeline.shown), len(s.timeline.reads)
    waiter = s.probe.expect(lambda: len(s.timeline.shown) > shown_before and rows_ready(s.papers))
    sent = send_key(s.app, query[-1])
    painted = await s.probe.wait(waiter, f"the results of {query!r}")
    await settle(s.pilot)
    if field_.value != query:
        raise RuntimeError(f"the search field holds {field_.value!r}, not {query!r}")
    start, end, hits = s.timeline.reads[reads_before]
    shown = s.timeline.shown[shown_before]
    return {"keystroke": painted - sent, "from_start": painted - start, "dispatch": start - sent,
            "worker": end - start, "deliver": shown - end, "paint": painted - shown, "hits": hits}


async def measure_search(s: Session, queries: list[str], runs: int) -> dict:
    s.screen.action_focus_search()
    await settle(s.pilot)
    per_query = []
    for query in queries:
        samples = [await time_query(s, query) for _ in range(runs)]
        per_query.append(query_summary(query, samples))
    return search_summary(per_query)


STEPS = ("keystroke", "from_start", "dispatch", "worker", "deliver", "paint")


def query_summary(query: str, samples: list[dict]) -> dict:
    row = {"query": query, "hits": samples[-1]["hits"]}
    for step in STEPS:
        row[f"{step}_ms"] = summary(to_ms([sample[step] for sample in samples]))["median"]
    return row


def search_summary(per_query: list[dict]) -> dict:
    keystroke = summary([q["keystroke_ms"] for q in per_query])
    return {
        "median": keystroke["median"],
        "p95": keystroke["p95"],
        "from_search_start": summary([q["from_start_ms"] for q in per_query]),
        "steps": {step: summary([q[f"{step}_ms"] for q in per_query]) for step in STEPS[2:]},
        "debounce_ms": 0,
        "view": "Unread (the inbox the app opens on): the app searches `(is:unread) AND (query)`",
        "per_query": per_query,
    }


async def bench_search(library_dir: Path, queries: list[str], runs: int) -> dict:
    return await in_app(library_dir, lambda s: measure_search(s, queries, runs))


# --- keys: star, read, tag -----------------------------------------------------------------


def db_poller(db_path: Path, sql: str, params: tuple, expected) -> Callable[[], float]:
    """A blocking function for a thread: polls a separate read-only connection until `sql`
    gives `expected`; returns the time it first did."""

    def poll() -> float:
        connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=WAIT_S)
        try:
            deadline = perf_counter() + WAIT_S
            while perf_counter() < deadline:
                row = connection.execute(sql, params).fetchone()
                if row is not None and row[0] == expected:
                    return perf_counter()
                time.sleep(DB_POLL_S)
        finally:
            connection.close()
        raise TimeoutError(f"the store never showed {expected!r} for {sql}")

    return poll


async def time_change(s: Session, keys: list[str], shown: Callable[[], bool], poll) -> dict:
    """Send `keys` (the last one is timed); (a) the first frame where `shown()` holds,
    (b) the store has it (seen by another connection), (c) the save job is done."""
    saves_before = len(s.timeline.saves)
    for key in keys[:-1]:
        send_key(s.app, key)
    waiter = s.probe.expect(lambda: s.app.screen is s.screen and shown())
    saved_task = asyncio.ensure_future(asyncio.to_thread(poll))
    sent = send_key(s.app, keys[-1])
    painted = await s.probe.wait(waiter, f"the change of {keys}")
    saved = await asyncio.wait_for(saved_task, WAIT_S)
    await wait_until(s.pilot, lambda: len(s.timeline.saves) > saves_before, "the save job")
    done = s.timeline.saves[saves_before]
    await settle(s.pilot)
    return {"repaint": painted - sent, "saved": saved - sent, "save_done": done - sent}


async def time_toggle(s: Session, key: str, attribute: str, db_path: Path) -> dict:
    paper = s.papers.current_paper()
    want = not getattr(paper, attribute)
    poll = db_poller(db_path, f"SELECT {attribute} FROM papers WHERE id = ?", (paper.id,), int(want))
    result = await time_change(s, [key], lambda: getattr(s.papers.current_paper(), attribute) == want, poll)
    mark = "★" if attribute == "starred" else "●"
    marked = mark in cursor_row_text(s.papers)[:4]
    result["row_ok"] = marked == (want if attribute == "starred" else not want)
    return result


async def time_tag(s: Session, tag: str, db_path: Path) -> dict:
    from textual.widgets import Input

    from tui.screens.prompt import PromptScreen

    paper = s.papers.current_paper()
    opened = s.probe.expect(lambda: isinstance(s.app.screen, PromptScreen))
    sent = send_key(s.app, "t")
    prompt_open = await s.probe.wait(opened, "the tag prompt") - sent
    await settle(s.pilot)
    s.app.screen.query_one(Input).value = tag  # as typed (the prompt does nothing per keystroke but suggest)
    await settle(s.pilot)
    poll = db_poller(db_path, "SELECT count(*) FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id "
                     "WHERE pt.paper_id = ? AND t.name = ?", (paper.id, tag), 1)
    result = await time_change(s, ["enter"], lambda: tag in s.papers.current_paper().tags, poll)
    result["prompt_open"] = prompt_open
    result["row_ok"] = f"#{tag}"[:6] in cursor_row_text(s.papers)
    return result


async def measure_keys(s: Session, runs: int, db_path: Path) -> dict:
    s.screen.set_focus(s.papers)
    for _ in range(2):
        send_key(s.app, "j")  # off the first row
    await settle(s.pilot)
    samples: dict[str, list[dict]] = {"star": [], "read": [], "tag": []}
    for run in range(runs):
        for _press in range(PRESSES):
            samples["star"].append(await time_toggle(s, "s", "starred", db_path))
            samples["read"].append(await time_toggle(s, "r", "read", db_path))
        for number in range(TAGS):
            samples["tag"].append(await time_tag(s, f"bench-{run}-{number}", db_path))
    return {name: change_summary(found) for name, found in samples.items()}


def change_summary(samples: list[dict]) -> dict:
    result = {step: summary(to_ms([sample[step] for sample in samples]))
              for step in ("repaint", "saved", "save_done", "prompt_open") if step in samples[0]}
    result["rows_checked_ok"] = all(sample["row_ok"] for sample in samples)
    return result


async def bench_keys(library_dir: Path, runs: int) -> dict:
    return await in_app(library_dir, lambda s: measure_keys(s, runs, library_dir / "library.sqlite3"))


# --- scrolling -----------------------------------------------------------------------------


async def time_move(s: Session, key: str, target: int) -> dict:
    """`key` -> (first) the first frame with the cursor on `target` and on screen, and
    (ready) the first frame where, besides, every visible row is a real paper."""
    first = s.probe.expect(lambda: s.papers.cursor == target and cursor_on_screen(s.papers))
    ready = s.probe.expect(lambda: s.papers.cursor == target and cursor_on_screen(s.papers) and rows_ready(s.papers))
    sent = send_key(s.app, key)
    first_time = await s.probe.wait(first, f"the cursor on row {target}")
    ready_time = await s.probe.wait(ready, f"the rows around row {target}")
    await settle(s.pilot)
    return {"first_frame": first_time - sent, "ready": ready_time - sent, "cold": ready_time > first_time}


async def reset_to_top(s: Session) -> None:
    """Cursor on the first paper and the row cache emptied (ctrl+r reloads the view), so the
    pages below the first must be loaded again."""
    send_key(s.app, "home")
    await settle(s.pilot)
    send_key(s.app, "ctrl+r")
    await settle(s.pilot)
    await wait_until(s.pilot, lambda: rows_ready(s.papers), "the first rows after a reload")


async def measure_scroll(s: Session, runs: int) -> dict:
    s.screen.set_focus(s.papers)
    await settle(s.pilot)
    last = len(s.papers.paper_ids) - 1
    samples: dict[str, list[dict]] = {"page_down": [], "end": [], "home": [], "end_cached": []}
    for _ in range(runs):
        await reset_to_top(s)
        page = max(1, s.papers.scrollable_content_region.height - 1)
        for _ in range(PAGE_DOWNS):
            samples["page_down"].append(await time_move(s, "pagedown", min(last, s.papers.cursor + page)))
        samples["end"].append(await time_move(s, "end", last))
        samples["home"].append(await time_move(s, "home", 0))
        samples["end_cached"].append(await time_move(s, "end", last))
    return {name: move_summary(found) for name, found in samples.items()}


def move_summary(samples: list[dict]) -> dict:
    ready = summary(to_ms([sample["ready"] for sample in samples]))
    return {**ready, "first_frame": summary(to_ms([sample["first_frame"] for sample in samples])),
            "loaded_rows": sum(sample["cold"] for sample in samples)}


async def bench_scroll(library_dir: Path, runs: int) -> dict:
    return await in_app(library_dir, lambda s: measure_scroll(s, runs))


def run(coroutine) -> dict:
    return asyncio.run(coroutine)
