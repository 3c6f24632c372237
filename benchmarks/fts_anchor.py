"""The anchor: SQLite FTS5 BM25 over the same papers, title 3, authors 2, abstract 1.

Plain BM25 over words (unicode61, accents folded as papers-tui folds them), without stemming:
every query word is copied from the paper, so stemming would change little, and FTS5's Porter
stemmer breaks prefix queries (the index holds "learn" for "learning", so "learnin"* finds nothing).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

WEIGHTS = (3.0, 2.0, 1.0)  # title, authors, abstract: the columns' order in the table
# "plain" is the anchor; "porter" (the same with Porter stemming) is there to compare with.
TOKENIZERS = {"plain": "unicode61 remove_diacritics 2", "porter": "porter unicode61 remove_diacritics 2"}


def build(path: Path, rows, tokenizer: str = "plain") -> sqlite3.Connection:
    """A new FTS5 table in the scratch file `path`, from (id, title, authors, abstract) rows."""
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.execute(f"CREATE VIRTUAL TABLE papers USING fts5(title, authors, abstract, tokenize='{TOKENIZERS[tokenizer]}')")
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
