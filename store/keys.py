"""Citation keys: given once a paper has a title and an author, frozen from then on;
every other key a paper was imported under is kept as an alias.

How a key is made from authors, year and title (the pattern, the suffixes a, b,
c...) is `bibtex.make_citation_key`; this module decides when a paper gets one,
which keys are taken, which become aliases, and finds papers by key.

Keys are unique without regard to case, over papers' keys and aliases together:
bibtex takes `Smith80` and `smith80` for the same entry ("repeated entry").
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable

from . import meta
from .errors import LibraryError
from .model import year_of
from .rows import PROVISIONAL_KEY_PREFIX, now, read_list


class CitationKeys:
    """Gives papers their keys and aliases within one write (`conn` holds its transaction)."""

    def __init__(self, conn: sqlite3.Connection, hold_taken: bool = False):
        self.conn = conn
        self.pattern = meta.key_pattern(conn)
        # For a write that may key many papers (hold_taken): many share author, year
        # and first word (wang2023large...), and each new key tries suffixes a, b,
        # c..., so the keys taken (lowercase -> paper id) are held in a dict instead
        # of asked of SQLite one by one. The dict lives as long as the write: a
        # rolled-back write's keys never count as taken.
        self.owners: dict[str, int] | None = None
        if hold_taken:
            held = conn.execute("SELECT key, id FROM papers WHERE key IS NOT NULL UNION ALL SELECT key, paper_id FROM aliases")
            self.owners = {key.lower(): pid for key, pid in held}

    def owner(self, key: str) -> int | None:
        """The paper that has `key` as its key or an alias, whatever the case."""
        if self.owners is not None:
            return self.owners.get(key.lower())
        return owner_of(self.conn, key)

    def taken(self, key: str) -> bool:
        return self.owner(key) is not None

    def _hold(self, key: str, pid: int) -> None:
        if self.owners is not None:
            self.owners[key.lower()] = pid

    def assign_if_ready(self, pid: int, proposed: str | None = None, force: bool = False) -> bool:
        """Give `pid` a citation key once it has a title and an author (`force`:
        whatever it has); it never changes after. True when this call gave one."""
        row = self.conn.execute("SELECT key, title, date, arxiv_id FROM papers WHERE id = ?", (pid,)).fetchone()
        if row["key"]:
            return False
        usable = proposed if self._free_for(proposed, pid) else None
        authors = read_list(self.conn, "authors", "name", pid)
        if not (force or usable or (row["title"] and authors)):
            return False
        key = usable or self._made(authors, row)
        self._set_key(pid, key)
        return True

    def _free_for(self, key: str | None, pid: int) -> bool:
        """Whether `key` can become `pid`'s key: nobody's, or already one of its aliases."""
        if not key or key.startswith(PROVISIONAL_KEY_PREFIX):
            return False
        return self.owner(key) in (None, pid)

    def _made(self, authors: list[str], row) -> str:
        from .bibtex import make_citation_key

        year = year_of(row["date"], row["arxiv_id"])
        return make_citation_key(authors, year, row["title"], self.taken, self.pattern)

    def _set_key(self, pid: int, key: str) -> None:
        """`key` becomes the key of `pid` (no longer an alias); a key it had becomes an alias."""
        old = self.conn.execute("SELECT key FROM papers WHERE id = ?", (pid,)).fetchone()[0]
        self.conn.execute("DELETE FROM aliases WHERE paper_id = ? AND key = ? COLLATE NOCASE", (pid, key))
        self.conn.execute("UPDATE papers SET key = ? WHERE id = ?", (key, pid))
        self._hold(key, pid)
        if old and old.lower() != key.lower():
            self._add_alias(pid, old)

    def _add_alias(self, pid: int, key: str) -> None:
        self.conn.execute("INSERT INTO aliases(key, paper_id, added) VALUES (?, ?, ?)", (key, pid, now()))
        self._hold(key, pid)

    def keep_keys(self, pid: int, keys: Iterable[str]) -> tuple[bool, list[str]]:
        """Every key a record of `pid` came under (its own, biblatex's `ids`) stays
        with it: the paper's key, or else an alias. Returns whether the paper gained
        one, and the keys that could not be kept because another paper has them
        (bibtex, too, takes the first)."""
        gained, refused = False, []
        for key in dict.fromkeys(k for k in keys if k and not k.startswith(PROVISIONAL_KEY_PREFIX)):
            owner = self.owner(key)
            if owner is None:
                if self.conn.execute("SELECT key FROM papers WHERE id = ?", (pid,)).fetchone()[0]:
                    self._add_alias(pid, key)
                else:
                    self._set_key(pid, key)
                gained = True
            elif owner != pid:
                refused.append(key)
        return gained, refused

    def rekey_stand_in(self, pid: int, before: KeyedFacts, proposed: str | None) -> bool:
        """A key made while the paper had no title or no author (an export gave it
        `anon2023`) is not its real key: once an import brings what it lacked, or
        a key of its own, the paper gets its real key and keeps the old one as an
        alias (a document may cite it). True when the key changed."""
        if not before.key or not before.stand_in(self.pattern):
            return False
        row = self.conn.execute("SELECT key, title, date, arxiv_id FROM papers WHERE id = ?", (pid,)).fetchone()
        authors = read_list(self.conn, "authors", "name", pid)
        brought = (row["title"] and not before.title) or (authors and not before.authors)
        new = proposed is not None and proposed.lower() != before.key.lower()
        usable = proposed if new and self._free_for(proposed, pid) else None
        if not (usable or brought):
            return False
        key = usable or self._made(authors, row)
        self._set_key(pid, key)
        return True


class KeyedFacts:
    """What a key is made from, as a paper was before a merge."""

    def __init__(self, conn: sqlite3.Connection, pid: int):
        row = conn.execute("SELECT key, title, date, arxiv_id FROM papers WHERE id = ?", (pid,)).fetchone()
        self.key: str | None = row["key"]
        self.title: str | None = row["title"]
        self.year = year_of(row["date"], row["arxiv_id"])
        self.authors = read_list(conn, "authors", "name", pid)

    def stand_in(self, pattern: str | None) -> bool:
        """The key was made (not read from a file) while the title or the authors were missing."""
        if self.title and self.authors or not self.key:
            return False
        from .bibtex import make_citation_key

        base = make_citation_key(self.authors, self.year, self.title, lambda _key: False, pattern)
        return re.fullmatch(re.escape(base) + "[a-z]*", self.key, re.IGNORECASE) is not None


def owner_of(conn: sqlite3.Connection, key: str) -> int | None:
    """The paper whose key or alias is `key`, whatever its case (exact match first:
    it is indexed; then without case, a scan)."""
    for sql in (
        "SELECT id FROM papers WHERE key = ?",
        "SELECT paper_id FROM aliases WHERE key = ?",
        "SELECT id FROM papers WHERE key = ? COLLATE NOCASE",
        "SELECT paper_id FROM aliases WHERE key = ? COLLATE NOCASE",
    ):
        row = conn.execute(sql, (key,)).fetchone()
        if row:
            return row[0]
    return None


def unkeyed(conn: sqlite3.Connection, id_json: str) -> list[int]:
    """The papers of `id_json` without a key yet, by id."""
    return [row[0] for row in conn.execute(
        "SELECT id FROM papers WHERE key IS NULL AND id IN (SELECT value FROM json_each(?)) ORDER BY id", (id_json,)
    )]


def key_unkeyed(conn: sqlite3.Connection, id_json: str) -> list[int]:
    """Key every paper of `id_json` that has no key yet (before an export); returns those keyed."""
    waiting = unkeyed(conn, id_json)
    if not waiting:
        return []
    keys = CitationKeys(conn, hold_taken=True)
    return [pid for pid in waiting if keys.assign_if_ready(pid, force=True)]


def resolve(conn: sqlite3.Connection, handles: Iterable[str]) -> list[int]:
    """Paper ids for citation keys, aliases (whatever their case) or `untitled-N`
    handles; unknown ones are an error."""
    ids, unknown = [], []
    for handle in handles:
        pid = _resolve_one(conn, handle)
        if pid is None:
            unknown.append(handle)
        else:
            ids.append(pid)
    if unknown:
        raise LibraryError(f"no paper with key {', '.join(unknown)}")
    return ids


def _resolve_one(conn: sqlite3.Connection, handle: str) -> int | None:
    pid = owner_of(conn, handle)
    if pid is not None:
        return pid
    if handle.startswith(PROVISIONAL_KEY_PREFIX) and handle[len(PROVISIONAL_KEY_PREFIX):].isdigit():
        pid = int(handle[len(PROVISIONAL_KEY_PREFIX):])
        row = conn.execute("SELECT id FROM papers WHERE id = ? AND key IS NULL", (pid,)).fetchone()
        return row[0] if row else None
    return None
