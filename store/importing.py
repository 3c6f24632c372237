"""Importing: inputs are read and parsed first (a bad file stops everything before a
write), then every record is merged into the library in one transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from . import meta
from .keys import CitationKeys, KeyedFacts
from .merging import find_same, insert, merge
from .model import PROVISIONAL_KEY_PREFIX, ParseResult, Skip
from .progress import PROGRESS_EVERY, Progress
from .rows import now
from .same_work import Conflict, set_aside_taken_ids

BIG_IMPORT = 5000  # records; a big import gets a big SQLite page cache while it runs
IMPORT_CACHE_KIB = 256 * 1024


@dataclass
class Flagged:
    """An entry imported with a doubt: where it was, the paper it became, and why."""

    line: int
    paper_id: int
    key: str  # the paper's citation key (or its `untitled-N` handle)
    title: str | None
    reasons: list[str]


@dataclass
class ImportReport:
    """What one input did to the library. It is partial when some entries were
    skipped (`skipped`) or imported with a doubt (`flagged`)."""

    source: str
    format: str
    added: int = 0
    merged: int = 0
    unchanged: int = 0
    skipped: list[Skip] = field(default_factory=list)
    flagged: list[Flagged] = field(default_factory=list)
    paper_ids: list[int] = field(default_factory=list)
    # Records kept apart from a paper they shared an id or a title with (same_work.py).
    conflicts: list[Conflict] = field(default_factory=list)

    # Read and imported, but worth saying: a file read as Latin-1, a key another
    # paper already has (that entry is cited by its new key).
    notes: list[str] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return bool(self.skipped or self.flagged)

    def entries(self) -> list[tuple[int, str]]:
        """Every entry skipped or flagged, by line: (line, `skipped: reason` or
        `flagged KEY: reason`), one per reason; the CLI and the app show these."""
        entries = [(skip.line, f"skipped: {skip.reason}") for skip in self.skipped]
        for flag in self.flagged:
            entries += [(flag.line, f"flagged {flag.key}: {reason}") for reason in flag.reasons]
        return sorted(entries, key=lambda entry: entry[0])

    def to_json(self) -> dict:
        """The report as data (`import --json`)."""
        return {
            "source": self.source,
            "format": self.format,
            "added": self.added,
            "merged": self.merged,
            "unchanged": self.unchanged,
            "skipped": [{"line": skip.line, "reason": skip.reason} for skip in self.skipped],
            "flagged": [
                {"line": flag.line, "key": flag.key, "title": flag.title, "reasons": list(flag.reasons)}
                for flag in self.flagged
            ],
            "notes": list(self.notes),
            "conflicts": [conflict.describe() for conflict in self.conflicts],
        }


@dataclass
class ParsedInput:
    source: str
    format: str
    result: ParseResult
    notes: list[str] = field(default_factory=list)


@dataclass
class ParsedImport:
    """Inputs read and parsed, not yet written: a write that waits for a busy
    library is retried from here, without reading the files (or stdin) again."""

    inputs: list[ParsedInput]
    macros: dict[str, str]


def parse_input(text: str, source: str, fmt: str | None = None, bib_macros: dict | None = None) -> ParsedInput:
    from .importers import detect_format, normalise_newlines, parse_text

    text = normalise_newlines(text)  # a paste's CR newlines, as a file's are read
    fmt = fmt or detect_format(text)
    return ParsedInput(source, fmt or "unknown", parse_text(text, source, fmt, bib_macros))


def read_paths(paths: Sequence[str], fmt: str | None, bib_macros: dict[str, str]) -> list[ParsedInput]:
    """Read and parse files ('-' is stdin); `bib_macros` gains their `@string`s."""
    from .importers import read_input

    inputs = []
    for path in paths:
        notes: list[str] = []
        text, source = read_input(path, notes)
        inputs.append(parse_input(text, source, fmt, bib_macros))
        inputs[-1].notes = notes
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
    meta.add_bibtex_preambles(conn, [text for item in inputs for text in getattr(item.result, "preambles", ())])
    meta.bump_order_generation(conn)
    keys = CitationKeys(conn, hold_taken=True)
    seen_keys: set[str] = set()  # keys met earlier in this import, lowercase
    for item in inputs:
        report = ImportReport(item.source, item.format, skipped=list(item.result.skipped), notes=list(item.notes))
        for record in item.result.records:
            _import_record(conn, record, item, report, keys, seen_keys)
            done += 1
            if progress and (done % PROGRESS_EVERY == 0 or done == total):
                progress("store", done, total)
        reports.append(report)
    return reports


def _import_record(
    conn: sqlite3.Connection, record, item: ParsedInput, report: ImportReport, keys: CitationKeys, seen: set[str]
) -> None:
    from .bibtex import ids_of

    stamp = now()
    other_keys = ids_of(record.extra)  # biblatex's `ids`: aliases, not a field to write back
    if other_keys:  # a copy: a write retried while the library is busy imports the same records again
        record = replace(record, extra={name: value for name, value in record.extra.items() if name != "ids"})
    existing = find_same(conn, record, report.conflicts)
    record = set_aside_taken_ids(conn, record, existing)
    changed = True
    if existing is None:
        pid = insert(conn, record, stamp, keys)
        _, refused = keys.keep_keys(pid, [record.key or "", *other_keys])
        report.added += 1
    else:
        pid = existing
        before = KeyedFacts(conn, pid)
        changed = merge(conn, pid, record, stamp, keys)
        changed |= keys.rekey_stand_in(pid, before, record.key)
        gained, refused = keys.keep_keys(pid, [record.key or "", *other_keys])
        if changed or gained:
            report.merged += 1
        else:
            report.unchanged += 1
    report.notes += _key_notes(record, refused, seen, lambda: _key_of(conn, pid))
    if record.flags and changed:
        # A record that changed nothing (the paper already had all it says) brings
        # no doubt to it: a paper the user checked is not flagged again by the same listing.
        report.flagged.append(_flag(conn, pid, record, item.source, stamp))
    conn.execute(
        "INSERT INTO sources(paper_id, source, line, format, imported) VALUES (?,?,?,?,?)",
        (pid, item.source, record.line or None, item.format, stamp),
    )
    report.paper_ids.append(pid)


def _flag(conn: sqlite3.Connection, pid: int, record, source: str, stamp: str) -> Flagged:
    """Store the record's doubts on the paper it became (new or merged)."""
    conn.executemany(
        "INSERT INTO paper_flags(paper_id, reason, source, line, added) VALUES (?,?,?,?,?)"
        " ON CONFLICT(paper_id, reason) DO UPDATE SET source = excluded.source, line = excluded.line",
        [(pid, reason, source, record.line or None, stamp) for reason in record.flags],
    )
    row = conn.execute("SELECT key, title FROM papers WHERE id = ?", (pid,)).fetchone()
    return Flagged(record.line, pid, row["key"] or f"{PROVISIONAL_KEY_PREFIX}{pid}", row["title"], list(record.flags))


def _key_of(conn: sqlite3.Connection, pid: int) -> str:
    return conn.execute("SELECT key FROM papers WHERE id = ?", (pid,)).fetchone()[0] or f"{PROVISIONAL_KEY_PREFIX}{pid}"


def _key_notes(record, refused: list[str], seen: set[str], key_now) -> list[str]:
    """What to say of keys an entry came with that do not name it: a key repeated
    in this import (bibtex, too, warns and takes the first) or another paper's."""
    notes = []
    repeated = bool(record.key) and record.key.lower() in seen
    if repeated and record.key not in refused:
        notes.append(f"line {record.line}: key '{record.key}' repeats an earlier entry's, the same paper: merged")
    for key in refused:
        why = "repeats an earlier entry's, another paper" if repeated and key == record.key else "is another paper's"
        notes.append(f"line {record.line}: key '{key}' {why}; this entry is cited as '{key_now()}'")
    if record.key:
        seen.add(record.key.lower())
    return notes
