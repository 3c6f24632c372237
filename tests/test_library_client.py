"""The app's client layer (`tui/library_client.py`) on a real library in a temporary directory,
without a Pilot: what it posts is collected in a list."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from store.errors import LibraryBusy
from store.library import Library
from tests.test_app import TITLES, make_library
from tui.library_client import LibraryClient
from tui.messages import (
    ChangeSaved,
    ExportDone,
    ExportRequest,
    ImportDone,
    ImportRequest,
    IndexChecked,
    LibraryFailed,
    LibraryOpened,
    MarkRequest,
    NoteRequest,
    ReadFailed,
    RelatedLoaded,
    RestoreRequest,
    ViewLoaded,
    WorkProgress,
    WriteFailed,
    WriteWaiting,
)
from tui.screens.views import ALL, UNREAD


class Posted(list):
    """Collects what the client posts, from any thread."""

    def of(self, kind: type) -> list:
        return [message for message in self if isinstance(message, kind)]


@pytest.fixture
def posted() -> Posted:
    return Posted()


@pytest.fixture
def client(tmp_path, posted):
    client = LibraryClient(make_library(tmp_path / "library"), posted.append, page_size=3)
    assert isinstance(client.open(), LibraryOpened)
    yield client
    client.shut_down(timeout=10)


def paper_id(client: LibraryClient, title: str) -> int:
    return client.library.ids(f'title:"{title}"')[0]


def stored(directory: Path, title: str):
    with Library(directory) as library:
        return next(paper for paper in library.list() if paper.title == title)


def star(pid: int, value: bool, label: str = "") -> MarkRequest:
    return MarkRequest(label=label or f"star {value}", paper_ids=(pid,), state="starred", value=value)


# --- opening ------------------------------------------------------------------------------


def test_opening_a_library_that_cannot_be_opened_is_a_message_not_an_exception(tmp_path, posted):
    (tmp_path / "a-file").write_text("not a directory")
    client = LibraryClient(tmp_path / "a-file", posted.append)
    answer = client.open()
    assert isinstance(answer, LibraryFailed) and answer.error
    assert client.library is None


def test_a_fresh_library_has_a_current_index(client):
    assert client.check_index() == IndexChecked("current")


# --- reads --------------------------------------------------------------------------------


def test_a_view_is_read_with_its_first_page_of_rows_and_the_counts(client):
    answer = client.read_view(client.view_request(ALL, "", "date", None))
    assert isinstance(answer, ViewLoaded)
    assert len(answer.paper_ids) == len(TITLES)
    assert [paper.id for paper in answer.papers] == answer.paper_ids[:3]  # one page (page_size=3)
    assert answer.counts["all"] == len(TITLES) and answer.terms == []


def test_an_answer_to_an_older_view_request_is_dropped(client):
    older = client.view_request(UNREAD, "", "date", None)
    newer = client.view_request(ALL, "residual", "relevance", None)
    assert client.read_view(older) is None
    assert not client.is_latest(older) and client.is_latest(newer)
    answer = client.read_view(newer)
    assert isinstance(answer, ViewLoaded)
    assert [paper.title for paper in answer.papers] == ["Deep Residual Learning for Image Recognition"]
    assert "residual" in answer.terms  # the words to highlight in the details


def test_an_answer_made_stale_while_it_was_read_is_dropped(client, monkeypatch):
    request = client.view_request(ALL, "", "date", None)
    real_ids = client.library.ids

    def ids_then_a_newer_request(*args, **kwargs):
        client.view_request(UNREAD, "", "date", None)  # the reader typed on while this was read
        return real_ids(*args, **kwargs)

    monkeypatch.setattr(client.library, "ids", ids_then_a_newer_request)
    assert client.read_view(request) is None


def test_a_failed_read_is_a_message_and_none_once_closing(client, monkeypatch):
    paper = client.library.papers([paper_id(client, TITLES[0])])[0]

    def broken(*args, **kwargs):
        raise OSError(5, "Input/output error", "library.sqlite3")

    monkeypatch.setattr(client.library, "related", broken)
    assert client.related(paper) == ReadFailed("library.sqlite3: Input/output error")
    client.begin_closing()
    assert client.related(paper) is None
    monkeypatch.undo()
    assert isinstance(client.related(paper), RelatedLoaded)


# --- writes -------------------------------------------------------------------------------


def test_writes_run_in_the_order_they_were_made_even_while_one_is_running(client, posted, monkeypatch):
    pid = paper_id(client, TITLES[0])
    first_running, release = threading.Event(), threading.Event()
    real_mark = client.library.mark

    def held_first(*args, **kwargs):
        if not first_running.is_set():
            first_running.set()
            release.wait(10)
        return real_mark(*args, **kwargs)

    monkeypatch.setattr(client.library, "mark", held_first)
    assert client.submit(star(pid, True, "star 1")) is True  # nobody drains yet: the caller starts a writer
    writer = threading.Thread(target=client.drain_writes)
    writer.start()
    assert first_running.wait(10)
    # Queued while the first is being written: the running writer takes them, in order.
    assert client.submit(star(pid, False, "star 2")) is False
    assert client.submit(NoteRequest(label="note 3", paper_ids=(pid,), note="three")) is False
    assert client.submit(star(pid, True, "star 4")) is False
    release.set()
    writer.join(10)
    assert not writer.is_alive()
    saved = posted.of(ChangeSaved)
    assert [message.request.label for message in saved] == ["star 1", "star 2", "note 3", "star 4"]
    assert [paper.starred for message in saved for paper in message.papers] == [True, False, False, True]
    assert saved[-1].counts["starred"] == 1
    assert client.submit(star(pid, False)) is True  # the writer ended with the queue: the next starts one
    client.drain_writes()
    client.shut_down(timeout=10)
    paper = stored(client.directory, TITLES[0])
    assert (paper.starred, paper.note) == (False, "three")


def test_a_busy_library_is_waited_for_and_the_write_is_not_lost(client, posted, monkeypatch):
    pid = paper_id(client, TITLES[1])
    real_mark, calls = client.library.mark, []

    def busy_twice(*args, **kwargs):
        calls.append(args)
        if len(calls) <= 2:  # what the store raises when another process held the lock past its timeout
            raise LibraryBusy("another papers-tui is writing to this library")
        return real_mark(*args, **kwargs)

    monkeypatch.setattr(client.library, "mark", busy_twice)
    request = star(pid, True)
    answer = client.write(request)
    assert isinstance(answer, ChangeSaved) and answer.papers[0].starred
    assert len(calls) == 3
    assert posted.of(WriteWaiting) == [WriteWaiting(request)]  # told once, not at every attempt
    client.shut_down(timeout=10)
    assert stored(client.directory, TITLES[1]).starred


def test_a_write_that_fails_is_reported_and_the_next_one_still_runs(client, posted, tmp_path):
    pid = paper_id(client, TITLES[2])
    missing = ImportRequest(label="import missing.txt", paths=(str(tmp_path / "missing.txt"),),
                            work=client.long_work("Importing missing.txt"))
    client.submit(missing)
    client.submit(star(pid, True))
    client.drain_writes()
    failed, saved = posted.of(WriteFailed), posted.of(ChangeSaved)
    assert len(failed) == 1 and failed[0].request == missing and "missing.txt" in failed[0].error
    assert "Traceback" not in failed[0].error
    assert [paper.starred for paper in saved[0].papers] == [True]


def test_undo_puts_the_papers_state_back(client):
    paper = client.library.papers([paper_id(client, TITLES[3])])[0]
    client.write(star(paper.id, True))
    before = {paper.id: {"starred": paper.starred, "starred_at": paper.starred_at}}  # what the star changed
    answer = client.write(RestoreRequest(label="undo star", paper_ids=(paper.id,), change=before))
    assert isinstance(answer, ChangeSaved) and not answer.papers[0].starred


def test_an_export_reports_its_progress_and_writes_the_file(client, posted, tmp_path):
    ids = tuple(client.library.ids())
    work = client.long_work("Exporting to out.bib")
    path = tmp_path / "out.bib"
    answer = client.write(ExportRequest(label="export BibTeX", paper_ids=ids, path=path, style="arxiv", work=work))
    assert isinstance(answer, ExportDone) and answer.entries == len(TITLES)
    assert path.read_text().count("@") == len(TITLES)
    assert [(m.work, m.phase, m.done) for m in posted.of(WorkProgress)] == [(work, "", 0), (work, "export", 6)]


def test_a_pasted_import_hands_back_its_papers_and_each_long_work_has_its_own_id(client, posted):
    first, second = client.long_work("Importing the pasted text"), client.long_work("Exporting")
    assert first.id != second.id
    text = '{"title": "Pasted paper", "authors": ["P. Aster"]}\n'
    answer = client.write(ImportRequest(label="import the pasted text", text=text, work=first))
    assert isinstance(answer, ImportDone)
    assert [paper.title for paper in answer.papers] == ["Pasted paper"]
    assert answer.reports[0].added == 1 and answer.counts["all"] == len(TITLES) + 1
    assert {m.phase for m in posted.of(WorkProgress)} >= {"", "store", "index"}


def test_shut_down_waits_for_the_writes_still_queued(client, monkeypatch):
    pid = paper_id(client, TITLES[4])
    release, happened = threading.Event(), []
    real_mark, real_close = client.library.mark, client.library.close

    def slow_mark(*args, **kwargs):
        release.wait(10)
        real_mark(*args, **kwargs)
        happened.append("written")

    def close():
        happened.append("closed")
        real_close()

    monkeypatch.setattr(client.library, "mark", slow_mark)
    monkeypatch.setattr(client.library, "close", close)
    client.submit(star(pid, True))
    writer = threading.Thread(target=client.drain_writes)
    writer.start()
    closer = threading.Thread(target=client.shut_down, args=(30,))
    closer.start()
    for _ in range(1000):  # until the closer has begun (it says so first), then let the write go on
        if client.closing:
            break
        release.wait(0.01)
    assert client.closing
    release.set()
    closer.join(30)
    writer.join(30)
    assert happened == ["written", "closed"]
    assert stored(client.directory, TITLES[4]).starred
