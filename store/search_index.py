"""The Whoosh full-text index: the only module that imports whoosh.

It holds the searchable text of each paper and the facts the query language
filters on. It is derived data: `PaperIndex.rebuild` makes it anew from the
store. Keeping Whoosh behind this module lets it move to another build.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from whoosh import fields, index, qparser, query
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.support.charset import accent_map

WRITE_LOCK_TIMEOUT_S = 30.0
DEFAULT_FIELDS = ("title", "authors", "abstract", "tags", "note", "orgs", "comments")
FIELD_BOOSTS = {"title": 3.0, "authors": 2.0, "tags": 2.0, "abstract": 1.0}
FIELD_ALIASES = {
    "authors": ["author", "au"],
    "tags": ["tag"],
    "cat": ["category"],
    "orgs": ["org"],
    "arxiv": ["arxiv_id"],
    "state": ["is"],
}


class QueryError(ValueError):
    """A query the user typed that does not parse; the message says why."""


@dataclass
class IndexDoc:
    """What the index knows of one paper (built by the Library from a Paper)."""

    pid: int
    key: str
    title: str
    authors: str
    abstract: str
    tags: list[str]
    note: str
    orgs: str
    comments: str
    categories: list[str]
    year: int | None
    arxiv: str | None
    doi: str | None
    states: list[str]  # read/unread, starred, untitled
    has: list[str]  # code, note, tags, abstract


def _text_analyzer():
    # Accents folded so that `laurencon` finds `Laurençon`.
    return StemmingAnalyzer() | CharsetFilter(accent_map)


def _name_analyzer():
    return RegexTokenizer(r"\w+(?:['’]\w+)*") | LowercaseFilter() | CharsetFilter(accent_map)


def make_schema() -> fields.Schema:
    return fields.Schema(
        pid=fields.ID(stored=True, unique=True),
        key=fields.ID(),
        title=fields.TEXT(analyzer=_text_analyzer(), field_boost=FIELD_BOOSTS["title"]),
        authors=fields.TEXT(analyzer=_name_analyzer(), field_boost=FIELD_BOOSTS["authors"]),
        abstract=fields.TEXT(analyzer=_text_analyzer(), vector=True),
        tags=fields.KEYWORD(lowercase=True, commas=True, scorable=True, field_boost=FIELD_BOOSTS["tags"]),
        note=fields.TEXT(analyzer=_text_analyzer()),
        orgs=fields.TEXT(analyzer=_name_analyzer()),
        comments=fields.TEXT(analyzer=_text_analyzer()),
        cat=fields.KEYWORD(lowercase=True),
        year=fields.NUMERIC(int, bits=32),
        arxiv=fields.ID(),
        doi=fields.ID(),
        state=fields.KEYWORD(lowercase=True),
        has=fields.KEYWORD(lowercase=True),
    )


class PaperIndex:
    """A Whoosh index in one directory, with a cached searcher."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._lock = threading.RLock()
        self._searcher = None
        self._ix = self._open_or_create()
        self._parser = self._make_parser()

    # --- life cycle ---------------------------------------------------------------------

    def _open_or_create(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        if index.exists_in(str(self.directory)):
            return index.open_dir(str(self.directory))
        return index.create_in(str(self.directory), make_schema())

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None

    def doc_count(self) -> int:
        return self._get_searcher().doc_count()

    # --- writing ------------------------------------------------------------------------

    def update(self, docs: Iterable[IndexDoc]) -> None:
        """Add or replace these papers' documents."""
        with self._lock:
            writer = self._ix.writer(timeout=WRITE_LOCK_TIMEOUT_S)
            try:
                for doc in docs:
                    writer.update_document(**_fields_of(doc))
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            self._refresh()

    def delete(self, pids: Iterable[int]) -> None:
        with self._lock:
            writer = self._ix.writer(timeout=WRITE_LOCK_TIMEOUT_S)
            for pid in pids:
                writer.delete_by_term("pid", str(pid))
            writer.commit()
            self._refresh()

    def rebuild(self, docs: Iterable[IndexDoc]) -> int:
        """Make the index anew from `docs`; returns how many were indexed."""
        with self._lock:
            self.close()
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory.mkdir(parents=True, exist_ok=True)
            self._ix = index.create_in(str(self.directory), make_schema())
            writer = self._ix.writer(timeout=WRITE_LOCK_TIMEOUT_S, limitmb=256)
            count = 0
            for doc in docs:
                writer.add_document(**_fields_of(doc))
                count += 1
            writer.commit()
            self._refresh()
            return count

    # --- reading ------------------------------------------------------------------------

    def _get_searcher(self):
        with self._lock:
            if self._searcher is None:
                self._searcher = self._ix.searcher()
            elif not self._searcher.up_to_date():
                # Another process (or window) wrote to the index.
                self._searcher = self._searcher.refresh()
            return self._searcher

    def _refresh(self) -> None:
        if self._searcher is not None:
            self._searcher = self._searcher.refresh()

    def parse(self, text: str):
        check_balanced(text)
        parsed = self._parser.parse(text)
        error = _first_error(parsed)
        if error:
            raise QueryError(f"cannot understand the query: {error}")
        return parsed

    def search(self, text: str, limit: int | None = None) -> list[tuple[int, float]]:
        """(paper id, score) for the query, best first."""
        parsed = self.parse(text)
        with self._lock:
            searcher = self._get_searcher()
            results = searcher.search(parsed, limit=limit)
            return [(int(hit["pid"]), hit.score) for hit in results]

    def terms(self, text: str) -> list[str]:
        """The words of a query that text should be highlighted for."""
        try:
            parsed = self.parse(text)
        except QueryError:
            return []
        words = {value for field, value in parsed.iter_all_terms() if field in DEFAULT_FIELDS}
        return sorted(str(w) for w in words if isinstance(w, str))

    def more_like_this(self, pid: int, limit: int = 20) -> list[tuple[int, float]]:
        with self._lock:
            searcher = self._get_searcher()
            docnum = searcher.document_number(pid=str(pid))
            if docnum is None:
                return []
            results = searcher.more_like(docnum, "abstract", top=limit + 1)
            return [(int(hit["pid"]), hit.score) for hit in results if int(hit["pid"]) != pid][:limit]

    def _make_parser(self):
        parser = qparser.MultifieldParser(
            list(DEFAULT_FIELDS), self._ix.schema, fieldboosts=FIELD_BOOSTS, group=qparser.AndGroup
        )
        parser.add_plugin(qparser.FuzzyTermPlugin())
        parser.add_plugin(qparser.FieldAliasPlugin(FIELD_ALIASES))
        parser.add_plugin(qparser.GtLtPlugin())
        return parser


def _fields_of(doc: IndexDoc) -> dict:
    values = {
        "pid": str(doc.pid),
        "key": doc.key,
        "title": doc.title,
        "authors": doc.authors,
        "abstract": doc.abstract,
        "tags": ",".join(doc.tags),
        "note": doc.note,
        "orgs": doc.orgs,
        "comments": doc.comments,
        "cat": " ".join(doc.categories),
        "state": " ".join(doc.states),
        "has": " ".join(doc.has),
    }
    if doc.year is not None:
        values["year"] = doc.year
    if doc.arxiv:
        values["arxiv"] = doc.arxiv
    if doc.doi:
        values["doi"] = doc.doi
    return values


def check_balanced(text: str) -> None:
    """Whoosh silently guesses at unbalanced quotes and brackets; we say so."""
    if text.count('"') % 2:
        raise QueryError('unbalanced quote: a phrase needs a closing "')
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack: list[str] = []
    in_phrase = False
    for char in text:
        if char == '"':
            in_phrase = not in_phrase
        elif in_phrase:
            continue
        elif char in pairs:
            stack.append(pairs[char])
        elif char in pairs.values():
            if not stack or stack.pop() != char:
                raise QueryError(f"unbalanced {char!r}: it closes nothing")
    if stack:
        raise QueryError(f"unbalanced brackets: {''.join(reversed(stack))!r} missing")


def _first_error(parsed) -> str | None:
    error = getattr(parsed, "error", None)
    if error:
        return str(error)
    if not parsed.is_leaf():
        for child in parsed.children():
            error = _first_error(child)
            if error:
                return error
    return None
