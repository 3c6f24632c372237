"""Which papers did de-duplication join, and were they really one paper?

Imports the first N records of the corpus into a new library (one `import`, as a
user would), then reads back, for every paper made from more than one record,
the records it was made from (the `sources` table gives file and line). A merge
of records that are not one work (`same_paper`) is counted as **false**; an
arXiv record and an Anthology record of one work (same normalised title, authors
agreeing) that became different papers are counted as **missed**.

    .venv/bin/python benchmarks/dedup_merges.py --papers 100000
"""

from __future__ import annotations

import argparse
import json
import re
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


def is_arxiv(record: dict) -> bool:
    return bool(re.fullmatch(r"\d{4}\.\d{4,5}", record.get("id") or ""))


def same_paper(a: dict, b: dict) -> bool:
    """One work: titles and authors agree (store.dedup's rules, which allow for
    spelling variants), and not two different ids of one source (the Anthology
    and arXiv give every publication its own id)."""
    if a.get("id") != b.get("id") and is_arxiv(a) == is_arxiv(b):
        return False
    return dedup.titles_agree(a.get("title"), b.get("title")) and dedup.authors_agree(
        a.get("authors") or [], b.get("authors") or []
    )


def audit(library: Library, records: dict[tuple[str, int], dict]) -> dict:
    by_paper: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for pid, source, line in library.db.conn.execute("SELECT paper_id, source, line FROM sources"):
        by_paper[pid].append((source, line))
    merged = {pid: where for pid, where in by_paper.items() if len(where) > 1}
    false_merges = []
    for _pid, where in sorted(merged.items()):
        group = [records[w] for w in where if w in records]
        if any(not same_paper(group[0], other) for other in group[1:]):
            false_merges.append([{"id": r.get("id"), "title": r.get("title"), "first_author": (r.get("authors") or [""])[0]}
                                 for r in group])
    # Missed: an arXiv record and an Anthology record of one work that stayed two papers.
    paper_of = {w: pid for pid, where in by_paper.items() for w in where}
    by_title: dict[str | None, list[tuple[str, int]]] = defaultdict(list)
    for where, record in records.items():
        by_title[dedup.normalise_title(record.get("title"))].append(where)
    missed = []
    for group in by_title.values():
        for i, first in enumerate(group):
            for second in group[i + 1 :]:
                a, b = records[first], records[second]
                if is_arxiv(a) != is_arxiv(b) and paper_of[first] != paper_of[second] and same_paper(a, b):
                    missed.append([a.get("id"), b.get("id")])
    return {
        "records": len(records),
        "papers": library.count(),
        "merged_papers": len(merged),
        "false_merges": len(false_merges),
        "false_merge_examples": false_merges[:20],
        "missed_duplicates": len(missed),
        "missed_examples": missed[:20],
    }


def run(corpus: Path, count: int, work_dir: Path) -> dict:
    work_dir.mkdir(parents=True, exist_ok=True)
    piece = write_slice(corpus, count, work_dir)
    records: dict[tuple[str, int], dict] = {}
    for path in piece.paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
            if line.strip():
                records[(str(path), number)] = json.loads(line)
    fresh = not Library.exists(work_dir / "library")
    started = time.perf_counter()
    with Library(work_dir / "library") as library:
        if fresh:
            library.import_paths([str(p) for p in piece.paths])
        imported_s = time.perf_counter() - started
        result = audit(library, records)
    result["import_s"] = round(imported_s, 1) if fresh else None
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--workdir", type=Path, help="keep the slice and library here; reuse a library already there")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="papers-dedup-") as scratch:
        result = run(args.corpus, args.papers, args.workdir or Path(scratch))
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(f"{result['records']} records -> {result['papers']} papers ({result['merged_papers']} made of several records)")
        print(f"false merges (records of different works joined): {result['false_merges']}")
        for group in result["false_merge_examples"]:
            print("  " + " | ".join(f"{r['id']}: {r['title'][:50]!r} ({r['first_author']})" for r in group))
        print(f"missed duplicates (one work on arXiv and in the Anthology, left as two papers): {result['missed_duplicates']}")
        for ids in result["missed_examples"]:
            print("  " + ", ".join(map(str, ids)))
        print(f"import took {result['import_s']} s" if result["import_s"] else "(library reused from --workdir)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
