"""The query language, as far as the store needs to know it: one home.

A query is read once (`parse`) into a `Query` that says who answers it:

- the **store** answers views: no query, or only `is:` (`State`) and `tag:`
  filters joined by spaces or AND, in SQL (`Query.where`), without loading the
  query parser or Whoosh at all;
- the **index** answers everything else (words, fields such as `author:` or
  `year:`, OR, NOT, phrases), the whole text at once; its parser lives with the
  index (store/search/), which holds the same `is:` terms (`index_doc`
  writes `State.holds`) and tag names.

To add a state filter (`is:skimmed`): one member of `State` (its SQL condition
and when a paper is in it, side by side), plus a column if it needs one. The
store answers it in views, `index_doc` writes its term, `doctor` checks that
store and index agree on it.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from operator import attrgetter
from typing import TYPE_CHECKING

from .errors import LibraryError, QueryError
from .limits import TAG_SEPARATOR, check_query

if TYPE_CHECKING:
    from .model import Paper


class State(StrEnum):
    """An `is:` filter: its name (the term the index holds), the condition on the
    store's `papers p`, and whether a paper is in it (what the index is told)."""

    sql: str
    holds: Callable[[Paper], object]

    def __new__(cls, name: str, sql: str, holds: Callable[[Paper], object]) -> State:
        member = str.__new__(cls, name)
        member._value_ = name
        member.sql = sql
        member.holds = holds
        return member

    READ = "read", "p.read = 1", attrgetter("read")
    UNREAD = "unread", "p.read = 0", lambda paper: not paper.read
    STARRED = "starred", "p.starred = 1", attrgetter("starred")
    UNTITLED = "untitled", "(p.title IS NULL OR p.title = '')", lambda paper: not paper.title
    # An import was unsure of it (a guessed byline, a cut-off listing) and the user has not checked it yet.
    FLAGGED = "flagged", "EXISTS (SELECT 1 FROM paper_flags f WHERE f.paper_id = p.id)", lambda paper: bool(paper.flags)


def states_of(paper: Paper) -> list[str]:
    """The `is:` terms the index holds for `paper`."""
    return [state.value for state in State if state.holds(paper)]


class Sort(StrEnum):
    """The orders of a list."""

    DATE = "date"
    TITLE = "title"
    ADDED = "added"
    RELEVANCE = "relevance"  # the index ranks; views show it by date

    @property
    def order_by(self) -> str:
        """The SQL order of the whole library (`papers p`) for this sort."""
        return _ORDER_BY[self]


_ORDER_BY = {
    Sort.DATE: "p.date DESC, p.id DESC",  # in DESC order SQLite puts papers without a date last
    Sort.TITLE: "coalesce(p.title, '~') COLLATE NOCASE, p.id",
    Sort.ADDED: "p.added DESC, p.id DESC",
    Sort.RELEVANCE: "p.date DESC, p.id DESC",  # only for views; searches by relevance keep the index's ranking
}


def sort_named(name: str) -> Sort:
    try:
        return Sort(name)
    except ValueError:
        names = [sort.value for sort in Sort]
        raise LibraryError(f"unknown sort {name!r}; choose {', '.join(names[:-1])} or {names[-1]}") from None


@dataclass(frozen=True)
class Query:
    """A query read once: the filters the store answers, or the text the index does."""

    text: str  # as typed ("" for none)
    states: tuple[str, ...] = ()  # `is:` values, lower-cased (an unknown one matches nothing)
    tags: tuple[str, ...] = ()  # `tag:` names, case folded (the index matches whole names)
    for_index: bool = False  # the index answers the whole text

    @property
    def answered_by_store(self) -> bool:
        return not self.for_index

    def where(self, conn: sqlite3.Connection) -> tuple[list[str], list]:
        """SQL conditions on `papers p` for a query the store answers: the same meaning as in the index."""
        known = {state.value: state.sql for state in State}
        where = [known.get(value, "0") for value in self.states]  # an unknown state matches nothing, as in the index
        params: list = []
        if self.tags:
            names = [(tid, name.lower()) for tid, name in conn.execute("SELECT id, name FROM tags")]
            for value in self.tags:
                # Tags are matched as the index does: whole names, case folded.
                tag_ids = [tid for tid, name in names if name == value]
                where.append("p.id IN (SELECT paper_id FROM paper_tags WHERE tag_id IN (SELECT value FROM json_each(?)))")
                params.append(json.dumps(tag_ids))
        return where, params


# A query of nothing but `is:` and `tag:` filters, joined by spaces or AND: the
# store answers it without the query parser (or Whoosh) being loaded at all.
_FILTER_TOKEN = re.compile(r"""\s*(?:(AND)|(is|state):(\w+)|(tags?):(?:"([^"]*)"|'([^']*)'|([^\s()"'\[\]{}:^~*?,]+)))\s*""")


# A quoted `tag:` value, wherever it stands in a query (unquoted, `tag:a,b` is two tags to Whoosh).
_TAG_VALUE = re.compile(r"""(?<![\w.])tags?:(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def parse(text: str | None) -> Query:
    """Who answers `text`: the store (views) or the index (all the rest).

    Every query enters the library here (Library.ids, search, highlight_terms):
    one over the query length limit is refused before any parser sees it (Whoosh's
    parser is superlinear), and so is a `tag:` value holding a comma, which no tag
    can hold (Whoosh would say "Phrase search: 'tags' field has no positions")."""
    text = check_query(text or "")
    if not text.strip():
        return Query(text)
    _refuse_comma_tags(text)
    for_index = Query(text, for_index=True)
    states: list[str] = []
    tags: list[str] = []
    position, joined = 0, True
    while position < len(text):
        match = _FILTER_TOKEN.match(text, position)
        if not match or match.end() == position:
            return for_index
        if match.group(1):
            if joined:
                return for_index  # a leading or doubled AND: let the parser say what it means
            joined = True
        else:
            if match.group(2):
                states.append(match.group(3).lower())
            else:
                value = next(g for g in match.groups()[4:] if g is not None)
                tags.append(value.strip().lower())
            joined = False
        position = match.end()
    if joined:
        return for_index  # a trailing AND
    return Query(text, tuple(states), tuple(tags))


def _refuse_comma_tags(text: str) -> None:
    for match in _TAG_VALUE.finditer(text):
        value = next((g for g in match.groups() if g is not None), "")
        if TAG_SEPARATOR in value:
            parts = [part.strip() for part in value.split(TAG_SEPARATOR) if part.strip()]
            instead = " ".join(tag_query(part) for part in parts) or "tag:NAME"
            raise QueryError(f"a tag cannot hold a comma (commas separate tags): for papers with all of them, search {instead}")


def tag_query(tag: str) -> str:
    """The query of a tag's view: the whole name, quoted."""
    quote = "'" if '"' in tag else '"'
    return f"tags:{quote}{tag}{quote}"


def state_query(state: State) -> str:
    return f"is:{state}"


def combined_query(*parts: str) -> str:
    """A view's query narrowed by a search; each part is bracketed so an OR stays inside it."""
    parts = tuple(part for part in parts if part.strip())
    if len(parts) == 1:
        return parts[0]
    return " AND ".join(f"({part})" for part in parts)
