"""Importing: inputs are read and parsed first (a bad file stops everything before a
write), then every record is merged into the library in one transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from . import meta
from .keys import CitationKeys
from .merging import find_same, insert, merge
from .model import ParseResult, Skip
from .progress import PROGRESS_EVERY, Progress
from .rows import now
from .same_work import Conflict, set_aside_taken_ids

BIG_IMPORT = 5000  # records; a big import gets a big SQLite page cache while it runs
IMPORT_CACHE_KIB = 256 * 1024


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
    # Records kept apart from a paper they shared an id or a title with (same_work.py).
    conflicts: list[Conflict] = field(default_factory=list)


@dataclass
class ParsedInput:
    source: str
    format: str
    result: ParseResult


def parse_input(text: str, source: str, fmt: str | None = None, bib_macros: dict | None = None) -> ParsedInput:
    from .importers import detect_format, parse_text

    fmt = fmt or detect_format(text)
    return ParsedInput(source, fmt or "unknown", parse_text(text, source, fmt, bib_macros))


def read_paths(paths: Sequence[str], fmt: str | None, bib_macros: dict[str, str]) -> list[ParsedInput]:
    """Read and parse files ('-' is stdin); `bib_macros` gains their `@string`s."""
    from .importers import read_input

    inputs = []
    for path in paths:
        text, source = read_input(path)
        inputs.append(parse_input(text, source, fmt, bib_macros))
    return inputs


@contextmanager
def big_cache(conn: sqlite3.Connection, wanted: bool) -> Iterator[None]:
    """A big import inserts into indexes all over the file: with SQLite's default
    2 MB page cache it rereads pages it just wrote, more so the bigger the library."""
    if not wanted:
        yield
        return
    before = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {int(before)}")


def import_inputs(
    conn: sqlite3.Connection,
    inputs: Sequence[ParsedInput],
    macros: dict[str, str] | None,
    progress: Progress | None = None,
) -> list[ImportReport]:
    """Merge every record into the library, inside the caller's transaction."""
    reports: list[ImportReport] = []
    total = sum(len(item.result.records) for item in inputs)
    done = 0
    if macros:
        meta.set_bibtex_macros(conn, macros)
    meta.bump_order_generation(conn)
    keys = CitationKeys(conn, hold_taken=True)
    for item in inputs:
        report = ImportReport(item.source, item.format, skipped=list(item.result.skipped))
        for record in item.result.records:
            _import_record(conn, record, item, report, keys)
            done += 1
            if progress and (done % PROGRESS_EVERY == 0 or done == total):
                progress("store", done, total)
        reports.append(report)
    return reports


def _import_record(conn: sqlite3.Connection, record, item: ParsedInput, report: ImportReport, keys: CitationKeys) -> None:
    stamp = now()
    existing = find_same(conn, record, report.conflicts)
    record = set_aside_taken_ids(conn, record, existing)
    if existing is None:
        pid = insert(conn, record, stamp, keys)
        report.added += 1
    else:
        pid = existing
        if merge(conn, pid, record, stamp, keys):
            report.merged += 1
        else:
            report.unchanged += 1
    conn.execute(
        "INSERT INTO sources(paper_id, source, line, format, imported) VALUES (?,?,?,?,?)",
        (pid, item.source, record.line or None, item.format, stamp),
    )
    report.paper_ids.append(pid)
