"""Plain data shared by the importers, the store, the exporters and the app.

`PaperRecord` is what an importer read about a paper: facts only, never the
user's judgement. `Paper` is a row of the library: the facts plus the user's
state (read, starred, tags, note) and the frozen citation key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import ImportFormatError, IndexUnavailable, QueryError  # noqa: F401  (re-exported)

# arXiv's short category names on listing pages map to their full form.
# "ML" alone is statistics' machine learning; every other two-letter code is cs.
_STAT_CODES = {"ML": "stat.ML", "AP": "stat.AP", "CO": "stat.CO", "ME": "stat.ME", "TH": "stat.TH"}
_EESS_CODES = {"AS": "eess.AS", "IV": "eess.IV", "SP": "eess.SP", "SY": "eess.SY"}


def full_category(code: str | None) -> str | None:
    """`CL` -> `cs.CL`, `ML` -> `stat.ML`; a full form is kept as it is."""
    if not code:
        return None
    code = code.strip()
    if "." in code or "-" in code:
        return code
    upper = code.upper()
    return _STAT_CODES.get(upper) or _EESS_CODES.get(upper) or f"cs.{upper}"


ARXIV_ID_RE = re.compile(r"(?:arXiv:)?(\d{4}\.\d{4,5})(?:v\d+)?", re.IGNORECASE)
OLD_ARXIV_ID_RE = re.compile(r"(?:arXiv:)?([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?", re.IGNORECASE)


def normalise_arxiv_id(value: str | None) -> str | None:
    """The bare id (`2301.03988`) of any arXiv reference, without version."""
    if not value:
        return None
    value = value.strip()
    match = ARXIV_ID_RE.fullmatch(value) or OLD_ARXIV_ID_RE.fullmatch(value)
    if match:
        return match.group(1)
    match = ARXIV_ID_RE.search(value)
    return match.group(1) if match else None


def normalise_doi(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    value = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", "", value, flags=re.IGNORECASE)
    return value.lower() or None


@dataclass
class PaperRecord:
    """What one input said about one paper (line is where it starts, 1-based)."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    authors_truncated: bool = False
    orgs: list[str] = field(default_factory=list)
    date: str | None = None  # YYYY-MM-DD, YYYY-MM or YYYY, as precise as the source
    category: str | None = None  # full form: cs.CL
    has_code: bool = False
    arxiv_id: str | None = None
    doi: str | None = None
    url: str | None = None
    venue: str | None = None
    comments: list[str] = field(default_factory=list)
    abstract: str | None = None
    # BibTeX fields the store has no column for, kept so export gives them back.
    extra: dict[str, str] = field(default_factory=dict)
    entry_type: str | None = None  # BibTeX entry type when the source was BibTeX
    key: str | None = None  # citation key proposed by the source (BibTeX)
    # The user's state when the source carries it (our own JSON lines): applied
    # to a new paper only, since a merge never touches what the user did.
    tags: list[str] = field(default_factory=list)
    read: bool = False
    starred: bool = False
    note: str = ""
    read_at: str | None = None  # when our own JSON lines say when it was read or starred
    starred_at: str | None = None
    line: int = 0
    # Why the importer is unsure of this record (short reasons, one per doubt):
    # a byline split that is a guess, a listing cut off before its id.
    flags: list[str] = field(default_factory=list)


@dataclass
class Paper:
    """A row of the library."""

    id: int
    key: str
    title: str | None
    authors: list[str]
    authors_truncated: bool
    orgs: list[str]
    date: str | None
    category: str | None
    has_code: bool
    arxiv_id: str | None
    doi: str | None
    url: str | None
    venue: str | None
    comments: list[str]
    abstract: str | None
    tags: list[str]
    read: bool
    starred: bool
    note: str
    added: str
    extra: dict[str, str] = field(default_factory=dict)
    entry_type: str | None = None
    read_at: str | None = None
    starred_at: str | None = None
    # Why an import was unsure of this paper (reasons from `PaperRecord.flags`),
    # until the user says it was checked (`Library.clear_flags`).
    flags: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)  # other citation keys it was imported under

    @property
    def needs_title(self) -> bool:
        return not self.title

    @property
    def display_title(self) -> str:
        """The title, or a short stand-in made from the abstract (or the one an
        earlier export wrote, when the paper came back from that BibTeX file)."""
        if self.title:
            return self.title
        if not self.abstract and self.extra.get("title", "").startswith(STAND_IN_PREFIX):
            return self.extra["title"]
        return stand_in_title(self.abstract)

    @property
    def year(self) -> int | None:
        return year_of(self.date, self.arxiv_id)

    @property
    def full_date(self) -> str | None:
        """YYYY-MM-DD, the first day of the month or year when that is all we know."""
        if not self.date:
            return None
        parts = self.date.split("-") + ["01", "01"]
        return "-".join(parts[:3])

    @property
    def page_url(self) -> str | None:
        if self.url:
            return self.url
        if self.arxiv_id:
            return f"https://arxiv.org/abs/{self.arxiv_id}"
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return None

    def _described(self, date: str | None) -> dict:
        """What both JSON shapes say of the paper itself (not its key or the reader's state)."""
        return {
            "title": self.title,
            "authors": list(self.authors),
            "authors_truncated": self.authors_truncated,
            "orgs": list(self.orgs),
            "date": date,
            "category": self.category,
            "has_code": self.has_code,
            "arxiv_id": self.arxiv_id,
            "doi": self.doi,
            "url": self.url,
            "venue": self.venue,
            "comments": list(self.comments),
            "abstract": self.abstract,
        }

    def to_json(self) -> dict:
        """The public JSON shape of `list --json` (exactly these keys)."""
        return {
            "key": self.key, **self._described(self.full_date),
            "tags": list(self.tags), "read": self.read, "starred": self.starred, "note": self.note, "added": self.added,
        }

    def to_jsonl(self) -> dict:
        """One line of `list --format jsonl`: every field `import` takes back, as
        stored (the date as precise as known, BibTeX's own fields, the flags)."""
        return {
            "key": None if self.key.startswith(PROVISIONAL_KEY_PREFIX) else self.key,
            **self._described(self.date),
            "entry_type": self.entry_type,
            "extra": dict(self.extra),
            "tags": list(self.tags),
            "read": self.read,
            "read_at": self.read_at,
            "starred": self.starred,
            "starred_at": self.starred_at,
            "note": self.note,
            "flags": list(self.flags),
        }


def year_of(date: str | None, arxiv_id: str | None) -> int | None:
    """The year of the date, else of a new-style arXiv id (2301.03988 -> 2023)."""
    if date:
        return int(date[:4])
    if arxiv_id and re.fullmatch(r"\d{4}\.\d{4,5}", arxiv_id):
        return 2000 + int(arxiv_id[:2])
    return None


STAND_IN_PREFIX = "[no title] "
PROVISIONAL_KEY_PREFIX = "untitled-"  # a paper without a key yet is shown (and resolved) as untitled-<id>


def stand_in_title(abstract: str | None, words: int = 8) -> str:
    """A short label for a paper known only by its abstract."""
    if not abstract:
        return STAND_IN_PREFIX + "(no abstract either)"
    tokens = abstract.split()
    text = " ".join(tokens[:words])
    return f"{STAND_IN_PREFIX}{text}…" if len(tokens) > words else f"{STAND_IN_PREFIX}{text}"


@dataclass
class Skip:
    """An input line that was passed over, and why."""

    line: int
    reason: str


@dataclass
class ParseResult:
    records: list[PaperRecord] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
