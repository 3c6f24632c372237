"""BibTeX import and export, and citation keys.

Pure functions: text in, records or text out. No SQLite, no search index.

Import reads a .bib file with bibtexparser v2's splitter and resolves the rest
here: the default parse stack resolves a lone `@string` reference but not `#`
concatenation, and LaTeX must be decoded only for the fields that become
columns (the others are kept as raw LaTeX in `extra` so that export can write
them back unchanged).

Export writes one of three styles (`arxiv`, `scholar`, `biblatex`) that the
real `bibtex`, bibtexparser and pybtex all read without complaint.
"""

from __future__ import annotations

import itertools
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache

import bibtexparser
from bibtexparser.middlewares.names import parse_single_name_into_parts, split_multiple_persons_names
from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry, ParsingFailedBlock, String
from pylatexenc import latex2text
from pylatexenc.latexencode import UnicodeToLatexEncoder

from .listing import GROUP_WORDS
from .model import (
    STAND_IN_PREFIX,
    ImportFormatError,
    Paper,
    PaperRecord,
    ParseResult,
    Skip,
    full_category,
    normalise_arxiv_id,
    normalise_doi,
)

STYLES = ("arxiv", "scholar", "biblatex")

# bibtexparser logs each syntax error as a warning, which Python's last-resort
# handler would print over the terminal UI; we raise ImportFormatError instead.
# A NullHandler silences only that fallback: an app's own logging still sees it.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

# ---------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------


def parse_bibtex(text: str, source: str, macros: dict[str, str] | None = None) -> ParseResult:
    """Read a .bib file: one `PaperRecord` per entry, or a `Skip` for an entry
    with neither title, author nor identifier.

    `macros` holds `@string` definitions from files read before (a journal
    abbreviations file imported first or together); this file's definitions are
    added to it. A `crossref` is resolved here: the entry takes the fields it
    lacks from the entry it names, and a volume that is only a crossref target
    is reported as skipped.

    Raises `ImportFormatError` on a syntax error (naming the line of the broken
    block) and when the text holds no entry at all.
    """
    library = bibtexparser.parse_string(text, parse_stack=[])
    _raise_on_syntax_error(library, source)
    macros = macros if macros is not None else {}
    entries: list[tuple[Entry, _Fields]] = []
    # Blocks in file order, because an @string only applies to what follows it.
    for block in library.blocks:
        if isinstance(block, (DuplicateBlockKeyBlock, DuplicateFieldKeyBlock)):
            # A repeated key or field is legal for bibtex (it warns); keep the block.
            block = block.ignore_error_block
        if isinstance(block, String):
            macros[block.key.lower()] = _evaluate(block.value, macros)
        elif isinstance(block, Entry):
            entries.append((block, _Fields(block, macros)))
    if not entries:
        raise ImportFormatError(source, None, "no BibTeX entries found")
    return _records_of(entries)


def _records_of(entries: list[tuple[Entry, "_Fields"]]) -> ParseResult:
    by_key = {entry.key.lower(): fields for entry, fields in entries}
    targets = {f.values["crossref"].strip().lower() for _, f in entries if f.get("crossref")}
    result = ParseResult()
    for entry, fields in entries:
        parent = by_key.get((fields.get("crossref") or "").strip().lower())
        if parent is not None:
            fields.inherit(parent)
        if entry.key.lower() in targets and entry.entry_type.lower() in _VOLUME_TYPES:
            line = (entry.start_line or 0) + 1
            result.skipped.append(Skip(line, f"'{entry.key}' is a volume named by crossref; its fields went to the entries citing it"))
            continue
        item = _entry_to_record(entry, fields)
        (result.records if isinstance(item, PaperRecord) else result.skipped).append(item)
    return result


_VOLUME_TYPES = {"proceedings", "book", "collection", "mvproceedings", "mvbook", "mvcollection", "periodical"}


def _raise_on_syntax_error(library: bibtexparser.Library, source: str) -> None:
    for block in library.failed_blocks:
        # Duplicates are subclasses of ParsingFailedBlock but not syntax errors.
        if type(block) is ParsingFailedBlock:
            reason = getattr(block.error, "abort_reason", None) or str(block.error)
            line = block.start_line + 1 if block.start_line is not None else None
            raise ImportFormatError(source, line, f"BibTeX syntax error: {reason.strip()}")


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


class _Fields:
    """An entry's fields by lowercase name; remembers those that became columns
    so that every other field lands in `extra`."""

    def __init__(self, entry: Entry, macros: dict[str, str]):
        self.values: dict[str, str] = {}
        for field in entry.fields:
            # Field names are case-insensitive; like bibtex, the first one wins.
            self.values.setdefault(field.key.strip().lower(), _evaluate(field.value, macros))
        self.used: set[str] = set()

    def inherit(self, parent: "_Fields") -> None:
        """Take what this entry lacks from its crossref parent, as bibtex does;
        the parent's title is this entry's booktitle."""
        for name, value in parent.values.items():
            if name not in ("crossref", "title", "key") and not self.get(name):
                self.values[name] = value
        if not self.get("booktitle") and parent.get("title"):
            self.values["booktitle"] = parent.values["title"]
        self.used.add("crossref")

    def get(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if value and value.strip() else None

    def take(self, *names: str) -> str | None:
        """Mark these fields as read; the first non-empty one's value."""
        self.used.update(name for name in names if name in self.values)
        return next((self.get(name) for name in names if self.get(name)), None)

    def extra(self) -> dict[str, str]:
        return {name: value for name, value in self.values.items() if name not in self.used}


def _entry_to_record(entry: Entry, fields: _Fields) -> PaperRecord | Skip:
    line = (entry.start_line or 0) + 1  # bibtexparser counts lines from 0
    # The arXiv id first: it decides whether `journal` is a venue or a pseudo-journal.
    arxiv_id = _read_arxiv(fields)
    doi = normalise_doi(fields.take("doi"))
    url = _read_url(fields.take("url"))
    arxiv_id = arxiv_id or _arxiv_id_from_doi(doi) or _arxiv_id_from_url(url)
    category = _read_category(fields) if arxiv_id else None
    authors, truncated = _read_authors(fields.take("author"))
    title = _decode(fields.take("title"))
    if not (title or authors or arxiv_id or doi):
        return Skip(line, f"entry '{entry.key}' has no title, author or identifier")
    record = PaperRecord(
        title=title,
        authors=authors,
        authors_truncated=truncated,
        date=_read_date(fields),
        category=category,
        arxiv_id=arxiv_id,
        doi=doi,
        url=url,
        venue=_decode(_read_venue(fields)),
        abstract=_decode(fields.take("abstract")),
        entry_type=entry.entry_type.lower(),
        key=entry.key,
        line=line,
    )
    record.extra = fields.extra()  # last: every column above has taken its fields
    if title and title.startswith(STAND_IN_PREFIX):
        # Our own stand-in for a paper with no title: not a title to keep, but
        # what the paper is shown as until a listing gives the real one.
        record.title, record.extra["title"] = None, title
    return record


# --- LaTeX to text -----------------------------------------------------------


def _make_decoder() -> latex2text.LatexNodes2Text:
    context = latex2text.get_default_latex_context_db()
    context.add_context_category(
        "papers-tui",
        prepend=True,
        macros=[
            latex2text.MacroTextSpec("url", simplify_repl="%s"),  # not <...>
            # pylatexenc gives U+02C6; export writes a plain ^ this way, so read it back.
            latex2text.MacroTextSpec("textasciicircum", simplify_repl="^"),
        ],
    )
    # Math as text: `$\alpha$-divergence` reads better as `α-divergence`.
    return latex2text.LatexNodes2Text(latex_context=context, math_mode="text")


_DECODER = _make_decoder()
# Text without any of these reads the same as LaTeX and as Unicode (fast path).
_LATEX_MARKS = re.compile(r"[\\{}$~%]|--|``|''")


def _decode(latex: str | None) -> str | None:
    """LaTeX to Unicode text: accents decoded, braces dropped, whitespace collapsed."""
    if not latex:
        return None
    if _LATEX_MARKS.search(latex):
        # In a .bib file a bare % is a percent sign, not a LaTeX comment.
        latex = _DECODER.latex_to_text(re.sub(r"(?<!\\)%", r"\\%", latex))
    return " ".join(latex.split()) or None


# --- Columns -----------------------------------------------------------------

_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}


def _read_authors(raw: str | None) -> tuple[list[str], bool]:
    """`Last, First and von Last, Jr., First and others` -> 'First Last' strings."""
    authors, truncated = [], False
    for name in split_multiple_persons_names(raw or ""):
        if name.strip().lower() == "others":
            truncated = True
            continue
        decoded = _first_last(name)
        if decoded:
            authors.append(decoded)
    return authors, truncated


@lru_cache(maxsize=8192)  # the same people sign many entries of a file
def _first_last(name: str) -> str | None:
    """One BibTeX name to 'First von Last Jr': split the LaTeX form (braces
    group words), then decode."""
    parts = parse_single_name_into_parts(name, strict=False)
    return _decode(" ".join(parts.first + parts.von + parts.last + parts.jr))


def _read_date(fields: _Fields) -> str | None:
    """`date` (biblatex) or year + month: 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'."""
    date = fields.get("date")
    match = re.match(r"\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", date or "")
    if match:
        fields.take("date", "year", "month")
        year, month, day = match.groups()
        return _format_date(year, month and int(month), day and int(day))
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
    return _MONTHS.index(value[:3]) + 1 if value[:3] in _MONTHS else None


# "arXiv preprint arXiv:2301.03988" (Google Scholar), "arXiv e-prints" (ADS),
# "CoRR" (DBLP), "ArXiv" (Semantic Scholar): the preprint server, not a venue.
_PSEUDO_JOURNAL = re.compile(r"\s*(?:arxiv\b|corr\b)", re.IGNORECASE)


def _read_arxiv(fields: _Fields) -> str | None:
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
        arxiv_id = arxiv_id or normalise_arxiv_id(journal) or volume_id
        if arxiv_id:
            fields.take("journal", "journaltitle", "howpublished")
            if volume_id:
                fields.take("volume")  # DBLP's `abs/2301.03988` repeats the id
    return arxiv_id


def _read_category(fields: _Fields) -> str | None:
    """primaryClass (arXiv's BibTeX) or eprintclass (biblatex); its first class only."""
    value = fields.take("primaryclass", "eprintclass")
    return full_category(value.split()[0]) if value else None


def _id_in_volume(volume: str | None) -> str | None:
    match = re.fullmatch(r"\s*abs/(\S+)\s*", volume or "")
    return normalise_arxiv_id(match.group(1)) if match else None


def _arxiv_id_from_doi(doi: str | None) -> str | None:
    """arXiv's own DOIs: 10.48550/arxiv.2301.03988."""
    match = re.fullmatch(r"10\.48550/arxiv\.(.+)", doi or "")
    return normalise_arxiv_id(match.group(1)) if match else None


def _read_url(raw: str | None) -> str | None:
    """The URL as written (never LaTeX-decoded: `~` and `%` are literal there)."""
    if not raw:
        return None
    match = re.fullmatch(r"\s*\\url\{(.*)\}\s*", raw)
    return (match.group(1) if match else raw).strip() or None


def _arxiv_id_from_url(url: str | None) -> str | None:
    match = re.search(r"arxiv\.org/(?:abs|pdf|html)/([^?#\s]+?)(?:\.pdf)?/?(?:[?#]|$)", url or "", re.IGNORECASE)
    return normalise_arxiv_id(match.group(1)) if match else None


def _read_venue(fields: _Fields) -> str | None:
    for name in ("journal", "journaltitle", "booktitle"):
        value = fields.get(name)
        if value and not _PSEUDO_JOURNAL.match(value):
            return fields.take(name)
    return None


# ---------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------


def export_bibtex(papers: Iterable[Paper], style: str = "arxiv") -> str:
    """The papers as a .bib file in one of `STYLES`.

    - `arxiv`: arXiv preprints as `@misc` with eprint/archivePrefix/primaryClass,
      as arxiv.org gives them; published papers as `@article`/`@inproceedings`.
    - `scholar`: preprints as Google Scholar's `@article` with
      `journal = {arXiv preprint arXiv:ID}` (the id is printed only there).
    - `biblatex`: preprints as `@online` with eprinttype/eprintclass and `date`;
      text kept in UTF-8.

    A paper is a preprint when it has an arXiv id and no venue; a paper with
    both keeps its venue and carries the eprint fields as well.

    In `arxiv` and `scholar`, non-ASCII text becomes LaTeX accent commands.
    `month` is written as the bare bibtex macro (`month = mar`), the one value
    not in braces, because bibtex styles print it as "March" only that way.
    Fields kept in `extra` from a BibTeX import are written back as raw LaTeX.
    """
    if style not in STYLES:
        raise ValueError(f"unknown BibTeX style {style!r}; choose one of {', '.join(STYLES)}")
    entries = [_format_entry(paper, style) for paper in papers]
    return "\n\n".join(entries) + "\n" if entries else ""


def _format_entry(paper: Paper, style: str) -> str:
    preprint = bool(paper.arxiv_id) and not paper.venue
    entry_type = _entry_type(paper, style, preprint)
    ascii_only = style != "biblatex"
    fields = [("title", _braced(_latex_title(paper.display_title, ascii_only)))]
    if paper.authors:
        fields.append(("author", _braced(_latex_authors(paper, ascii_only))))
    else:
        # bibtex styles sort by author, or by `key` when there is none.
        fields.append(("key", _braced(_latex(paper.key, ascii_only))))
    fields += _venue_fields(paper, style, entry_type, preprint)
    fields += _date_fields(paper, style)
    fields += _id_fields(paper, style, preprint)
    written = {name.lower() for name, _ in fields}
    fields += _extra_fields(paper, written | {alias for name in written for alias in _ALIASES.get(name, ())})
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@{entry_type}{{{paper.key},\n{body}\n}}"


def _braced(value: str) -> str:
    return "{" + value + "}"


# biblatex types bibtex's standard styles do not know, and their nearest kin.
_BIBTEX_TYPE = {
    "online": "misc",
    "electronic": "misc",
    "www": "misc",
    "software": "misc",
    "dataset": "misc",
    "report": "techreport",
    "thesis": "phdthesis",
}
_BOOKTITLE_TYPES = {"inproceedings", "conference", "incollection", "inbook"}
_CONFERENCE = re.compile(
    r"proceedings|conference|workshop|symposium|\b(?:NeurIPS|NIPS|ICML|ICLR|ACL|EMNLP|NAACL|EACL|"
    r"COLING|CVPR|ICCV|ECCV|AAAI|IJCAI|KDD|SIGIR|WWW|CHI|Interspeech|ICASSP)\b",
    re.IGNORECASE,
)


def _entry_type(paper: Paper, style: str, preprint: bool) -> str:
    if preprint:
        if style == "scholar" and not paper.authors:
            return "misc"  # @article wants an author; bibtex warns without one
        return {"arxiv": "misc", "scholar": "article", "biblatex": "online"}[style]
    entry_type = (paper.entry_type or "").lower()
    if not entry_type:
        if not paper.venue:
            return "misc"
        entry_type = "inproceedings" if _CONFERENCE.search(paper.venue) else "article"
    return entry_type if style == "biblatex" else _BIBTEX_TYPE.get(entry_type, entry_type)


def _venue_fields(paper: Paper, style: str, entry_type: str, preprint: bool) -> list[tuple[str, str]]:
    if preprint:
        if style == "scholar":
            name = "journal" if entry_type == "article" else "howpublished"
            return [(name, _braced(f"arXiv preprint arXiv:{paper.arxiv_id}"))]
        return []
    if not paper.venue:
        return []
    if entry_type in _BOOKTITLE_TYPES:
        name = "booktitle"
    else:
        # One field for every other type, so that a round trip keeps the venue.
        name = "journaltitle" if style == "biblatex" else "journal"
    return [(name, _braced(_latex(paper.venue.strip(), style != "biblatex")))]


def _date_fields(paper: Paper, style: str) -> list[tuple[str, str]]:
    if style == "biblatex":
        date = paper.date or (str(paper.year) if paper.year else None)
        return [("date", _braced(date))] if date else []
    fields = [("year", _braced(str(paper.year)))] if paper.year else []
    month = paper.date[5:7] if paper.date and len(paper.date) >= 7 else ""
    if month.isdigit() and 1 <= int(month) <= 12:
        fields.append(("month", _MONTHS[int(month) - 1]))  # the macro, unbraced
    return fields


def _id_fields(paper: Paper, style: str, preprint: bool) -> list[tuple[str, str]]:
    fields = []
    if paper.arxiv_id and style in ("arxiv", "biblatex"):
        fields.append(("eprint", _braced(paper.arxiv_id)))
        prefix, cls = ("archivePrefix", "primaryClass") if style == "arxiv" else ("eprinttype", "eprintclass")
        fields.append((prefix, _braced("arXiv" if style == "arxiv" else "arxiv")))
        if paper.category:
            fields.append((cls, _braced(_latex(paper.category, True))))
    url = paper.url or (f"https://arxiv.org/abs/{paper.arxiv_id}" if paper.arxiv_id else None)
    doi = paper.doi
    if style == "scholar" and preprint:
        # Scholar's form prints the id once, in `journal`: drop links repeating it.
        doi = doi if doi and paper.arxiv_id.lower() not in doi.lower() else None
        url = paper.url if paper.url and paper.arxiv_id not in paper.url else None
    if doi:
        fields.append(("doi", _braced(_verbatim(doi))))
    if url:
        fields.append(("url", _braced(_verbatim(url))))
    return fields


# Fields that say the same as a written one under another name (biblatex vs
# bibtex): an extra namesake would contradict it, and a re-import would drop it.
_ALIASES = {
    "date": ("year", "month"),
    "year": ("date",),
    "journaltitle": ("journal",),
    "journal": ("journaltitle",),
    "eprinttype": ("archiveprefix",),
    "archiveprefix": ("eprinttype",),
    "eprintclass": ("primaryclass",),
    "primaryclass": ("eprintclass",),
}


def _extra_fields(paper: Paper, written: set[str]) -> list[tuple[str, str]]:
    """Fields a BibTeX import kept, raw; a field written above wins over its namesake."""
    return [
        (name.lower(), _braced(" ".join(value.split())))
        for name, value in paper.extra.items()
        if name.lower() not in written
    ]


def _verbatim(value: str) -> str:
    """URLs and DOIs are not escaped, but a stray brace would end the value."""
    return value.strip().replace("{", "%7B").replace("}", "%7D")


# --- Text to LaTeX -------------------------------------------------------------

_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_SPACES = re.compile(r"\s+")
_NEEDS_LATEX = re.compile(r"[\\{}&%$#_~^]|[^\x00-\x7f]")
_ENCODER = UnicodeToLatexEncoder(
    non_ascii_only=True,
    replacement_latex_protection="braces-all",  # {\c{c}}: safe inside words and names
    unknown_char_policy="fail",
    unknown_char_warning=False,
)


def _latex(text: str, ascii_only: bool) -> str:
    """Escape bibtex/LaTeX specials; with ascii_only, non-ASCII to accent commands."""
    # Runs of whitespace become one space but are not stripped: `text` may be a
    # piece between two words of a title.
    text = _SPACES.sub(" ", text)
    if not _NEEDS_LATEX.search(text):
        return text  # the common case, and exports of big libraries are mostly it
    text = unicodedata.normalize("NFC", text)
    return "".join(
        _SPECIALS.get(char) or (_ascii_latex(char) if ascii_only and ord(char) > 127 else char) for char in text
    )


@lru_cache(maxsize=4096)
def _ascii_latex(char: str) -> str:
    try:
        return _ENCODER.unicode_to_latex(char)
    except ValueError:
        # No LaTeX form (ș, CJK, emoji): keep the base letter if there is one.
        return _fold_ascii(char)


_FOLD = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
     "đ": "d", "Đ": "D", "ð": "d", "þ": "th", "Þ": "Th", "ı": "i"}
)


def _fold_ascii(text: str) -> str:
    """Laurençon -> Laurencon, Łukasz -> Lukasz; what has no ASCII form is dropped."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return decomposed.encode("ascii", "ignore").decode("ascii")


# Words for title protection: letters and digits, with inner apostrophes and
# decimal points (`don't`, `1.6TB`).
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+|\.\d[^\W_]*)*")
_STOP_WORDS = frozenset(
    "a an the on of in for and or nor but to with without from towards toward is are was were be been "
    "via at by as its it do does can we how what when why which into onto over under about using "
    "this that these those not no vs versus".split()
)


def _latex_title(title: str, ascii_only: bool) -> str:
    """Escaped title with words that must keep their case braced one by one
    (`{BLOOM}`, `{StarCoder}`); bibtex styles may lowercase the rest."""
    title = " ".join(title.split())
    protected = _protected_word_starts(title)
    pieces, last = [], 0
    for match in _WORD.finditer(title):
        pieces.append(_latex(title[last : match.start()], ascii_only))
        word = _latex(match.group(), ascii_only)
        pieces.append(_braced(word) if match.start() in protected else word)
        last = match.end()
    pieces.append(_latex(title[last:], ascii_only))
    return "".join(pieces)


def _protected_word_starts(title: str) -> set[int]:
    """Start offsets of the words to brace.

    Always: words with a capital after the first letter or a capital and a
    digit (BLOOM, LLMs, StarCoder, 176B, T5), and single capitals other than
    `A` (C, R, X: symbols and names). Capitalised words in the middle
    only when the title is in sentence case (then they are proper names: in
    "Training models on English text" `English`); in Title Case they are not.
    The first word and the first after a colon are never counted: styles keep them.
    """
    protected, capitalised, lowercase = set(), [], 0
    for index, match in enumerate(_WORD.finditer(title)):
        word = match.group()
        if _always_protected(word):
            protected.add(match.start())
            continue
        if index == 0 or title[: match.start()].rstrip().endswith(":") or not word[0].isalpha():
            continue
        if word[0].isupper():
            capitalised.append(match.start())
        elif word.lower() not in _STOP_WORDS:
            lowercase += 1
    non_stop_capitals = [s for s in capitalised if _WORD.match(title, s).group().lower() not in _STOP_WORDS]
    if len(non_stop_capitals) <= lowercase:  # sentence case
        protected.update(capitalised)
    return protected


def _always_protected(word: str) -> bool:
    if len(word) == 1:
        return word.isupper() and word != "A"
    # any(map(...)) of a builtin: this runs for every word of every exported title.
    return any(map(str.isupper, word[1:])) or (word[0].isupper() and any(map(str.isdigit, word)))


def _latex_authors(paper: Paper, ascii_only: bool) -> str:
    names = [_latex_name(name, ascii_only) for name in paper.authors]
    if paper.authors_truncated:
        names.append("others")
    return " and ".join(names)


def _latex_name(name: str, ascii_only: bool) -> str:
    """'Oskar van der Wal' -> 'van der Wal, Oskar'; a name bibtex would split
    wrongly (one holding `and` or a comma) is braced whole."""
    if _WHOLE_NAME.search(name) or _is_group_author(name):
        return _braced(_latex(name, ascii_only))
    first, last, jr = _split_name(name)
    pieces = [last] + ([jr] if jr else []) + ([first] if first else [])
    return ", ".join(_latex(piece, ascii_only) for piece in pieces)


_WHOLE_NAME = re.compile(r"\band\b|,", re.IGNORECASE)


def _is_group_author(name: str) -> bool:
    """'BigScience Workshop' is one name, not Workshop, BigScience."""
    words = name.split()
    return len(words) >= 2 and words[-1].lower() in GROUP_WORDS


@lru_cache(maxsize=8192)  # a library names the same people again and again
def _split_name(name: str) -> tuple[str, str, str]:
    """'First von Last Jr.' -> (first, 'von Last', jr), by bibtex's own rules."""
    words = name.split()
    jr = words.pop() if len(words) > 2 and words[-1].lower() in _SUFFIXES else ""
    if words and all(word[0].isupper() and "{" not in word and "\\" not in word for word in words):
        # No lowercase (von) word: bibtex takes the last word as the last name.
        return " ".join(words[:-1]), words[-1], jr
    parts = parse_single_name_into_parts(" ".join(words), strict=False)
    return " ".join(parts.first), " ".join(parts.von + parts.last), jr


# ---------------------------------------------------------------------------
# Citation keys
# ---------------------------------------------------------------------------

DEFAULT_KEY_PATTERN = "{author}{year}{word}"


def make_citation_key(
    authors: list[str],
    year: int | None,
    title: str | None,
    taken: Callable[[str], bool],
    pattern: str | None = None,
) -> str:
    """A citation key not yet `taken`, like Google Scholar's: `kocetkov2022stack`.

    Placeholders of `pattern` (default `{author}{year}{word}`):

    - `{author}`: surname of the first author, lowercase ASCII, letters only
      (Laurençon -> `laurencon`). Particles are dropped as Google Scholar does:
      "Oskar van der Wal" -> `wal`. No author -> `anon`.
    - `{Author}`: the same, capitalised (`Kocetkov`).
    - `{year}`: the year, or nothing.
    - `{word}`, `{words2}`, `{words3}`: the first one, two, three significant
      title words (stop words such as the, of, on, towards skipped; non-letters
      stripped), lowercase and run together; nothing without a title.

    Characters not allowed in a key are removed. On a collision `a`, `b`, ...
    `z`, `aa`, `ab`, ... is appended (`kocetkov2022stacka`).
    """
    surname = _key_surname(authors) or "anon"
    words = _significant_words(title or "")
    values = {
        "author": surname,
        "Author": surname.capitalize(),
        "year": str(year) if year else "",
        "word": "".join(words[:1]),
        "words2": "".join(words[:2]),
        "words3": "".join(words[:3]),
    }
    base = re.sub(r"\{(\w+)\}", lambda m: _placeholder(values, m.group(1)), pattern or DEFAULT_KEY_PATTERN)
    # Separators around an empty placeholder (`{author}_{year}` without a year) go too.
    base = re.sub(r"[^A-Za-z0-9_:.\-]", "", base).strip("_:.-") or "anon"
    return next(base + suffix for suffix in _key_suffixes() if not taken(base + suffix))


def _placeholder(values: dict[str, str], name: str) -> str:
    if name not in values:
        raise ValueError(f"unknown placeholder {{{name}}} in key pattern; use one of {', '.join(values)}")
    return values[name]


def _key_suffixes() -> Iterator[str]:
    """'', 'a' ... 'z', 'aa', 'ab' ... without end."""
    yield ""
    for size in itertools.count(1):
        for letters in itertools.product("abcdefghijklmnopqrstuvwxyz", repeat=size):
            yield "".join(letters)


def _key_surname(authors: list[str]) -> str:
    if not authors or not authors[0].strip():
        return ""
    _, von_last, _ = _split_name(authors[0])
    last = von_last.split()[-1] if von_last.split() else ""
    return re.sub(r"[^a-z]", "", _fold_ascii(last).lower())


def _significant_words(title: str) -> list[str]:
    words = []
    for raw in re.split(r"[\s/\-–—]+", _fold_ascii(title).lower()):
        word = re.sub(r"[^a-z]", "", raw)
        if word and word not in _STOP_WORDS:
            words.append(word)
    return words
