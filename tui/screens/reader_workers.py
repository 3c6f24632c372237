"""The reader's thread side: every worker of the screen, each a named `@work` thread worker that
runs one `LibraryClient` call and posts the message it returns (the UI thread never waits on
SQLite or Whoosh). `ReaderScreen` (reader.py) is built on it and handles those messages.

Reads are exclusive per group: a newer view read cancels the one before, and the client drops
an answer made stale by a newer request. Writes are never cancelled: `_write` queues a request in
the client, and one "save" worker drains the queue in order, then ends (so tests can wait for it).
"""

from __future__ import annotations

import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.message import Message
from textual.screen import Screen
from textual.worker import get_current_worker

from ..library_client import LibraryClient
from ..messages import ExportPathChecked, IndexRebuilding, ViewRequest, WriteRequest

if TYPE_CHECKING:
    from store.model import Paper


class ReaderWorkers(Screen[None]):
    def __init__(self, directory: Path) -> None:
        super().__init__()
        self.directory = directory
        self.client = LibraryClient(directory, self.post_message)
        self._rebuild: IndexRebuilding | None = None  # the search index's rebuild, while it runs
        self._unsettled_writes = 0  # queued writes whose outcome the UI has not seen yet

    @property
    def library_open(self) -> bool:
        return self.client.library is not None

    def _write(self, request: WriteRequest) -> None:
        """Queue a write (never dropped, run in order); its outcome comes back as a message."""
        if not self.library_open:
            self.notify("The library is still opening; try again in a moment.")
            return
        self._unsettled_writes += 1
        if self.client.submit(request):
            self._drain_writes()

    def _post_unless_cancelled(self, message: Message | None) -> None:
        if message is not None and not get_current_worker().is_cancelled and not self.client.closing:
            self.post_message(message)

    @work(thread=True, exclusive=True, group="open", name="open-library")
    def _open_library(self) -> None:
        # The rows come from SQLite: they show before the index (Whoosh) is even loaded.
        self.post_message(self.client.open())

    @work(thread=True, exclusive=True, group="open", name="check-index")
    def _check_index(self) -> None:
        # Once the first rows are up: loading Whoosh sooner would compete with the first view.
        self.post_message(self.client.check_index())

    @work(thread=True, exclusive=True, group="index", name="rebuild-index")
    def _rebuild_index(self, status: str) -> None:
        self._post_unless_cancelled(self.client.rebuild_index(status))

    @work(thread=True, exclusive=True, group="view", name="load-view")
    def _load_view(self, request: ViewRequest) -> None:
        # Wait for queued changes first: a view read before they land would not show them.
        worker = get_current_worker()
        if self.client.wait_for_writes(lambda: worker.is_cancelled):
            self._post_unless_cancelled(self.client.read_view(request, index_rebuilding=self._rebuild is not None))

    @work(thread=True, group="rows", name="load-rows")
    def _load_rows(self, paper_ids: list[int], replace: bool = False) -> None:
        self._post_unless_cancelled(self.client.rows(paper_ids, replace))

    @work(thread=True, exclusive=True, group="related", name="load-related")
    def _load_related(self, paper: Paper) -> None:
        self._post_unless_cancelled(self.client.related(paper))

    @work(thread=True, exclusive=True, group="export-path", name="check-export-path")
    def _check_export_path(self, paper_ids: tuple[int, ...], what: str, path: str, style: str) -> None:
        refused, exists = self.client.check_export_path(path)
        self._post_unless_cancelled(ExportPathChecked(paper_ids, what, path, style, refused, exists))

    @work(thread=True, group="save", name="save")
    def _drain_writes(self) -> None:
        self.client.drain_writes()

    @work(thread=True, group="browser", name="open-browser")
    def _open_pages(self, urls: list[str]) -> None:
        # The browser may take its time to start; it never holds up the UI.
        try:
            opened = all([webbrowser.open(url) for url in urls])
        except webbrowser.Error as error:
            opened = False
            self.log.error(f"webbrowser: {error!r}")
        if not opened:
            self.notify("No web browser could be started.", severity="warning")
