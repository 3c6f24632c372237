"""`Library`: the one way the CLI and the app touch the data.

SQLite is the source of truth; every write updates the Whoosh index in the
same call, after the SQL transaction commits (the index can always be rebuilt
from the store with `reindex`).
"""

from __future__ import annotations

import json
import os
import re
from array import array
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import platformdirs

from . import dedup
from .db import Database, drop_unused_tags, migrate
from .listing import clean_text
from .files import write_atomically
from .errors import ImportFormatError, LibraryBusy, LibraryError, QueryError
from .model import Paper, PaperRecord, ParseResult, Skip, year_of
from .safety import backup_before_upgrade

# Whoosh (store/search_index) and the importers load when first needed: the app
# shows its first rows, which SQLite answers, without paying for them.

__all__ = ["Library", "ImportReport", "ImportFormatError", "QueryError", "LibraryError", "LibraryBusy", "default_library_dir"]

SORTS = {
    "date": "p.date DESC, p.id DESC",  # in DESC order SQLite puts papers without a date last
    "title": "coalesce(p.title, '~') COLLATE NOCASE, p.id",
    "added": "p.added DESC, p.id DESC",
}
# `is:` values as the index holds them (see index_doc), as conditions on the store.
STATE_SQL = {"read": "p.read = 1", "unread": "p.read = 0", "starred": "p.starred = 1", "untitled": "(p.title IS NULL OR p.title = '')"}
PROVISIONAL_KEY_PREFIX = "untitled-"
INDEX_BATCH = 500  # papers loaded from SQLite at a time while indexing
BIG_IMPORT = 5000  # records; a big import gets a big SQLite page cache while it runs
IMPORT_CACHE_KIB = 256 * 1024
COMMON_SHINGLE_PAPERS = 50  # a sketch value held by more papers is a stock phrase
PROGRESS_EVERY = 500  # records, papers or documents between two progress calls
# progress(phase, done, total): phase is "store" (records imported), "index"
# (documents indexed) or "export" (entries written); called from the working thread.
Progress = Callable[[str, int, int], None]
ENV_VAR = "PAPERS_TUI_LIBRARY"


def default_library_dir() -> Path:
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("papers-tui", appauthor=False))


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


@dataclass
class ImportReport:
    """What one input did to the library."""

    source: str
    format: str
    added: int = 0
    merged: int = 0
    unchanged: int = 0
    skipped: list[Skip] = field(default_factory=list)
    paper_ids: list[int] = field(default_factory=list)


@dataclass
class ParsedInput:
    source: str
    format: str
    result: ParseResult


class Library:
    def __init__(self, directory: Path | str):
        self.directory = Path(directory).expanduser()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.db = Database(self.directory / "library.sqlite3")
        # An older library is copied to backups/ before its schema is upgraded.
        migrate(self.db.conn, before_upgrade=lambda version: backup_before_upgrade(self.db.path, version))
        self._written = threading.local()  # the generation this thread's last write made
        self._index = None
        self._index_lock = threading.Lock()
        self._rankings: dict[str, tuple[str, array]] = {}  # sort -> (order_generation, rank by paper id)

    @staticmethod
    def exists(directory: Path | str) -> bool:
        return (Path(directory).expanduser() / "library.sqlite3").exists()

    @property
    def index(self):
        """The search index (a `PaperIndex`), opened on first use. Never raises on a
        damaged index: index_status() says so and repair_index() rebuilds it."""
        if self._index is None:
            with self._index_lock:
                if self._index is None:
                    from .search import PaperIndex

                    index = PaperIndex(self.directory / "index")
                    index.texts = lambda pids: {r["id"]: (r["title"] or "", r["abstract"] or "") for r in _json_rows(self.db.conn, "SELECT * FROM papers WHERE id IN (SELECT value FROM json_each(?))", json.dumps(pids))}  # noqa: E501 - for ranking
                    index.adopt_if_empty(self._store_state)
                    self._index = index
        return self._index

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- import -------------------------------------------------------------------------

    def import_paths(self, paths: Sequence[str], fmt: str | None = None, progress: Progress | None = None) -> list[ImportReport]:
        """Import files ('-' is stdin): all parse first, then one transaction."""
        from .importers import read_input

        macros = self.bib_macros()
        inputs = []
        for path in paths:
            text, source = read_input(path)
            inputs.append(parse_input(text, source, fmt, macros))
        return self.import_parsed(inputs, macros, progress)

    def import_text(
        self, text: str, source: str = "<pasted>", fmt: str | None = None, progress: Progress | None = None
    ) -> ImportReport:
        macros = self.bib_macros()
        return self.import_parsed([parse_input(text, source, fmt, macros)], macros, progress)[0]

    def bib_macros(self) -> dict[str, str]:
        """BibTeX `@string`s from earlier imports, for files that use them."""
        row = self.db.conn.execute("SELECT value FROM meta WHERE name = 'bibtex_macros'").fetchone()
        return json.loads(row[0]) if row else {}

    @contextmanager
    def _write(self, ids: Iterable[int] = (), progress: Progress | None = None):
        """One SQL transaction; the papers it touched (`ids`, plus what the body adds
        to the yielded set) move the generation and are re-indexed after the commit."""
        touched = set(ids)
        self.index  # opened before the write: a new index adopts an empty store (adopt_if_empty)
        with self.db.transaction() as conn:
            yield conn, touched
            if touched:
                self._bump_generation(conn)
        if touched:
            self._reindex_ids(touched, progress)

    def import_parsed(
        self, inputs: Sequence[ParsedInput], macros: dict[str, str] | None = None, progress: Progress | None = None
    ) -> list[ImportReport]:
        reports: list[ImportReport] = []
        total = sum(len(item.result.records) for item in inputs)
        done = 0
        with self._big_cache(total >= BIG_IMPORT), self._write(progress=progress) as (conn, touched):
            if macros:
                conn.execute(
                    "INSERT OR REPLACE INTO meta(name, value) VALUES ('bibtex_macros', ?)", (json.dumps(macros, sort_keys=True),)
                )
            # An import may add papers or change dates and titles: cached orders are stale.
            conn.execute(
                "INSERT INTO meta(name, value) VALUES ('order_generation', '1') "
                "ON CONFLICT(name) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
            )
            with self._taken_keys_held(conn):
                for item in inputs:
                    report = ImportReport(item.source, item.format, skipped=list(item.result.skipped))
                    for record in item.result.records:
                        self._import_record(conn, record, item, report)
                        done += 1
                        if progress and (done % PROGRESS_EVERY == 0 or done == total):
                            progress("store", done, total)
                    touched.update(report.paper_ids)
                    reports.append(report)
        return reports

    @contextmanager
    def _taken_keys_held(self, conn):
        """For a write that may key many papers: many share author, year and first word
        (wang2023large...), and each new key tries suffixes a, b, c..., so the keys
        taken are held in a set instead of asked of SQLite one by one."""
        self._written.keys = {row[0] for row in conn.execute("SELECT key FROM papers WHERE key IS NOT NULL")}
        try:
            yield
        finally:
            self._written.keys = None  # a rolled-back write's keys must not count as taken

    @contextmanager
    def _big_cache(self, wanted: bool):
        """A big import inserts into indexes all over the file: with SQLite's default
        2 MB page cache it rereads pages it just wrote, more so the bigger the library."""
        conn = self.db.conn
        if not wanted:
            yield
            return
        before = conn.execute("PRAGMA cache_size").fetchone()[0]
        conn.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
        try:
            yield
        finally:
            conn.execute(f"PRAGMA cache_size = {int(before)}")

    def _import_record(self, conn, record: PaperRecord, item: ParsedInput, report: ImportReport) -> None:
        stamp = now()
        existing = self._find_same(conn, record)
        if existing is None:
            pid = self._insert(conn, record, stamp)
            report.added += 1
        else:
            pid = existing
            if self._merge(conn, pid, record, stamp):
                report.merged += 1
            else:
                report.unchanged += 1
        conn.execute(
            "INSERT INTO sources(paper_id, source, line, format, imported) VALUES (?,?,?,?,?)",
            (pid, item.source, record.line or None, item.format, stamp),
        )
        report.paper_ids.append(pid)

    def _find_same(self, conn, record: PaperRecord) -> int | None:
        """The paper this record describes, if the library has it."""
        for column, value in (("arxiv_id", record.arxiv_id), ("doi", record.doi)):
            if value:
                row = conn.execute(f"SELECT id FROM papers WHERE {column} = ?", (value,)).fetchone()
                if row:
                    return row["id"]
        title_norm = dedup.normalise_title(record.title)
        if title_norm:
            for row in conn.execute("SELECT * FROM papers WHERE title_norm = ?", (title_norm,)):
                if not _ids_conflict(row, record):
                    return row["id"]
        if record.abstract:
            return self._find_by_abstract(conn, record)
        return None

    def _find_by_abstract(self, conn, record: PaperRecord) -> int | None:
        title_norm = dedup.normalise_title(record.title)

        def compatible(row) -> bool:
            titles_differ = title_norm and row["title_norm"] and row["title_norm"] != title_norm
            return not titles_differ and not _ids_conflict(row, record)

        for row in conn.execute("SELECT * FROM papers WHERE abstract_hash = ?", (dedup.abstract_hash(record.abstract),)):
            if compatible(row):
                return row["id"]
        mine = dedup.shingles(record.abstract)
        shared: Counter[int] = Counter()
        for value in dedup.sketch(mine):
            holders = conn.execute(
                "SELECT paper_id FROM abstract_sketch WHERE hash = ? LIMIT ?", (value, COMMON_SHINGLE_PAPERS + 1)
            ).fetchall()
            # A stock phrase ("in this paper we") is in thousands of abstracts: it tells
            # nothing, and counting its holders made each import slower than the last.
            if len(holders) <= COMMON_SHINGLE_PAPERS:
                shared.update(holder[0] for holder in holders)
        for candidate, _ in shared.most_common(5):
            row = conn.execute("SELECT * FROM papers WHERE id = ?", (candidate,)).fetchone()
            if compatible(row) and dedup.similar_abstracts(mine, dedup.shingles(row["abstract"] or "")):
                return row["id"]
        return None

    def _insert(self, conn, record: PaperRecord, stamp: str) -> int:
        cursor = conn.execute(
            """INSERT INTO papers(title, title_norm, authors_truncated, date, category, has_code, arxiv_id, doi,
                   url, venue, abstract, abstract_hash, entry_type, extra, added, updated)
               VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
            (
                record.title,
                dedup.normalise_title(record.title),
                int(record.authors_truncated),
                record.date,
                record.category,
                int(record.has_code),
                record.arxiv_id,
                record.doi,
                record.url,
                record.venue,
                record.abstract,
                dedup.abstract_hash(record.abstract),
                record.entry_type,
                json.dumps(record.extra, sort_keys=True),
                stamp,
                stamp,
            ),
        )
        pid = cursor.lastrowid
        _write_list(conn, "authors", "name", pid, record.authors)
        _write_list(conn, "orgs", "name", pid, record.orgs)
        _write_list(conn, "comments", "text", pid, record.comments)
        self._write_sketch(conn, pid, record.abstract)
        self._apply_user_state(conn, pid, record, stamp)
        self._assign_key_if_ready(conn, pid, proposed=record.key)
        return pid

    def _apply_user_state(self, conn, pid: int, record: PaperRecord, stamp: str) -> None:
        conn.execute(
            "UPDATE papers SET read = ?, read_at = ?, starred = ?, starred_at = ?, note = ? WHERE id = ?",
            (int(record.read), stamp if record.read else None, int(record.starred),
             stamp if record.starred else None, record.note, pid),
        )
        for name in record.tags:
            self._add_tag(conn, pid, name, stamp)

    def _add_tag(self, conn, pid: int, name: str, stamp: str) -> None:
        conn.execute("INSERT OR IGNORE INTO tags(name) VALUES (?)", (name,))
        conn.execute(
            "INSERT OR IGNORE INTO paper_tags(paper_id, tag_id, added) SELECT ?, id, ? FROM tags WHERE name = ?",
            (pid, stamp, name),
        )

    def _merge(self, conn, pid: int, record: PaperRecord, stamp: str) -> bool:
        """Fill what the paper lacks from `record`; never touches the user's state."""
        row = conn.execute("SELECT * FROM papers WHERE id = ?", (pid,)).fetchone()
        updates: dict[str, object] = {}
        for column in ("title", "date", "category", "arxiv_id", "doi", "url", "venue", "abstract", "entry_type"):
            value = getattr(record, column)
            if value and not row[column]:
                updates[column] = value
        if _better_abstract(record.abstract, row["abstract"]):
            updates["abstract"] = record.abstract
        if record.date and row["date"] and len(record.date) > len(row["date"]) and record.date.startswith(row["date"]):
            updates["date"] = record.date  # more precise
        if record.has_code and not row["has_code"]:
            updates["has_code"] = 1
        if "title" in updates:
            updates["title_norm"] = dedup.normalise_title(record.title)
        if "abstract" in updates:
            updates["abstract_hash"] = dedup.abstract_hash(record.abstract)
            self._write_sketch(conn, pid, record.abstract)
        extra = json.loads(row["extra"])
        new_extra = {**record.extra, **extra}
        if new_extra != extra:
            updates["extra"] = json.dumps(new_extra, sort_keys=True)
        changed = self._merge_lists(conn, pid, row, record, updates)
        if updates:
            updates["updated"] = stamp
            assignments = ", ".join(f"{column} = ?" for column in updates)
            conn.execute(f"UPDATE papers SET {assignments} WHERE id = ?", (*updates.values(), pid))
        self._assign_key_if_ready(conn, pid, proposed=record.key)
        return bool(updates) or changed

    def _merge_lists(self, conn, pid: int, row, record: PaperRecord, updates: dict) -> bool:
        changed = False
        authors = _read_list(conn, "authors", "name", pid)
        more_complete = row["authors_truncated"] and not record.authors_truncated and len(record.authors) > len(authors)
        if record.authors and (not authors or more_complete):
            _write_list(conn, "authors", "name", pid, record.authors)
            updates["authors_truncated"] = int(record.authors_truncated)
            changed = True
        orgs = _read_list(conn, "orgs", "name", pid)
        if record.orgs and not orgs:
            _write_list(conn, "orgs", "name", pid, record.orgs)
            changed = True
        comments = _read_list(conn, "comments", "text", pid)
        new_comments = [c for c in record.comments if c not in comments]
        if new_comments:
            _write_list(conn, "comments", "text", pid, comments + new_comments)
            changed = True
        return changed

    def _write_sketch(self, conn, pid: int, abstract: str | None) -> None:
        conn.execute("DELETE FROM abstract_sketch WHERE paper_id = ?", (pid,))
        if abstract:
            conn.executemany(
                "INSERT INTO abstract_sketch(hash, paper_id) VALUES (?, ?)",
                [(h, pid) for h in dedup.sketch(dedup.shingles(abstract))],
            )

    # --- citation keys ------------------------------------------------------------------

    def _assign_key_if_ready(self, conn, pid: int, proposed: str | None = None, force: bool = False) -> bool:
        """Give a citation key once the paper has a title and an author; it never changes after.
        True when this call gave one."""
        row = conn.execute("SELECT key, title, date, arxiv_id FROM papers WHERE id = ?", (pid,)).fetchone()
        if row["key"]:
            return False
        keys = getattr(self._written, "keys", None)  # all keys, held during an import
        taken = keys.__contains__ if keys is not None else _key_taken(conn)
        usable_proposal = proposed and not taken(proposed) and not proposed.startswith(PROVISIONAL_KEY_PREFIX)
        authors = _read_list(conn, "authors", "name", pid)
        if not (force or usable_proposal or (row["title"] and authors)):
            return False
        if usable_proposal:
            key = proposed
        else:
            from .bibtex import make_citation_key

            year = year_of(row["date"], row["arxiv_id"])
            key = make_citation_key(authors, year, row["title"], taken, self.key_pattern(conn))
        conn.execute("UPDATE papers SET key = ? WHERE id = ?", (key, pid))
        if keys is not None:
            keys.add(key)
        return True

    def key_pattern(self, conn=None) -> str | None:
        conn = conn or self.db.conn
        row = conn.execute("SELECT value FROM meta WHERE name = 'key_pattern'").fetchone()
        return row["value"] if row else None

    def set_key_pattern(self, pattern: str | None) -> None:
        with self.db.transaction() as conn:
            if pattern:
                conn.execute("INSERT OR REPLACE INTO meta(name, value) VALUES ('key_pattern', ?)", (pattern,))
            else:
                conn.execute("DELETE FROM meta WHERE name = 'key_pattern'")

    # --- reading ------------------------------------------------------------------------

    def count(self) -> int:
        return self.db.conn.execute("SELECT count(*) FROM papers").fetchone()[0]

    def counts(self) -> dict[str, int]:
        # Counted from the views' indexes: a scan of the table would read every abstract.
        by_read = dict(self.db.conn.execute("SELECT read, count(*) FROM papers GROUP BY read").fetchall())
        starred = self.db.conn.execute("SELECT count(*) FROM papers WHERE starred = 1").fetchone()[0]
        unread, read = by_read.get(0, 0), by_read.get(1, 0)
        return {"all": unread + read, "unread": unread, "read": read, "starred": starred}

    def tag_counts(self) -> list[tuple[str, int]]:
        rows = self.db.conn.execute(
            "SELECT t.name, count(pt.paper_id) AS n FROM tags t JOIN paper_tags pt ON pt.tag_id = t.id"
            " GROUP BY t.id ORDER BY t.name COLLATE NOCASE"
        )
        return [(row["name"], row["n"]) for row in rows]

    def ids(self, query: str | None = None, sort: str = "date", limit: int | None = None) -> list[int]:
        """Paper ids matching `query` (all when empty), in `sort` order ('relevance' keeps the ranking).

        The store answers views (no query; `is:` and `tag:` filters joined by AND), so
        they never wait for the index; the index answers words, unscored unless the
        order is by relevance. Orders come from a ranking cached until the next import."""
        if sort not in SORTS and sort != "relevance":
            raise LibraryError(f"unknown sort {sort!r}; choose date, title, added or relevance")
        filters = _store_filters(query)
        if filters is not None:
            return self._view_ids(*self._filter_sql(filters), sort, limit)
        if sort == "relevance":
            return [pid for pid, _ in self.index.search(query, limit=limit)]
        ordered = self._in_order(self.index.matching(query), sort)
        return ordered[:limit] if limit else ordered

    def _view_ids(self, where: list[str], params: list, sort: str, limit: int | None) -> list[int]:
        sql = "SELECT p.id FROM papers p" + (" WHERE " + " AND ".join(where) if where else "")
        if sort in ("date", "relevance"):
            # The views' indexes (read, date) and (starred, date) give this order as they are read.
            sql += f" ORDER BY {SORTS['date']}" + (f" LIMIT {int(limit)}" if limit else "")
            return self._id_column(sql, params)
        ordered = self._in_order(self._id_column(sql, params), sort)
        return ordered[:limit] if limit else ordered

    def _id_column(self, sql: str, params=()) -> list[int]:
        """The ids `sql` selects, in its order, fetched as one string. Row by row, the
        sqlite3 module gives up the interpreter lock at every row, and while the app
        draws its screen each row then waits for it: 100,000 ids took 350 ms, not 40.
        (SQLite keeps a subquery's ORDER BY for an aggregate over it: no flattening.)"""
        row = self.db.conn.execute(f"SELECT group_concat(id) FROM ({sql})", params).fetchone()
        return list(map(int, row[0].split(","))) if row[0] else []

    def _in_order(self, ids: list[int], sort: str) -> list[int]:
        """`ids` in `sort` order, by a ranking of the whole library: sorting tens of
        thousands of hits this way takes milliseconds, where SQL would read every row."""
        rank = self._ranking(sort if sort in SORTS else "date")
        missing = len(rank)  # a paper newer than the ranking goes last (the ranking is rebuilt on import)
        if not ids or max(ids) < missing:
            return sorted(ids, key=rank.__getitem__)
        return sorted(ids, key=lambda pid: rank[pid] if pid < missing else missing)

    def _ranking(self, sort: str) -> array:
        version = self.db.conn.execute("SELECT value FROM meta WHERE name = 'order_generation'").fetchone()
        version = version[0] if version else "0"
        cached = self._rankings.get(sort)
        if cached and cached[0] == version:
            return cached[1]
        ordered = self._id_column(f"SELECT p.id FROM papers p ORDER BY {SORTS[sort]}")
        rank = array("l", [len(ordered)]) * ((max(ordered) + 1) if ordered else 0)
        for position, pid in enumerate(ordered):
            rank[pid] = position
        self._rankings[sort] = (version, rank)
        return rank

    def _filter_sql(self, filters: list[tuple[str, str]]) -> tuple[list[str], list]:
        """SQL conditions for `is:` and `tag:` filters: the same meaning as in the index."""
        where: list[str] = []
        params: list = []
        for field_name, value in filters:
            if field_name == "state":
                where.append(STATE_SQL.get(value, "0"))  # an unknown state matches nothing, as in the index
            elif field_name == "tags":
                # Tags are matched as the index does: whole names, case folded.
                tag_ids = [tid for tid, name in self.db.conn.execute("SELECT id, name FROM tags") if name.lower() == value]
                where.append("p.id IN (SELECT paper_id FROM paper_tags WHERE tag_id IN (SELECT value FROM json_each(?)))")
                params.append(json.dumps(tag_ids))
        return where, params

    def list(self, query: str | None = None, sort: str = "date", limit: int | None = None) -> list[Paper]:
        return self.papers(self.ids(query, sort, limit))

    def search(self, query: str, limit: int | None = 50) -> list[Paper]:
        if not query.strip():
            raise QueryError("empty query")
        return self.papers([pid for pid, _ in self.index.search(query, limit=limit)])

    def highlight_terms(self, query: str) -> list[str]:
        return self.index.terms(query)

    def related(self, pid: int, limit: int = 20) -> list[Paper]:
        paper = self.get(pid)
        text = " ".join(filter(None, [paper.title, paper.abstract]))
        return self.papers([p for p, _ in self.index.more_like_this(pid, text, limit)])

    def get(self, pid: int) -> Paper:
        papers = self.papers([pid])
        if not papers:
            raise LibraryError(f"no paper with id {pid}")
        return papers[0]

    def papers(self, ids: Sequence[int]) -> list[Paper]:
        """Full papers for these ids, in the order given."""
        if not ids:
            return []
        conn = self.db.conn
        id_json = json.dumps(list(ids))
        # Each query comes back as one JSON value, not row by row (see _id_column: in
        # the app every row would wait for the interface thread).
        rows = {r["id"]: r for r in _json_rows(conn, "SELECT * FROM papers WHERE id IN (SELECT value FROM json_each(?))", id_json)}
        lists = {name: _grouped(conn, sql, id_json) for name, sql in _LIST_QUERIES.items()}
        return [_paper_from_row(rows[pid], lists, pid) for pid in ids if pid in rows]

    def resolve(self, handles: Iterable[str]) -> list[int]:
        """Paper ids for citation keys (or `untitled-N` handles); unknown ones are an error."""
        ids, unknown = [], []
        for handle in handles:
            pid = self._resolve_one(handle)
            if pid is None:
                unknown.append(handle)
            else:
                ids.append(pid)
        if unknown:
            raise LibraryError(f"no paper with key {', '.join(unknown)}")
        return ids

    def _resolve_one(self, handle: str) -> int | None:
        row = self.db.conn.execute("SELECT id FROM papers WHERE key = ?", (handle,)).fetchone()
        if row:
            return row[0]
        if handle.startswith(PROVISIONAL_KEY_PREFIX) and handle[len(PROVISIONAL_KEY_PREFIX):].isdigit():
            pid = int(handle[len(PROVISIONAL_KEY_PREFIX):])
            row = self.db.conn.execute("SELECT id FROM papers WHERE id = ? AND key IS NULL", (pid,)).fetchone()
            return row[0] if row else None
        return None

    def sources(self, pid: int) -> list[tuple[str, int | None, str]]:
        rows = self.db.conn.execute("SELECT source, line, format FROM sources WHERE paper_id = ? ORDER BY id", (pid,))
        return [(r["source"], r["line"], r["format"]) for r in rows]

    # --- the user's state ---------------------------------------------------------------

    def mark(self, ids: Sequence[int], read: bool | None = None, starred: bool | None = None) -> None:
        stamp = now()
        with self._write(ids) as (conn, _):
            for column, value in (("read", read), ("starred", starred)):
                if value is None:
                    continue
                conn.execute(
                    f"UPDATE papers SET {column} = ?, {column}_at = ?, updated = ? "
                    "WHERE id IN (SELECT value FROM json_each(?))",
                    (int(value), stamp if value else None, stamp, json.dumps(list(ids))),
                )

    def tag(self, ids: Sequence[int], add: Iterable[str] = (), remove: Iterable[str] = ()) -> None:
        add = [_clean_tag(t) for t in add]
        remove = [_clean_tag(t) for t in remove]
        stamp = now()
        with self._write(ids) as (conn, _):
            for name in add:
                for pid in ids:
                    self._add_tag(conn, pid, name, stamp)
            for name in remove:
                conn.execute(
                    "DELETE FROM paper_tags WHERE tag_id = (SELECT id FROM tags WHERE name = ?)"
                    " AND paper_id IN (SELECT value FROM json_each(?))",
                    (name, json.dumps(list(ids))),
                )
            drop_unused_tags(conn)

    def set_note(self, pid: int, note: str) -> None:
        note = clean_text(note)  # as on import: no control characters (escape sequences start with one)
        with self._write([pid]) as (conn, _):
            conn.execute("UPDATE papers SET note = ?, updated = ? WHERE id = ?", (note, now(), pid))

    def restore_state(self, paper: Paper) -> None:
        """Put back read, starred, tags and note as they were in `paper` (for undo)."""
        with self._write([paper.id]) as (conn, _):
            conn.execute(
                "UPDATE papers SET read = ?, read_at = ?, starred = ?, starred_at = ?, note = ?, updated = ? WHERE id = ?",
                (int(paper.read), paper.read_at, int(paper.starred), paper.starred_at, paper.note, now(), paper.id),
            )
            conn.execute("DELETE FROM paper_tags WHERE paper_id = ?", (paper.id,))
            for name in paper.tags:
                self._add_tag(conn, paper.id, name, now())
            drop_unused_tags(conn)

    # --- export -------------------------------------------------------------------------

    def bibtex(self, ids: Sequence[int], style: str = "arxiv", progress: Progress | None = None) -> str:
        """BibTeX for these papers, in citation-key order (stable, diff-friendly)."""
        from .bibtex import export_bibtex

        id_json = json.dumps(list(ids))
        with self._write() as (conn, keyed):  # newly keyed papers are re-indexed, so `key:` finds them
            unkeyed = conn.execute(
                "SELECT id FROM papers WHERE key IS NULL AND id IN (SELECT value FROM json_each(?)) ORDER BY id", (id_json,)
            ).fetchall()
            if unkeyed:
                with self._taken_keys_held(conn):
                    keyed.update(row[0] for row in unkeyed if self._assign_key_if_ready(conn, row[0], force=True))
        # SQLite's BINARY order of UTF-8 is Python's order of code points.
        ordered = [row[0] for row in self.db.conn.execute(
            "SELECT id FROM papers WHERE id IN (SELECT value FROM json_each(?)) ORDER BY key", (id_json,)
        )]
        parts = []
        for start in range(0, len(ordered), INDEX_BATCH):
            parts.append(export_bibtex(self.papers(ordered[start : start + INDEX_BATCH]), style=style))
            if progress:
                progress("export", min(start + INDEX_BATCH, len(ordered)), len(ordered))
        return "\n".join(part for part in parts if part)

    def export(
        self, ids: Sequence[int], path: Path | str | None, style: str = "arxiv", progress: Progress | None = None
    ) -> str:
        """Write BibTeX for `ids` to `path` atomically (temporary file, then rename); returns the text."""
        text = self.bibtex(ids, style, progress)
        if path is not None:
            write_atomically(Path(path), text)
        return text

    # --- the index ----------------------------------------------------------------------

    def reindex(self, progress: Progress | None = None) -> int:
        def docs():
            # Read only once the index's write lock is held (see PaperIndex.rebuild).
            ids = [row[0] for row in self.db.conn.execute("SELECT id FROM papers ORDER BY id")]
            return self._index_docs(ids, progress)

        return self.index.rebuild(docs, generation=self.generation, expected=self.count())

    def _reindex_ids(self, ids: Iterable[int], progress: Progress | None = None) -> None:
        generation = getattr(self._written, "generation", None)
        # A generator: read under the index's write lock, so never older than another process's.
        ids = sorted(set(ids))
        self.index.update(self._index_docs(ids, progress), generation=generation, expected=len(ids))

    def _index_docs(self, ids: list[int], progress: Progress | None = None):
        """Index documents for `ids`, loaded from the store a batch at a time."""
        for start in range(0, len(ids), INDEX_BATCH):
            yield from (index_doc(paper) for paper in self.papers(ids[start : start + INDEX_BATCH]))
            if progress:
                progress("index", min(start + INDEX_BATCH, len(ids)), len(ids))

    def _bump_generation(self, conn) -> None:
        conn.execute(
            "INSERT INTO meta(name, value) VALUES ('generation', '1') "
            "ON CONFLICT(name) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )
        self._written.generation = int(conn.execute("SELECT value FROM meta WHERE name = 'generation'").fetchone()[0])

    def generation(self) -> int:
        row = self.db.conn.execute("SELECT value FROM meta WHERE name = 'generation'").fetchone()
        return int(row[0]) if row else 0

    # --- reliability: is the index current, repairing it, backups (docs/reliability.md) --

    def _store_state(self) -> tuple[int, int]:
        """(paper count, generation), read in one statement."""
        row = self.db.conn.execute(
            "SELECT (SELECT count(*) FROM papers), (SELECT value FROM meta WHERE name = 'generation')"
        ).fetchone()
        return row[0], int(row[1] or 0)

    def index_status(self) -> str:
        """'current'; 'stale' (behind or ahead of the store: a write was not indexed,
        or the store was restored); 'missing' (no record of what it holds: new or
        from an older papers-tui); 'damaged' (Whoosh cannot read it)."""
        if self.index.problem:
            return "damaged"
        indexed = self.index.indexed_generation()
        if indexed is None:
            return "missing"
        return "current" if indexed == self.generation() else "stale"

    def index_is_current(self) -> bool:
        return self.index_status() == "current"

    def repair_index(self, progress: Progress | None = None) -> bool:
        """Rebuild the index unless it is current (safe from a worker thread while
        other threads or processes write). False when it could not be rebuilt now
        (another process held the index for WRITE_LOCK_TIMEOUT_S, or a disk error)."""
        if self.index_is_current():
            return True
        try:
            self.reindex(progress)
        except (QueryError, OSError):
            return False
        return True

    def backup(self, path: Path | str | None = None) -> Path:
        """A consistent copy of the database (SQLite's backup API), safe while
        other windows use the library; default: backups/library-<time>.sqlite3."""
        from .safety import backup_database, default_backup_path

        return backup_database(self.db.path, Path(path) if path else default_backup_path(self.directory))


def parse_input(text: str, source: str, fmt: str | None = None, bib_macros: dict | None = None) -> ParsedInput:
    from .importers import detect_format, parse_text

    fmt = fmt or detect_format(text)
    return ParsedInput(source, fmt or "unknown", parse_text(text, source, fmt, bib_macros))


# A query of nothing but `is:` and `tag:` filters, joined by spaces or AND: the
# store answers it without the query parser (or Whoosh) being loaded at all.
_FILTER_TOKEN = re.compile(r"""\s*(?:(AND)|(is|state):(\w+)|(tags?):(?:"([^"]*)"|'([^']*)'|([^\s()"'\[\]{}:^~*?,]+)))\s*""")


def _store_filters(query: str | None) -> list[tuple[str, str]] | None:
    """The (field, value) filters of a query the store answers alone, or None."""
    if not query or not query.strip():
        return []
    filters, position, joined = [], 0, True
    while position < len(query):
        match = _FILTER_TOKEN.match(query, position)
        if not match or match.end() == position:
            return None
        if match.group(1):
            if joined:
                return None  # a leading or doubled AND: let the parser say what it means
            joined = True
        else:
            if match.group(2):
                filters.append(("state", match.group(3).lower()))
            else:
                value = next(g for g in match.groups()[4:] if g is not None)
                if "," in value:
                    return None  # the index splits tags at commas; let it answer
                filters.append(("tags", value.strip().lower()))
            joined = False
        position = match.end()
    return filters if filters and not joined else None


def index_doc(paper: Paper):
    from .search import IndexDoc

    categories = []
    if paper.category:
        categories = [paper.category, paper.category.split(".")[-1]]
    has = [name for name, present in (
        ("code", paper.has_code), ("note", paper.note), ("tags", paper.tags),
        ("abstract", paper.abstract), ("title", paper.title), ("arxiv", paper.arxiv_id), ("doi", paper.doi),
    ) if present]
    states = ["read" if paper.read else "unread"]
    if paper.starred:
        states.append("starred")
    if not paper.title:
        states.append("untitled")
    return IndexDoc(
        pid=paper.id,
        key=paper.key,
        title=paper.title or "",
        authors=" ; ".join(paper.authors),
        abstract=paper.abstract or "",
        tags=paper.tags,
        note=paper.note,
        orgs=" ; ".join(paper.orgs),
        comments=" ; ".join(paper.comments),
        categories=categories,
        year=paper.year,
        arxiv=paper.arxiv_id,
        doi=paper.doi,
        states=states,
        has=has,
    )


_LIST_QUERIES = {
    "authors": "SELECT paper_id, name AS value FROM authors WHERE paper_id IN (SELECT value FROM json_each(?)) ORDER BY paper_id, position",
    "orgs": "SELECT paper_id, name AS value FROM orgs WHERE paper_id IN (SELECT value FROM json_each(?)) ORDER BY paper_id, position",
    "comments": "SELECT paper_id, text AS value FROM comments WHERE paper_id IN (SELECT value FROM json_each(?)) ORDER BY paper_id, position",
    "tags": "SELECT pt.paper_id AS paper_id, t.name AS value FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id"
    " WHERE pt.paper_id IN (SELECT value FROM json_each(?)) ORDER BY pt.paper_id, t.name COLLATE NOCASE",
}


def _grouped(conn, sql: str, id_json: str) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = {}
    text = conn.execute(f"SELECT json_group_array(json_array(paper_id, value)) FROM ({sql})", (id_json,)).fetchone()[0]
    for pid, value in json.loads(text):
        grouped.setdefault(pid, []).append(value)
    return grouped


_PAPER_COLUMNS: list[str] = []


def _json_rows(conn, sql: str, id_json: str) -> list[dict]:
    """The rows of `SELECT * FROM papers ...` as dicts, fetched as one JSON array."""
    if not _PAPER_COLUMNS:
        _PAPER_COLUMNS.extend(row[1] for row in conn.execute("PRAGMA table_info(papers)"))
    pairs = ", ".join(f"'{name}', {name}" for name in _PAPER_COLUMNS)
    text = conn.execute(f"SELECT json_group_array(json_object({pairs})) FROM ({sql})", (id_json,)).fetchone()[0]
    return json.loads(text)


def _paper_from_row(row, lists: dict[str, dict[int, list[str]]], pid: int) -> Paper:
    return Paper(
        id=pid,
        key=row["key"] or f"{PROVISIONAL_KEY_PREFIX}{pid}",
        title=row["title"],
        authors=lists["authors"].get(pid, []),
        authors_truncated=bool(row["authors_truncated"]),
        orgs=lists["orgs"].get(pid, []),
        date=row["date"],
        category=row["category"],
        has_code=bool(row["has_code"]),
        arxiv_id=row["arxiv_id"],
        doi=row["doi"],
        url=row["url"],
        venue=row["venue"],
        comments=lists["comments"].get(pid, []),
        abstract=row["abstract"],
        tags=lists["tags"].get(pid, []),
        read=bool(row["read"]),
        starred=bool(row["starred"]),
        note=row["note"],
        added=row["added"],
        extra=json.loads(row["extra"]),
        entry_type=row["entry_type"],
        read_at=row["read_at"],
        starred_at=row["starred_at"],
    )


def _write_list(conn, table: str, column: str, pid: int, values: list[str]) -> None:
    conn.execute(f"DELETE FROM {table} WHERE paper_id = ?", (pid,))
    conn.executemany(
        f"INSERT INTO {table}(paper_id, position, {column}) VALUES (?, ?, ?)",
        [(pid, position, value) for position, value in enumerate(values)],
    )


def _read_list(conn, table: str, column: str, pid: int) -> list[str]:
    return [r[0] for r in conn.execute(f"SELECT {column} FROM {table} WHERE paper_id = ? ORDER BY position", (pid,))]


def _better_abstract(new: str | None, old: str | None) -> bool:
    """Of two versions of one abstract the longer is kept (listings cut some),
    ties broken by text, so the result does not depend on import order."""
    if not new or not old or new == old:
        return False
    return (len(new), new) > (len(old), old)


def _ids_conflict(row, record: PaperRecord) -> bool:
    return bool(
        (record.arxiv_id and row["arxiv_id"] and record.arxiv_id != row["arxiv_id"])
        or (record.doi and row["doi"] and record.doi != row["doi"])
    )


def _key_taken(conn) -> Callable[[str], bool]:
    def taken(key: str) -> bool:
        return conn.execute("SELECT 1 FROM papers WHERE key = ?", (key,)).fetchone() is not None

    return taken


def _clean_tag(name: str) -> str:
    cleaned = " ".join(clean_text(name).replace(",", " ").split()).strip()
    if not cleaned:
        raise LibraryError("a tag needs a name")
    return cleaned
