"""What the list can show: a named query (unread, starred, a tag...) or a fixed list of papers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from store import query
from store.query import Sort, State, state_query, tag_query

SORTS: tuple[Sort, ...] = tuple(Sort)  # the order `s` cycles through
# A view's name goes in the status line, beside the counts: a long title is cut.
NAME_TITLE_CHARS = 32


@dataclass(frozen=True)
class View:
    name: str  # shown in the status line
    slug: str  # names the export file
    query: str = ""
    paper_ids: tuple[int, ...] | None = None  # a fixed list (related papers) instead of a query


UNREAD = View("Unread", "unread", state_query(State.UNREAD))
STARRED = View("Starred", "starred", state_query(State.STARRED))
ALL = View("All papers", "all")
READ = View("Read", "read", state_query(State.READ))
FLAGGED = View("Flagged", "flagged", state_query(State.FLAGGED))  # an import's guesses, to check (c)
VIEWS = {view.slug: view for view in (UNREAD, STARRED, ALL, READ, FLAGGED)}


def tag_view(tag: str) -> View:
    return View(f"Tag: {tag}", f"tag-{_slug(tag)}", tag_query(tag))


def related_view(title: str, paper_ids: list[int]) -> View:
    short = title if len(title) <= NAME_TITLE_CHARS else title[: NAME_TITLE_CHARS - 1] + "…"
    return View(f"Related to: {short}", "related", paper_ids=tuple(paper_ids))


def combined_query(view: View, search: str) -> str:
    """The view's query narrowed by the search (store/query.py says how)."""
    return query.combined_query(view.query, search)


def export_filename(view: View) -> str:
    return f"papers-{view.slug}.bib"


def next_sort(sort: str) -> Sort:
    return SORTS[(SORTS.index(Sort(sort)) + 1) % len(SORTS)]


def _slug(text: str) -> str:
    return re.sub(r"[^\w-]+", "-", text).strip("-").lower() or "tag"
