"""BibTeX import and export, and citation keys.

Pure functions: text in, records or text out. No SQLite, no search index.

- `parse.py`: a .bib file to `PaperRecord`s (any file a user has: broken
  entries are skipped and reported, macro-only files are read).
- `columns.py`: the fields that become columns (date, arXiv id, DOI, venue).
- `names.py`: person names both ways; `latex.py`: LaTeX to text and back.
- `export.py`: papers to a .bib file in three styles; `crossref.py`: the order
  and completeness bibtex needs for crossrefs.
- `keys.py`: citation keys.
"""

from .crossref import add_crossref_parents, crossref_of, crossref_order
from .export import STYLES, export_bibtex
from .keys import DEFAULT_KEY_PATTERN, make_citation_key
from .parse import MAX_BRACE_DEPTH, BibParseResult, ids_of, parse_bibtex

__all__ = [
    "DEFAULT_KEY_PATTERN",
    "MAX_BRACE_DEPTH",
    "STYLES",
    "BibParseResult",
    "add_crossref_parents",
    "crossref_of",
    "crossref_order",
    "export_bibtex",
    "ids_of",
    "make_citation_key",
    "parse_bibtex",
]
