"""The query text parsed by Whoosh's parser into a Whoosh query, or a QueryError."""

from __future__ import annotations

from whoosh import qparser, query

from ..errors import QueryError
from .analysis import term_of
from .query_text import prepared
from .schema import DEFAULT_FIELDS, FIELD_ALIASES, FIELD_BOOSTS, make_schema

# The default fields whose analyzer keeps every word (no stop list, no minimum size).
_VERBATIM_FIELDS = frozenset(name for name in DEFAULT_FIELDS if name in ("authors", "tags", "orgs"))


def make_parser() -> qparser.QueryParser:
    parser = qparser.MultifieldParser(
        list(DEFAULT_FIELDS), make_schema(), fieldboosts=FIELD_BOOSTS, group=qparser.AndGroup
    )
    parser.add_plugin(qparser.FuzzyTermPlugin())
    parser.add_plugin(qparser.FieldAliasPlugin(FIELD_ALIASES))
    parser.add_plugin(qparser.GtLtPlugin())
    return parser


def parse(parser: qparser.QueryParser, text: str) -> query.Query:
    text = prepared(text)
    try:
        parsed = parser.parse(text)
    except Exception as error:  # Whoosh's parser has corners that raise rather than report
        raise QueryError(f"cannot understand the query: {type(error).__name__}") from error
    error = _first_error(parsed)
    if error:
        raise QueryError(f"cannot understand the query: {error}")
    return _without_stop_words(parsed)


def _without_stop_words(parsed):
    """`study a` or `results 7`: the text fields drop `a` and `7`, so the word is
    left looking in names and tags only, and would make the AND find nothing.
    A plain word that the text analyzer drops is dropped from an AND instead."""
    if type(parsed) is not query.And:
        return parsed
    kept = [sub for sub in parsed.subqueries if not _stopped_word(sub)]
    if len(kept) == len(parsed.subqueries) or not kept:
        return parsed
    return kept[0] if len(kept) == 1 else query.And(kept, boost=parsed.boost)


def _stopped_word(sub) -> bool:
    if type(sub) is not query.Or or len(sub.subqueries) != len(_VERBATIM_FIELDS):
        return False
    terms = sub.subqueries
    if not all(type(term) is query.Term and term.fieldname in _VERBATIM_FIELDS for term in terms):
        return False
    return {term.fieldname for term in terms} == _VERBATIM_FIELDS and term_of("text", str(terms[0].text)) is None


def _first_error(parsed) -> str | None:
    error = getattr(parsed, "error", None)
    if error:
        return str(error)
    if not parsed.is_leaf():
        for child in parsed.children():
            error = _first_error(child)
            if error:
                return error
    return None


def highlight_terms(parser: qparser.QueryParser, text: str) -> list[str]:
    """The words of a query that text should be highlighted for."""
    try:
        parsed = parse(parser, text)
        words = {value for field, value in parsed.iter_all_terms() if field in DEFAULT_FIELDS}
    except Exception:  # QueryError or a parser corner: nothing to highlight
        return []
    return sorted(str(w) for w in words if isinstance(w, str))
