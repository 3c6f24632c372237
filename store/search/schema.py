"""What the index holds for each paper: its fields, their names in queries and their boosts."""

from __future__ import annotations

from dataclasses import dataclass, field

from whoosh import fields

from .analysis import ANALYZERS, analysed_terms

# Bump INDEX_SCHEMA when make_schema() changes, so that older indexes are rebuilt
# (the generation marker records the schema an index was made with).
INDEX_SCHEMA = 3
DEFAULT_FIELDS = ("title", "authors", "abstract", "tags", "note", "orgs", "comments")
FIELD_BOOSTS = {"title": 3.0, "authors": 2.0, "tags": 2.0, "abstract": 1.0}
FIELD_ALIASES = {
    "authors": ["author", "au"],
    "tags": ["tag"],
    "cat": ["category"],
    "orgs": ["org"],
    "arxiv": ["arxiv_id"],
    "state": ["is"],
}


@dataclass
class IndexDoc:
    """What the index knows of one paper (built by the Library from a Paper)."""

    pid: int
    key: str
    title: str
    authors: str
    abstract: str
    tags: list[str]
    note: str
    orgs: str
    comments: str
    categories: list[str]
    year: int | None
    arxiv: str | None
    doi: str | None
    states: list[str]  # read/unread, starred, untitled
    has: list[str]  # code, note, tags, abstract
    aliases: list[str] = field(default_factory=list)  # other citation keys: `key:` finds them too


class FastText(fields.TEXT):
    """A TEXT field indexed several times faster than Whoosh's token-by-token
    pipeline: words are found with one regex call and each distinct word is
    analysed once (cached). Queries use the same analyzer, so the terms match
    (tests compare the two on the corpus and on generated text)."""

    def __init__(self, kind: str, **kwargs):
        super().__init__(analyzer=ANALYZERS[kind](), **kwargs)
        self.kind = kind

    def index(self, value, **kwargs):
        if not isinstance(value, str):
            return super().index(value, **kwargs)
        # Field.index's documented result: (term bytes, frequency, weight, encoded positions).
        boost = self.format.field_boost
        encode = self.format.encode
        return [
            (term.encode("utf-8"), len(poses), len(poses) * boost, encode(poses))
            for term, poses in analysed_terms(self.kind, value).items()
        ]


def make_schema() -> fields.Schema:
    return fields.Schema(
        pid=fields.ID(stored=True, unique=True, sortable=True),  # a column: hit -> paper id without a stored-field read
        key=fields.ID(),
        title=FastText("text", field_boost=FIELD_BOOSTS["title"]),
        authors=FastText("name", field_boost=FIELD_BOOSTS["authors"]),
        abstract=FastText("text"),
        tags=fields.KEYWORD(lowercase=True, commas=True, scorable=True, field_boost=FIELD_BOOSTS["tags"]),
        note=FastText("text"),
        orgs=FastText("name"),
        comments=FastText("text"),
        cat=fields.KEYWORD(lowercase=True),
        year=fields.NUMERIC(int, bits=32),
        arxiv=fields.ID(),
        doi=fields.ID(),
        state=fields.KEYWORD(lowercase=True),
        has=fields.KEYWORD(lowercase=True),
    )


def fields_of(doc: IndexDoc) -> dict:
    """The Whoosh document for one paper (field name -> value)."""
    values = {
        "pid": str(doc.pid),
        "key": [doc.key, *doc.aliases] if doc.aliases else doc.key,  # a list: one term each
        "title": doc.title,
        "authors": doc.authors,
        "abstract": doc.abstract,
        "tags": ",".join(doc.tags),
        "note": doc.note,
        "orgs": doc.orgs,
        "comments": doc.comments,
        "cat": " ".join(doc.categories),
        "state": " ".join(doc.states),
        "has": " ".join(doc.has),
    }
    if doc.year is not None:
        values["year"] = doc.year
    if doc.arxiv:
        values["arxiv"] = doc.arxiv
    if doc.doi:
        values["doi"] = doc.doi
    return values
