"""The detail pane: everything about the highlighted paper, search terms highlighted in it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from ..text import safe_text
from .component_style import foreground_style

LABEL_WIDTH = 10


def highlight(text: Text, terms: list[str], style: Style) -> None:
    """Stylize each word of `text` that starts with one of `terms`, whatever its case.

    The index stems what it searches for (`models` finds `model`), so a word is highlighted
    when it starts with a term rather than only when it equals it.
    """
    words = sorted({term for term in terms if term}, key=len, reverse=True)
    if not words:
        return
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(word) for word in words) + r")\w*", re.IGNORECASE)
    for match in pattern.finditer(text.plain):
        text.stylize(style, match.start(), match.end())


def links(paper: Any) -> list[str]:
    """The paper's own page first (what `o` opens), then its arXiv PDF."""
    found = [paper.page_url] if paper.page_url else []
    if paper.arxiv_id:
        found += [f"https://arxiv.org/abs/{paper.arxiv_id}", f"https://arxiv.org/pdf/{paper.arxiv_id}"]
    return list(dict.fromkeys(found))


class DetailPane(VerticalScroll, can_focus=True):
    """The highlighted paper in full; scrolls when the abstract is long."""

    COMPONENT_CLASSES = {"detail-pane--highlight", "detail-pane--label", "detail-pane--title"}

    BINDINGS = [
        Binding("j", "scroll_down", "Scroll down", show=False, id="detail.scroll-down"),
        Binding("k", "scroll_up", "Scroll up", show=False, id="detail.scroll-up"),
        Binding("escape,enter", "back", "Back to list", id="detail.back", tooltip="Back to the list of papers"),
    ]

    @dataclass
    class Back(Message):
        """The reader is done with the details."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._paper: Any | None = None
        self._terms: list[str] = []
        self._message = ""
        self._shown: list[str] | None = None  # the lines shown, to tell if a redraw keeps the height

    def compose(self) -> ComposeResult:
        yield Static(id="detail-body")

    def on_mount(self) -> None:
        # The text holds resolved colours, so a new theme needs it built again, once the
        # theme's styles have been applied.
        self.watch(self.app, "theme", self._theme_changed, init=False)

    def _theme_changed(self, _theme: str) -> None:
        self.call_after_refresh(self._redraw)

    @property
    def paper_id(self) -> int | None:
        return None if self._paper is None else self._paper.id

    def show_paper(self, paper: Any, terms: list[str]) -> None:
        if paper.id != self.paper_id:
            self.scroll_home(animate=False)
        self._paper, self._terms, self._message = paper, terms, ""
        self._redraw()

    def show_message(self, message: str) -> None:
        self._paper, self._message = None, message
        self._redraw()

    def action_back(self) -> None:
        self.post_message(self.Back())

    def _redraw(self) -> None:
        body = self.query_one("#detail-body", Static)
        text = Text(self._message) if self._paper is None else self._paper_text(self._paper)
        lines = text.plain.split("\n")
        # A star or a read mark changes one short line: when no changed line can wrap,
        # the height stays and the screen needs no new layout (the costly part).
        same_height = self._shown is not None and len(lines) == len(self._shown) and all(
            old == new or max(cell_len(old), cell_len(new)) < body.content_region.width
            for old, new in zip(self._shown, lines, strict=True)
        )
        self._shown = lines
        body.update(text, layout=not same_height)

    def _paper_text(self, paper: Any) -> Text:
        mark = self.get_component_rich_style("detail-pane--highlight")
        label_style = foreground_style(self, "detail-pane--label")
        title = Text(safe_text(paper.display_title), style=foreground_style(self, "detail-pane--title"))
        highlight(title, self._terms, mark)
        text = Text()
        text.append_text(title)
        text.append("\n")
        authors = ", ".join(safe_text(name) for name in paper.authors) + (" et al." if paper.authors_truncated else "")
        text.append(authors or "(no authors)")
        text.append("\n")
        if paper.orgs:
            text.append(", ".join(safe_text(org) for org in paper.orgs), style="italic")
            text.append("\n")
        text.append("\n")
        for label, value in self._fields(paper):
            for number, line in enumerate(value.split("\n")):
                text.append(f"{'' if number else label:<{LABEL_WIDTH}}", style=label_style)
                text.append(f"{line}\n")
        if paper.abstract:
            abstract = Text(safe_text(paper.abstract, keep_newlines=True))
            highlight(abstract, self._terms, mark)
            text.append("\n")
            text.append_text(abstract)
        return text

    def _fields(self, paper: Any) -> list[tuple[str, str]]:
        """(label, value) for each fact the paper has, in reading order."""
        facts = (paper.date, paper.category, "code" if paper.has_code else None)
        where = " · ".join(fact for fact in facts if fact)
        state = ("unread" if not paper.read else "read") + (" · ★ starred" if paper.starred else "")
        fields = [
            ("Date", where or "unknown"),
            ("arXiv", paper.arxiv_id or ""),
            ("DOI", paper.doi or ""),
            ("Links", "\n".join(links(paper))),
            ("Venue", paper.venue or ""),
            ("Comments", " · ".join(paper.comments)),
            ("Key", paper.key + (f"\nAlso cited as {', '.join(paper.aliases)}" if paper.aliases else "")),
            ("Tags", ", ".join(paper.tags) or "none"),
            ("State", state),
            ("Note", paper.note or ""),
            ("Flagged", "\n".join(paper.flags)),  # an import's doubts, until checked (c)
        ]
        return [(label, safe_text(value, keep_newlines=True)) for label, value in fields if value]
