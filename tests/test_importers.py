"""Strict JSON lines (issue 15, item 7) and the input limits (items 3, 6, 8)."""

from __future__ import annotations

import json
import re

import pytest

from store import limits
from store.errors import ImportFormatError, LimitExceeded, QueryError
from store.importers import parse_text
from store.library import Library
from tui.cli import main

from .conftest import ROOT, snapshot

GOOD = {"title": "A good paper", "authors": ["Ada Lovelace"], "date": "2020", "arxiv_id": "2001.00001"}


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def lines(*objects) -> str:
    return "".join(json.dumps(o) + "\n" for o in objects)


# --- strict JSON lines ----------------------------------------------------------------------------

WRONG_TYPES = {
    "read is text": ({"read": "yes"}, "field 'read' should be true or false, not text ('yes')"),
    "starred is a number": ({"starred": 3}, "field 'starred' should be true or false, not a number (3)"),
    "has_code is a number": ({"has_code": 1}, "field 'has_code' should be true or false"),
    "tags is text": ({"tags": "notalist"}, "field 'tags' should be a list of text, not text ('notalist')"),
    "authors is text": ({"authors": "Ada Lovelace"}, "field 'authors' should be a list of text"),
    "a tag is a number": ({"tags": ["ok", 7]}, "field 'tags' should be a list of text; it holds a number (7)"),
    "title is a number": ({"title": 42}, "field 'title' should be text, not a number (42)"),
    "date is a number": ({"date": 2017}, "field 'date' should be text, not a number (2017)"),
    "abstract is a list": ({"abstract": ["x"]}, "field 'abstract' should be text, not a list"),
    "note is an object": ({"note": {"a": 1}}, "field 'note' should be text, not an object"),
    "line is a list": (["not", "an", "object"], "expected a JSON object, not a list"),
}


@pytest.mark.parametrize("case", sorted(WRONG_TYPES))
def test_a_field_of_the_wrong_type_skips_its_line_naming_the_field(case):
    wrong, reason = WRONG_TYPES[case]
    bad = (GOOD | wrong | {"arxiv_id": "2001.00002"}) if isinstance(wrong, dict) else wrong
    result = parse_text(lines(GOOD, bad, GOOD | {"arxiv_id": "2001.00003"}), "in.jsonl")
    assert [r.arxiv_id for r in result.records] == ["2001.00001", "2001.00003"]
    assert len(result.skipped) == 1
    assert result.skipped[0].line == 2 and result.skipped[0].reason.startswith(reason)


def test_right_types_and_nulls_are_taken():
    line = GOOD | {"read": True, "starred": False, "has_code": None, "tags": ["a b"], "venue": None, "doi": None}
    (record,) = parse_text(lines(line), "in.jsonl").records
    assert (record.read, record.starred, record.has_code, record.tags, record.venue) == (True, False, False, ["a b"], None)


def test_a_file_with_nothing_readable_is_an_error_naming_the_line():
    with pytest.raises(ImportFormatError) as error:
        parse_text(lines(GOOD | {"read": "yes"}, GOOD | {"starred": 3}), "in.jsonl")
    assert str(error.value) == "in.jsonl:1: nothing could be imported: field 'read' should be true or false, not text ('yes')"


def test_the_cli_imports_the_rest_and_reports_the_skipped_line(library_dir, tmp_path, capsys):
    source = tmp_path / "mixed.jsonl"
    source.write_text(lines(GOOD, GOOD | {"arxiv_id": "2001.00002", "read": "yes"}))
    code, out, err = run(capsys, "import", "--library", library_dir, source)
    assert code == 3, err  # a partial import
    assert "1 added" in out and "1 skipped" in out
    assert f"{source}:2: skipped: field 'read' should be true or false, not text ('yes')" in out
    with Library(library_dir) as library:
        assert [p.arxiv_id for p in library.list()] == ["2001.00001"]
    # Nothing readable: exit 1, the library unchanged.
    with Library(library_dir) as library:
        before = snapshot(library)
    source.write_text(lines(GOOD | {"arxiv_id": "2001.00009", "tags": "notalist"}))
    code, out, err = run(capsys, "import", "--library", library_dir, source)
    assert code == 1 and out == "" and err.startswith(f"papers-tui: {source}:1: nothing could be imported: field 'tags'")
    with Library(library_dir) as library:
        assert snapshot(library) == before


# --- limits on imported fields ----------------------------------------------------------------------


@pytest.mark.parametrize("field,value,limit", [
    ("title", "t" * 2_001, "title length"),
    ("authors", ["a" * 1_001], "author name length"),
    ("authors", [f"Author {n}" for n in range(10_001)], "authors per paper"),
    ("abstract", "word " * 200_001, "abstract length"),
    ("tags", ["t" * 101], "tag length"),
    ("tags", ["a,b,c"], "a tag cannot hold a comma"),
])
def test_a_record_over_a_field_limit_is_skipped_naming_the_limit(field, value, limit):
    over = GOOD | {"arxiv_id": "2001.00002", field: value}
    result = parse_text(lines(GOOD, over), "in.jsonl")
    assert [r.arxiv_id for r in result.records] == ["2001.00001"]
    assert result.skipped[0].line == 2 and limit in result.skipped[0].reason


def test_fields_at_their_limits_are_taken():
    at = GOOD | {"title": "t" * 2_000, "authors": ["a" * 1_000], "tags": ["t" * 100, "a b"], "abstract": "x" * 1_000_000}
    (record,) = parse_text(lines(at), "in.jsonl").records
    assert len(record.title) == 2_000 and record.tags == ["t" * 100, "a b"]


def test_bibtex_nested_too_deep_skips_that_entry_with_its_line_not_a_traceback(library_dir, tmp_path, capsys):
    deep = "@article{k,\n  author = {A B},\n  title = {" + "{" * 300 + "x" + "}" * 300 + "}\n}\n"
    good = "@article{g,\n  author = {C D},\n  title = {A good paper}\n}\n"
    result = parse_text(deep + good, "deep.bib")
    assert [r.key for r in result.records] == ["g"]
    assert [s.line for s in result.skipped] == [1] and "BibTeX nesting depth" in result.skipped[0].reason
    source = tmp_path / "deep.bib"
    source.write_text(deep + good)
    code, out, err = run(capsys, "import", "--library", library_dir, source)
    assert "Traceback" not in err and "nests braces" in out + err
    # The value's own braces count: 1 (value) + 63 = 64 levels.
    at_limit = "@article{k,\n  author = {A B},\n  title = {" + "{" * 63 + "x" + "}" * 63 + "}\n}\n"
    escaped = "@article{j,\n  author = {A B},\n  title = {" + "\\{" * 300 + "x}\n}\n"
    assert len(parse_text(at_limit + escaped, "ok.bib").records) == 2


# --- the check functions: one per limit ----------------------------------------------------------


def test_query_length_is_checked_and_named():
    assert limits.check_query("q" * 2_000) == "q" * 2_000
    with pytest.raises(QueryError, match=r"100,000 characters long; the limit is 2,000 \(query length\)") as error:
        limits.check_query("q" * 100_000)
    assert error.value.limit == "query length"


def test_tags_are_checked_for_length_and_commas():
    assert limits.check_tag("reading group") == "reading group"
    assert limits.check_tag("x" * 100) == "x" * 100
    with pytest.raises(LimitExceeded, match=r"the limit is 100 \(tag length\)") as error:
        limits.check_tag("x" * 100_000)
    assert error.value.limit == "tag length"
    with pytest.raises(LimitExceeded, match="commas separate tags"):
        limits.check_tag("a,b,c")


def test_every_limit_is_in_the_docs_with_its_number():
    docs = (ROOT / "docs" / "reliability.md").read_text()
    for limit in limits.LIMITS:
        row = next((line for line in docs.splitlines() if line.startswith(f"| {limit.name} |")), None)
        assert row is not None, f"{limit.name} is not in the limits table of docs/reliability.md"
        assert re.search(rf"\b{limit.maximum:,}\b", row), (limit.name, row)


def test_json_nested_thousands_deep_is_a_message_not_a_traceback():
    deep = "[" * 100_000 + "]" * 100_000 + "\n"
    (skip,) = parse_text(lines(GOOD) + deep, "deep.jsonl").skipped  # the rest imports
    assert skip.line == 2 and "nested too deep" in skip.reason
    with pytest.raises(ImportFormatError) as error:  # nothing else: refused
        parse_text(deep, "deep.jsonl", "jsonl")
    assert error.value.line == 1 and "nested too deep" in error.value.message
