"""Crossref parents: bibtex needs every entry named by a `crossref` after the
entries naming it, and in the same file.

Pure functions over anything with a `key` and an `extra` dict holding the raw
`crossref` field (a `Paper`), so that the library can order and complete an
export without this module touching the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, TypeVar


class _Keyed(Protocol):
    key: str
    extra: dict[str, str]


P = TypeVar("P", bound=_Keyed)


def crossref_of(paper: _Keyed) -> str | None:
    """The key this paper's `crossref` names, lowercase (bibtex matches keys
    without regard to case), or None."""
    value = (paper.extra.get("crossref") or "").strip().lower()
    return value or None


def crossref_order(papers: Sequence[P]) -> list[P]:
    """The papers with every crossref parent after all the entries naming it
    (a grandparent after its parents); otherwise in the order given (stable)."""
    by_key = {paper.key.lower(): paper for paper in reversed(papers)}  # the first of a repeated key
    level = {id(paper): 0 for paper in papers}
    for paper in papers:
        seen, target, depth = {paper.key.lower()}, crossref_of(paper), 1
        while target is not None and target in by_key and target not in seen:  # `seen`: a cycle ends
            parent = by_key[target]
            level[id(parent)] = max(level[id(parent)], depth)
            seen.add(target)
            target, depth = crossref_of(parent), depth + 1
    if not any(level.values()):
        return list(papers)
    return sorted(papers, key=lambda paper: level[id(paper)])


def add_crossref_parents(papers: Iterable[P], lookup: Callable[[str], P | None]) -> list[P]:
    """The papers and, after them, the crossref parents (and their parents)
    that they name but do not include, as `lookup(key)` finds them; a parent
    `lookup` does not find is left out (the export then drops that crossref).

    For a partial export: `library.papers(ids)` plus the parents it needs."""
    result = list(papers)
    present = {paper.key.lower() for paper in result}
    index = 0
    while index < len(result):  # parents appended here are looked at in turn
        target = crossref_of(result[index])
        index += 1
        if target is None or target in present:
            continue
        parent = lookup(target)
        if parent is not None:
            present.add(parent.key.lower())
            result.append(parent)
    return result
