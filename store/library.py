"""`Library`: the one way the CLI and the app touch the data.

A thin facade: each method says what it does and hands the work to the module
that holds the idea (see docs/architecture.md, "where to change what"):
importing/merging (records in), keys (citation keys), rows (papers out of SQL),
query and ordering (who answers a query, in which order), user_state (read,
starred, tags, note), index_sync (the write-then-reindex contract), meta
(settings and counters), backup.

SQLite is the source of truth; every write updates the Whoosh index in the
same call, after the SQL transaction commits (the index can always be rebuilt
from the store with `reindex`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import platformdirs

from . import exporting, keys, meta, rows, user_state
from .backup import backup_before_upgrade, backup_database, default_backup_path
from .db import migrate, open_database, read_only_message
from .dedup_refresh import refresh_dedup_forms
from .errors import ImportFormatError, LibraryBusy, LibraryError, QueryError, ReadOnlyLibrary
from .exporting import ExportResult
from .importing import BIG_IMPORT, ImportReport, ParsedImport, big_cache, import_inputs, parse_input, read_paths
from .index_sync import IndexStatus, IndexSync
from .listing import clean_text
from .model import Paper
from .ordering import Orders
from .progress import Progress
from .query import Sort, parse, sort_named
from .styles import DEFAULT_STYLE

# Whoosh (store/search/) and the importers load when first needed: the app
# shows its first rows, which SQLite answers, without paying for them.

__all__ = [
    "Library", "ImportReport", "ExportResult", "ParsedImport", "Progress", "ImportFormatError", "QueryError", "LibraryError",
    "LibraryBusy", "IndexStatus", "default_library_dir",
]

ENV_VAR = "PAPERS_TUI_LIBRARY"
DATABASE_FILE = "library.sqlite3"


def default_library_dir() -> Path:
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("papers-tui", appauthor=False))


class Library:
    def __init__(self, directory: Path | str, read_only: bool | None = None):
        """`read_only` None: as this process may write it. Read-only: nothing made or migrated (docs/reliability.md)."""
        self.directory = Path(directory).expanduser()
        self.db = open_database(self.database_file(self.directory), read_only)
        # An older library is copied to backups/ before its schema is upgraded.
        migrate(self.db.conn, before_upgrade=self._backup_before_upgrade)
        self.read_only = self.db.read_only  # settled once connected
        refresh_dedup_forms(self.db)  # forms made by an older dedup.words() are made again
        self._sync = IndexSync(self.directory, self.db)
        self._orders = Orders(self.db)

    def _backup_before_upgrade(self, version: int) -> None:
        backup_before_upgrade(self.db.path, version)

    @staticmethod
    def database_file(directory: Path | str) -> Path:
        return Path(directory).expanduser() / DATABASE_FILE

    @staticmethod
    def exists(directory: Path | str) -> bool:
        return Library.database_file(directory).exists()

    @property
    def index(self):
        """The search index (a `PaperIndex`), opened on first use. Never raises on a
        damaged index: index_status() says so and repair_index() rebuilds it."""
        return self._sync.index

    def close(self) -> None:
        self._sync.close()
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- import -------------------------------------------------------------------------

    def import_paths(self, paths: Sequence[str], fmt: str | None = None, progress: Progress | None = None) -> list[ImportReport]:
        """Import files ('-' is stdin): all parse first, then one transaction."""
        return self.import_parsed(self.parse_paths(paths, fmt), progress=progress)

    def import_text(
        self, text: str, source: str = "<pasted>", fmt: str | None = None, progress: Progress | None = None
    ) -> ImportReport:
        macros = self.bib_macros()
        return self.import_parsed(ParsedImport([parse_input(text, source, fmt, macros)], macros), progress=progress)[0]

    def parse_paths(self, paths: Sequence[str], fmt: str | None = None) -> ParsedImport:
        """Read and parse files ('-' is stdin) without writing anything."""
        macros = self.bib_macros()
        return ParsedImport(read_paths(paths, fmt, macros), macros)

    def import_parsed(self, parsed: ParsedImport, progress: Progress | None = None) -> list[ImportReport]:
        """One transaction for every record of every input."""
        total = sum(len(item.result.records) for item in parsed.inputs)
        with big_cache(self.db.conn, total >= BIG_IMPORT), self._sync.write(progress=progress) as (conn, touched):
            reports = import_inputs(conn, parsed.inputs, parsed.macros, progress)
            for report in reports:
                touched.update(report.paper_ids)
        return reports

    def bib_macros(self) -> dict[str, str]:
        """BibTeX `@string`s from earlier imports, for files that use them."""
        return meta.bibtex_macros(self.db.conn)

    # --- citation keys ------------------------------------------------------------------

    def key_pattern(self) -> str | None:
        return meta.key_pattern(self.db.conn)

    def set_key_pattern(self, pattern: str | None) -> None:
        with self.db.transaction() as conn:
            meta.set_key_pattern(conn, pattern)

    def resolve(self, handles: Iterable[str]) -> list[int]:
        """Paper ids for citation keys, aliases (whatever their case) or `untitled-N`
        handles; unknown ones are an error."""
        return keys.resolve(self.db.conn, handles)

    # --- reading ------------------------------------------------------------------------

    def count(self) -> int:
        return rows.count(self.db.conn)

    def counts(self) -> dict[str, int]:
        return rows.counts(self.db.conn)

    def tag_counts(self) -> list[tuple[str, int]]:
        return rows.tag_counts(self.db.conn)

    def ids(self, query: str | None = None, sort: str = Sort.DATE, limit: int | None = None) -> list[int]:
        """Paper ids matching `query` (all when empty), in `sort` order ('relevance' keeps the ranking).

        The store answers views (no query; `is:` and `tag:` filters joined by AND), so
        they never wait for the index; the index answers words, unscored unless the
        order is by relevance. Orders come from a ranking cached until the next import."""
        order = sort_named(sort)
        parsed = parse(query)
        if parsed.answered_by_store:
            return self._orders.view_ids(*parsed.where(self.db.conn), order, limit)
        if order is Sort.RELEVANCE:
            return [pid for pid, _ in self.index.search(parsed.text, limit=limit)]
        ordered = self._orders.in_order(self.index.matching(parsed.text), order)
        return ordered[:limit] if limit else ordered

    def search(self, query: str, limit: int | None = 50) -> list[Paper]:
        if not parse(query).text.strip():  # parse: the query's limits, checked once for every caller
            raise QueryError("empty query")
        return self.papers([pid for pid, _ in self.index.search(query, limit=limit)])

    def highlight_terms(self, query: str) -> list[str]:
        return self.index.terms(parse(query).text)

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
        return rows.papers(self.db.conn, ids)

    def sources(self, pid: int) -> list[tuple[str, int | None, str]]:
        return rows.sources(self.db.conn, pid)

    # --- the user's state ---------------------------------------------------------------

    def mark(self, ids: Sequence[int], read: bool | None = None, starred: bool | None = None) -> None:
        stamp = rows.now()
        with self._sync.write(ids) as (conn, _):
            user_state.mark(conn, ids, stamp, read=read, starred=starred)

    def tag(self, ids: Sequence[int], add: Iterable[str] = (), remove: Iterable[str] = ()) -> None:
        added = [user_state.clean_tag(t) for t in add]
        removed = [user_state.clean_tag(t) for t in remove]
        stamp = rows.now()
        with self._sync.write(ids) as (conn, _):
            user_state.tag(conn, ids, stamp, added, removed)

    def set_note(self, pid: int, note: str) -> None:
        note = clean_text(note)  # as on import: no control characters (escape sequences start with one)
        with self._sync.write([pid]) as (conn, _):
            user_state.set_note(conn, pid, note)

    def clear_flags(self, ids: Sequence[int]) -> None:
        """The user checked these papers: they leave `is:flagged`."""
        with self._sync.write(ids) as (conn, _):
            user_state.clear_flags(conn, ids)

    def undo_change(self, change: user_state.UndoChange) -> None:
        """Undo one change: put back only the fields it changed, as they were before
        it (`user_state.UndoChange`); changes made since, here or by another
        process, to other fields or tags stay."""
        user_state.check_undo(change)
        stamp = rows.now()
        with self._sync.write(list(change)) as (conn, _):
            user_state.undo(conn, change, stamp)

    # --- export -------------------------------------------------------------------------

    def bibtex(
        self, ids: Sequence[int], style: str = DEFAULT_STYLE, progress: Progress | None = None, aliases: bool = True
    ) -> str:
        """BibTeX for these papers (see `export_bibtex`)."""
        return self.export_bibtex(ids, None, style, progress, aliases).text

    def unkeyed(self, ids: Sequence[int]) -> int:
        """How many of these papers have no citation key yet (an export gives them one)."""
        return len(keys.unkeyed(self.db.conn, json.dumps(list(ids))))

    def export(
        self, ids: Sequence[int], path: Path | str | None, style: str = DEFAULT_STYLE, progress: Progress | None = None,
        aliases: bool = True,
    ) -> str:
        """Write BibTeX for `ids` to `path` atomically (temporary file, then rename); returns the text."""
        return self.export_bibtex(ids, path, style, progress, aliases).text

    def export_bibtex(
        self, ids: Sequence[int], path: Path | str | None = None, style: str = DEFAULT_STYLE,
        progress: Progress | None = None, aliases: bool = True,
    ) -> ExportResult:
        """BibTeX for `ids`, written to `path` (atomically) unless it is None (store/exporting.py)."""
        return exporting.export(self.db, self._sync, ids, path, style, progress, aliases)

    def left_out_of_export(self, ids: Sequence[int]) -> list[Paper]:
        """The papers of `ids` an export leaves out (no title), to name in a warning."""
        return self.papers(exporting.untitled(self.db.conn, ids))

    # --- the index and keeping the library whole (docs/reliability.md) -------------------

    def reindex(self, progress: Progress | None = None) -> int:
        """Rebuild the search index from the store; returns how many papers it holds."""
        if self.read_only:
            raise ReadOnlyLibrary(read_only_message(self.db.path))
        return self._sync.rebuild(progress)

    def generation(self) -> int:
        return meta.generation(self.db.conn)

    def index_status(self) -> IndexStatus:
        """CURRENT, STALE (behind or ahead of the store: a write was not indexed, or
        the store was restored), MISSING (no record of what it holds: new or from an
        older papers-tui) or DAMAGED (Whoosh cannot read it)."""
        return self._sync.status()

    def index_failure(self) -> str | None:
        """Why the last change, saved, could not be indexed (a full disk...): the index is stale until repaired."""
        return self._sync.index_failure

    def index_is_current(self) -> bool:
        return self.index_status() == IndexStatus.CURRENT

    def repair_index(self, progress: Progress | None = None) -> bool:
        """Rebuild the index unless it is current (safe from a worker thread while
        other threads or processes write). False when it could not be rebuilt now
        (another process held the index for WRITE_LOCK_TIMEOUT_S, a disk error, a read-only library)."""
        return not self.read_only and self._sync.repair(progress)

    def backup(self, path: Path | str | None = None) -> Path:
        """A consistent copy of the database (SQLite's backup API), safe while
        other windows use the library; default: backups/library-<time>.sqlite3."""
        if path is None and self.read_only:
            raise ReadOnlyLibrary(f"{read_only_message(self.db.path)}; give the backup a FILE outside it")
        return backup_database(self.db.path, Path(path) if path else default_backup_path(self.directory))

    # Last in the class: below this, `list` in an annotation would name the method.
    def list(self, query: str | None = None, sort: str = Sort.DATE, limit: int | None = None) -> list[Paper]:
        return self.papers(self.ids(query, sort, limit))
