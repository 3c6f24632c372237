"""The columns a BibTeX entry fills: date, arXiv id and category, DOI, URL, venue.

Each reader takes its fields from `Fields` (marking them used, so that they
do not land in `extra` as well) and gives the column's value or None.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..model import full_category, normalise_arxiv_id, normalise_doi

if TYPE_CHECKING:
    from .parse import Fields

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def read_date(fields: Fields) -> str | None:
    """`date` (biblatex) or year + month: 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'."""
    date = fields.get("date")
    match = re.match(r"\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", date or "")
    if match:
        fields.take("date", "year", "month")
        year, month, day = match.groups()
        return _format_date(year, int(month) if month else None, int(day) if day else None)
    year_match = re.search(r"\d{4}", fields.get("year") or "")
    if not year_match:
        return None
    fields.take("year")
    month = _month_number(fields.get("month"))
    if month:
        fields.take("month")
    return _format_date(year_match.group(), month, None)


def _format_date(year: str, month: int | None, day: int | None) -> str:
    if not month or not 1 <= month <= 12:
        return year
    if not day or not 1 <= day <= 31:
        return f"{year}-{month:02d}"
    return f"{year}-{month:02d}-{day:02d}"


def _month_number(value: str | None) -> int | None:
    """`jan`, `January`, `Sept.`, `1`, `01` -> 1..12."""
    value = (value or "").strip().lower().rstrip(".")
    if value.isdigit():
        return int(value) if 1 <= int(value) <= 12 else None
    return MONTHS.index(value[:3]) + 1 if value[:3] in MONTHS else None


# "arXiv preprint arXiv:2301.03988" (Google Scholar), "arXiv e-prints" (ADS),
# "CoRR" (DBLP), "ArXiv" (Semantic Scholar): the preprint server, not a venue.
_PSEUDO_JOURNAL = re.compile(r"\s*(?:arxiv\b|corr\b)", re.IGNORECASE)


def read_arxiv(fields: Fields) -> str | None:
    """The arXiv id from eprint or a pseudo-journal."""
    arxiv_id = None
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").strip().lower()
    eprint = fields.get("eprint")
    # Without a prefix, only a new-style id (2301.03988) is surely arXiv's.
    if eprint and (prefix == "arxiv" or (not prefix and re.fullmatch(r"\s*\d{4}\.\d{4,5}(v\d+)?\s*", eprint))):
        arxiv_id = normalise_arxiv_id(eprint)
        if arxiv_id:
            fields.take("eprint", "archiveprefix", "eprinttype")
    journal = fields.get("journal") or fields.get("journaltitle") or fields.get("howpublished")
    if journal and _PSEUDO_JOURNAL.match(journal):
        volume_id = _id_in_volume(fields.get("volume"))
        arxiv_id = arxiv_id or _id_in_journal(journal) or normalise_arxiv_id(journal) or volume_id
        if arxiv_id:
            fields.take("journal", "journaltitle", "howpublished")
            if volume_id:
                fields.take("volume")  # DBLP's `abs/2301.03988` repeats the id
    return arxiv_id


def read_category(fields: Fields) -> str | None:
    """primaryClass (arXiv's BibTeX) or eprintclass (biblatex); its first class only."""
    value = fields.take("primaryclass", "eprintclass")
    return full_category(value.split()[0]) if value else None


# Scholar's "arXiv preprint arXiv:math/0307200", Zotero's "arXiv:1111.1797 [cs]".
_ID_AFTER_ARXIV = re.compile(r"arXiv:\s*(\S+)", re.IGNORECASE)


def _id_in_journal(journal: str) -> str | None:
    match = _ID_AFTER_ARXIV.search(journal)
    return normalise_arxiv_id(match.group(1).rstrip(".,;")) if match else None


def _id_in_volume(volume: str | None) -> str | None:
    match = re.fullmatch(r"\s*abs/(\S+)\s*", volume or "")
    return normalise_arxiv_id(match.group(1)) if match else None


def arxiv_id_from_doi(doi: str | None) -> str | None:
    """arXiv's own DOIs: 10.48550/arxiv.2301.03988."""
    match = re.fullmatch(r"10\.48550/arxiv\.(.+)", doi or "")
    return normalise_arxiv_id(match.group(1)) if match else None


_DOI_PREFIX = re.compile(r"^\s*(?:doi:\s*|https?://(?:dx\.)?doi\.org/)+", re.IGNORECASE)


def read_doi(raw: str | None) -> str | None:
    """The bare DOI, however many prefixes it came with (`DOI:  https://doi.org/10.1/x`)."""
    return normalise_doi(_DOI_PREFIX.sub("", raw)) if raw else None


def read_url(raw: str | None) -> str | None:
    """The URL as written (never LaTeX-decoded: `~` and `%` are literal there)."""
    if not raw:
        return None
    match = re.fullmatch(r"\s*\\url\{(.*)\}\s*", raw)
    return (match.group(1) if match else raw).strip() or None


def arxiv_id_from_url(url: str | None) -> str | None:
    match = re.search(r"arxiv\.org/(?:abs|pdf|html)/([^?#\s]+?)(?:\.pdf)?/?(?:[?#]|$)", url or "", re.IGNORECASE)
    return normalise_arxiv_id(match.group(1)) if match else None


def read_venue(fields: Fields) -> str | None:
    for name in ("journal", "journaltitle", "booktitle"):
        value = fields.get(name)
        if value and not _PSEUDO_JOURNAL.match(value):
            return fields.take(name)
    return None

