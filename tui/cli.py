"""The `papers-tui` command: the app when run bare, and commands for scripts."""

from __future__ import annotations

import argparse
import errno
import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from store.bidi import escape_bidi_in_json
from store.db import storage_errors
from store.errors import (
    ImportFormatError,
    IndexUnavailable,
    LibraryError,
    QueryError,
    SchemaError,
    StorageError,
    retry_while_busy,
)
from store.files import check_output
from store.importers import FORMATS
from store.index_sync import IndexStatus
from store.library import ImportReport, Library, default_library_dir
from store.model import Paper
from store.query import Sort
from store.styles import DEFAULT_STYLE, Style

from .progress import ProgressBar
from .text import first_author_label, safe_text

# docs/usage.md, "Exit codes": 3 says an import was partial (some entries skipped or flagged).
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # as a shell reports a command stopped by ctrl+c (128 + SIGINT)
T = TypeVar("T")
EXAMPLE_SUFFIXES = (".txt", ".bib", ".jsonl")
LIST_FORMATS = ("table", "json", "jsonl")
EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "docs" / "examples"


def build_parser() -> argparse.ArgumentParser:
    library_help = "library directory (default: $PAPERS_TUI_LIBRARY, else the user data dir)"
    progress_help = "show progress bars for long work on standard error (default: only when it is a terminal)"
    # Every command takes --library and --progress too; SUPPRESS keeps one given before the command.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--library", metavar="DIR", type=Path, default=argparse.SUPPRESS, help=library_help)
    common.add_argument("--progress", action=argparse.BooleanOptionalAction, default=argparse.SUPPRESS,
                        help=progress_help)
    parser = argparse.ArgumentParser(prog="papers-tui", description="Triage papers, keep a reading list, cite it in LaTeX.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}",
                        help="print the version of papers-tui and exit")
    parser.add_argument("--library", metavar="DIR", type=Path, default=None, help=library_help)
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None, help=progress_help)
    parser.add_argument(
        "--demo-if-missing",
        action="store_true",
        help="when the library does not exist yet, open a demo library built from docs/examples",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", help="what to do (default: app)")

    add = commands.add_parser("import", parents=[common], help="import listings, BibTeX or JSON lines ('-' is stdin)")
    add.add_argument("paths", nargs="+", metavar="PATH", help="a file to import ('-': standard input)")
    add.add_argument("--format", choices=FORMATS, help="force the input format instead of recognising it")
    add.add_argument("--json", action="store_true",
                     help="print the report as JSON: counts, skipped and flagged entries with their lines")

    search = commands.add_parser("search", parents=[common], help="search the library, best matches first")
    search.add_argument("query", help="words, fields (author:, year:, tag:, is:read...), OR, NOT, \"phrases\"")
    search.add_argument("--limit", type=int, default=20, help="show at most this many papers (default: 20)")
    search.add_argument("--json", action="store_true", help="print the papers as JSON instead of a table")

    listing = commands.add_parser("list", parents=[common], help="list papers")
    listing.add_argument("--query", "-q", help="only the papers matching this query (default: all)")
    listing.add_argument("--sort", choices=[sort.value for sort in Sort], default=Sort.DATE.value,
                         help="the order of the list (default: date, newest first)")
    listing.add_argument("--limit", type=int, help="show at most this many papers")
    listing.add_argument("--json", dest="format", action="store_const", const="json", default="table",
                         help="a JSON array of papers (the same as --format json)")
    listing.add_argument("--format", choices=LIST_FORMATS, default="table",
                         help="table; json: an array for scripts; jsonl: one paper a line, every field and the "
                              "user's state, which `import` takes back as it was (a backup)")

    mark = commands.add_parser(
        "mark", parents=[common], help="mark papers read, unread, starred or unstarred, or flagged ones checked"
    )
    mark.add_argument("keys", nargs="+", metavar="KEY", help="a paper's citation key (or its untitled-N handle)")
    mark.add_argument("--read", dest="read", action="store_const", const=True, help="mark them read")
    mark.add_argument("--unread", dest="read", action="store_const", const=False, help="mark them unread")
    mark.add_argument("--star", dest="starred", action="store_const", const=True, help="star them")
    mark.add_argument("--unstar", dest="starred", action="store_const", const=False, help="remove their star")
    mark.add_argument("--checked", action="store_true",
                      help="the papers' import flags (is:flagged) were checked: clear them")

    tag = commands.add_parser("tag", parents=[common], help="add or remove tags")
    tag.add_argument("keys", nargs="+", metavar="KEY", help="a paper's citation key (or its untitled-N handle)")
    tag.add_argument("--add", action="append", default=[], metavar="NAME",
                     help="add this tag (repeat for more; a tag cannot hold a comma)")
    tag.add_argument("--remove", action="append", default=[], metavar="NAME", help="remove this tag (repeat for more)")

    export = commands.add_parser("export", parents=[common], help="write BibTeX")
    export.add_argument("--query", "-q", help="only the papers matching this query (default: all)")
    export.add_argument("--output", "-o", help="file to write ('-' or default: standard output)")
    export.add_argument("--style", choices=[style.value for style in Style], default=DEFAULT_STYLE.value,
                        help=f"how entries are written (default: {DEFAULT_STYLE.value})")
    export.add_argument("--key-pattern", help="pattern for new citation keys, e.g. '{author}{year}{word}'")
    export.add_argument("--no-aliases", dest="aliases", action="store_false",
                        help="write each paper under its key only, not under the other keys it was imported under")

    commands.add_parser("reindex", parents=[common], help="rebuild the search index from the store")

    doctor = commands.add_parser("doctor", parents=[common], help="check the library's integrity and repair what can be")
    doctor.add_argument("--check-only", action="store_true", help="report problems without repairing them")

    backup = commands.add_parser("backup", parents=[common], help="write a consistent copy of the library database")
    backup.add_argument("file", nargs="?", type=Path, metavar="FILE",
                        help="where to write it (default: <library>/backups/library-<time>.sqlite3)")
    commands.add_parser("app", parents=[common], help="open the reader (the default)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; every failure is one line on standard error, never a traceback."""
    try:
        status = run(argv)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return status
    except BrokenPipeError:  # `papers-tui list | head -1`: the reader has what it wanted
        quiet_stdout()
        return EXIT_OK
    except KeyboardInterrupt:
        quiet_stdout()
        print("papers-tui: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except MemoryError:
        print("papers-tui: out of memory", file=sys.stderr)
        return EXIT_ERROR
    except Exception as error:  # noqa: BLE001 - the last line of defence: a bug, said in one line
        if os.environ.get("PAPERS_TUI_DEBUG"):
            raise
        print(f"papers-tui: unexpected error: {type(error).__name__}: {safe_text(str(error))[:300]} "
              "(please report it; PAPERS_TUI_DEBUG=1 shows the traceback)", file=sys.stderr)
        return EXIT_ERROR


def run(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    directory = args.library or default_library_dir()
    command = args.command or "app"
    if command == "app":
        return run_app(directory, args.demo_if_missing)
    try:
        # A damaged file or a full disk comes back as a StorageError naming the database.
        with storage_errors(Library.database_file(directory)):
            with Library(directory) as library:
                queries = command in INDEX_COMMANDS and (command == "search" or getattr(args, "query", None))
                if queries:
                    ensure_index(library, args)
                try:
                    status = COMMANDS[command](library, args)
                except IndexUnavailable:
                    if not queries:
                        raise
                    ensure_index(library, args)  # damage the query itself ran into: rebuilt once, asked again
                    status = COMMANDS[command](library, args)
                warn_if_not_indexed(library)
                return status
    except StorageError as error:
        if command == "doctor":
            return doctor_cannot_open(directory, error)
        print(f"papers-tui: {safe_text(str(error))}", file=sys.stderr)
        return EXIT_ERROR
    except (ImportFormatError, QueryError, LibraryError, SchemaError) as error:
        print(f"papers-tui: {safe_text(str(error))}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as error:
        if error.errno == errno.EPIPE:
            raise BrokenPipeError(*error.args) from error
        where = f"{safe_text(str(error.filename))}: " if error.filename else ""
        print(f"papers-tui: {where}{error.strerror or error}", file=sys.stderr)
        return EXIT_ERROR
    except UnicodeError:  # arguments hold bytes that are not UTF-8 (Python keeps them as surrogates)
        print("papers-tui: an argument is not valid UTF-8 text", file=sys.stderr)
        return EXIT_ERROR


def quiet_stdout() -> None:
    """Standard output is gone (a closed pipe): send what is left to /dev/null, so
    Python's own flush at exit does not complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("papers-tui")
    except PackageNotFoundError:
        return "unknown (not installed)"


def warn_if_not_indexed(library: Library) -> None:
    """A change saved whose papers could not be indexed (a full disk): said once; exit 0."""
    failure = library.index_failure()
    if failure:
        print(f"papers-tui: saved, but the search index could not be updated: {safe_text(failure)}; "
              "it will be rebuilt (run `papers-tui reindex` once there is room)", file=sys.stderr)


def doctor_cannot_open(directory: Path, error: StorageError) -> int:
    """`doctor` on a database too damaged to open: its checks, and where the backups are."""
    from store.recovery import restore_hint

    reason = error.__cause__ or error  # SQLite's own words, without the hint that points here
    print(f"papers-tui: {safe_text(str(Library.database_file(directory)))}: {safe_text(str(reason))[:200]}",
          file=sys.stderr)
    print(f"checking {safe_text(str(directory))}")
    print(f"  failed database integrity: the file cannot be read: {safe_text(str(reason))[:200]}")
    print("  skip   schema, orphaned rows, search index: not checked (the database must be restored first)")
    print(f"1 problem left; {safe_text(restore_hint(directory, mention_doctor=False))}")
    return EXIT_ERROR


def run_app(directory: Path, demo_if_missing: bool) -> int:
    if demo_if_missing and not Library.exists(directory):
        directory = make_demo_library()
    from .app import PapersApp

    PapersApp(directory).run()
    return EXIT_OK


def make_demo_library() -> Path:
    """A library built from the project's own example listings (made once)."""
    directory = Path.cwd() / ".demo-library"
    if not Library.exists(directory):
        with Library(directory) as library:
            library.import_paths([str(p) for p in sorted(EXAMPLES_DIR.iterdir()) if p.suffix in EXAMPLE_SUFFIXES])
    print(f"No library yet: opening the demo library in {directory}", file=sys.stderr)
    return directory


def progress_bar(args) -> ProgressBar:
    """A bar on standard error: when it is a terminal, or as --progress/--no-progress say."""
    return ProgressBar(sys.stderr, enabled=getattr(args, "progress", None))


def describe_inputs(paths: list[str]) -> str:
    if len(paths) > 1:
        return f"{len(paths)} files"
    return "standard input" if paths[0] == "-" else safe_text(Path(paths[0]).name)


def writing(change: Callable[[], T]) -> T:
    """Run a change to the library, again while another papers-tui holds it (said once on stderr)."""

    def tell() -> None:
        print("papers-tui: another papers-tui is writing to this library; waiting for it…", file=sys.stderr)

    return retry_while_busy(change, on_wait=tell)


def cmd_import(library: Library, args) -> int:
    with progress_bar(args) as bar:
        bar.note(f"reading {describe_inputs(args.paths)}…")  # parsing reports no progress
        parsed = library.parse_paths(args.paths, fmt=args.format)  # once: stdin cannot be read twice
        reports = writing(lambda: library.import_parsed(parsed, progress=bar))
    partial = any(report.partial for report in reports)
    if args.json:
        json.dump({"partial": partial, "inputs": [report.to_json() for report in reports]},
                  sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for report in reports:
            print_import_report(report)
    return EXIT_PARTIAL if partial else EXIT_OK


def print_import_report(report: ImportReport) -> None:
    """The counts, then every entry skipped or flagged as `file:line: what: reason` (sorted by line)."""
    source = safe_text(report.source)
    flagged = f", {len(report.flagged)} flagged" if report.flagged else ""
    print(
        f"{source} ({report.format}): {report.added} added, {report.merged} merged, "
        f"{report.unchanged} already known, {len(report.skipped)} skipped{flagged}"
    )
    for line, text in report.entries():
        print(f"{source}:{line}: {safe_text(text)}")
    for note in report.notes:
        print(f"{source}: note: {safe_text(note)}")
    for conflict in report.conflicts:  # not merged: the same id or title, another work
        print(f"{source}: {safe_text(conflict.describe())}")


def cmd_search(library: Library, args) -> int:
    return print_papers(library.search(args.query, limit=args.limit), args.json)


def cmd_list(library: Library, args) -> int:
    papers = library.list(args.query, sort=args.sort, limit=args.limit)
    if args.format == "jsonl":
        for paper in papers:
            sys.stdout.write(json.dumps(paper.to_jsonl(), ensure_ascii=False) + "\n")
        return EXIT_OK
    return print_papers(papers, args.format == "json")


def cmd_mark(library: Library, args) -> int:
    if args.read is None and args.starred is None and not args.checked:
        raise LibraryError("say what to mark: --read, --unread, --star, --unstar or --checked")
    ids = library.resolve(args.keys)
    if args.read is not None or args.starred is not None:
        writing(lambda: library.mark(ids, read=args.read, starred=args.starred))
    if args.checked:
        writing(lambda: library.clear_flags(ids))
    return EXIT_OK


def cmd_tag(library: Library, args) -> int:
    if not args.add and not args.remove:
        raise LibraryError("say which tags: --add NAME or --remove NAME")
    ids = library.resolve(args.keys)
    writing(lambda: library.tag(ids, add=args.add, remove=args.remove))
    return EXIT_OK


def cmd_export(library: Library, args) -> int:
    if args.output is not None:
        check_output(args.output)  # an empty path, a directory, a socket: refused before any work
    if args.key_pattern:
        writing(lambda: library.set_key_pattern(args.key_pattern))
    ids = library.ids(args.query, sort=Sort.DATE)
    unkeyed = library.unkeyed(ids) if library.read_only else 0
    if unkeyed:
        print(f"papers-tui: {unkeyed} paper{'s have' if unkeyed != 1 else ' has'} no citation key yet and the library "
              "is read-only: exported under the provisional handle untitled-N (a real key is given once the "
              "library can be written)", file=sys.stderr)
    try:
        with progress_bar(args) as bar:  # an export keys the papers without one: a write
            result = writing(lambda: library.export_bibtex(
                ids, args.output, style=args.style, progress=bar, aliases=args.aliases))
    except OSError as error:
        print(f"papers-tui: cannot write {safe_text(str(args.output))}: {error.strerror or error}; "
              "nothing was written (an existing file is unchanged)", file=sys.stderr)
        return EXIT_ERROR
    if result.warning:
        print(f"papers-tui: warning: {safe_text(result.warning)}", file=sys.stderr)
    if args.output is None:
        sys.stdout.write(result.text)
    else:
        print(f"wrote {result.entries} entries to {args.output}", file=sys.stderr)
    return EXIT_OK



def cmd_reindex(library: Library, args) -> int:
    with progress_bar(args) as bar:
        count = library.reindex(progress=bar)
    print(f"indexed {count} papers")
    return EXIT_OK


def cmd_doctor(library: Library, args) -> int:
    from store.doctor import doctor

    repair = not args.check_only and not library.read_only
    if not args.check_only and library.read_only:
        print("papers-tui: the library is read-only: checking without repairing", file=sys.stderr)
    with progress_bar(args) as bar:
        report = doctor(library, repair=repair, progress=bar)
    print(f"checking {library.directory}")
    for finding in report.findings:
        print(f"  {finding.status:<6} {safe_text(finding.message)}")
    fixed = sum(f.status == "fixed" for f in report.findings)
    if report.healthy:
        print(f"repaired {fixed} problem{'s' if fixed != 1 else ''}" if fixed else "healthy")
        return EXIT_OK
    left = sum(f.status in ("found", "failed") for f in report.findings)
    repairable = any(f.status == "found" for f in report.findings) and not library.read_only
    print(f"{left} problem{'s' if left != 1 else ''} left" + ("; run without --check-only to repair" if repairable else ""))
    return EXIT_ERROR


def cmd_backup(library: Library, args) -> int:
    path = library.backup(args.file)
    to_stdout = str(path) == "-"  # the copy itself went to standard output
    print(f"backed up {library.count()} papers to {safe_text(str(path))}", file=sys.stderr if to_stdout else sys.stdout)
    return EXIT_OK


def ensure_index(library: Library, args) -> None:
    """Before a query from the command line: an index behind the store is rebuilt first."""
    status = library.index_status()
    if status != IndexStatus.CURRENT and library.read_only:
        # Nothing can be rebuilt here: the index is read as it is, and results may miss recent changes.
        print(f"papers-tui: the search index is {status} and the library is read-only, so it is not rebuilt; "
              "results may miss recent changes", file=sys.stderr)
        return
    if status != IndexStatus.CURRENT:
        print(f"papers-tui: the search index is {status}; rebuilding it from the library…", file=sys.stderr)
        with progress_bar(args) as bar:
            repaired = library.repair_index(progress=bar)
        if not repaired:
            raise QueryError("the search index could not be rebuilt now (another papers-tui is writing it); try again")


COMMANDS = {
    "import": cmd_import,
    "search": cmd_search,
    "list": cmd_list,
    "mark": cmd_mark,
    "tag": cmd_tag,
    "export": cmd_export,
    "reindex": cmd_reindex,
    "doctor": cmd_doctor,
    "backup": cmd_backup,
}
INDEX_COMMANDS = ("search", "list", "export")


def print_papers(papers: list[Paper], as_json: bool) -> int:
    if as_json:  # bidi overrides written as \u escapes: the same data, nothing raw on a terminal
        sys.stdout.write(escape_bidi_in_json(json.dumps([p.to_json() for p in papers], ensure_ascii=False, indent=2)))
        sys.stdout.write("\n")
        return EXIT_OK
    width = shutil.get_terminal_size((100, 20)).columns
    for paper in papers:
        print(table_row(paper, width))
    return EXIT_OK


AUTHOR_COLUMN = 24


def table_row(paper: Paper, width: int) -> str:
    marks = ("*" if paper.starred else " ") + (" " if paper.read else "•")
    date = (paper.date or "").ljust(10)  # as precise as known: 2015, 2015-03 or 2015-03-09
    first = first_author_label(paper)  # as the app's list: "+2" when every author is known
    head = f"{marks} {date} {safe_text(paper.key)[:28]:<28} "
    room = max(10, width - len(head) - AUTHOR_COLUMN - 2)
    return f"{head}{_fit(safe_text(paper.display_title), room)}  {_fit(first, AUTHOR_COLUMN)}".rstrip()


def _fit(text: str, width: int) -> str:
    return text[: width - 1] + "…" if len(text) > width else text.ljust(width)


if __name__ == "__main__":
    sys.exit(main())
