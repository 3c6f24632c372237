"""The work line: one line over the footer while long work runs (an import, an export, a rebuild
of the search index), saying what it is, its phase and how far it got, with a bar.

The screen hands it the progress its workers report (`show_work`) and tells it when a piece of
work is over (`end_work`); it is hidden when nothing runs. With several pieces of work at once
it shows the one that moved last, and how many more there are.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static

from ..progress import count_text, phase_name


@dataclass
class WorkState:
    label: str  # what the work is, in the reader's words: "Importing papers.jsonl"
    phase: str  # the store's phase ("store", "index", "export"...), "" before the first report
    done: int
    total: int


def describe_phase(state: WorkState) -> str:
    """`storing 500/1,200 papers`; `starting…` before the first report."""
    if not state.phase:
        return "starting…"
    return f"{phase_name(state.phase)} {count_text(state.phase, state.done, state.total)}"


class WorkIndicator(Horizontal):
    """What long work is doing; hidden when nothing runs."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._works: dict[Hashable, WorkState] = {}  # the last one moved last

    def compose(self) -> ComposeResult:
        yield Static("", id="work-label")  # cut first when the line is short
        yield Static("", id="work-phase")
        yield ProgressBar(id="work-bar", show_eta=False)

    def on_mount(self) -> None:
        self.display = False

    # --- attributes down --------------------------------------------------------------

    @property
    def active(self) -> bool:
        return bool(self._works)

    @property
    def text(self) -> str:
        """What the line says now ("" when hidden)."""
        if not self._works:
            return ""
        return f"{self._label()} · {describe_phase(self._shown())}"

    def _shown(self) -> WorkState:
        return list(self._works.values())[-1]

    def _label(self) -> str:
        others = len(self._works) - 1
        return self._shown().label + (f" (+{others} more)" if others else "")

    def show_work(self, key: Hashable, label: str, phase: str, done: int, total: int) -> None:
        self._works.pop(key, None)
        self._works[key] = WorkState(label, phase, done, total)
        self._redraw()

    def end_work(self, key: Hashable) -> None:
        if self._works.pop(key, None) is not None:
            self._redraw()

    def _redraw(self) -> None:
        self.display = self.active
        if not self._works:
            return
        shown = self._shown()
        self.query_one("#work-label", Static).update(Text(self._label(), no_wrap=True, overflow="ellipsis"))
        self.query_one("#work-phase", Static).update(Text(describe_phase(shown), no_wrap=True))
        bar = self.query_one(ProgressBar)
        if shown.phase:
            bar.update(total=shown.total, progress=shown.done)
        else:
            bar.update(total=None, progress=0)  # not begun: the bar waits, animated
