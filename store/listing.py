"""Parsers for text copied from paper-listing pages.

Three shapes are recognised (see docs/usage.md for examples):

* cards: three lines a paper — `CLMar 22, 2023Code`, then the title glued to
  the author list (` et al.` when cut, ` · org, org` at the end), then the abstract;
* abstracts: `Abstract:` and one abstract a line, no title;
* arxiv: one abstract a line; `arXiv:YYMM.NNNNN` closes the paper before it and
  stands glued to the start of the next abstract; every line in between is a
  comment on the paper before it; the last line holds only the last id.

One entry that cannot be read never refuses the file: it is imported with a best
guess and `flags` saying why, or skipped and reported in `ParseResult.skipped`.
Only a file in which nothing can be read raises ImportFormatError.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from .byline import GROUP_WORDS, read_byline, split_byline  # noqa: F401  (public here since before byline.py)
from .model import ImportFormatError, PaperRecord, ParseResult, Skip, full_category

MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
# The category is arXiv's short code (CL) or, outside cs/stat/eess, its full form (q-bio.NC, quant-ph).
CARD_META_RE = re.compile(
    r"^(?P<cat>[A-Za-z]{1,8}(?:\.[A-Za-z]{2})?|[a-z]+(?:-[a-z]+)?(?:\.[A-Za-z]+(?:-[a-z]+)?)?)?"
    rf"(?P<date>(?:{MONTHS})[a-z]*\.? \d{{1,2}}, \d{{4}})(?P<code>Code)?\s*$"
)
# Ids from 2015 (1501.) on have five digits after the dot, older ones four: the
# length is known, so an abstract that starts with digits ("3D scenes…") stays whole.
ARXIV_LINE_RE = re.compile(r"^arXiv:(?P<id>(?P<yymm>\d{4})\.\d{4,5})(?P<rest>.*)$")
ARXIV_VERSION_RE = re.compile(r"^v\d+(?![a-z])")
ABSTRACT_PREFIX = "Abstract:"
# Before the first id, a line shorter than this is page furniture, not the first abstract.
MIN_ABSTRACT_CHARS = 100


def detect_shape(text: str) -> str | None:
    """Which listing shape `text` is, or None when it is no listing."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    if any(CARD_META_RE.match(line.strip()) for line in lines[:6]):
        return "cards"
    if sum(line.startswith(ABSTRACT_PREFIX) for line in lines) >= max(1, len(lines) // 2):
        return "abstracts"
    if any(ARXIV_LINE_RE.match(line.strip()) for line in lines):
        return "arxiv"
    return None


def parse_listing(text: str, source: str, shape: str | None = None) -> ParseResult:
    shape = shape or detect_shape(text)
    if shape == "cards":
        return parse_cards(text, source)
    if shape == "abstracts":
        return parse_abstracts(text, source)
    if shape == "arxiv":
        return parse_arxiv_listing(text, source)
    raise ImportFormatError(source, None, "not a listing this program knows (cards, abstracts or arXiv)")


def _numbered_lines(text: str) -> list[tuple[int, str]]:
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


# --- cards -------------------------------------------------------------------------------


def parse_cards(text: str, source: str) -> ParseResult:
    """Cards of three lines; a card whose first line is not readable is skipped up to the next card."""
    result = ParseResult()
    lines = _numbered_lines(text)
    i = 0
    while i < len(lines):
        number, meta_line = lines[i]
        meta = CARD_META_RE.match(meta_line)
        if not meta:
            following = _next_card(lines, i + 1)
            reason = f"expected a card's first line (category and date, like 'CLMar 22, 2023'), got {meta_line[:60]!r}"
            result.skipped.append(Skip(number, reason + _span(lines, i, following)))
            i = following
            continue
        following = _next_card(lines, i + 1)
        body = [line for _, line in lines[i + 1 : min(following, i + 3)]]
        if not body:
            result.skipped.append(Skip(number, "card is cut short: no title and authors line after it"))
        else:
            result.records.append(_card_record(meta, body, number))
        if i + 3 < following:  # lines past the abstract: a card whose first line is unreadable
            stray_number, stray = lines[i + 3]
            reason = f"expected a card's first line (category and date, like 'CLMar 22, 2023'), got {stray[:60]!r}"
            result.skipped.append(Skip(stray_number, reason + _span(lines, i + 3, following)))
        i = following
    if not result.records:
        first = result.skipped[0]
        raise ImportFormatError(source, first.line, f"no card could be read: {first.reason}")
    return result


def _next_card(lines: list[tuple[int, str]], start: int) -> int:
    for index in range(start, len(lines)):
        if CARD_META_RE.match(lines[index][1]):
            return index
    return len(lines)


def _span(lines: list[tuple[int, str]], first: int, following: int) -> str:
    last = lines[following - 1][0]
    return f" (lines {lines[first][0]}-{last} skipped)" if last != lines[first][0] else ""


def _card_record(meta: re.Match, body: list[str], line: int) -> PaperRecord:
    reading = read_byline(body[0])
    return PaperRecord(
        title=reading.title or None,
        authors=reading.authors,
        authors_truncated=reading.truncated,
        orgs=reading.orgs,
        date=_card_date(meta.group("date")),
        category=full_category(meta.group("cat")),
        has_code=bool(meta.group("code")),
        abstract=" ".join(body[1:]) or None,
        line=line,
        flags=list(reading.flags),
    )


def _card_date(text: str) -> str | None:
    cleaned = re.sub(r"^([A-Za-z]{3})[a-z]*\.?", r"\1", text)
    try:
        return datetime.strptime(cleaned, "%b %d, %Y").strftime("%Y-%m-%d")
    except ValueError:  # "Feb 30, 2023"
        return None


# --- abstracts only ----------------------------------------------------------------------


def parse_abstracts(text: str, source: str) -> ParseResult:
    result = ParseResult()
    for number, line in _numbered_lines(text):
        if not line.startswith(ABSTRACT_PREFIX):
            if result.records:  # a wrapped abstract: its next line belongs to it
                last = result.records[-1]
                last.abstract = f"{last.abstract} {line}"
                if "abstract: a line without 'Abstract:' joined to it" not in last.flags:
                    last.flags.append("abstract: a line without 'Abstract:' joined to it")
            else:
                result.skipped.append(Skip(number, f"expected a line starting with 'Abstract:', got {line[:60]!r}"))
            continue
        abstract = line[len(ABSTRACT_PREFIX):].strip()
        if not abstract:
            result.skipped.append(Skip(number, "empty abstract"))
            continue
        result.records.append(PaperRecord(abstract=abstract, line=number))
    if not result.records:
        raise ImportFormatError(source, None, "no abstract could be read")
    return result


# --- arXiv listing -----------------------------------------------------------------------


def parse_arxiv_listing(text: str, source: str) -> ParseResult:
    """Abstract, comment lines, `arXiv:ID` glued to the next abstract, ..., the last id alone.

    Only an id at the start of a line counts; `arXiv:` further in is text."""
    result = ParseResult()
    current: PaperRecord | None = None
    for number, line in _numbered_lines(text):
        match = ARXIV_LINE_RE.match(line)
        closing = _arxiv_id(match) if match else None
        if closing and _is_comment_mention(match, current):
            closing = None  # "arXiv:2101.00001 is the long version": a comment citing a paper
        if closing:
            arxiv_id, rest = closing
            if current is None:
                result.skipped.append(Skip(number, f"arXiv:{arxiv_id} closes no paper (no abstract before it)"))
            else:
                current.arxiv_id = arxiv_id
                result.records.append(current)
            current = PaperRecord(abstract=rest, line=number) if rest else None
        elif current is not None:
            current.comments.append(line)
        elif len(line) >= MIN_ABSTRACT_CHARS or not result.records and _is_lone_first(text, line):
            current = PaperRecord(abstract=line, line=number)
        else:
            result.skipped.append(Skip(number, "short line outside any paper (not an abstract)"))
    if current is not None:
        current.flags.append("arXiv listing: no id after this paper (the listing looks cut off)")
        result.records.append(current)
    if not any(record.arxiv_id for record in result.records):
        raise ImportFormatError(source, None, "no paper with its arXiv id could be read")
    return result


def _arxiv_id(match: re.Match) -> tuple[str, str] | None:
    """The id and the abstract glued after it; an id of the wrong length for its month is no id."""
    arxiv_id, rest = match.group("id"), match.group("rest")
    digits = 5 if match.group("yymm") >= "1501" else 4
    extra = len(arxiv_id) - 5 - digits
    if extra < 0:
        return None
    if extra:  # the abstract starts with a digit the id's pattern took
        arxiv_id, rest = arxiv_id[:-extra], arxiv_id[-extra:] + rest
    version = ARXIV_VERSION_RE.match(rest)
    if version:
        rest = rest[version.end():]
    return arxiv_id, rest.strip()


def _is_comment_mention(match: re.Match, current: PaperRecord | None) -> bool:
    """A comment line that starts by citing an id: a space after the id and a short remark."""
    rest = match.group("rest")
    return current is not None and rest[:1] == " " and len(rest.strip()) < MIN_ABSTRACT_CHARS


def _is_lone_first(text: str, line: int | str) -> bool:
    """A short first abstract is still one when nothing longer comes before the first id."""
    for candidate in text.splitlines():
        candidate = candidate.strip()
        if ARXIV_LINE_RE.match(candidate):
            return True
        if len(candidate) >= MIN_ABSTRACT_CHARS:
            return False
    return False


def clean_text(value: str) -> str:
    """Drop control characters (escape sequences start with one) and normalise to NFC.

    Format characters (zero-width joiners in emoji, right-to-left marks) are
    kept: they are part of the text; the app neutralises bidi overrides on display.
    """
    return _CONTROL_RE.sub("", unicodedata.normalize("NFC", value))


# C0 and C1 controls but tab and newline, DEL, and lone surrogates.
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
