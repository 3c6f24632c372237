"""Import (through the real CLI), export and store-level search.

Import runs `python -m tui.cli --library DIR [--no-progress] import FILE...` in a subprocess
and times it to its exit: the CLI returns once the SQL transaction and the Whoosh commit are
done, so the papers are searchable. Export and the store-level searches run in-process.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from stats import summary, to_ms

REPO = Path(__file__).resolve().parent.parent
HELP_TIMEOUT_S = 60


def import_timeout(papers: int) -> float:
    """Generous: ten times the 100k target's pace, plus start-up."""
    return 120.0 + 0.012 * papers * 10


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "tui.cli", *args]


def no_progress_flag() -> str | None:
    """Where the CLI takes --no-progress: 'global' (before the command), 'import' (after it) or None."""
    for where, args in (("global", ["--help"]), ("import", ["import", "--help"])):
        result = subprocess.run(cli(*args), cwd=REPO, capture_output=True, text=True, timeout=HELP_TIMEOUT_S)
        if "--no-progress" in result.stdout:
            return where
    return None


def import_command(library: Path, files: list[Path], flag: str | None) -> list[str]:
    head = ["--library", str(library)] + (["--no-progress"] if flag == "global" else [])
    tail = (["--no-progress"] if flag == "import" else []) + [str(path) for path in files]
    return cli(*head, "import", *tail)


def time_import(library: Path, files: list[Path], flag: str | None, timeout: float) -> float:
    """Seconds from spawning the CLI import to its exit (raises on failure or timeout)."""
    command = import_command(library, files, flag)
    start = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 3):  # 3: imported, some entries skipped or flagged (docs/usage.md)
        raise RuntimeError(f"import exited {result.returncode}: {result.stderr.strip()[-500:]}")
    print(f"  import: {result.stdout.strip()[-300:]}", file=sys.stderr)
    return elapsed


def title_key(title: str) -> str:
    return " ".join(title.split()).casefold()


def verify_searchable(library_dir: Path, record: dict) -> str:
    """Search for the rarest-looking word of the last paper's title; the paper must be found.
    Returns the query used; raises when the paper is not found."""
    from store.library import Library

    words = sorted(set(re.findall(r"[A-Za-z]{4,}", record["title"])), key=len, reverse=True)
    with Library(library_dir) as library:
        for word in words[:3] or [record["title"]]:
            query = f"title:{word.lower()}"
            if any(title_key(p.title or "") == title_key(record["title"]) for p in library.search(query, limit=None)):
                return query
    raise RuntimeError(f"the last paper ({record['title'][:60]!r}) is not found by a search after the import")


def prepare_state(library_dir: Path, plan: list[tuple[str, int, int]]) -> dict:
    """Tag, read and star some papers (every step-th in date order) so state filters find something."""
    from store.library import Library

    done = {}
    with Library(library_dir) as library:
        ids = library.ids(None, sort="date")
        for what, offset, step in plan:
            chosen = ids[offset::step]
            if what.startswith("tag:"):
                library.tag(chosen, add=[what[4:]])
            else:
                library.mark(chosen, **{what: True})
            done[what] = len(chosen)
    return done


def time_export(library_dir: Path, runs: int, out: Path) -> dict:
    """In-process `Library.export(all ids, file)`; the ids are read before the clock starts."""
    from store.library import Library

    seconds = []
    with Library(library_dir) as library:
        ids = library.ids(None, sort="date")
        for _ in range(runs):
            start = time.perf_counter()
            library.export(ids, out)
            seconds.append(time.perf_counter() - start)
    text = out.read_text(encoding="utf-8")
    entries = len(re.findall(r"^@\w+\{", text, flags=re.M))
    out.unlink()
    return {"median": summary(seconds, 3)["median"], "runs": [round(s, 3) for s in seconds],
            "entries": entries, "papers": len(ids), "bytes": len(text.encode("utf-8")),
            "how": "in-process Library(dir).export(all ids, file); ids read before timing"}


def time_store_queries(library_dir: Path, queries: list[str], runs: int) -> dict:
    """Library.ids(q, sort='date') and Library.ids(q, sort='relevance', limit=50): median of
    `runs` per query, then median / p95 across the queries."""
    from store.library import Library

    per_query = []
    with Library(library_dir) as library:
        library.ids("transformer")  # open the searcher once, as the app has by the time one types
        for query in queries:
            per_query.append(time_one_store_query(library, query, runs))
    return {
        "date_all": summary([q["date_all_ms"] for q in per_query]),
        "relevance_50": summary([q["relevance_50_ms"] for q in per_query]),
        "per_query": per_query,
    }


def time_one_store_query(library, query: str, runs: int) -> dict:
    full, top = [], []
    hits = 0
    for _ in range(runs):
        start = time.perf_counter()
        hits = len(library.ids(query, sort="date"))
        middle = time.perf_counter()
        library.ids(query, sort="relevance", limit=50)
        full.append(middle - start)
        top.append(time.perf_counter() - middle)
    return {"query": query, "hits": hits,
            "date_all_ms": summary(to_ms(full))["median"], "relevance_50_ms": summary(to_ms(top))["median"]}
