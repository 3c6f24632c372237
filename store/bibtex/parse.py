"""Read a .bib file into `PaperRecord`s.

bibtexparser v2's splitter cuts the text into blocks (it never recurses, so a
deep value cannot crash it); the rest is resolved here: the default parse
stack resolves a lone `@string` reference but not `#` concatenation, and LaTeX
must be decoded only for the fields that become columns (the others are kept
as raw LaTeX in `extra` so that export can write them back unchanged).

Any file a user has is taken: a broken entry is skipped and reported with its
line and key, the rest is read; a file of only `@string`s is read for its
macros. Only a text with nothing readable in it at all is an error.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import bibtexparser
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    ExplicitComment,
    ParsingFailedBlock,
    Preamble,
    String,
)

from ..limits import BIBTEX_NESTING
from ..model import STAND_IN_PREFIX, ImportFormatError, PaperRecord, ParseResult, Skip
from .columns import (
    arxiv_id_from_doi,
    arxiv_id_from_url,
    read_arxiv,
    read_category,
    read_date,
    read_doi,
    read_url,
    read_venue,
)
from .latex import decode
from .names import read_authors

# bibtexparser logs each syntax error as a warning, which Python's last-resort
# handler would print over the terminal UI; we report skipped entries instead.
# A NullHandler silences only that fallback: an app's own logging still sees it.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

# Braces nested deeper than this in one value make the entry a skipped one. Real
# files nest 3 or 4 levels ({\"{o}} inside a protected title); LaTeX decoding
# recurses once per level and a few hundred levels exhaust Python's stack.
MAX_BRACE_DEPTH = BIBTEX_NESTING.maximum

# Fields an entry takes from its crossref parent when it lacks them: those that
# fill its columns (authors, date, venue). Identifiers (DOI, eprint, URL) are
# never inherited: they would make the child the same paper as its parent.
# Everything else stays in the parent, which is kept and exported after it.
_INHERITED = ("author", "year", "month", "date", "journal", "journaltitle", "booktitle")


@dataclass
class BibParseResult(ParseResult):
    """What a .bib file gave: records and skips, the `@string` macros known
    after reading it (those passed in plus its own) and its `@preamble`s."""

    macros: dict[str, str] = field(default_factory=dict)
    preambles: list[str] = field(default_factory=list)


def parse_bibtex(text: str, source: str, macros: dict[str, str] | None = None) -> BibParseResult:
    """Read a .bib file: one `PaperRecord` per entry; a `Skip` (line, key and
    why) for an entry that is broken, nested too deep, or has neither title,
    author nor identifier.

    `macros` holds `@string` definitions from files read before (a journal
    abbreviations file imported first or together); this file's definitions are
    added to it, and it is returned as `result.macros`. An entry with a
    `crossref` takes the columns it lacks from the entry it names; that parent
    is a record of its own, kept even without a title, so that an export can
    write it after its children.

    Raises `ImportFormatError` only when the text holds nothing readable: no
    entry, `@string`, `@preamble` or `@comment` (naming the line of the first
    broken block, if there is one).
    """
    result = BibParseResult(macros=macros if macros is not None else {})
    entries: list[tuple[Entry, Fields]] = []
    readable = False
    # Blocks in file order, because an @string only applies to what follows it.
    for block in bibtexparser.parse_string(text, parse_stack=[]).blocks:
        if isinstance(block, (DuplicateBlockKeyBlock, DuplicateFieldKeyBlock)):
            # A repeated key or field is legal for bibtex (it warns); keep the block.
            block = block.ignore_error_block  # type: ignore[assignment]  # a repeated key is still an entry
        if isinstance(block, ParsingFailedBlock):
            result.skipped.append(_syntax_skip(block))
        elif isinstance(block, String):
            result.macros[block.key.lower()] = _evaluate(block.value, result.macros)
            readable = True
        elif isinstance(block, Preamble):
            result.preambles.append(block.value)
            readable = True
        elif isinstance(block, ExplicitComment):
            readable = True
        elif isinstance(block, Entry):
            entries.append((block, Fields(block, result.macros)))
    if not entries and not readable:
        _raise_nothing_readable(result.skipped, source)
    _read_entries(entries, result)
    result.skipped.sort(key=lambda skip: skip.line)
    return result


def ids_of(extra: dict[str, str]) -> list[str]:
    """The other keys an entry is known by: biblatex's `ids = {a, b}` (kept in
    `extra` by the parser), for the store to hold as the paper's aliases."""
    return [key.strip() for key in extra.get("ids", "").split(",") if key.strip()]


def _raise_nothing_readable(skipped: list[Skip], source: str) -> None:
    if skipped:
        first = skipped[0]
        raise ImportFormatError(source, first.line, first.reason)
    raise ImportFormatError(source, None, "no BibTeX entries found")


_ENTRY_HEAD = re.compile(r"@\s*(\w+)\s*[{(]\s*([^,\s{}()]*)")


def _syntax_skip(block: ParsingFailedBlock) -> Skip:
    line = block.start_line + 1 if block.start_line is not None else 0
    reason = (getattr(block.error, "abort_reason", None) or str(block.error)).strip()
    head = _ENTRY_HEAD.match((block.raw or "").lstrip())
    what = f"entry '{head.group(2)}'" if head and head.group(2) else "a block"
    return Skip(line, f"{what} skipped: BibTeX syntax error: {' '.join(reason.split())}")


def _read_entries(entries: list[tuple[Entry, Fields]], result: BibParseResult) -> None:
    by_key: dict[str, Fields] = {}
    for entry, fields in entries:
        by_key.setdefault(entry.key.lower(), fields)  # bibtex takes the first of a repeated key
    parents = {fields.crossref for _, fields in entries if fields.crossref}
    for entry, fields in entries:
        parent = by_key.get(fields.crossref or "")
        if parent is not None and parent is not fields:
            fields.inherit(parent)
        item = _entry_to_record(entry, fields, is_parent=entry.key.lower() in parents)
        if isinstance(item, PaperRecord):
            result.records.append(item)
        else:
            result.skipped.append(item)


def _split_concatenation(raw: str) -> list[str]:
    """`"a" # b # {c}` -> ['"a"', 'b', '{c}']; `#` inside braces or quotes is text."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(raw):
        if i and raw[i - 1] == "\\":
            continue  # same convention as bibtexparser's splitter: \{ \" \# are text
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(raw[start:i])
            start = i + 1
    parts.append(raw[start:])
    return [part.strip() for part in parts]


def _evaluate(raw: str, macros: dict[str, str]) -> str:
    """The value of a field as bibtex sees it: macros expanded, pieces joined,
    delimiters removed; LaTeX is left as it is."""
    pieces = []
    for part in _split_concatenation(raw.strip()):
        if len(part) >= 2 and (part[0], part[-1]) in (("{", "}"), ('"', '"')):
            pieces.append(part[1:-1])
        else:
            # A number, a macro, or an undefined macro: bibtex would make the last
            # one empty, but its name (`jan`, `jmlr`) says more than nothing.
            pieces.append(macros.get(part.lower(), part))
    return "".join(pieces)


def brace_depth(value: str) -> int:
    """How deep braces nest in `value` (`{a {b}}` is 2); escaped braces are text."""
    depth = deepest = 0
    for i, char in enumerate(value):
        if char == "{" and (not i or value[i - 1] != "\\"):
            depth += 1
            deepest = max(deepest, depth)
        elif char == "}" and (not i or value[i - 1] != "\\"):
            depth -= 1
    return deepest


_NAME_LISTS = {"author", "editor", "bookauthor", "translator", "annotator", "commentator", "holder"}
_PROSE_AND = re.compile(r",\s+and\s+", re.IGNORECASE)


def repair_name_list(value: str) -> str:
    """`A B, C D, and E F` (a list written as prose) -> `A B and C D and E F`.

    In a BibTeX name list `, and` never separates names (no name ends with a
    comma); bibtex stops on it ("has a comma at the end"). A list with it
    uses commas between whole names, so each top-level comma becomes `and`."""
    if brace_depth(value) or not _PROSE_AND.search(value):
        return value  # braces may hold a comma that is text: leave such a list as written
    names = [part.strip() for part in re.split(r",\s*(?:and\s+)?", value) if part.strip()]
    if not all(" " in name for name in names):
        return value  # `Doe, Jane, and ...`: Last, First forms; no safe reading
    return " and ".join(names)


class Fields:
    """An entry's fields by lowercase name; remembers those that became columns
    so that every other field lands in `extra`, and those taken from a crossref
    parent so that they are not written twice."""

    def __init__(self, entry: Entry, macros: dict[str, str]):
        self.values: dict[str, str] = {}
        for item in entry.fields:
            # Field names are case-insensitive; like bibtex, the first one wins.
            name = item.key.strip().lower()
            value = _evaluate(item.value, macros)
            self.values.setdefault(name, repair_name_list(value) if name in _NAME_LISTS else value)
        self.inherited: dict[str, str] = {}
        self.used: set[str] = set()
        crossref = self.values.get("crossref", "").strip().lower()
        self.crossref = crossref or None

    def inherit(self, parent: Fields) -> None:
        """Take the columns' fields this entry lacks from its crossref parent, as
        bibtex does; the parent's title is this entry's booktitle (biblatex's rule)."""
        for name in _INHERITED:
            if not self.get(name) and parent.values.get(name, "").strip():
                self.inherited[name] = parent.values[name]
        if not self.get("booktitle") and parent.values.get("title", "").strip():
            self.inherited["booktitle"] = parent.values["title"]

    def get(self, name: str) -> str | None:
        value = self.values.get(name) or self.inherited.get(name)
        return value if value and value.strip() else None

    def take(self, *names: str) -> str | None:
        """Mark these fields as read; the first non-empty one's value."""
        self.used.update(names)
        return next((self.get(name) for name in names if self.get(name)), None)

    def deepest(self) -> tuple[str, int] | None:
        """The field whose braces nest deepest, and how deep, if over the limit."""
        for name, value in {**self.inherited, **self.values}.items():
            if value.count("{") > MAX_BRACE_DEPTH and (depth := brace_depth(value)) > MAX_BRACE_DEPTH:
                return name, depth
        return None

    def extra(self) -> dict[str, str]:
        return {name: value for name, value in self.values.items() if name not in self.used}


def _entry_to_record(entry: Entry, fields: Fields, is_parent: bool) -> PaperRecord | Skip:
    line = (entry.start_line or 0) + 1  # bibtexparser counts lines from 0
    too_deep = fields.deepest()
    if too_deep:
        name, depth = too_deep
        return Skip(
            line,
            f"entry '{entry.key}' skipped: its {name} nests braces {depth} deep"
            f" (the limit is {MAX_BRACE_DEPTH}, {BIBTEX_NESTING.name})",
        )
    try:
        record = _record_of(entry, fields)
    except RecursionError:  # a limit above caught every case we know; never a traceback for one we don't
        return Skip(line, f"entry '{entry.key}' skipped: its LaTeX is nested too deeply to read")
    if not (record.title or record.authors or record.arxiv_id or record.doi or is_parent):
        return Skip(line, f"entry '{entry.key}' has no title, author or identifier")
    record.line = line
    return record


def _record_of(entry: Entry, fields: Fields) -> PaperRecord:
    # The arXiv id first: it decides whether `journal` is a venue or a pseudo-journal.
    arxiv_id = read_arxiv(fields)
    doi = read_doi(fields.take("doi"))
    url = read_url(fields.take("url"))
    arxiv_id = arxiv_id or arxiv_id_from_doi(doi) or arxiv_id_from_url(url)
    authors, truncated = read_authors(fields.take("author"))
    record = PaperRecord(
        title=decode(fields.take("title")),
        authors=authors,
        authors_truncated=truncated,
        date=read_date(fields),
        category=read_category(fields) if arxiv_id else None,
        arxiv_id=arxiv_id,
        doi=doi,
        url=url,
        venue=decode(read_venue(fields)),
        abstract=decode(fields.take("abstract")),
        entry_type=entry.entry_type.lower(),
        key=entry.key,
    )
    record.extra = fields.extra()  # last: every column above has taken its fields
    if record.extra.get("key", "").replace("\\", "") == entry.key:
        # The sort key an export writes for an entry without authors: its own
        # citation key, which a copy written for an alias would otherwise take along.
        del record.extra["key"]
    if record.title and record.title.startswith(STAND_IN_PREFIX):
        # Our own stand-in for a paper with no title: not a title to keep, but
        # what the paper is shown as until a listing gives the real one.
        record.extra["title"] = record.title
        record.title = None
    return record
