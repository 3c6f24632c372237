"""What the reader screen says: its fixed messages and the sentences it builds."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..text import safe_text

if TYPE_CHECKING:
    from store.library import ImportReport
    from store.model import Paper

    from ..messages import IndexRebuilding

WELCOME = """Welcome to papers-tui. The library is empty.

Import papers (listing pages copied as text, BibTeX or JSON lines):
  • from a shell:   papers-tui import FILE
  • here:           press i and give the file's path
  • or paste a listing into this window.

Press ? for every key."""
EMPTY_LIBRARY = "No papers yet: press i to import a file, or paste a listing."
EMPTY_VIEW = "No papers in this view. Keys 1-5 change the view; Esc clears the search."
WRITE_WAITING = "Another papers-tui is writing; your change waits for it."
INDEX_NOT_REBUILT = ("The search index could not be rebuilt now (another papers-tui may be writing it); "
                     "views and searches may miss papers until `papers-tui reindex`.")


def rebuild_text(rebuild: IndexRebuilding) -> str:
    """`the search index is being rebuilt: 4,000 of 10,000…`"""
    done = f": {rebuild.done:,} of {rebuild.total:,}" if rebuild.total else ""
    return f"the search index is being rebuilt{done}…"


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def clean_tags(text: str) -> list[str]:
    return [" ".join(part.split()) for part in text.split(",") if part.strip()]


# A paper's title in a sentence (a dialog's title, a notification) is cut after this many characters.
TITLE_IN_SENTENCE = 60


def describe_papers(papers: list[Paper]) -> str:
    """`“Attention Is All You Need”`, or `3 papers`."""
    if len(papers) == 1:
        return f"“{shortened(safe_text(papers[0].display_title), TITLE_IN_SENTENCE)}”"
    return f"{len(papers)} papers"


def shortened(text: str, limit: int) -> str:
    """`text`, or its first words within `limit` characters and an ellipsis: never cut mid-word."""
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0].rstrip(" ,.:;&-–—") if " " in text[:limit] else text[:limit]
    return cut + "…"


def import_summary(reports: Iterable[ImportReport]) -> str:
    lines = []
    for report in reports:
        flagged = f", {len(report.flagged)} flagged" if report.flagged else ""
        lines.append(
            f"{safe_text(report.source)}: {report.added} added, {report.merged} merged, "
            f"{report.unchanged} already known, {len(report.skipped)} skipped{flagged}"
        )
    return "\n".join(lines)
