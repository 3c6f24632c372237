"""The anchor: SQLite FTS5 BM25 over the same papers, title 3, authors 2, abstract 1.

Plain BM25 with Porter stemming and accents folded (as papers-tui's index stems and folds),
so that the anchor differs from papers-tui in ranking, not in what counts as the same word.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

WEIGHTS = (3.0, 2.0, 1.0)  # title, authors, abstract: the columns' order in the table
TOKENIZER = "porter unicode61 remove_diacritics 2"


def build(path: Path, rows) -> sqlite3.Connection:
    """A new FTS5 table in the scratch file `path`, from (id, title, authors, abstract) rows."""
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.execute(f"CREATE VIRTUAL TABLE papers USING fts5(title, authors, abstract, tokenize='{TOKENIZER}')")
    conn.executemany("INSERT INTO papers (rowid, title, authors, abstract) VALUES (?, ?, ?, ?)", rows)
    conn.commit()
    return conn


def quoted(word: str) -> str:
    """One term as an FTS5 string: nothing in it is read as syntax (AND, NEAR, column:, ^, *)."""
    return '"' + word.replace('"', '""') + '"'


def match_expression(words, prefix_last: bool = False) -> str:
    """All the words (FTS5's implicit AND), each quoted; the last a prefix query if asked."""
    terms = [quoted(word) for word in words]
    if prefix_last and terms:
        terms[-1] += "*"
    return " ".join(terms)


def search(conn: sqlite3.Connection, words, prefix_last: bool = False, limit: int = 20) -> list[int]:
    """Paper ids, best BM25 first (FTS5's bm25() is lower for better matches)."""
    weights = ", ".join(str(w) for w in WEIGHTS)
    sql = f"SELECT rowid FROM papers WHERE papers MATCH ? ORDER BY bm25(papers, {weights}) LIMIT ?"
    return [row[0] for row in conn.execute(sql, (match_expression(words, prefix_last), limit))]
