#!/usr/bin/env python3
"""papers-tui benchmarks: import, export, search, keys, scrolling, start-up and memory.

    .venv/bin/python benchmarks/run.py --papers 10000 [--runs 5] [--json] [--corpus PATH]
                                       [--only import,export,search,keys,scroll,start,memory] [--keep DIR]

Takes the first N papers of the corpus, imports them through the CLI into a library in a
temporary directory, and measures (see benchmarks/README.md for what each figure is, exactly).
Progress goes to stderr; the figures go to stdout: a table, or with --json one JSON object.
A measurement that fails is null, with its error under "errors"; the others still run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE), str(REPO)]

import app_bench  # noqa: E402
import pty_bench  # noqa: E402
import store_bench  # noqa: E402
from corpus import write_slice  # noqa: E402
from queries import MEMORY_QUERIES, PREPARED_STATE, QUERIES  # noqa: E402
from stats import summary  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "papers100k.jsonl.xz"
PHASES = ("import", "export", "search", "keys", "scroll", "start", "memory")
# The targets; a run of at most 10,000 papers is held to the first column, a larger one to the second.
TARGETS = {
    "10k": {"start_ratio": 1.3, "search_median_ms": 15, "search_p95_ms": 40, "key_ms": 16, "scroll_ms": 16,
            "import_s": 12, "export_s": 1, "peak_rss_mb": 120},
    "100k": {"start_ratio": 1.5, "search_median_ms": 30, "search_p95_ms": 100, "key_ms": 16, "scroll_ms": 16,
             "import_s": 120, "export_s": 8, "peak_rss_mb": 200},
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Measure papers-tui on the first N papers of the benchmark corpus.")
    parser.add_argument("--papers", type=int, default=10000, metavar="N", help="how many papers (default 10000)")
    parser.add_argument("--runs", type=int, default=5, metavar="R", help="runs of each measurement (default 5)")
    parser.add_argument("--import-runs", type=int, metavar="R",
                        help="runs of the import alone (default: --runs); at 100,000 papers each takes minutes")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help=f"the .jsonl.xz corpus (default {DEFAULT_CORPUS})")
    parser.add_argument("--only", default=",".join(PHASES), help=f"comma-separated subset of {','.join(PHASES)}")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="work in DIR and keep it (default: a temporary directory, removed)")
    args = parser.parse_args(argv)
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(args.only) - set(PHASES)
    if unknown:
        parser.error(f"unknown --only {', '.join(sorted(unknown))}; choose from {', '.join(PHASES)}")
    if args.papers < 1 or args.runs < 1 or (args.import_runs is not None and args.import_runs < 1):
        parser.error("--papers, --runs and --import-runs must be at least 1")
    return args


# --- the machine ---------------------------------------------------------------------------


def cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def memory_total_mb() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def git(*args: str) -> str | None:
    """Output of a git command in the repository; None when it fails (a copy without .git)."""
    try:
        result = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def package_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def machine() -> dict:
    changed = git("status", "--porcelain", "--", "store", "tui")
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model(),
        "memory_mb": memory_total_mb(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "textual": package_version("textual"),
        "whoosh": package_version("Whoosh-Reloaded") or package_version("Whoosh"),
        "sqlite": sqlite3.sqlite_version,
        "commit": git("rev-parse", "--short", "HEAD"),
        "source": str(REPO),
        "uncommitted_in_store_or_tui": None if changed is None else changed.splitlines(),
    }


# --- the phases ----------------------------------------------------------------------------


class Results(dict):
    """The JSON object; `measure` fills one figure, or null and an error."""

    def measure(self, key: str, function, *args):
        log(f"[{key}]")
        self.setdefault("load_average_by_phase", {})[key] = load_average()
        started = time.perf_counter()
        try:
            self[key] = function(*args)
        except Exception as error:  # a failed measurement is reported; the others still run
            self[key] = None
            self.setdefault("errors", {})[key] = f"{type(error).__name__}: {error}"
            log(traceback.format_exc())
        log(f"[{key}] {time.perf_counter() - started:.1f} s")
        return self[key]


def import_runs(work: Path, files: list[Path], last: dict, runs: int, papers: int) -> tuple[dict, Path]:
    """`runs` imports, each into a new library and checked searchable; the last library that
    imported is kept for the other phases. A failed run is reported; all failing is an error."""
    flag = store_bench.no_progress_flag()
    seconds, failures, kept, checked = [], [], None, ""
    for number in range(1, runs + 1):
        library = work / f"library-{number}"
        try:
            elapsed = store_bench.time_import(library, files, flag, store_bench.import_timeout(papers))
            checked = store_bench.verify_searchable(library, last)  # a run that is not searchable does not count
        except Exception as error:  # noqa: BLE001 - reported with the figure
            failures.append(f"run {number}: {type(error).__name__}: {error}")
            log(f"  import run {number} failed: {error}")
            shutil.rmtree(library, ignore_errors=True)
            continue
        seconds.append(elapsed)
        log(f"  import run {number}: {seconds[-1]:.2f} s; found again by {checked!r}")
        if kept is not None:
            shutil.rmtree(kept)
        kept = library
    if kept is None:
        raise RuntimeError("; ".join(failures))
    figure = {"median": summary(seconds, 3)["median"], "runs": [round(s, 3) for s in seconds],
              "failed_runs": failures, "files": len(files), "searchable_check": checked, "no_progress_flag": flag,
              "command": " ".join(store_bench.import_command(Path("DIR"), [Path(f.name) for f in files], flag))}
    return figure, kept


def build_library(results: Results, work: Path, args) -> Path | None:
    corpus = results.measure("corpus", lambda: write_slice(args.corpus, args.papers, work))
    if corpus is None:
        return None
    results["corpus"] = {"path": str(args.corpus), "papers": corpus.count, "files": [p.name for p in corpus.paths],
                         "bytes": corpus.bytes}
    results["papers"] = corpus.count
    timed = "import" in args.only  # else one import, only to have a library (reported as setup_import_s)
    key = "import_s" if timed else "setup_import_s"
    runs = (args.import_runs or args.runs) if timed else 1
    built = results.measure(key, import_runs, work, corpus.paths, corpus.last, runs, corpus.count)
    if built is None:
        return None
    results[key], library = built
    return library


def run_phases(results: Results, library: Path, work: Path, args) -> None:
    results.measure("prepared_state", store_bench.prepare_state, library, PREPARED_STATE)
    if "export" in args.only:
        results.measure("export_s", store_bench.time_export, library, args.runs, work / "export.bib")
    if "search" in args.only:
        results.measure("search_store_ms", store_bench.time_store_queries, library, QUERIES, args.runs)
        results.measure("search_ms", lambda: app_bench.run(app_bench.bench_search(library, QUERIES, args.runs)))
    if "keys" in args.only:
        results.measure("keys_ms", lambda: app_bench.run(app_bench.bench_keys(library, args.runs)))
    if "scroll" in args.only:
        results.measure("scroll_ms", lambda: app_bench.run(app_bench.bench_scroll(library, args.runs)))
    if "start" in args.only:
        results.measure("start", pty_bench.bench_start, library, args.runs)
    if "memory" in args.only:
        memory = results.measure("memory", pty_bench.bench_memory, library, MEMORY_QUERIES)
        results["peak_rss_mb"] = memory["peak_rss_mb"] if memory else None


# --- targets and output --------------------------------------------------------------------


def dig(results: dict, *path):
    value = results
    for key in path:
        if not isinstance(value, dict) or value.get(key) is None:
            return None
        value = value[key]
    return value


def target_rows(column: str) -> list[tuple[str, str, tuple, float]]:
    """(name, unit, path of the value in the results, target): every value must be at most its target."""
    t = TARGETS[column]
    rows = [
        ("start_ratio", "x", ("start", "ratio"), t["start_ratio"]),
        ("search_median_ms", "ms", ("search_ms", "median"), t["search_median_ms"]),
        ("search_p95_ms", "ms", ("search_ms", "p95"), t["search_p95_ms"]),
    ]
    for key in ("star", "read", "tag"):
        for step in ("repaint", "saved"):
            rows.append((f"{key}_{step}_p95_ms", "ms", ("keys_ms", key, step, "p95"), t["key_ms"]))
    for move in ("page_down", "end"):
        rows.append((f"{move}_p95_ms", "ms", ("scroll_ms", move, "p95"), t["scroll_ms"]))
    rows += [
        ("import_s", "s", ("import_s", "median"), t["import_s"]),
        ("export_s", "s", ("export_s", "median"), t["export_s"]),
        ("peak_rss_mb", "MB", ("peak_rss_mb",), t["peak_rss_mb"]),
    ]
    return rows


def targets(results: dict, column: str) -> dict:
    out = {}
    for name, unit, path, limit in target_rows(column):
        value = dig(results, *path)
        out[name] = {"target": limit, "unit": unit, "value": value, "met": None if value is None else value <= limit}
    return out


def fmt(value, unit: str = "") -> str:
    if value is None:
        return "—"
    number = f"{value:.3f}" if isinstance(value, float) and value < 10 and unit in ("s", "x") else (
        f"{value:.1f}" if isinstance(value, float) else str(value))
    return f"{number} {unit}".strip()


def table(results: dict) -> str:
    lines = [f"papers-tui benchmark: {results.get('papers')} papers, {results['runs']} runs, "
             f"targets of the {results['target_column']} column",
             f"machine: {results['machine']['cpus']} × {results['machine']['cpu_model']}, "
             f"Python {results['machine']['python']}, {results['machine']['platform']}", ""]
    lines.append(f"{'figure':<24}{'value':>14}{'target':>12}   met")
    for name, row in results["targets"].items():
        met = {True: "yes", False: "NO", None: "—"}[row["met"]]
        lines.append(f"{name:<24}{fmt(row['value'], row['unit']):>14}{'≤ ' + fmt(row['target'], row['unit']):>12}   {met}")
    lines += ["", *detail_lines(results)]
    for key, error in results.get("errors", {}).items():
        lines.append(f"error in {key}: {error}")
    return "\n".join(lines)


def detail_lines(results: dict) -> list[str]:
    lines = []
    start = results.get("start")
    if start:
        lines.append(f"start: app {start['app_s']} s, bare {start['bare_s']} s (first output: app "
                     f"{start['app_first_output_s']} s, bare {start['bare_first_output_s']} s)")
    search = results.get("search_ms")
    if search:
        steps = ", ".join(f"{k} {v['median']}" for k, v in search["steps"].items())
        lines.append(f"search in the app: from the search's start median {search['from_search_start']['median']} / "
                     f"p95 {search['from_search_start']['p95']} ms; steps (median ms): {steps}")
    store = results.get("search_store_ms")
    if store:
        lines.append(f"search in the store: ids(q, date) median {store['date_all']['median']} / p95 "
                     f"{store['date_all']['p95']} ms; ids(q, relevance, 50) median {store['relevance_50']['median']} "
                     f"/ p95 {store['relevance_50']['p95']} ms")
    for key, figure in (results.get("keys_ms") or {}).items():
        lines.append(f"{key}: " + ", ".join(f"{step} median {v['median']} / p95 {v['p95']} ms"
                                            for step, v in figure.items() if isinstance(v, dict)))
    for key, figure in (results.get("scroll_ms") or {}).items():
        lines.append(f"{key}: median {figure['median']} / p95 {figure['p95']} ms (first frame median "
                     f"{figure['first_frame']['median']} ms; {figure['loaded_rows']} of {figure['n']} loaded rows)")
    memory = results.get("memory")
    if memory:
        lines.append(f"memory: peak {memory['peak_rss_mb']} MB, now {memory['rss_mb']} MB "
                     f"(bare app peak {memory['bare_app']['peak_rss_mb']} MB)")
    return lines


# --- main ----------------------------------------------------------------------------------


def work_directory(keep: Path | None) -> Path:
    if keep is None:
        return Path(tempfile.mkdtemp(prefix="papers-tui-bench-"))
    keep.mkdir(parents=True, exist_ok=True)
    return keep.resolve()


def use_bytecode_cache(work: Path) -> str:
    """The processes this script starts (CLI imports, the app, the bare app) keep compiled
    bytecode under the work directory: an environment with PYTHONDONTWRITEBYTECODE=1 would
    otherwise make every start of the app compile the project from source, which an installed
    app does not do. Nothing is written beside the sources."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return os.environ["PYTHONPYCACHEPREFIX"]


def load_average() -> list[float] | None:
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    column = "10k" if args.papers <= 10000 else "100k"
    results = Results(papers=args.papers, runs=args.runs, only=args.only, target_column=column, machine=machine(),
                      started=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    results["machine"]["load_average_at_start"] = load_average()
    if results["machine"]["load_average_at_start"] and results["machine"]["load_average_at_start"][0] > 0.5:
        log(f"warning: the machine is busy (load average {results['machine']['load_average_at_start']}); "
            "timings will be worse than on an idle machine")
    work = work_directory(args.keep)
    results["bytecode_cache"] = use_bytecode_cache(work)
    log(f"working in {work}")
    try:
        library = build_library(results, work, args)
        if library is not None:
            run_phases(results, library, work, args)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    results["machine"]["load_average_at_end"] = load_average()
    results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    results["targets"] = targets(results, column)
    print(json.dumps(results, indent=2, ensure_ascii=False) if args.json else table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
