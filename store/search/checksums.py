"""Checksums of the index's committed files: damage inside a segment is found.

Whoosh checks little of what it reads: a damaged posting block can raise
anything from deep inside a search, and a damaged term file can make words
silently match nothing. So when the index commits, the size and CRC-32 of every
file the commit made (the TOC and each segment's files: they never change once
written) are recorded in CHECKSUM_FILE beside the generation marker, written
atomically under the marker's lock (the caller holds it). `check` compares the
files with their records. No Whoosh here: which files a commit made is asked of
Whoosh by the caller.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from pathlib import Path

from ..files import replace_file

CHECKSUM_FILE = "papers-tui-checksums.json"
CHUNK_BYTES = 1 << 20
FORMAT = 1

Record = tuple[int, int]  # (size in bytes, CRC-32)


def file_record(path: Path) -> Record:
    """(size, CRC-32) of the file's bytes as they are on disk now."""
    crc = 0
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
    return size, crc


class SegmentChecksums:
    """The checksum records of one index directory."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.path = directory / CHECKSUM_FILE

    def read(self) -> dict[str, Record] | None:
        """{file name: (size, crc)}, or None when there is no readable record."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                return None
            return {str(name): (int(size), int(crc)) for name, (size, crc) in data["files"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def record(self, names: Iterable[str]) -> list[str]:
        """Record the files of the latest commit (call under the marker lock).

        A file recorded already keeps its record (it never changes: its bytes on
        disk now might be damaged); files no longer committed are dropped. Returns
        the names hashed now."""
        names = list(names)
        recorded = self.read() or {}
        kept: dict[str, Record] = {}
        hashed = []
        for name in names:
            if name in recorded:
                kept[name] = recorded[name]
                continue
            try:
                kept[name] = file_record(self.directory / name)
            except FileNotFoundError:  # merged away by a later commit meanwhile
                continue
            hashed.append(name)
        self._write(kept)
        return hashed

    def check(self, names: Iterable[str], skip: Iterable[str] = ()) -> tuple[list[str], list[str]]:
        """(problems, unrecorded names) of the committed files `names`; those in `skip`
        (checked already in this process: committed files never change) are not read."""
        recorded = self.read()
        if recorded is None:
            return ["no checksums of its files are recorded (made by an older papers-tui, or the record is lost)"], []
        skipped = set(skip)
        problems: list[str] = []
        unrecorded: list[str] = []
        for name in names:
            if name in skipped:
                continue
            if name not in recorded:
                unrecorded.append(name)
                continue
            problem = self._problem(name, recorded[name])
            if problem:
                problems.append(problem)
        return problems, unrecorded

    def _problem(self, name: str, expected: Record) -> str | None:
        try:
            size, crc = file_record(self.directory / name)
        except FileNotFoundError:
            return f"{name} is missing"
        except OSError as error:
            return f"{name} cannot be read ({error.strerror or error})"
        if size != expected[0]:
            return f"{name} is {size} bytes, {expected[0]} when written"
        if crc != expected[1]:
            return f"{name} does not match its checksum (its bytes changed since it was written)"
        return None

    def _write(self, files: dict[str, Record]) -> None:
        text = json.dumps({"format": FORMAT, "files": {name: list(record) for name, record in sorted(files.items())}})
        replace_file(self.path, text, durable=False)
