"""The report of an import that was partial: every entry skipped or flagged, with its line,
and a key to the flagged papers (the `is:flagged` view). The same entries as the CLI prints."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..text import safe_text
from .reader_text import import_summary

if TYPE_CHECKING:
    from store.library import ImportReport

# A paste of thousands of broken lines is not drawn whole: the CLI prints every one.
SHOWN_ENTRIES = 200


def report_text(reports: Sequence[ImportReport]) -> str:
    """The counts of each input, then its entries as `source:line: what: reason`."""
    lines, shown = [], 0
    for report in reports:
        lines.append(import_summary([report]))
        entries = report.entries()
        for line, text in entries[: max(0, SHOWN_ENTRIES - shown)]:
            lines.append(f"  {safe_text(report.source)}:{line}: {safe_text(text)}")
        shown += len(entries)
    if shown > SHOWN_ENTRIES:
        lines.append(f"  … and {shown - SHOWN_ENTRIES} more (`papers-tui import FILE` prints them all)")
    return "\n".join(lines)


class ImportReportScreen(ModalScreen[bool]):
    """Dismisses with True to show the flagged papers, False to close."""

    BINDINGS = [
        Binding("escape,enter", "close", "Close", id="import-report.close"),
        Binding("f", "show_flagged", "Show flagged", id="import-report.show-flagged"),
    ]

    def __init__(self, reports: Sequence[ImportReport]) -> None:
        super().__init__()
        self._reports = list(reports)
        self.flagged = sum(len(report.flagged) for report in self._reports)

    def compose(self) -> ComposeResult:
        skipped = sum(len(report.skipped) for report in self._reports)
        with Vertical(classes="dialog", id="import-report"):
            yield Static(Text(f"Imported in part: {skipped} skipped, {self.flagged} flagged"), classes="dialog-title")
            with VerticalScroll(id="import-report-body"):
                yield Static(Text(report_text(self._reports)), id="import-report-text")
            hint = "f: show the flagged papers (is:flagged) · " if self.flagged else ""
            yield Static(Text(f"{hint}Enter or Esc: close"), classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(False)

    def action_show_flagged(self) -> None:
        if self.flagged:
            self.dismiss(True)
