"""The full-text index (Whoosh): the only package that imports whoosh.

Modules, in the order data flows through them:
  query_text.py     query text checked and rewritten before parsing (no whoosh)
  analysis.py       analyzers and the term cache: text -> terms and positions
  schema.py         the fields (FastText), IndexDoc, field names, aliases, boosts
  parsing.py        query text -> Whoosh query, or QueryError
  marker.py         the generation marker file and its lock (no whoosh)
  checksums.py      size and CRC-32 of every committed file, recorded and checked (no whoosh)
  integrity.py      IndexFiles: the checksums of a commit; a failed search told as damage or the query's fault
  sets.py           queries worked out as sets of document numbers, PostingCache
  parallel.py       the multi-process writer; abandoning a failed writer
  index.py          PaperIndex: open/create, update, rebuild, search, matching
  whoosh_private.py every use of a Whoosh internal, each behind a named function

Importing this package loads no whoosh: names are loaded on first use, so that
views answered by SQLite alone never pay for Whoosh.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ..errors import IndexUnavailable, QueryError

if TYPE_CHECKING:
    from .index import PaperIndex
    from .marker import GENERATION_FILE
    from .query_text import check_balanced
    from .schema import INDEX_SCHEMA, IndexDoc

__all__ = ["PaperIndex", "IndexDoc", "IndexUnavailable", "QueryError", "GENERATION_FILE", "INDEX_SCHEMA", "check_balanced"]

_HOMES = {
    "PaperIndex": ".index",
    "IndexDoc": ".schema",
    "INDEX_SCHEMA": ".schema",
    "GENERATION_FILE": ".marker",
    "check_balanced": ".query_text",
}


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value
