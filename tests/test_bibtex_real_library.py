"""The real .bib files of tests/data/bib/real/ through the library, as a user's
own bibliography goes in and comes out (issue 12): every entry is a paper, an
alias or a reported skip; every key that came in resolves, and is in every
export style (as an entry's key or one of its aliases); the real bibtex reads
each export without an error; export -> import -> export gives the same bytes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import bibtexparser
import pytest

from store.bibtex import ids_of
from store.importing import ImportReport
from store.library import Library
from store.styles import STYLES
from tui.cli import main

from .bibtex_check import needs_style, run_bibtex
from .test_bibtex_real import MACROS_FROM, REAL, WITH_ENTRIES, entries_in, parsed, text_of

REPEAT_OF_SAME_PAPER = "the same paper: merged"


@dataclass
class Imported:
    directory: Path
    report: ImportReport  # the report of the file itself (not of the macro file before it)


_imported: dict[str, Imported] = {}


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """One fresh library per real file (with its macro file imported first, in the same command)."""

    def get(name: str) -> Imported:
        if name not in _imported:
            directory = tmp_path_factory.mktemp(name.replace(".", "-"))
            paths = [str(REAL / MACROS_FROM[name])] if name in MACROS_FROM else []
            with Library(directory) as library:
                report = library.import_paths(paths + [str(REAL / name)])[-1]
            _imported[name] = Imported(directory, report)
        return _imported[name]

    yield get
    _imported.clear()


def input_keys(name: str) -> tuple[list[str], set[str]]:
    """The keys of the file's entries that were read (skips are reported), and the
    other keys its biblatex `ids` fields give that are no entry's key (lowercase)."""
    records = parsed(name).records
    keys = list(dict.fromkeys(record.key for record in records))
    ids = {key.lower() for record in records for key in ids_of(record.extra)}
    return keys, ids - {key.lower() for key in keys}


def keys_written(text: str) -> set[str]:
    """Every key an export lets a document cite: entries' keys and biblatex's `ids`."""
    found = set()
    for entry in bibtexparser.parse_string(text).entries:
        found.add(entry.key.lower())
        if "ids" in entry.fields_dict:
            found |= {key.strip().lower() for key in entry.fields_dict["ids"].value.split(",")}
    return found


_exports: dict[tuple[str, str], str] = {}


def exported(item: Imported, style: str) -> str:
    if (item.directory.name, style) not in _exports:
        with Library(item.directory) as library:
            _exports[item.directory.name, style] = library.export(library.ids(), None, style=style)
    return _exports[item.directory.name, style]


@pytest.mark.parametrize("name", WITH_ENTRIES)
def test_every_entry_is_a_paper_an_alias_or_a_reported_skip(imported, name):
    item = imported(name)
    _, ids_only = input_keys(name)
    with Library(item.directory) as library:
        papers = library.list()
    aliases = sum(len(paper.aliases) for paper in papers)
    # An entry repeating an earlier entry's key for the same paper adds nothing, and says so.
    repeats = sum(REPEAT_OF_SAME_PAPER in note for note in item.report.notes)
    assert entries_in(text_of(name)) + len(ids_only) == len(papers) + aliases + len(item.report.skipped) + repeats


@pytest.mark.parametrize("name", WITH_ENTRIES)
def test_every_key_that_came_in_resolves_from_the_command_line(imported, name, capsys):
    item = imported(name)
    keys, ids_only = input_keys(name)
    wanted = keys + sorted(ids_only)
    assert main(["mark", "--library", str(item.directory), "--read", *wanted]) == 0, capsys.readouterr().err
    with Library(item.directory) as library:
        assert len(library.resolve(wanted)) == len(wanted)
        # A key repeated for another paper names the first (as in bibtex); the import
        # said which key the other one got. With those, every paper is reached.
        told = [re.search(r"cited as '([^']*)'", note).group(1) for note in item.report.notes if "cited as" in note]
        library.mark(library.resolve(told), read=True)
        assert library.counts()["unread"] == 0


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("name", WITH_ENTRIES)
def test_every_key_that_came_in_is_in_every_export_style(imported, name, style):
    item = imported(name)
    keys, ids_only = input_keys(name)
    written = keys_written(exported(item, style))
    missing = [key for key in keys if key.lower() not in written]
    assert missing == [] and ids_only <= written


@pytest.mark.parametrize("bst", [pytest.param("plain", marks=needs_style("plain")),
                                 pytest.param("plainnat", marks=needs_style("plainnat"))])
@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("name", WITH_ENTRIES)
def test_bibtex_reads_every_export_without_an_error(imported, tmp_path, name, style, bst):
    text = exported(imported(name), style)
    code, log, bbl = run_bibtex(tmp_path, text, bst)
    assert "error message" not in log and "Repeated entry" not in log, log[-3000:]
    assert code in (0, 1), log[-3000:]  # 1: warnings only (the data's own: an entry without a year)
    assert bbl.count("\\bibitem") == len(bibtexparser.parse_string(text).entries)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("name", WITH_ENTRIES)
def test_export_import_export_gives_the_same_bytes(imported, tmp_path, name, style):
    first = exported(imported(name), style)
    (tmp_path / "first.bib").write_text(first, encoding="utf-8")
    with Library(tmp_path / "again") as again:
        again.import_paths([str(tmp_path / "first.bib")])
        assert again.export(again.ids(), None, style=style) == first
