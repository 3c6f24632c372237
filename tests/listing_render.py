"""Render corpus records as the three listing shapes, parse them back, and compare every field.

Shared by tests/test_listing_roundtrip.py (a fixed sample) and benchmarks/listing_roundtrip.py
(all 100,000). The shapes copy ../shared/samples exactly:

* cards: `CLMar 22, 2023Code`, then `TitleFirst Author, Second, Third et al. · org, org`, then the abstract;
* abstracts: `Abstract:` glued to each abstract, one a line;
* arXiv: the first abstract, comment lines, `arXiv:ID` glued to the next abstract, …, the last id alone.
"""

from __future__ import annotations

import json
import lzma
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from store.errors import ImportFormatError
from store.importers import parse_text
from store.listing import clean_text
from store.model import full_category

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "papers100k.jsonl.xz"
SHAPES = ("cards", "abstracts", "arxiv")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
ORGS = ("huggingface", "allen-ai", "cmu", "berkeley", "amazon-science", "ibm-research", "cambridge", "salesforce")
PAPERS_PER_FILE = 100


def load_corpus(path: Path = CORPUS, limit: int | None = None, every: int = 1) -> list[dict]:
    """Records of the corpus: the first `limit` of every `every`-th line."""
    records = []
    with lzma.open(path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if number % every == 0 and line.strip():
                records.append(json.loads(line))
                if limit is not None and len(records) >= limit:
                    break
    return records


def _one_line(text: str) -> str:
    return " ".join(clean_text(text).split())


def _hash(record: dict, salt: str) -> int:
    return zlib.crc32(f"{salt}:{record['id']}".encode())


@dataclass
class Expected:
    """What a parser should read back for one record, and the lines that render it."""

    fields: dict
    lines: list[str] = field(default_factory=list)


# --- cards -------------------------------------------------------------------------------


def card_category(record: dict) -> tuple[str, str]:
    """(as the card shows it, as the parser should read it). Anthology papers are cs.CL."""
    category = record["categories"][0] if record.get("categories") else "cs.CL"
    short = category.split(".", 1)[1] if "." in category else category
    if full_category(short) == category:
        return short, category
    return category, category  # outside cs/stat/eess the card shows the full form


def card_date(record: dict) -> tuple[str, str]:
    parts = (record.get("date") or "2020").split("-") + ["01", "01"]
    year, month, day = int(parts[0]), int(parts[1]), int(parts[2])
    return f"{MONTHS[month - 1]} {day}, {year}", f"{year:04d}-{month:02d}-{day:02d}"


def card_byline(record: dict) -> tuple[str, dict]:
    authors = [_one_line(a) for a in record["authors"]]
    shown, truncated = authors[:3], len(authors) > 3
    orgs = list(ORGS[_hash(record, "org") % len(ORGS) :][: 1 + _hash(record, "orgs") % 2]) if _hash(record, "o") % 4 == 0 else []
    title = _one_line(record["title"])
    byline = title + ", ".join(shown) + (" et al." if truncated else "") + (" · " + ", ".join(orgs) if orgs else "")
    return byline, {"title": title, "authors": shown, "authors_truncated": truncated, "orgs": orgs}


def render_card(record: dict) -> Expected:
    shown_category, category = card_category(record)
    shown_date, date = card_date(record)
    has_code = _hash(record, "code") % 3 == 0
    byline, byline_fields = card_byline(record)
    abstract = _one_line(record["abstract"])
    meta = f"{shown_category}{shown_date}{'Code' if has_code else ''}"
    fields = byline_fields | {"date": date, "category": category, "has_code": has_code, "abstract": abstract}
    return Expected(fields, [meta, byline, abstract])


# --- abstracts ---------------------------------------------------------------------------


def render_abstract(record: dict) -> Expected:
    abstract = _one_line(record["abstract"])
    return Expected({"title": None, "abstract": abstract}, [f"Abstract:{abstract}"])


# --- arXiv listing -----------------------------------------------------------------------


def arxiv_id(record: dict) -> str:
    """The record's own id, or one made up in the style of its year for Anthology papers."""
    if re.fullmatch(r"\d{4}\.\d{4,5}", record["id"]):
        return record["id"]
    year, month = ((record.get("date") or "2020") + "-01").split("-")[:2]
    digits = 5 if f"{year[2:]}{month}" >= "1501" else 4
    return f"{year[2:]}{month}.{_hash(record, 'id') % 10**digits:0{digits}d}"


def arxiv_comments(record: dict) -> list[str]:
    comments = []
    if record.get("venue"):
        comments.append(f"Published in {_one_line(record['venue'])}")
    if _hash(record, "pages") % 3 == 0:
        comments.append(f"{8 + _hash(record, 'p') % 30} pages, {1 + _hash(record, 'f') % 12} figures")
    return comments


def render_arxiv(records: list[dict]) -> tuple[str, list[Expected]]:
    """One listing: each record's abstract, its comments, then its id glued to the next abstract."""
    lines: list[str] = []
    expected: list[Expected] = []
    pending_id = None
    for record in records:
        abstract = _one_line(record["abstract"])
        comments = [_one_line(c) for c in record.get("_comments", arxiv_comments(record))]
        start = len(lines) + 1 if pending_id is None else len(lines)
        if pending_id is None:
            lines.append(abstract)
        else:
            lines[-1] = f"arXiv:{pending_id}{abstract}"
        lines.extend(comments)
        pending_id = arxiv_id(record)
        lines.append(f"arXiv:{pending_id}")
        expected.append(Expected({"arxiv_id": pending_id, "abstract": abstract, "comments": comments, "title": None}, [str(start)]))
    return "\n".join(lines) + "\n", expected


# --- round trip --------------------------------------------------------------------------


@dataclass
class Tally:
    exact: int = 0
    flagged: int = 0  # read with a flag or skipped and reported (right or wrong)
    flagged_right: int = 0
    wrong: int = 0  # read wrong with no flag: the failure that must not happen
    refused_files: int = 0
    byline_exact: int = 0
    wrong_examples: list = field(default_factory=list)
    field_errors: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return self.exact + self.flagged + self.wrong


def _render_file(shape: str, records: list[dict]) -> tuple[str, list[tuple[int, Expected]]]:
    if shape == "arxiv":
        text, expected = render_arxiv(records)
        return text, [(int(e.lines[0]), e) for e in expected]
    lines: list[str] = []
    starts = []
    for record in records:
        rendered = render_card(record) if shape == "cards" else render_abstract(record)
        starts.append((len(lines) + 1, rendered))
        lines.extend(rendered.lines)
    return "\n".join(lines) + "\n", starts


def round_trip(records: list[dict], shape: str, tally: Tally | None = None, per_file: int = PAPERS_PER_FILE) -> Tally:
    """Render `records` as files of `per_file` papers in `shape`, parse them, compare every field."""
    tally = tally or Tally()
    for offset in range(0, len(records), per_file):
        text, expected = _render_file(shape, records[offset : offset + per_file])
        try:
            result = parse_text(text, f"roundtrip.{shape}", shape)
        except ImportFormatError:
            tally.refused_files += 1
            tally.wrong += len(expected)
            continue
        by_line = {record.line: record for record in result.records}
        skipped = {skip.line for skip in result.skipped}
        for line, want in expected:
            _compare(tally, by_line.get(line), line in skipped, want)
    return tally


def _compare(tally: Tally, got, skipped: bool, want: Expected) -> None:
    if got is None:
        if skipped:
            tally.flagged += 1
        else:
            tally.wrong += 1
            tally.wrong_examples.append(("missing", want.fields))
        return
    wrong = [name for name, value in want.fields.items() if getattr(got, name) != value]
    byline_fields = ("title", "authors", "authors_truncated", "orgs")
    if "authors" in want.fields and not any(name in wrong for name in byline_fields):
        tally.byline_exact += 1
    tally.field_errors.update(wrong)
    if got.flags:
        tally.flagged += 1
        tally.flagged_right += not wrong
    elif wrong:
        tally.wrong += 1
        tally.wrong_examples.append((wrong, {name: (want.fields[name], getattr(got, name)) for name in wrong}))
    else:
        tally.exact += 1


# --- hazards the corpus lacks ------------------------------------------------------------

LONG_COMMENT = (
    "Accepted at the Annual Meeting of the Association for Computational Linguistics; authors are with the "
    "University of Edinburgh, School of Informatics, 10 Crichton Street, Edinburgh, the Allen Institute for AI, "
    "Seattle, the Department of Computer Science, Carnegie Mellon University, Pittsburgh, and Hugging Face, Paris; "
    "code and data at https://github.com/example/project; 42 pages, 17 figures, 9 tables, appendix included"
)
TITLE_ENDINGS = ("?", "!", " (Extended Abstract)", " 2", " v3", ": Part II")
TEX_TITLES = ("$k$NN Retrieval for {}", "{} with $\\mathcal{{O}}(n \\log n)$ Attention", "{} in $\\mathbb{{R}}^3$")
DIGIT_STARTS = ("3D reconstruction comes first. ", "360-degree video is the topic. ", "2025 saw this. ", "5G networks matter. ")


def hazard_records(records: list[dict]) -> list[dict]:
    """Copies of real records with what real pages show but the corpus lacks."""
    hazards = []
    for index, record in enumerate(records):
        copy = dict(record, id=f"{record['id']}-hazard{index}")
        kind = index % 6
        title = record["title"].rstrip("?!.")
        if kind == 0:
            copy["title"] = title + TITLE_ENDINGS[index // 6 % len(TITLE_ENDINGS)]
        elif kind == 1:
            copy["title"] = TEX_TITLES[index // 6 % len(TEX_TITLES)].format(title)
        elif kind == 2:
            copy["abstract"] = DIGIT_STARTS[index // 6 % len(DIGIT_STARTS)] + record["abstract"]
            copy["date"] = "2014-09" if index % 12 == 2 else record.get("date")  # four-digit ids glued to digits
            copy["categories"] = []
        elif kind == 3:
            copy["_comments"] = [LONG_COMMENT, "See also arXiv:2101.00001 for the short version"]
        elif kind == 4:
            copy["abstract"] = record["abstract"] + " We build on arXiv:1706.03762 and arXiv:2303.03915v2 throughout."
        else:
            copy["_comments"] = ["Extended version of arXiv:1810.04805, " + LONG_COMMENT]
        hazards.append(copy)
    return hazards
