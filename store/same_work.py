"""May a record join a paper already in the library? The rules of "one work".

`find_same` (merging.py) finds candidates by arXiv id, DOI, normalised title and
abstract; this module says whether each candidate may be the record's paper, and
if not, why. The evidence for each rule is in docs/decisions.md ("one work").

- Never one work: two different arXiv ids, two different ACL Anthology ids
  (each source gives every publication its own id: a workshop paper and its
  main-conference namesake are two entries).
- An id match (arXiv id, DOI) also needs the titles and the authors to agree:
  sources give wrong DOIs (the WMT18 proceedings give W18-6482 the DOI of W18-6481).
- A title or abstract match needs, besides: the authors to agree (and for an
  abstract match, one title, or one that adds a subtitle to the other), no two
  different DOIs, no BibTeX `volume`, `edition`, `number` or `type` that differ,
  no book against an article (entry types of different kinds), and, for a title
  match between two published versions, years at most one apart (an arXiv
  version is posted years before or after its venue, so its year says nothing).

A record kept apart from a paper it matched on an id or on its title is a
`Conflict`: the import reports it rather than merge.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
from dataclasses import dataclass
from enum import Enum

from . import dedup
from .model import PaperRecord
from .rows import PROVISIONAL_KEY_PREFIX, read_list


class Basis(Enum):
    """What the record and the paper were found to share."""

    ID = "id"
    TITLE = "title"
    ABSTRACT = "abstract"


@dataclass(frozen=True)
class Conflict:
    """A record kept apart from a paper it looked like (same id or title): where it
    starts, the paper (its id and citation key), and why they are two works."""

    line: int | None
    paper_id: int
    paper_key: str
    reason: str

    def describe(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}kept apart from {self.paper_key}: {self.reason}"


# BibTeX fields that tell works sharing a title apart (volumes of a set, editions, reports).
DISTINGUISHING_FIELDS = ("volume", "edition", "number", "type")
MAX_YEAR_GAP = 1  # a paper's year in two published sources (the proceedings' year, the issue's)
ARXIV_DOI_PREFIX = "10.48550/arxiv."  # arXiv's own DOI: another name of the arXiv id

# Entry types by the kind of work they describe; a type not here (misc, online,
# unpublished...) says nothing and agrees with every other.
_KIND_OF_TYPE = {
    **dict.fromkeys(("book", "mvbook", "collection", "mvcollection", "proceedings", "mvproceedings"), "book"),
    **dict.fromkeys(
        ("article", "inproceedings", "conference", "incollection", "inbook", "bookinbook", "suppbook",
         "suppcollection", "suppperiodical", "inreference"),
        "part of a book or journal",
    ),
    **dict.fromkeys(("thesis", "phdthesis", "mastersthesis"), "thesis"),
    **dict.fromkeys(("report", "techreport"), "report"),
    **dict.fromkeys(("manual",), "manual"),
    **dict.fromkeys(("patent",), "patent"),
    **dict.fromkeys(("periodical",), "periodical"),
}
_ORDINALS = {"first": "1", "second": "2", "third": "3", "fourth": "4", "fifth": "5", "sixth": "6",
             "seventh": "7", "eighth": "8", "ninth": "9", "tenth": "10"}
_LEADING_NUMBER_RE = re.compile(r"\d+")
_ANTHOLOGY_URL_RE = re.compile(
    r"(?:aclanthology\.org|aclweb\.org/anthology)/(?:[A-Z]/[A-Z]\d\d/)?([A-Za-z0-9][\w.-]*?)(?:\.pdf)?/?$"
)


@dataclass(frozen=True)
class Facts:
    """What the rules compare, read from a record or from a row of `papers`."""

    title: str | None
    authors: list[str]
    date: str | None
    arxiv_id: str | None
    doi: str | None
    entry_type: str | None
    extra: dict[str, str]
    url: str | None

    @classmethod
    def of_record(cls, record: PaperRecord) -> Facts:
        return cls(record.title, record.authors, record.date, record.arxiv_id, record.doi, record.entry_type,
                   record.extra, record.url)

    @classmethod
    def of_row(cls, conn: sqlite3.Connection, row: sqlite3.Row) -> Facts:
        return cls(row["title"], read_list(conn, "authors", "name", row["id"]), row["date"], row["arxiv_id"],
                   row["doi"], row["entry_type"], json.loads(row["extra"] or "{}"), row["url"])

    @property
    def anthology_id(self) -> str | None:
        if self.extra.get("anthology"):
            return self.extra["anthology"].strip()
        match = _ANTHOLOGY_URL_RE.search(self.url or "")
        return match.group(1) if match else None

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date and self.date[:4].isdigit() else None

    @property
    def kind(self) -> str | None:
        return _KIND_OF_TYPE.get((self.entry_type or "").lower())


def why_not_same(paper: Facts, record: Facts, basis: Basis) -> str | None:
    """None when `record` may describe `paper` (found to share `basis`), else why not."""
    return _never_one_work(paper, record) or _disagree(paper, record, basis)


def _never_one_work(paper: Facts, record: Facts) -> str | None:
    if paper.arxiv_id and record.arxiv_id and paper.arxiv_id != record.arxiv_id:
        return f"different arXiv ids ({paper.arxiv_id}, {record.arxiv_id})"
    ours, theirs = paper.anthology_id, record.anthology_id
    if ours and theirs and ours.lower() != theirs.lower():
        return f"different ACL Anthology ids ({ours}, {theirs})"
    return None


def _disagree(paper: Facts, record: Facts, basis: Basis) -> str | None:
    if basis == Basis.ID and not dedup.titles_agree(paper.title, record.title):
        return "different titles"
    if basis == Basis.ABSTRACT and not _one_title_or_a_subtitle(paper.title, record.title):
        return "different titles"
    if not dedup.authors_agree(paper.authors, record.authors):
        return f"different authors ({_first_author(paper)}; {_first_author(record)})"
    if basis == Basis.ID:
        return None
    if _real_doi(paper.doi) and _real_doi(record.doi) and paper.doi != record.doi:
        return f"different DOIs ({paper.doi}, {record.doi})"
    if basis == Basis.TITLE and not (paper.arxiv_id or record.arxiv_id):
        if paper.year and record.year and abs(paper.year - record.year) > MAX_YEAR_GAP:
            return f"years {paper.year} and {record.year}"
    return _bibliographic_conflict(paper, record)


def _one_title_or_a_subtitle(a: str | None, b: str | None) -> bool:
    """Stricter than `dedup.titles_agree` (no changed word): template abstracts
    ("We study X features") and a title differing in one word are sibling papers."""
    a_norm, b_norm = dedup.normalise_title(a), dedup.normalise_title(b)
    if not a_norm or not b_norm:
        return True
    return a_norm == b_norm or a_norm.startswith(b_norm + " ") or b_norm.startswith(a_norm + " ")


def _first_author(facts: Facts) -> str:
    return facts.authors[0] if facts.authors else "?"


def _bibliographic_conflict(paper: Facts, record: Facts) -> str | None:
    if paper.kind and record.kind and paper.kind != record.kind:
        return f"a {paper.entry_type} and a {record.entry_type}"
    for name in DISTINGUISHING_FIELDS:
        ours, theirs = _field_value(paper.extra, name), _field_value(record.extra, name)
        if ours and theirs and ours != theirs:
            return f"{name} {paper.extra[name].strip()} and {record.extra[name].strip()}"
    return None


def _field_value(extra: dict[str, str], name: str) -> str | None:
    """`2nd`, `2`, `Second` and `{2}` are one edition; other values compare by their words."""
    value = extra.get(name)
    if not value:
        return None
    words = [_ORDINALS.get(word, word) for word in dedup.words(value)]
    if name in ("edition", "volume", "number"):
        numbers = [found.group() for word in words if (found := _LEADING_NUMBER_RE.match(word))]
        if numbers:
            return numbers[0]
    return " ".join(words) or None


def _real_doi(doi: str | None) -> bool:
    return doi is not None and not doi.lower().startswith(ARXIV_DOI_PREFIX)


def conflict(row: sqlite3.Row, record: PaperRecord, reason: str) -> Conflict:
    key = row["key"] or f"{PROVISIONAL_KEY_PREFIX}{row['id']}"
    return Conflict(record.line or None, row["id"], key, reason)


def set_aside_taken_ids(conn: sqlite3.Connection, record: PaperRecord, pid: int | None) -> PaperRecord:
    """The record, or a copy whose DOI or arXiv id is moved into `extra` (`doi`,
    `eprint`) when another paper holds it: the columns are unique, and the record
    was kept apart from that paper. Export writes `extra` back, so the DOI is not
    lost. (A copy: a write retried while the library is busy imports the same
    records again.) `pid` is the paper the record joins, None for a new one."""
    current = conn.execute("SELECT doi, arxiv_id FROM papers WHERE id = ?", (pid,)).fetchone() if pid else None
    moved: list[str] = []
    extra = dict(record.extra)
    for column, field in (("doi", "doi"), ("arxiv_id", "eprint")):
        value = getattr(record, column)
        if not value or (current is not None and current[column]):
            continue  # nothing to write: a merge fills only an empty column
        holder = conn.execute(f"SELECT id FROM papers WHERE {column} = ?", (value,)).fetchone()
        if holder is not None and holder["id"] != pid:
            moved.append(column)
            extra.setdefault(field, value)
    if not moved:
        return record
    if "arxiv_id" in moved:
        extra.setdefault("archiveprefix", "arXiv")
    copy = dataclasses.replace(record, extra=extra)
    for column in moved:
        setattr(copy, column, None)
    return copy
