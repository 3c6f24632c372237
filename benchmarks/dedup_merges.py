"""Which papers did de-duplication join, and were they really one paper?

Imports the first N records of the corpus into a new library (one `import`, as a
user would), then reads back, for every paper made from more than one record,
the records it was made from (the `sources` table gives file and line). A merge
whose records disagree on the title or on the first author's surname is
counted as **false**; the corpus records that describe the same paper (same
title and first author) but became different papers are counted as **missed**.

    .venv/bin/python benchmarks/dedup_merges.py --papers 100000
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import write_slice  # noqa: E402
from store import dedup  # noqa: E402
from store.library import Library  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "papers100k.jsonl.xz"


def surname(authors: list[str]) -> str:
    words = dedup.words(authors[0]) if authors else ()
    return words[-1] if words else ""


def same_paper(a: dict, b: dict) -> bool:
    return dedup.normalise_title(a.get("title")) == dedup.normalise_title(b.get("title")) and surname(
        a.get("authors") or []
    ) == surname(b.get("authors") or [])


def audit(library: Library, records: dict[tuple[str, int], dict]) -> dict:
    by_paper: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for pid, source, line in library.db.conn.execute("SELECT paper_id, source, line FROM sources"):
        by_paper[pid].append((source, line))
    merged = {pid: where for pid, where in by_paper.items() if len(where) > 1}
    false_merges = []
    for pid, where in sorted(merged.items()):
        group = [records[w] for w in where if w in records]
        if any(not same_paper(group[0], other) for other in group[1:]):
            false_merges.append([{"id": r.get("id"), "title": r.get("title"), "first_author": (r.get("authors") or [""])[0]}
                                 for r in group])
    paper_of = {w: pid for pid, where in by_paper.items() for w in where}
    groups: dict[tuple, set[int]] = defaultdict(set)
    ids_of: dict[tuple, list[str]] = defaultdict(list)
    for where, record in records.items():
        identity = (dedup.normalise_title(record.get("title")), surname(record.get("authors") or []))
        groups[identity].add(paper_of[where])
        ids_of[identity].append(record.get("id"))
    missed = [ids_of[identity] for identity, pids in groups.items() if len(pids) > 1]
    return {
        "records": len(records),
        "papers": library.count(),
        "merged_papers": len(merged),
        "false_merges": len(false_merges),
        "false_merge_examples": false_merges[:20],
        "missed_duplicates": len(missed),
        "missed_examples": missed[:20],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="papers-dedup-") as work:
        work_dir = Path(work)
        piece = write_slice(args.corpus, args.papers, work_dir)
        records: dict[tuple[str, int], dict] = {}
        for path in piece.paths:
            for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
                if line.strip():
                    records[(str(path), number)] = json.loads(line)
        started = time.perf_counter()
        with Library(work_dir / "library") as library:
            library.import_paths([str(p) for p in piece.paths])
            imported_s = time.perf_counter() - started
            result = audit(library, records)
        result["import_s"] = round(imported_s, 1)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(f"{result['records']} records -> {result['papers']} papers ({result['merged_papers']} made of several records)")
        print(f"false merges (records disagree on title or first author): {result['false_merges']}")
        for group in result["false_merge_examples"]:
            print("  " + " | ".join(f"{r['id']}: {r['title'][:50]!r} ({r['first_author']})" for r in group))
        print(f"missed duplicates (same title and first author, separate papers): {result['missed_duplicates']}")
        for ids in result["missed_examples"]:
            print("  " + ", ".join(map(str, ids)))
        print(f"import took {result['import_s']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
