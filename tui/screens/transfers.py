"""Papers in and out of the library: export (x), copy BibTeX (y), import a file (i) or a paste,
and the flags an import leaves on papers it was unsure of (its report; c: checked).

Each flow reads top to bottom in a few steps: the action, its dialog, a write request queued in
the `LibraryClient` (run in order after the changes made before it), then the message that
says it is done, and its handler. An export: `action_export` -> `ExportScreen` -> `_export`
queues an `ExportRequest` -> the client writes the file -> `ExportDone` -> `on_export_done`.
A mixin of `ReaderScreen`, which provides what is declared below.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import events

from .. import messages as msg
from ..text import safe_text
from .changes import ids_of
from .export import STYLES, ExportChoice, ExportScreen
from .import_report import ImportReportScreen
from .pick import PickScreen
from .prompt import PathSuggester, PromptScreen
from .reader_text import describe_papers, import_summary
from .views import FLAGGED, export_filename

if TYPE_CHECKING:
    from store.model import Paper

    from ..widgets.paper_list import PaperList
    from .reader_workers import ReaderWorkers
    from .views import View

    _Base = ReaderWorkers  # what the mixin is mixed into: the client, `_write`, `notify`...
else:
    _Base = object


class TransferFlows(_Base):
    if TYPE_CHECKING:  # provided by ReaderScreen
        _view: View
        searching: bool

        @property
        def paper_list(self) -> PaperList: ...
        def _targets(self) -> list[Paper]: ...
        def _written(self, message: msg.Written) -> None: ...
        def _reload(self, keep_cursor: bool) -> None: ...
        def _set_view(self, view: View) -> None: ...

    # --- export -------------------------------------------------------------------------

    def action_export(self) -> None:
        ids = self.paper_list.selected_ids or list(self.paper_list.paper_ids)
        if not ids:
            self.notify("Nothing to export in this view.")
            return
        if self.paper_list.selected_ids:
            what = f"{len(ids)} selected papers"
        else:
            what = f"the {'search results' if self.searching else 'view'} ({len(ids)} papers)"
        filename = "papers-search.bib" if self.searching else export_filename(self._view)
        self._ask_export(tuple(ids), what, str(Path("~") / filename))

    def _ask_export(self, ids: tuple[int, ...], what: str, path: str, style: str = STYLES[0], problem: str = "") -> None:
        def check(choice: ExportChoice | None) -> None:
            if choice is not None:  # where it goes is checked first, off the UI thread
                self._check_export_path(ids, what, choice.path, choice.style)

        self.app.push_screen(ExportScreen(what, path, style, problem), check)

    def on_export_path_checked(self, message: msg.ExportPathChecked) -> None:
        ids, what, path, style = message.paper_ids, message.what, message.path, message.style
        if message.refused:
            self._ask_export(ids, what, path, style, problem=message.refused)  # the dialog again, saying why
        elif message.exists:
            choices = [("replace", "Replace it"), ("rename", "Write to another file")]

            def answer(choice: str | None) -> None:
                if choice == "replace":
                    self._export(ids, path, style)
                elif choice == "rename":
                    self._ask_export(ids, what, path, style)

            self.app.push_screen(PickScreen(f"{safe_text(path)} exists already. Replace it?", choices), answer)
        else:
            self._export(ids, path, style)

    def _export(self, ids: tuple[int, ...], path_text: str, style: str) -> None:
        path = Path(path_text).expanduser()
        work = self.client.long_work(f"Exporting to {safe_text(path.name)}")
        self._write(msg.ExportRequest(label="export BibTeX", paper_ids=ids, path=path, style=style, work=work))

    def on_export_done(self, message: msg.ExportDone) -> None:
        self._written(message)
        request = message.request
        self.notify(f"Wrote {message.entries} entries ({request.style}) to {request.path}")
        if message.warning:
            self.notify(safe_text(message.warning), severity="warning", markup=False)

    # --- copy BibTeX --------------------------------------------------------------------

    def action_copy_bibtex(self) -> None:
        if papers := self._targets():
            what = describe_papers(papers)
            self._write(msg.BibtexRequest(label="copy BibTeX", paper_ids=ids_of(papers), what=what))

    def on_bibtex_ready(self, message: msg.BibtexReady) -> None:
        self._written(message)
        self.app.copy_to_clipboard(message.text)
        self.notify(f"Copied the BibTeX of {message.request.what}.")

    # --- import -------------------------------------------------------------------------

    def action_import_file(self) -> None:
        prompt = PromptScreen("Import a file: a listing, BibTeX or JSON lines", placeholder="~/Downloads/papers.txt",
                              suggester=PathSuggester())
        self.app.push_screen(prompt, self._import_file)

    def _import_file(self, answer: str | None) -> None:
        if path := (answer or "").strip():
            target = Path(path).expanduser()
            work = self.client.long_work(f"Importing {safe_text(target.name)}")
            self._write(msg.ImportRequest(label=f"import {path}", paths=(str(target),), work=work))

    def on_paste(self, event: events.Paste) -> None:
        # Inputs take their own pastes; anywhere else, pasted text is a listing to import.
        if self.library_open and event.text.strip():
            work = self.client.long_work("Importing the pasted text")
            self._write(msg.ImportRequest(label="import the pasted text", text=event.text, work=work))

    def on_import_done(self, message: msg.ImportDone) -> None:
        self._written(message)
        self.paper_list.add_papers(message.papers, replace=True)
        self.notify(import_summary(message.reports), title="Imported")
        self._reload(keep_cursor=True)
        if any(report.partial for report in message.reports):  # each entry skipped or flagged, with its line
            self.app.push_screen(ImportReportScreen(message.reports), self._after_import_report)

    def _after_import_report(self, show_flagged: bool | None) -> None:
        if show_flagged:
            self._set_view(FLAGGED)

    # --- flags: an import's doubts, cleared once the reader checked the paper (c) --------

    def action_mark_checked(self) -> None:
        papers = [paper for paper in self._targets() if paper.flags]
        if not papers:
            self.notify("Nothing flagged here to check: the Flagged view (is:flagged) shows what is.")
            return
        self._write(msg.ClearFlagsRequest(label="clear the import flags", paper_ids=ids_of(papers)))

    def on_flags_cleared(self, message: msg.FlagsCleared) -> None:
        self._written(message)
        self.paper_list.add_papers(message.papers, replace=True)
        self.notify(f"Checked {describe_papers(message.papers)}: no longer flagged.")
        self._reload(keep_cursor=True)
