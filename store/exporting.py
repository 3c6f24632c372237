"""What an export writes, and in which order: papers without a title are left out
(and named), crossref parents the papers need are added, the whole export is put
in key order with every parent after its children, then rendered a batch at a time.

Every function reads through `conn`; keying the papers first is the Library's
write (`keys.key_unkeyed`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import meta, rows
from .index_sync import INDEX_BATCH
from .keys import CitationKeys
from .model import STAND_IN_PREFIX, Paper
from .progress import Progress


@dataclass
class ExportResult:
    text: str
    entries: int  # papers written, crossref parents added included (alias copies not counted)
    left_out: list[Paper] = field(default_factory=list)  # no title: not written

    @property
    def warning(self) -> str | None:
        return left_out_warning(self.left_out)


def left_out_warning(papers: Sequence[Paper]) -> str | None:
    """`left out 2 papers without a title: untitled-3 ([no title] The BigScience…); ...`"""
    if not papers:
        return None
    names = [f"{paper.key} ({paper.display_title})" for paper in papers[:NAMED_IN_WARNING]]
    more = f"; and {len(papers) - NAMED_IN_WARNING} more" if len(papers) > NAMED_IN_WARNING else ""
    plural = "s" if len(papers) != 1 else ""
    return f"left out {len(papers)} paper{plural} without a title: {'; '.join(names)}{more}"


NAMED_IN_WARNING = 5


# A paper without a title would be cited as a stand-in made from its abstract:
# left out. An entry of the user's own .bib without one (a journal volume that
# crossrefs name) is written as it came, unless its title is our old stand-in.
_UNTITLED = f"""(title IS NULL OR title = '') AND (
    entry_type IS NULL OR entry_type = '' OR coalesce(json_extract(extra, '$.title'), '') LIKE '{STAND_IN_PREFIX}%')"""


def untitled(conn: sqlite3.Connection, ids: Sequence[int]) -> list[int]:
    """The papers of `ids` an export leaves out, in the order given."""
    found = set(rows.id_column(conn, f"SELECT id FROM papers WHERE id IN (SELECT value FROM json_each(?)) AND {_UNTITLED}",
                               (json.dumps(list(ids)),)))
    return [pid for pid in ids if pid in found]


@dataclass
class _Entry:
    """Enough of a paper to order an export: `crossref.crossref_order` reads `key` and `extra`."""

    id: int
    key: str
    extra: dict[str, str]
    target: str | None  # the crossref as written


def export_order(conn: sqlite3.Connection, ids: Sequence[int]) -> list[int]:
    """`ids` and the crossref parents they name, in key order, every parent after
    the entries naming it (bibtex needs that order, and the parents in the file)."""
    from .bibtex import add_crossref_parents, crossref_order

    entries = _entries(conn, ids)
    if not any(entry.target for entry in entries):
        return [entry.id for entry in sorted(entries, key=lambda entry: entry.key)]
    by_id = {entry.id: entry for entry in entries}
    owner_of = CitationKeys(conn, hold_taken=True).owner  # every key and alias, any case: one query

    def lookup(key: str) -> _Entry | None:
        """A parent not yet in the export (one named by an alias may be)."""
        pid = owner_of(key)
        if pid is None or pid in by_id:
            return None
        found = _entries(conn, [pid])
        if found:
            by_id[pid] = found[0]
            return found[0]
        return None

    entries = add_crossref_parents(entries, lookup)
    keys_by_id = {entry.id: entry.key for entry in entries}
    for entry in entries:
        # A crossref may name a parent by an alias: order by the parent's key.
        owner = owner_of(entry.target) if entry.target else None
        entry.extra = {"crossref": keys_by_id[owner]} if owner in keys_by_id else {}
    return [entry.id for entry in crossref_order(sorted(entries, key=lambda entry: entry.key))]


def _entries(conn: sqlite3.Connection, ids: Sequence[int]) -> list[_Entry]:
    found = conn.execute(
        "SELECT json_group_array(json_array(id, key, json_extract(extra, '$.crossref'))) FROM papers"
        " WHERE id IN (SELECT value FROM json_each(?)) AND key IS NOT NULL",
        (json.dumps(list(ids)),),
    ).fetchone()[0]
    return [_Entry(pid, key, {"crossref": target} if target else {}, target) for pid, key, target in json.loads(found)]


def render(conn: sqlite3.Connection, ordered: list[int], style: str, aliases: bool, progress: Progress | None) -> str:
    """The .bib text of `ordered`, loaded and rendered a batch at a time."""
    from .bibtex import crossref_of, export_bibtex

    id_json = json.dumps(ordered)
    written = {row[0].lower() for row in conn.execute(
        "SELECT key FROM papers WHERE id IN (SELECT value FROM json_each(?))", (id_json,))}
    # A crossref naming a parent by an alias names it by its key instead: biblatex's
    # `ids` is no entry for bibtex, and the key is what is ordered after the children.
    alias_to_key = {alias.lower(): key for alias, key in conn.execute(
        "SELECT a.key, p.key FROM aliases a JOIN papers p ON p.id = a.paper_id"
        " WHERE a.paper_id IN (SELECT value FROM json_each(?))", (id_json,))}
    preambles = meta.bibtex_preambles(conn)
    parts = []
    for start in range(0, len(ordered), INDEX_BATCH):
        papers = rows.papers(conn, ordered[start : start + INDEX_BATCH])
        for paper in papers:
            if (target := crossref_of(paper)) in alias_to_key:
                paper.extra = {**paper.extra, "crossref": alias_to_key[target]}
        parts.append(export_bibtex(papers, style=style, exported_keys=written, aliases=aliases,
                                   preambles=preambles if start == 0 else ()))
        if progress:
            progress("export", min(start + INDEX_BATCH, len(ordered)), len(ordered))
    return "\n".join(part for part in parts if part)
