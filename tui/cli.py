"""The `papers-tui` command: the app when run bare, and commands for scripts."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from store.db import storage_errors
from store.errors import ImportFormatError, LibraryError, QueryError, SchemaError, retry_while_busy
from store.files import check_output
from store.importers import FORMATS
from store.index_sync import IndexStatus
from store.library import Library, default_library_dir
from store.model import Paper
from store.query import Sort
from store.styles import DEFAULT_STYLE, Style

from .progress import ProgressBar
from .text import safe_text

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
T = TypeVar("T")
EXAMPLE_SUFFIXES = (".txt", ".bib", ".jsonl")
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
    parser.add_argument("--library", metavar="DIR", type=Path, default=None, help=library_help)
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None, help=progress_help)
    parser.add_argument(
        "--demo-if-missing",
        action="store_true",
        help="when the library does not exist yet, open a demo library built from docs/examples",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    add = commands.add_parser("import", parents=[common], help="import listings, BibTeX or JSON lines ('-' is stdin)")
    add.add_argument("paths", nargs="+", metavar="PATH")
    add.add_argument("--format", choices=FORMATS, help="force the input format instead of recognising it")

    search = commands.add_parser("search", parents=[common], help="search the library, best matches first")
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=20)
    search.add_argument("--json", action="store_true")

    listing = commands.add_parser("list", parents=[common], help="list papers")
    listing.add_argument("--query", "-q")
    listing.add_argument("--sort", choices=[sort.value for sort in Sort], default=Sort.DATE.value)
    listing.add_argument("--limit", type=int)
    listing.add_argument("--json", action="store_true")

    mark = commands.add_parser("mark", parents=[common], help="mark papers read, unread, starred or unstarred")
    mark.add_argument("keys", nargs="+", metavar="KEY")
    mark.add_argument("--read", dest="read", action="store_const", const=True)
    mark.add_argument("--unread", dest="read", action="store_const", const=False)
    mark.add_argument("--star", dest="starred", action="store_const", const=True)
    mark.add_argument("--unstar", dest="starred", action="store_const", const=False)

    tag = commands.add_parser("tag", parents=[common], help="add or remove tags")
    tag.add_argument("keys", nargs="+", metavar="KEY")
    tag.add_argument("--add", action="append", default=[], metavar="NAME")
    tag.add_argument("--remove", action="append", default=[], metavar="NAME")

    export = commands.add_parser("export", parents=[common], help="write BibTeX")
    export.add_argument("--query", "-q")
    export.add_argument("--output", "-o", help="file to write ('-' or default: standard output)")
    export.add_argument("--style", choices=[style.value for style in Style], default=DEFAULT_STYLE.value)
    export.add_argument("--key-pattern", help="pattern for new citation keys, e.g. '{author}{year}{word}'")

    commands.add_parser("reindex", parents=[common], help="rebuild the search index from the store")

    doctor = commands.add_parser("doctor", parents=[common], help="check the library's integrity and repair what can be")
    doctor.add_argument("--check-only", action="store_true", help="report problems without repairing them")

    backup = commands.add_parser("backup", parents=[common], help="write a consistent copy of the library database")
    backup.add_argument("file", nargs="?", type=Path, metavar="FILE",
                        help="where to write it (default: <library>/backups/library-<time>.sqlite3)")
    commands.add_parser("app", parents=[common], help="open the reader (the default)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    directory = args.library or default_library_dir()
    command = args.command or "app"
    if command == "app":
        return run_app(directory, args.demo_if_missing)
    try:
        # A damaged file or a full disk comes back as a StorageError naming the database.
        with storage_errors(Library.database_file(directory)), Library(directory) as library:
            if command in INDEX_COMMANDS and (command == "search" or getattr(args, "query", None)):
                ensure_index(library, args)
            return COMMANDS[command](library, args)
    except (ImportFormatError, QueryError, LibraryError, SchemaError) as error:
        print(f"papers-tui: {safe_text(str(error))}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as error:
        print(f"papers-tui: {safe_text(str(error.filename or ''))}: {error.strerror or error}", file=sys.stderr)
        return EXIT_ERROR
    except UnicodeError:  # arguments hold bytes that are not UTF-8 (Python keeps them as surrogates)
        print("papers-tui: an argument is not valid UTF-8 text", file=sys.stderr)
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
    for report in reports:
        print(
            f"{safe_text(report.source)} ({report.format}): {report.added} added, {report.merged} merged, "
            f"{report.unchanged} already known, {len(report.skipped)} skipped"
        )
        for skip in report.skipped:
            print(f"  line {skip.line}: skipped: {safe_text(skip.reason)}")
        for conflict in report.conflicts:  # not merged: the same id or title, another work
            print(f"  {safe_text(conflict.describe())}")
    return EXIT_OK


def cmd_search(library: Library, args) -> int:
    return print_papers(library.search(args.query, limit=args.limit), args.json)


def cmd_list(library: Library, args) -> int:
    return print_papers(library.list(args.query, sort=args.sort, limit=args.limit), args.json)


def cmd_mark(library: Library, args) -> int:
    if args.read is None and args.starred is None:
        raise LibraryError("say what to mark: --read, --unread, --star or --unstar")
    ids = library.resolve(args.keys)
    writing(lambda: library.mark(ids, read=args.read, starred=args.starred))
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
    try:
        with progress_bar(args) as bar:  # an export keys the papers without one: a write
            text = writing(lambda: library.export(ids, args.output, style=args.style, progress=bar))
    except OSError as error:
        print(f"papers-tui: cannot write {safe_text(str(args.output))}: {error.strerror or error}; "
              "nothing was written (an existing file is unchanged)", file=sys.stderr)
        return EXIT_ERROR
    if args.output is None:
        sys.stdout.write(text)
    else:
        print(f"wrote {len(ids)} entries to {args.output}", file=sys.stderr)
    return EXIT_OK


def cmd_reindex(library: Library, args) -> int:
    with progress_bar(args) as bar:
        count = library.reindex(progress=bar)
    print(f"indexed {count} papers")
    return EXIT_OK


def cmd_doctor(library: Library, args) -> int:
    from store.doctor import doctor

    with progress_bar(args) as bar:
        report = doctor(library, repair=not args.check_only, progress=bar)
    print(f"checking {library.directory}")
    for finding in report.findings:
        print(f"  {finding.status:<6} {safe_text(finding.message)}")
    fixed = sum(f.status == "fixed" for f in report.findings)
    if report.healthy:
        print(f"repaired {fixed} problem{'s' if fixed != 1 else ''}" if fixed else "healthy")
        return EXIT_OK
    left = sum(f.status not in ("ok", "fixed") for f in report.findings)
    print(f"{left} problem{'s' if left != 1 else ''} left" + ("; run without --check-only to repair" if args.check_only else ""))
    return EXIT_ERROR


def cmd_backup(library: Library, args) -> int:
    path = library.backup(args.file)
    to_stdout = str(path) == "-"  # the copy itself went to standard output
    print(f"backed up {library.count()} papers to {safe_text(str(path))}", file=sys.stderr if to_stdout else sys.stdout)
    return EXIT_OK


def ensure_index(library: Library, args) -> None:
    """Before a query from the command line: an index behind the store is rebuilt first."""
    status = library.index_status()
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
    if as_json:
        json.dump([p.to_json() for p in papers], sys.stdout, ensure_ascii=False, indent=2)
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
    first = paper.authors[0] if paper.authors else ""
    if len(paper.authors) > 1 or paper.authors_truncated:
        first += " et al."
    head = f"{marks} {date} {paper.key[:28]:<28} "
    room = max(10, width - len(head) - AUTHOR_COLUMN - 2)
    return f"{head}{_fit(safe_text(paper.display_title), room)}  {_fit(safe_text(first), AUTHOR_COLUMN)}".rstrip()


def _fit(text: str, width: int) -> str:
    return text[: width - 1] + "…" if len(text) > width else text.ljust(width)


if __name__ == "__main__":
    sys.exit(main())
