"""Real .bib files of different origins (tests/data/bib/real/README.md says
where each comes from and under which licence): every entry is read or
reported, and what export writes compiles with the real bibtex, parses with
bibtexparser and pybtex, and reads back to the same bytes."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache
from pathlib import Path

import bibtexparser
import pybtex.database
import pytest

from store.bibtex import STYLES, export_bibtex, parse_bibtex
from store.model import Paper

from .bibtex_check import needs_style, run_bibtex
from .test_bibtex import paper_from_record

REAL = Path(__file__).parent / "data" / "bib" / "real"

# Each file, and the file whose @strings it uses (read before it, as a user
# imports `IEEEabrv.bib IEEEexample.bib`).
MACROS_FROM = {"IEEEexample.bib": "IEEEabrv.bib"}
FILES = sorted(path.name for path in REAL.glob("*.bib"))
WITH_ENTRIES = [name for name in FILES if name != "IEEEabrv.bib"]

# An entry starts with @type{ or @type( at the start of a line; these types are not entries.
_ENTRY_START = re.compile(r"^[ \t]*@[ \t]*(\w+)[ \t]*[{(]", re.MULTILINE)
_NOT_ENTRIES = {"string", "preamble", "comment"}


def text_of(name: str) -> str:
    data = (REAL / name).read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # IEEEabrv.bib has one Latin-1 byte (in a comment): bibtex reads bytes;
        # the importer's decode() refuses it today (see the README of this folder).
        return data.decode("latin-1")


@cache  # read-only below: papers_of copies the records
def parsed(name: str):
    macros: dict[str, str] = {}
    if name in MACROS_FROM:
        parse_bibtex(text_of(MACROS_FROM[name]), MACROS_FROM[name], macros)
    return parse_bibtex(text_of(name), name, macros)


def papers_of(result) -> list[Paper]:
    """Papers as the store would hold them: every key unique, without regard to
    case (bibtex's rule), a repeated key given a letter (`Smith:80a`)."""
    taken: set[str] = set()
    papers = []
    for index, record in enumerate(result.records):
        key, suffix = record.key, 0
        while key.lower() in taken:
            suffix += 1
            key = f"{record.key}{chr(ord('a') + suffix - 1)}"
        taken.add(key.lower())
        papers.append(paper_from_record(replace(record, key=key), index))
    return papers


@cache
def exported(name: str, style: str) -> str:
    return export_bibtex(papers_of(parsed(name)), style=style)


def entries_in(text: str) -> int:
    return sum(1 for match in _ENTRY_START.finditer(text) if match.group(1).lower() not in _NOT_ENTRIES)


@pytest.mark.parametrize("name", FILES)
def test_every_entry_is_read_or_reported(name):
    result = parsed(name)
    assert len(result.records) + len(result.skipped) == entries_in(text_of(name))
    for skip in result.skipped:
        assert skip.line > 0 and "'" in skip.reason  # the line and the key


def test_a_file_of_abbreviations_gives_its_macros_to_the_file_after_it():
    abbreviations = parsed("IEEEabrv.bib")
    assert (abbreviations.records, abbreviations.skipped) == ([], [])
    assert abbreviations.macros["ieee_j_edl"] == "{IEEE} Electron Device Lett."
    venues = {record.key: record.venue for record in parsed("IEEEexample.bib").records}
    assert venues["IEEEexample:article_typical"] == "IEEE Electron Device Lett."


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("name", WITH_ENTRIES)
def test_export_reads_back_with_bibtexparser_and_pybtex(name, style):
    text = exported(name, style)
    keys = [paper.key for paper in papers_of(parsed(name))]
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    assert sorted(entry.key for entry in library.entries) == sorted(keys)
    assert len(pybtex.database.parse_string(text, "bibtex").entries) == len(keys)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("name", WITH_ENTRIES)
def test_export_import_export_gives_the_same_bytes(name, style):
    first = exported(name, style)
    again = export_bibtex(papers_of(parse_bibtex(first, "first.bib")), style=style)
    assert again == first


@pytest.mark.parametrize("bst", [pytest.param("plain", marks=needs_style("plain")),
                                 pytest.param("plainnat", marks=needs_style("plainnat"))])
@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("name", WITH_ENTRIES)
def test_export_compiles_with_bibtex_without_errors(tmp_path, name, style, bst):
    """Warnings are the data's own (an entry without a year stays without one);
    errors would stop a user's build. biblatex's output is for biber, but
    bibtex must still read it: entry types it does not know are only warnings."""
    text = exported(name, style)
    code, log, bbl = run_bibtex(tmp_path, text, bst)
    assert "error message" not in log, log[-3000:]
    assert code in (0, 1), log[-3000:]  # 1: warnings only
    assert bbl.count("\\bibitem") == len(parsed(name).records)
