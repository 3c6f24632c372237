"""Person names: BibTeX's `Last, First and ...` to 'First Last' strings on
import, and back on export, by bibtex's own splitting rules."""

from __future__ import annotations

import re
from functools import lru_cache

from bibtexparser.middlewares.names import parse_single_name_into_parts, split_multiple_persons_names

from ..listing import GROUP_WORDS
from .latex import braced, decode, latex

_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}


def read_authors(raw: str | None) -> tuple[list[str], bool]:
    """`Last, First and von Last, Jr., First and others` -> 'First Last' strings."""
    authors, truncated = [], False
    for name in split_multiple_persons_names(raw or ""):
        if name.strip().lower() == "others":
            truncated = True
            continue
        decoded = _first_last(name)
        if decoded:
            authors.append(decoded)
    return authors, truncated


@lru_cache(maxsize=8192)  # the same people sign many entries of a file
def _first_last(name: str) -> str | None:
    """One BibTeX name to 'First von Last Jr': split the LaTeX form (braces
    group words), then decode."""
    parts = parse_single_name_into_parts(name, strict=False)
    return decode(" ".join(parts.first + parts.von + parts.last + parts.jr))


def latex_authors(authors: list[str], truncated: bool, ascii_only: bool) -> str:
    names = [_latex_name(name, ascii_only) for name in authors]
    if truncated:
        names.append("others")
    return " and ".join(names)


def _latex_name(name: str, ascii_only: bool) -> str:
    """'Oskar van der Wal' -> 'van der Wal, Oskar'; a name bibtex would split
    wrongly (one holding `and` or a comma) is braced whole."""
    if _WHOLE_NAME.search(name) or _is_group_author(name):
        return braced(latex(name, ascii_only))
    first, last, jr = split_name(name)
    pieces = [last] + ([jr] if jr else []) + ([first] if first else [])
    return ", ".join(latex(piece, ascii_only) for piece in pieces)


_WHOLE_NAME = re.compile(r"\band\b|,", re.IGNORECASE)


def _is_group_author(name: str) -> bool:
    """'BigScience Workshop' is one name, not Workshop, BigScience."""
    words = name.split()
    return len(words) >= 2 and words[-1].lower() in GROUP_WORDS


@lru_cache(maxsize=8192)  # a library names the same people again and again
def split_name(name: str) -> tuple[str, str, str]:
    """'First von Last Jr.' -> (first, 'von Last', jr), by bibtex's own rules."""
    words = name.split()
    jr = words.pop() if len(words) > 2 and words[-1].lower() in _SUFFIXES else ""
    if words and all(word[0].isupper() and "{" not in word and "\\" not in word for word in words):
        # No lowercase (von) word: bibtex takes the last word as the last name.
        return " ".join(words[:-1]), words[-1], jr
    parts = parse_single_name_into_parts(" ".join(words), strict=False)
    return " ".join(parts.first), " ".join(parts.von + parts.last), jr

