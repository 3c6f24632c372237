#!/usr/bin/env python3
"""Known-item search quality: is the paper a person half remembers found first?

    .venv/bin/python benchmarks/search_quality.py --papers 10000 [--targets 50] [--seed 18]
                     [--held-back-seed 81] [--workdir DIR] [--corpus PATH] [--json] [--show-queries]

Builds (once; reused from --workdir after) a library of the first N papers of the corpus
through the CLI import, makes known-item queries of several kinds (benchmarks/known_item.py)
for random target papers, and ranks each with papers-tui's search as the CLI does it
(`Library.search(query, limit=20)`, i.e. `papers-tui search --limit 20`) and with the anchor,
SQLite FTS5 BM25 over the same papers (benchmarks/fts_anchor.py). Reports MRR, success@1 and
success@10 per kind and overall, for the tuning set and for a held-back set (another seed,
other targets) that is reported apart and must not be tuned on. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE), str(REPO)]

import fts_anchor  # noqa: E402
import known_item  # noqa: E402
from stats import summary  # noqa: E402

from store.library import Library  # noqa: E402

LIMIT = 20  # `papers-tui search` shows 20 by default; a target below that counts as not found
SEED = 18
HELD_BACK_SEED = 81
CORPUS_NAME = Path("shared") / "corpus" / "papers100k.jsonl.xz"
READ_BATCH = 2000  # papers read from the library at a time when building the anchor


@dataclass(frozen=True)
class Doc:
    id: int
    title: str
    authors: list[str]
    abstract: str


@dataclass
class Ranked:
    """One query's outcome in one engine: the target's rank (1-based, None when not in the top LIMIT)."""

    rank: int | None
    ms: float
    error: str | None = None


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the metrics ----------------------------------------------------------------------------


def rank_of(ranked_ids: list[int], relevant: set[int], limit: int = LIMIT) -> int | None:
    """1-based position of the first relevant paper among the first `limit`, else None."""
    for position, pid in enumerate(ranked_ids[:limit], 1):
        if pid in relevant:
            return position
    return None


def reciprocal_rank(rank: int | None) -> float:
    return 1.0 / rank if rank else 0.0


def metrics(ranks: list[int | None]) -> dict:
    """MRR (reciprocal rank within the top LIMIT, else 0), success@1 and success@10."""
    n = len(ranks)
    if not n:
        return {"n": 0, "mrr": None, "success_at_1": None, "success_at_10": None}
    return {
        "n": n,
        "mrr": round(sum(map(reciprocal_rank, ranks)) / n, 3),
        "success_at_1": round(sum(1 for r in ranks if r == 1) / n, 3),
        "success_at_10": round(sum(1 for r in ranks if r and r <= 10) / n, 3),
    }


# --- the library and the anchor --------------------------------------------------------------


def find_corpus() -> Path:
    """../shared/corpus/papers100k.jsonl.xz from the repository, or from a folder above it (a worktree)."""
    for folder in REPO.parents:
        if (folder / CORPUS_NAME).exists():
            return folder / CORPUS_NAME
    return REPO.parent / CORPUS_NAME


def store_sources_digest() -> str:
    """Digest of store/'s code: a cached library is re-indexed when the code that indexes changed."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "store").rglob("*.py")):
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_library(workdir: Path, papers: int, corpus: Path) -> Path:
    """The library of the first `papers` papers in workdir/library: reused when the stamp says it
    was built from the same slice, re-indexed when store/ changed since, imported otherwise."""
    import store_bench
    from corpus import write_slice

    directory, stamp_path = workdir / "library", workdir / "library.json"
    wanted = {"papers": papers, "corpus": str(corpus), "corpus_bytes": corpus.stat().st_size}
    stamp = json.loads(stamp_path.read_text()) if stamp_path.exists() else {}
    if directory.exists() and {k: stamp.get(k) for k in wanted} == wanted:
        if stamp.get("store_sources") != store_sources_digest():
            log("store/ changed since the index was built: re-indexing the cached library")
            with Library(directory) as library:
                library.reindex()
            stamp_path.write_text(json.dumps({**stamp, "store_sources": store_sources_digest()}))
        return directory
    shutil.rmtree(directory, ignore_errors=True)
    workdir.mkdir(parents=True, exist_ok=True)
    log(f"importing the first {papers} papers of {corpus} into {directory}")
    part = write_slice(corpus, papers, workdir)
    try:
        flag = store_bench.no_progress_flag()
        seconds = store_bench.time_import(directory, part.paths, flag, store_bench.import_timeout(papers))
    finally:
        for path in part.paths:
            path.unlink(missing_ok=True)
    log(f"imported in {seconds:.1f} s")
    stamp_path.write_text(json.dumps({**wanted, "store_sources": store_sources_digest()}))
    return directory


def load_docs(library: Library) -> dict[int, Doc]:
    """Title, authors and abstract of every paper, read through the public API a batch at a time."""
    ids = sorted(library.ids(None))
    docs: dict[int, Doc] = {}
    for start in range(0, len(ids), READ_BATCH):
        for paper in library.papers(ids[start : start + READ_BATCH]):
            docs[paper.id] = Doc(paper.id, paper.title or "", list(paper.authors), paper.abstract or "")
    return docs


def build_anchor(path: Path, docs: dict[int, Doc], tokenizer: str = "plain"):
    rows = ((d.id, d.title, "; ".join(d.authors), d.abstract) for d in docs.values())
    return fts_anchor.build(path, rows, tokenizer)


def title_twins(docs: dict[int, Doc]) -> dict[int, set[int]]:
    """For each paper, the papers with the same title (case and spacing aside), itself included:
    the corpus holds some papers twice (an arXiv and an ACL version) and either is the one meant."""
    by_title: dict[str, set[int]] = {}
    for doc in docs.values():
        by_title.setdefault(" ".join(doc.title.split()).casefold(), set()).add(doc.id)
    return {doc.id: by_title[" ".join(doc.title.split()).casefold()] for doc in docs.values()}


# --- the queries and the runs ---------------------------------------------------------------


def query_sets(docs: dict[int, Doc], targets: int, seed: int, held_back_seed: int) -> dict[str, list]:
    """Per kind, `targets` queries from the tuning seed; then as many from the held-back seed
    for papers that are not targets of the tuning set (so the two sets share no target)."""
    ids = sorted(docs)
    tuning = [q for kind in known_item.KINDS for q in known_item.generate(kind, ids, docs.__getitem__, targets, str(seed))]
    used = {q.target for q in tuning}
    others = [pid for pid in ids if pid not in used]
    held_back = [
        q for kind in known_item.KINDS for q in known_item.generate(kind, others, docs.__getitem__, targets, str(held_back_seed))
    ]
    return {"tuning": tuning, "held_back": held_back}


def timed(search, relevant: set[int]) -> Ranked:
    start = time.perf_counter()
    try:
        ranked = search()
    except Exception as error:  # noqa: BLE001 - a query either engine refuses counts as not found, and is reported
        return Ranked(None, (time.perf_counter() - start) * 1000, f"{type(error).__name__}: {error}")
    return Ranked(rank_of(ranked, relevant), (time.perf_counter() - start) * 1000)


def ours(library: Library, text: str) -> list[int]:
    """What `papers-tui search --limit 20 TEXT` lists, as paper ids."""
    return [paper.id for paper in library.search(text, limit=LIMIT)]


def run_queries(queries, library: Library, anchor, twins: dict[int, set[int]]) -> list[dict]:
    results = []
    for query in queries:
        relevant = twins.get(query.target, {query.target})
        mine = timed(partial(ours, library, query.text), relevant)
        theirs = timed(partial(fts_anchor.search, anchor, query.words, query.prefix_last, LIMIT), relevant)
        results.append({**asdict(query), "ours": asdict(mine), "fts5": asdict(theirs)})
    return results


def summarize(results: list[dict]) -> dict:
    """Per kind and overall, for each engine: the metrics, errors, and search time."""
    kinds = [k for k in known_item.KINDS if any(r["kind"] == k for r in results)]
    groups = {kind: [r for r in results if r["kind"] == kind] for kind in kinds} | {"overall": results}
    report = {}
    for name, group in groups.items():
        report[name] = {}
        for engine in ("ours", "fts5"):
            figures = metrics([r[engine]["rank"] for r in group])
            figures["errors"] = sum(1 for r in group if r[engine]["error"])
            report[name][engine] = figures
    for engine in ("ours", "fts5"):
        report["overall"][engine]["search_ms"] = summary([r[engine]["ms"] for r in results])
    return report


def evaluate(library: Library, anchor_path: Path, targets: int, seed: int, held_back_seed: int, tokenizer: str = "plain") -> dict:
    """The whole measurement on an open library: both query sets, both engines."""
    docs = load_docs(library)
    started = time.perf_counter()
    anchor = build_anchor(anchor_path, docs, tokenizer)
    log(f"FTS5 anchor over {len(docs)} papers built in {time.perf_counter() - started:.1f} s")
    try:
        twins = title_twins(docs)
        sets = query_sets(docs, targets, seed, held_back_seed)
        if docs:
            ours(library, "transformer")  # open the searcher first, as the app has by the time one types
        runs = {name: run_queries(queries, library, anchor, twins) for name, queries in sets.items()}
    finally:
        anchor.close()
    return {
        "papers": len(docs),
        "targets_per_kind": targets,
        "seed": seed,
        "held_back_seed": held_back_seed,
        "limit": LIMIT,
        "anchor": {"engine": "SQLite FTS5 bm25", "weights": dict(zip(("title", "authors", "abstract"), fts_anchor.WEIGHTS, strict=True)),
                   "tokenizer": fts_anchor.TOKENIZERS[tokenizer]},
        "sets": {name: summarize(results) for name, results in runs.items()},
        "queries": runs,
    }


# --- the report ------------------------------------------------------------------------------


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def number(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def table(report: dict) -> str:
    lines = [
        f"known-item search, {report['papers']:,} papers: {report['targets_per_kind']} targets per kind, "
        f"seed {report['seed']} (tuning), {report['held_back_seed']} (held back); rank within the top {report['limit']}",
        f"anchor: FTS5 bm25, weights {report['anchor']['weights']}, tokenize '{report['anchor']['tokenizer']}'",
        "",
        f"{'set':<10} {'kind':<13} {'n':>3}   {'ours MRR':>8} {'@1':>5} {'@10':>5}   {'FTS5 MRR':>8} {'@1':>5} {'@10':>5}   {'ratio':>5}",
    ]
    for set_name, kinds in report["sets"].items():
        for kind, engines in kinds.items():
            mine, theirs = engines["ours"], engines["fts5"]
            ratio = mine["mrr"] / theirs["mrr"] if mine["mrr"] is not None and theirs["mrr"] else None
            lines.append(
                f"{set_name:<10} {kind:<13} {mine['n']:>3}   {number(mine['mrr']):>8} {percent(mine['success_at_1']):>5} "
                f"{percent(mine['success_at_10']):>5}   {number(theirs['mrr']):>8} {percent(theirs['success_at_1']):>5} "
                f"{percent(theirs['success_at_10']):>5}   {number(ratio):>5}"
            )
        overall = kinds["overall"]
        lines.append(
            f"{'':<10} search ms (median / p95): ours {overall['ours']['search_ms']['median']} / "
            f"{overall['ours']['search_ms']['p95']}, FTS5 {overall['fts5']['search_ms']['median']} / "
            f"{overall['fts5']['search_ms']['p95']}; refused queries: ours {overall['ours']['errors']}, "
            f"FTS5 {overall['fts5']['errors']}"
        )
        lines.append("")
    return "\n".join(lines)


def query_lines(report: dict) -> str:
    """Every query with the target's rank in each engine (- when not in the top LIMIT)."""
    lines = []
    for set_name, results in report["queries"].items():
        for r in results:
            mine, theirs = r["ours"]["rank"] or "-", r["fts5"]["rank"] or "-"
            lines.append(f"{set_name:<10} {r['kind']:<13} {r['target']:>7}  ours {mine!s:>2}  fts5 {theirs!s:>2}  {r['text']}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Known-item search quality of papers-tui against SQLite FTS5 BM25.")
    parser.add_argument("--papers", type=int, default=10000, metavar="N", help="the first N papers of the corpus (default 10000)")
    parser.add_argument("--targets", type=int, default=50, metavar="K", help="target papers per query kind and set (default 50)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"seed of the tuning queries (default {SEED})")
    parser.add_argument("--held-back-seed", type=int, default=HELD_BACK_SEED,
                        help=f"seed of the held-back queries (default {HELD_BACK_SEED}); report, never tune on them")
    parser.add_argument("--workdir", type=Path, help="where the library is built and kept (default /tmp/papers-search-eval-N)")
    parser.add_argument("--corpus", type=Path, default=find_corpus(), help="the .jsonl.xz corpus")
    parser.add_argument("--anchor", choices=sorted(fts_anchor.TOKENIZERS), default="plain",
                        help="the FTS5 anchor's words: plain (default) or porter (stemmed; its prefix queries miss)")
    parser.add_argument("--json", action="store_true", help="print one JSON object (with every query) instead of the table")
    parser.add_argument("--show-queries", action="store_true", help="after the table, every query and the target's ranks")
    args = parser.parse_args(argv)
    if args.papers < 1 or args.targets < 1:
        parser.error("--papers and --targets must be at least 1")
    args.workdir = args.workdir or Path(f"/tmp/papers-search-eval-{args.papers}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.corpus.exists():
        log(f"search_quality: no corpus at {args.corpus} (give --corpus PATH)")
        return 2
    directory = ensure_library(args.workdir, args.papers, args.corpus)
    with Library(directory) as library:
        report = evaluate(library, args.workdir / "anchor-fts5.sqlite3", args.targets, args.seed, args.held_back_seed,
                          args.anchor)
    report["library"] = str(directory)
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print(table(report))
        if args.show_queries:
            print(query_lines(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
