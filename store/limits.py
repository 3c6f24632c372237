"""Every limit on what papers-tui takes in, defined once (docs/reliability.md lists them).

A limit is where an input stops being a paper, a query or a tag and becomes junk
that would cost minutes or break a parser: a 100 KB query takes 42 s in Whoosh's
query parser; a BibTeX value nested 300 braces deep exhausts Python's stack.
Each limit is far above anything real (the figures from 100,000 real papers are
beside them), and each has a function that raises an error naming it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import LimitExceeded, QueryError


@dataclass(frozen=True)
class Limit:
    name: str  # what the error messages and the docs call it
    maximum: int
    unit: str

    def describe(self) -> str:
        return f"{self.name}: at most {self.maximum:,} {self.unit}"


# Whoosh's parser is superlinear: 40 KB took 6.6 s, 100 KB 42 s. At 2,000
# characters the worst query measured (400 ORs, 166 fuzzy terms) takes 0.1 s.
QUERY_LENGTH = Limit("query length", 2_000, "characters")
# Tags are names one types and picks from a list; commas separate tags (the app's
# prompt splits at them, the index stores a paper's tags joined by them).
TAG_LENGTH = Limit("tag length", 100, "characters")
TAG_SEPARATOR = ","
# The LaTeX decoder recurses once per brace level and runs out of stack at about
# 250; real BibTeX nests a handful. A deeper entry is skipped, the rest imported.
BIBTEX_NESTING = Limit("BibTeX nesting depth", 64, "levels of braces")

# Imported fields, in characters after control characters are removed. The
# longest of 100,000 real papers: title 512, author 512, 3,303 authors, abstract
# 12,694, venue 346, 8 categories, URL 61, DOI 42.
FIELD_LIMITS: dict[str, Limit] = {
    "title": Limit("title length", 2_000, "characters"),
    "authors": Limit("author name length", 1_000, "characters"),
    "orgs": Limit("organisation name length", 1_000, "characters"),
    "venue": Limit("venue length", 2_000, "characters"),
    "abstract": Limit("abstract length", 1_000_000, "characters"),
    "comments": Limit("comment length", 10_000, "characters"),
    "note": Limit("note length", 1_000_000, "characters"),
    "url": Limit("URL length", 2_000, "characters"),
    "doi": Limit("DOI length", 500, "characters"),
    "key": Limit("citation key length", 500, "characters"),
    "extra": Limit("other BibTeX field length", 100_000, "characters"),
}
COUNT_LIMITS: dict[str, Limit] = {
    "authors": Limit("authors per paper", 10_000, "names"),
    "orgs": Limit("organisations per paper", 1_000, "names"),
    "comments": Limit("comments per paper", 1_000, "comments"),
    "tags": Limit("tags per paper", 1_000, "tags"),
    "extra": Limit("other BibTeX fields per entry", 1_000, "fields"),
}

class QueryTooLong(QueryError):
    """A query over QUERY_LENGTH: a QueryError, shown where query errors are."""

    limit = QUERY_LENGTH.name


LIMITS: tuple[Limit, ...] = (
    QUERY_LENGTH, TAG_LENGTH, BIBTEX_NESTING, *FIELD_LIMITS.values(), *COUNT_LIMITS.values(),
)


def check_query(text: str) -> str:
    """The query, or a QueryError naming the limit (before any parser sees it)."""
    if len(text) > QUERY_LENGTH.maximum:
        raise QueryTooLong(
            f"the query is {len(text):,} characters long; the limit is {QUERY_LENGTH.maximum:,} ({QUERY_LENGTH.name})"
        )
    return text


def check_tag(name: str) -> str:
    """A tag name already cleaned (no control characters, spaces collapsed), or
    LimitExceeded: over TAG_LENGTH, or holding a comma."""
    if TAG_SEPARATOR in name:
        raise LimitExceeded(
            "tag characters",
            f"a tag cannot hold a comma: commas separate tags (add {_shorten(name)!r} as separate tags)",
        )
    if len(name) > TAG_LENGTH.maximum:
        raise LimitExceeded(
            TAG_LENGTH.name,
            f"the tag {_shorten(name)!r} is {len(name):,} characters long; the limit is {TAG_LENGTH.maximum:,} ({TAG_LENGTH.name})",
        )
    return name


def check_field(field: str, value: str | None) -> None:
    """LimitExceeded when one imported text (one author, one comment...) is over its limit."""
    limit = FIELD_LIMITS.get(field)
    if limit is not None and value is not None and len(value) > limit.maximum:
        raise LimitExceeded(
            limit.name, f"{field} is {len(value):,} characters long; the limit is {limit.maximum:,} ({limit.name})"
        )


def check_count(field: str, count: int) -> None:
    """LimitExceeded when a record carries too many authors, comments, tags..."""
    limit = COUNT_LIMITS.get(field)
    if limit is not None and count > limit.maximum:
        raise LimitExceeded(limit.name, f"{count:,} {field}; the limit is {limit.maximum:,} ({limit.name})")




def _shorten(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
