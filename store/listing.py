"""Parsers for text copied from paper-listing pages.

Three shapes are recognised (see docs/usage.md for examples):

* cards: three lines a paper — `CLMar 22, 2023Code`, then the title glued to
  the author list (` et al.` when cut, ` · org, org` at the end), then the abstract;
* abstracts: `Abstract:` and one abstract a line, no title;
* arxiv: one abstract a line; `arXiv:YYMM.NNNNN` closes the paper before it and
  stands glued to the start of the next abstract; short lines in between are
  comments on the paper before them; the last line holds only the last id.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from .model import ImportFormatError, PaperRecord, ParseResult, Skip, full_category

MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
CARD_META_RE = re.compile(
    rf"^(?P<cat>[A-Za-z]{{1,8}}(?:\.[A-Za-z]{{2}})?)?(?P<date>(?:{MONTHS})[a-z]*\.? \d{{1,2}}, \d{{4}})(?P<code>Code)?\s*$"
)
ARXIV_LINE_RE = re.compile(r"^arXiv:(?P<id>\d{4}\.\d{4,5})(?:v\d+)?(?P<rest>.*)$")
ABSTRACT_PREFIX = "Abstract:"
# In an arXiv listing a line inside a paper is a comment (venue, pages); one longer
# than this is an abstract whose paper lost its closing id.
COMMENT_MAX_CHARS = 300
MIN_ABSTRACT_CHARS = 100

# Author-name pieces that are lowercase: particles and the words of group authors.
PARTICLES = {
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "das", "du", "la", "le",
    "bin", "ibn", "al", "el", "ten", "ter", "y", "zu", "af", "st.",
}
GROUP_WORDS = {
    "workshop", "collaboration", "team", "consortium", "initiative", "project", "community",
    "group", "lab", "committee", "contributors", "organizers",
}
NAME_PREFIXES = ("Mc", "Mac", "O'", "O’", "D'", "D’", "Le", "La", "De", "Di", "Da", "Van", "Von")


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
    result = ParseResult()
    lines = _numbered_lines(text)
    i = 0
    while i < len(lines):
        number, meta_line = lines[i]
        meta = CARD_META_RE.match(meta_line)
        if not meta:
            raise ImportFormatError(
                source, number, f"expected a card's first line (category and date, like 'CLMar 22, 2023'), got {meta_line[:60]!r}"
            )
        if i + 1 >= len(lines) or CARD_META_RE.match(lines[i + 1][1]):
            raise ImportFormatError(source, number, "card is cut short: no title and authors line after it")
        byline_number, byline = lines[i + 1]
        abstract = None
        step = 2
        if i + 2 < len(lines) and not CARD_META_RE.match(lines[i + 2][1]):
            abstract = lines[i + 2][1]
            step = 3
        record = _card_record(meta, byline, source, byline_number)
        record.abstract = abstract
        record.line = number
        result.records.append(record)
        i += step
    return result


def _card_record(meta: re.Match, byline: str, source: str, line: int) -> PaperRecord:
    title, authors, truncated, orgs = split_byline(byline)
    if not title or not authors:
        raise ImportFormatError(source, line, f"cannot tell the title from the authors in {byline[:80]!r}")
    return PaperRecord(
        title=title,
        authors=authors,
        authors_truncated=truncated,
        orgs=orgs,
        date=_card_date(meta.group("date")),
        category=full_category(meta.group("cat")),
        has_code=bool(meta.group("code")),
    )


def _card_date(text: str) -> str:
    cleaned = re.sub(r"^([A-Za-z]{3})[a-z]*\.?", r"\1", text)
    return datetime.strptime(cleaned, "%b %d, %Y").strftime("%Y-%m-%d")


def split_byline(byline: str) -> tuple[str, list[str], bool, list[str]]:
    """Split `TitleFirst Author, Second Author et al. · org, org` into its parts.

    The title is glued to the first author with no space, so the split is at an
    upper-case letter that follows a non-space; of those, the first whose author
    fragment looks like a person's (or a group's) name wins.
    """
    orgs: list[str] = []
    if " · " in byline:
        byline, org_text = byline.rsplit(" · ", 1)
        orgs = [org.strip() for org in org_text.split(",") if org.strip()]
    truncated = False
    if byline.endswith(" et al."):
        byline, truncated = byline[: -len(" et al.")], True
    for start in _glue_points(byline):
        fragment = byline[start:].split(", ", 1)[0]
        if looks_like_name(fragment):
            title = byline[:start].strip()
            authors = [name.strip() for name in byline[start:].split(", ") if name.strip()]
            return title, authors, truncated, orgs
    return "", [], truncated, orgs


def _glue_points(text: str):
    for index in range(1, len(text)):
        if text[index].isupper() and not text[index - 1].isspace():
            yield index


def looks_like_name(fragment: str) -> bool:
    words = fragment.split()
    if not 1 <= len(words) <= 5:
        return False
    if 2 <= len(words) <= 3 and words[-1].lower() in GROUP_WORDS:
        # Group authors such as "BigScience Workshop" may be camel-cased.
        return all(_is_group_word(word) for word in words[:-1])
    if len(words) == 1:
        return False
    return _is_name_word(words[0]) and all(_is_name_word(w) or w in PARTICLES for w in words[1:])


def _is_name_word(word: str) -> bool:
    if re.fullmatch(r"[A-Z]\.(?:-?[A-Z]\.)*", word):  # initials: R. or J.-P.
        return True
    return all(_is_name_part(part) for part in word.split("-"))


def _is_name_part(part: str) -> bool:
    for prefix in NAME_PREFIXES:
        if part.startswith(prefix) and len(part) > len(prefix) and part[len(prefix)].isupper():
            part = part[len(prefix):]
            break
    if len(part) < 2 or not part[0].isupper():
        return False
    rest = part[1:].replace("'", "").replace("’", "")
    return rest.isalpha() and rest == rest.lower()


def _is_group_word(word: str) -> bool:
    capitals = sum(ch.isupper() for ch in word)
    return word[:1].isupper() and word.replace("-", "").isalnum() and capitals <= 2


# --- abstracts only ----------------------------------------------------------------------


def parse_abstracts(text: str, source: str) -> ParseResult:
    result = ParseResult()
    for number, line in _numbered_lines(text):
        if not line.startswith(ABSTRACT_PREFIX):
            raise ImportFormatError(source, number, f"expected a line starting with 'Abstract:', got {line[:60]!r}")
        abstract = line[len(ABSTRACT_PREFIX):].strip()
        if not abstract:
            result.skipped.append(Skip(number, "empty abstract"))
            continue
        result.records.append(PaperRecord(abstract=abstract, line=number))
    return result


# --- arXiv listing -----------------------------------------------------------------------


def parse_arxiv_listing(text: str, source: str) -> ParseResult:
    result = ParseResult()
    current: PaperRecord | None = None
    for number, line in _numbered_lines(text):
        match = ARXIV_LINE_RE.match(line)
        if match:
            if current is None:
                result.skipped.append(Skip(number, f"arXiv:{match.group('id')} closes no paper (no abstract before it)"))
            else:
                current.arxiv_id = match.group("id")
                result.records.append(current)
            current = None
            rest = match.group("rest").strip()
            if rest:
                current = PaperRecord(abstract=rest, line=number)
            continue
        if current is None:
            if len(line) < MIN_ABSTRACT_CHARS:
                result.skipped.append(Skip(number, "short line outside any paper (not an abstract)"))
            else:
                current = PaperRecord(abstract=line, line=number)
        elif len(line) <= COMMENT_MAX_CHARS:
            current.comments.append(line)
        else:
            raise ImportFormatError(
                source, number, "two abstracts in a row: the paper before this line has no arXiv id after it"
            )
    if current is not None:
        raise ImportFormatError(source, current.line, "the last paper has no arXiv id: the listing looks truncated")
    return result


def clean_text(value: str) -> str:
    """Drop control characters (escape sequences start with one) and normalise to NFC.

    Format characters (zero-width joiners in emoji, right-to-left marks) are
    kept: they are part of the text; the app neutralises bidi overrides on display.
    """
    return _CONTROL_RE.sub("", unicodedata.normalize("NFC", value))


# C0 and C1 controls but tab and newline, DEL, and lone surrogates.
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
