"""Read input files and turn them into `PaperRecord`s, whatever their shape.

Every function here is pure: nothing touches the library until all inputs of
an import have parsed, so a bad file leaves the library unchanged.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from .errors import LimitExceeded
from .limits import check_count, check_field, check_tag
from .listing import clean_text, detect_shape, parse_listing
from .model import (
    ImportFormatError,
    PaperRecord,
    ParseResult,
    Skip,
    full_category,
    normalise_arxiv_id,
    normalise_doi,
)

FORMATS = ("cards", "abstracts", "arxiv", "bibtex", "jsonl")
# The largest input taken: room for a year of a big category with abstracts as
# JSON lines (100,000 papers are 152 MiB), low enough to refuse junk fast.
MAX_INPUT_BYTES = 512 * 1024 * 1024
ACL_ID_RE = re.compile(r"^(?:\d{4}\.[a-z\d]+-[a-z\d]+\.\d+|[A-Z]\d{2}-\d{4})$")
BIBTEX_ENTRY_RE = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)


def read_input(path: str, notes: list[str] | None = None) -> tuple[str, str]:
    """The text of `path` ('-' is stdin) and the name to report it by; `notes`
    gains what is worth saying about how it was read (a Latin-1 .bib)."""
    if path == "-":
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        if len(data) > MAX_INPUT_BYTES:
            raise ImportFormatError("<stdin>", None, f"input is over the limit of {MAX_INPUT_BYTES // 2**20} MiB")
        return decode(data, "<stdin>", notes), "<stdin>"
    file = Path(path)
    if not file.exists():
        raise ImportFormatError(path, None, "no such file")
    if file.is_dir():
        raise ImportFormatError(path, None, "is a directory, not a file")
    if file.is_char_device() or file.is_block_device() or file.is_socket():
        raise ImportFormatError(path, None, "is a device or socket, not a file")
    size = file.stat().st_size
    if size > MAX_INPUT_BYTES:
        raise ImportFormatError(path, None, f"file is {size // 2**20} MiB; the limit is {MAX_INPUT_BYTES // 2**20} MiB")
    try:
        with file.open("rb") as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)  # the file may have grown since stat
    except OSError as error:
        raise ImportFormatError(path, None, f"cannot read: {error.strerror}") from error
    if len(data) > MAX_INPUT_BYTES:
        raise ImportFormatError(path, None, f"file is over the limit of {MAX_INPUT_BYTES // 2**20} MiB")
    return decode(data, path, notes), path


def decode(data: bytes, source: str, notes: list[str] | None = None) -> str:
    """UTF-8 text, or an error naming the line of the first bad byte.

    A BibTeX file that is not UTF-8 is read as Latin-1 (bibtex reads bytes, and
    older .bib files, IEEEtran's among them, are Latin-1); `notes` says so."""
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise ImportFormatError(source, line, "binary data (NUL byte): not a text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        text = data.decode("latin-1")
        if not BIBTEX_ENTRY_RE.search(text):
            raise ImportFormatError(source, line, "not valid UTF-8 text") from error
        if notes is not None:
            notes.append(f"not valid UTF-8 (first at line {line}): read as Latin-1")
    return normalise_newlines(text)


def normalise_newlines(text: str) -> str:
    """One newline for every input: a file's CRLF and a terminal paste's CR
    (the `^` of every line pattern, BibTeX's and the listings', needs `\n`)."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def detect_format(text: str) -> str | None:
    """The format of an input, the same for a file, stdin and a paste (text
    whose newlines `normalise_newlines` made one)."""
    stripped = text.lstrip()
    if not stripped:
        return None
    if stripped.startswith("{"):
        return "jsonl"
    if BIBTEX_ENTRY_RE.search(text):
        return "bibtex"
    return detect_shape(text)


def parse_text(text: str, source: str, fmt: str | None = None, bib_macros: dict[str, str] | None = None) -> ParseResult:
    """Parse one input; raises ImportFormatError on anything it cannot take.

    `bib_macros` carries BibTeX `@string`s across files (and is added to)."""
    text = normalise_newlines(text)
    if not text.strip():
        raise ImportFormatError(source, None, "empty input: nothing to import")
    fmt = fmt or detect_format(text)
    if fmt is None:
        if text.lstrip().startswith("["):
            raise ImportFormatError(
                source, 1, "a JSON array (`list --json`) is for reading; import takes JSON lines, "
                "such as `papers-tui list --format jsonl` writes"
            )
        raise ImportFormatError(
            source, 1, "not a format papers-tui knows (listing cards, abstracts, arXiv listing, BibTeX or JSON lines)"
        )
    if fmt == "jsonl":
        result = parse_jsonl(text, source)
    elif fmt == "bibtex":
        from .bibtex import parse_bibtex

        result = parse_bibtex(text, source, bib_macros)
    elif fmt in ("cards", "abstracts", "arxiv"):
        result = parse_listing(text, source, fmt)
    else:
        raise ImportFormatError(source, None, f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    for record in result.records:
        sanitise_record(record)
    _skip_records_over_limits(result)
    if not result.records and result.skipped:
        first = result.skipped[0]
        raise ImportFormatError(source, first.line, f"nothing could be imported: {first.reason}")
    return result


def _skip_records_over_limits(result: ParseResult) -> None:
    """A record with a field over its limit (store/limits.py) is skipped and reported."""
    kept = []
    for record in result.records:
        try:
            check_record_limits(record)
        except LimitExceeded as error:
            result.skipped.append(Skip(record.line, str(error)))
            continue
        kept.append(record)
    if len(kept) < len(result.records):
        result.records = kept
        result.skipped.sort(key=lambda skip: skip.line)


def check_record_limits(record: PaperRecord) -> None:
    """LimitExceeded for the first field of `record` over its limit."""
    for name in ("title", "venue", "abstract", "note", "url", "doi", "key"):
        check_field(name, getattr(record, name))
    for name in ("authors", "orgs", "comments", "tags"):
        values = getattr(record, name)
        check_count(name, len(values))
        for value in values:
            if name == "tags":
                check_tag(value)
            else:
                check_field(name, value)
    check_count("extra", len(record.extra))
    for value in record.extra.values():
        check_field("extra", value)


def sanitise_record(record: PaperRecord) -> None:
    """Strip control characters from every text a record carries."""
    for name in ("title", "date", "category", "arxiv_id", "doi", "url", "venue", "abstract", "entry_type", "key"):
        value = getattr(record, name)
        if isinstance(value, str):
            value = " ".join(clean_text(value).split()) if name != "abstract" else clean_text(value).strip()
            setattr(record, name, value or None)
    record.authors = [a for a in (" ".join(clean_text(a).split()) for a in record.authors) if a]
    record.orgs = [o for o in (" ".join(clean_text(o).split()) for o in record.orgs) if o]
    record.comments = [c for c in (" ".join(clean_text(c).split()) for c in record.comments) if c]
    record.tags = [t for t in (" ".join(clean_text(t).split()) for t in record.tags) if t]  # limits check commas
    record.flags = list(dict.fromkeys(f for f in (" ".join(clean_text(f).split()) for f in record.flags) if f))
    record.note = clean_text(record.note)
    record.extra = {clean_text(k): clean_text(v) for k, v in record.extra.items()}


# --- JSON lines --------------------------------------------------------------------------

# Fields of a JSON line and the JSON type each must have (null is always "not given").
JSON_TEXT_FIELDS = ("title", "date", "abstract", "venue", "url", "doi", "arxiv_id", "category", "id", "note", "key",
                    "entry_type", "read_at", "starred_at")
JSON_LIST_FIELDS = ("authors", "orgs", "comments", "categories", "tags", "flags")
JSON_BOOL_FIELDS = ("authors_truncated", "has_code", "read", "starred")


def parse_jsonl(text: str, source: str) -> ParseResult:
    """One paper per line. A line that is not JSON, or has a field of the wrong
    type, is skipped and reported with its line (and the field), and the others
    are imported; a file with no readable line is an error (`parse_text`)."""
    result = ParseResult()
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            result.skipped.append(Skip(number, f"not valid JSON: {error.msg} (column {error.colno})"))
            continue
        except RecursionError:  # arrays nested thousands deep
            result.skipped.append(Skip(number, "not valid JSON: nested too deep"))
            continue
        try:
            if not isinstance(data, dict):
                raise ImportFormatError(source, number, f"expected a JSON object, not {_json_type(data)}")
            record = record_from_json(data, source, number)
        except ImportFormatError as error:
            result.skipped.append(Skip(number, error.message))
            continue
        if not (record.title or record.abstract or record.arxiv_id or record.doi):
            result.skipped.append(Skip(number, "no title, abstract, arXiv id or DOI"))
            continue
        result.records.append(record)
    if not result.records and not result.skipped:
        raise ImportFormatError(source, None, "no JSON objects found")
    return result


def record_from_json(data: dict, source: str, line: int) -> PaperRecord:
    """Accept both our own `list --json` objects and the corpus' objects; a field
    of the wrong type is an ImportFormatError naming it (nothing is coerced)."""
    _check_json_types(data, source, line)

    def text(name: str) -> str | None:
        return data.get(name) or None

    def text_list(name: str) -> list[str]:
        return list(data.get(name) or [])

    record = PaperRecord(line=line)
    record.title = text("title")
    record.authors = text_list("authors")
    record.authors_truncated = data.get("authors_truncated") is True
    record.orgs = text_list("orgs")
    record.date = _json_date(text("date"), source, line)
    record.abstract = text("abstract")
    record.venue = text("venue")
    record.url = text("url")
    record.doi = normalise_doi(text("doi"))
    record.comments = text_list("comments")
    record.has_code = data.get("has_code") is True
    record.arxiv_id = normalise_arxiv_id(text("arxiv_id"))
    categories = text_list("categories")
    record.category = full_category(text("category") or (categories[0] if categories else None))
    _apply_corpus_id(record, text("id"))
    record.tags = text_list("tags")
    record.read = data.get("read") is True
    record.starred = data.get("starred") is True
    record.note = text("note") or ""
    record.key = text("key")
    # What only `list --format jsonl` writes: BibTeX's own fields, the user's
    # times, and the doubts of the import the paper first came from.
    record.entry_type = text("entry_type")
    record.extra = dict(data.get("extra") or {})
    record.read_at = text("read_at") if record.read else None
    record.starred_at = text("starred_at") if record.starred else None
    record.flags = text_list("flags")
    return record


def _check_json_types(data: dict, source: str, line: int) -> None:
    for name in JSON_TEXT_FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise ImportFormatError(source, line, f"field {name!r} should be text, not {_json_type(value)}")
    for name in JSON_LIST_FIELDS:
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, list):
            raise ImportFormatError(source, line, f"field {name!r} should be a list of text, not {_json_type(value)}")
        wrong = next((item for item in value if not isinstance(item, str)), None)
        if wrong is not None or None in value:
            raise ImportFormatError(source, line, f"field {name!r} should be a list of text; it holds {_json_type(wrong)}")
    for name in JSON_BOOL_FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, bool):
            raise ImportFormatError(source, line, f"field {name!r} should be true or false, not {_json_type(value)}")
    extra = data.get("extra")
    if extra is not None and not (isinstance(extra, dict) and all(isinstance(v, str) for v in extra.values())):
        raise ImportFormatError(source, line, f"field 'extra' should be an object of text, not {_json_type(extra)}")


def _json_type(value) -> str:
    """The JSON name of a value's type, with the value when it is short."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"a number ({value})" if len(repr(value)) <= 20 else "a number"
    if isinstance(value, str):
        return f"text ({value!r})" if len(value) <= 20 else "text"
    return "a list" if isinstance(value, list) else "an object"


def _apply_corpus_id(record: PaperRecord, ident: str | None) -> None:
    """The corpus' `id` holds an arXiv id or an ACL Anthology id."""
    if not ident:
        return
    arxiv = normalise_arxiv_id(ident)
    if arxiv and re.fullmatch(r"(?:arXiv:)?\d{4}\.\d{4,5}(?:v\d+)?", ident.strip(), re.IGNORECASE):
        record.arxiv_id = record.arxiv_id or arxiv
    elif ACL_ID_RE.match(ident.strip()):
        record.extra.setdefault("anthology", ident.strip())
        record.url = record.url or f"https://aclanthology.org/{ident.strip()}"


def _json_date(value: str | None, source: str, line: int) -> str | None:
    if value is None:
        return None
    value = value.strip()[:10]
    if re.fullmatch(r"\d{4}(?:-\d{2}(?:-\d{2})?)?", value):
        return value
    raise ImportFormatError(source, line, f"date {value!r} is not YYYY-MM-DD, YYYY-MM or YYYY")
