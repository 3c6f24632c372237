"""The `meta` table: the library's own settings and counters, read and written only here.

| name               | what                                                                 |
| ------------------ | -------------------------------------------------------------------- |
| `generation`       | moves with every write; the index records which ones it reflects     |
| `order_generation` | moves with every import; cached sort orders are rebuilt when it does |
| `key_pattern`      | the pattern for new citation keys (`export --key-pattern`)           |
| `bibtex_macros`    | BibTeX `@string`s from earlier imports, as JSON                      |
| `bibtex_preambles` | BibTeX `@preamble`s from earlier imports, as a JSON list, each once   |
| `dedup_version`    | the `dedup.DEDUP_VERSION` the stored title/abstract forms were made by |

Every function takes the connection to use: inside a write, the transaction's.
"""

from __future__ import annotations

import json
import sqlite3

GENERATION = "generation"
ORDER_GENERATION = "order_generation"
KEY_PATTERN = "key_pattern"
BIBTEX_MACROS = "bibtex_macros"
BIBTEX_PREAMBLES = "bibtex_preambles"
DEDUP_FORMS = "dedup_version"


def read(conn: sqlite3.Connection, name: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
    return row[0] if row else None


def write(conn: sqlite3.Connection, name: str, value: str | None) -> None:
    """Set `name` to `value`; None removes it."""
    if value is None:
        conn.execute("DELETE FROM meta WHERE name = ?", (name,))
    else:
        conn.execute("INSERT OR REPLACE INTO meta(name, value) VALUES (?, ?)", (name, value))


def _count_up(conn: sqlite3.Connection, name: str) -> None:
    conn.execute(
        "INSERT INTO meta(name, value) VALUES (?, '1') "
        "ON CONFLICT(name) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
        (name,),
    )


# --- generations ----------------------------------------------------------------------------


def generation(conn: sqlite3.Connection) -> int:
    value = read(conn, GENERATION)
    return int(value) if value else 0


def bump_generation(conn: sqlite3.Connection) -> int:
    """Move the generation on (inside the write's transaction); returns the new one."""
    _count_up(conn, GENERATION)
    return int(read(conn, GENERATION) or 0)


def store_state(conn: sqlite3.Connection) -> tuple[int, int]:
    """(paper count, generation), read in one statement."""
    row = conn.execute(
        "SELECT (SELECT count(*) FROM papers), (SELECT value FROM meta WHERE name = 'generation')"
    ).fetchone()
    return row[0], int(row[1] or 0)


def order_generation(conn: sqlite3.Connection) -> str:
    return read(conn, ORDER_GENERATION) or "0"


def bump_order_generation(conn: sqlite3.Connection) -> None:
    """An import may add papers or change dates and titles: cached orders are stale."""
    _count_up(conn, ORDER_GENERATION)


# --- settings -------------------------------------------------------------------------------


def key_pattern(conn: sqlite3.Connection) -> str | None:
    return read(conn, KEY_PATTERN)


def set_key_pattern(conn: sqlite3.Connection, pattern: str | None) -> None:
    write(conn, KEY_PATTERN, pattern or None)


def bibtex_macros(conn: sqlite3.Connection) -> dict[str, str]:
    value = read(conn, BIBTEX_MACROS)
    return json.loads(value) if value else {}


def set_bibtex_macros(conn: sqlite3.Connection, macros: dict[str, str]) -> None:
    write(conn, BIBTEX_MACROS, json.dumps(macros, sort_keys=True))


def bibtex_preambles(conn: sqlite3.Connection) -> list[str]:
    """`@preamble`s from earlier imports (`\\newcommand{\\noopsort}...`), written
    first in every export: the entries that came with them may use them."""
    value = read(conn, BIBTEX_PREAMBLES)
    return json.loads(value) if value else []


def add_bibtex_preambles(conn: sqlite3.Connection, preambles: list[str]) -> None:
    """Keep these preambles too, in the order met; one already kept (the same text
    but for spaces) is not added again, so a re-import changes nothing."""
    kept = bibtex_preambles(conn)
    known = {" ".join(text.split()) for text in kept}
    new = []
    for text in preambles:
        if " ".join(text.split()) not in known:
            known.add(" ".join(text.split()))
            new.append(text)
    if new:
        write(conn, BIBTEX_PREAMBLES, json.dumps(kept + new))


# --- de-duplication forms -------------------------------------------------------------------


def dedup_version(conn: sqlite3.Connection) -> int:
    """The `dedup.DEDUP_VERSION` the stored forms were made by; 1 for a library made before it was kept."""
    value = read(conn, DEDUP_FORMS)
    return int(value) if value else 1


def set_dedup_version(conn: sqlite3.Connection, version: int) -> None:
    write(conn, DEDUP_FORMS, str(version))
