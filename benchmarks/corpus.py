"""The first N papers of the benchmark corpus (.jsonl.xz), written out as JSON lines files."""

from __future__ import annotations

import json
import lzma
from dataclasses import dataclass
from pathlib import Path

# The importer refuses files over 512 MiB (store/importers.py MAX_INPUT_BYTES); a larger slice is
# written as several files, all given to one `import` command (one transaction, as for one file).
PART_BYTES = 400 * 1024 * 1024


@dataclass
class Slice:
    paths: list[Path]
    count: int
    last: dict  # the last record: the import is checked to have made it searchable
    bytes: int


def read_lines(corpus: Path, count: int) -> list[str]:
    """The first `count` non-empty lines of the xz-compressed corpus."""
    lines: list[str] = []
    with lzma.open(corpus, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                lines.append(line if line.endswith("\n") else line + "\n")
                if len(lines) == count:
                    break
    return lines


def split_parts(lines: list[str], limit: int = PART_BYTES) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    size = 0
    for line in lines:
        length = len(line.encode("utf-8"))
        if parts[-1] and size + length > limit:
            parts.append([])
            size = 0
        parts[-1].append(line)
        size += length
    return parts


def write_slice(corpus: Path, count: int, directory: Path) -> Slice:
    lines = read_lines(corpus, count)
    if not lines:
        raise ValueError(f"{corpus}: no papers")
    parts = split_parts(lines)
    paths = []
    for number, part in enumerate(parts, 1):
        suffix = "" if len(parts) == 1 else f"-part{number}"
        path = directory / f"papers{len(lines)}{suffix}.jsonl"
        path.write_text("".join(part), encoding="utf-8")
        paths.append(path)
    return Slice(paths, len(lines), json.loads(lines[-1]), sum(p.stat().st_size for p in paths))
