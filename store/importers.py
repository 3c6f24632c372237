"""Read input files and turn them into `PaperRecord`s, whatever their shape.

Every function here is pure: nothing touches the library until all inputs of
an import have parsed, so a bad file leaves the library unchanged.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

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


def read_input(path: str) -> tuple[str, str]:
    """The text of `path` ('-' is stdin) and the name to report it by."""
    if path == "-":
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        if len(data) > MAX_INPUT_BYTES:
            raise ImportFormatError("<stdin>", None, f"input is over the limit of {MAX_INPUT_BYTES // 2**20} MiB")
        return decode(data, "<stdin>"), "<stdin>"
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
    return decode(data, path), path


def decode(data: bytes, source: str) -> str:
    """UTF-8 text, or an error naming the line of the first bad byte."""
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise ImportFormatError(source, line, "binary data (NUL byte): not a text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFormatError(source, line, "not valid UTF-8 text") from error
    return text.replace("\r\n", "\n").replace("\r", "\n")


def detect_format(text: str) -> str | None:
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
    if not text.strip():
        raise ImportFormatError(source, None, "empty input: nothing to import")
    fmt = fmt or detect_format(text)
    if fmt is None:
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
    return result


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
    record.tags = [t for t in (" ".join(clean_text(t).replace(",", " ").split()) for t in record.tags) if t]
    record.note = clean_text(record.note)
    record.extra = {clean_text(k): clean_text(v) for k, v in record.extra.items()}


# --- JSON lines --------------------------------------------------------------------------


def parse_jsonl(text: str, source: str) -> ParseResult:
    result = ParseResult()
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            raise ImportFormatError(source, number, f"not valid JSON: {error.msg} (column {error.colno})") from error
        if not isinstance(data, dict):
            raise ImportFormatError(source, number, "expected a JSON object on each line")
        record = record_from_json(data, source, number)
        if not (record.title or record.abstract or record.arxiv_id or record.doi):
            result.skipped.append(Skip(number, "no title, abstract, arXiv id or DOI"))
            continue
        result.records.append(record)
    if not result.records and not result.skipped:
        raise ImportFormatError(source, None, "no JSON objects found")
    return result


def record_from_json(data: dict, source: str, line: int) -> PaperRecord:
    """Accept both our own `list --json` objects and the corpus' objects."""

    def text(name: str) -> str | None:
        value = data.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, (str, int, float)):
            raise ImportFormatError(source, line, f"field {name!r} should be text")
        return str(value)

    def text_list(name: str) -> list[str]:
        value = data.get(name) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ImportFormatError(source, line, f"field {name!r} should be a list of text")
        return value

    record = PaperRecord(line=line)
    record.title = text("title")
    record.authors = text_list("authors")
    record.authors_truncated = bool(data.get("authors_truncated", False))
    record.orgs = text_list("orgs")
    record.date = _json_date(text("date"), source, line)
    record.abstract = text("abstract")
    record.venue = text("venue")
    record.url = text("url")
    record.doi = normalise_doi(text("doi"))
    record.comments = text_list("comments")
    record.has_code = bool(data.get("has_code", False))
    record.arxiv_id = normalise_arxiv_id(text("arxiv_id"))
    categories = text_list("categories")
    record.category = full_category(text("category") or (categories[0] if categories else None))
    _apply_corpus_id(record, text("id"))
    record.tags = text_list("tags")
    record.read = data.get("read") is True
    record.starred = data.get("starred") is True
    record.note = text("note") or ""
    record.key = text("key")
    return record


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
