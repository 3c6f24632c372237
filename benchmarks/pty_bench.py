"""Start-up time and peak memory, measured on the real app in a pseudo-terminal.

The app (and the bare baseline, benchmarks/bare_app.py) is spawned on the slave side of a pty
sized 120x40 (TIOCSWINSZ, and COLUMNS/LINES, TERM=xterm-256color); this process reads the
master side, strips escape sequences and stops the clock when the awaited text is on the
screen. Then it sends `q` and reaps the process.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path

from stats import summary

REPO = Path(__file__).resolve().parent.parent
BARE_APP = Path(__file__).resolve().parent / "bare_app.py"
COLUMNS, LINES = 120, 40
START_TIMEOUT_S = 120.0
QUIT_TIMEOUT_S = 30.0
QUIET_S = 0.3  # no output for this long: the app has drawn what it had to
ACTION_TIMEOUT_S = 30.0
WINDOW = 8192  # bytes of output searched again on each read (a match may straddle two reads)
ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")

KEYS = {"end": b"\x1b[F", "home": b"\x1b[H", "enter": b"\r", "escape": b"\x1b", "pagedown": b"\x1b[6~"}


def plain(data: bytes) -> str:
    return ANSI.sub(b"", data).decode("utf-8", "replace")


@dataclass
class Terminal:
    """A process on a pty, and everything it has written so far."""

    process: subprocess.Popen
    master: int
    started: float
    output: bytearray = field(default_factory=bytearray)
    first_output: float | None = None

    @classmethod
    def spawn(cls, command: list[str]) -> Terminal:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(COLUMNS), LINES=str(LINES))
        env.pop("TEXTUAL", None)  # no devtools
        started = time.perf_counter()
        process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, cwd=REPO, env=env,
                                   start_new_session=True, close_fds=True)
        os.close(slave)
        return cls(process, master, started)

    def read(self, timeout: float) -> bool:
        """Read what is there within `timeout`; False at the end of output."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO: the slave side is closed
            return False
        if not data:
            return False
        if self.first_output is None:
            self.first_output = time.perf_counter()
        self.output += data
        return True

    def wait_for(self, texts: list[str], since: int = 0, timeout: float = START_TIMEOUT_S) -> float:
        """The time at which one of `texts` appeared on screen (in output after byte `since`)."""
        deadline = time.perf_counter() + timeout
        checked = since
        while time.perf_counter() < deadline:
            if not self.read(0.05):
                raise RuntimeError(f"the process ended (exit {self.process.poll()}) before showing {texts[0]!r}: "
                                   f"{plain(bytes(self.output[-400:]))!r}")
            if len(self.output) > checked:
                window = plain(bytes(self.output[max(since, checked - WINDOW):]))
                checked = len(self.output)
                if any(text in window for text in texts):
                    return time.perf_counter()
        raise TimeoutError(f"{texts[0]!r} not on screen after {timeout:.0f} s")

    def wait_quiet(self, quiet: float = QUIET_S, timeout: float = ACTION_TIMEOUT_S) -> None:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            before = len(self.output)
            if not self.read(quiet):
                return
            if len(self.output) == before:
                return

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def memory_mb(self) -> dict:
        """VmHWM (peak resident) and VmRSS of the process, in MB (2^20 bytes)."""
        values = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("VmHWM", "VmRSS"):
                values[name] = round(int(rest.split()[0]) / 1024, 1)
        return values

    def quit(self) -> None:
        """`q`, then read until the process is gone; killed when it does not go."""
        try:
            self.send(b"q")
            deadline = time.perf_counter() + QUIT_TIMEOUT_S
            while self.process.poll() is None and time.perf_counter() < deadline:
                if not self.read(0.05):
                    break
            self.process.wait(timeout=max(0.1, deadline - time.perf_counter()))
        except (subprocess.TimeoutExpired, OSError):
            self.process.kill()
            self.process.wait(timeout=QUIT_TIMEOUT_S)
        finally:
            os.close(self.master)


def app_command(library_dir: Path) -> list[str]:
    return [sys.executable, "-m", "tui.cli", "--library", str(library_dir)]


def bare_command() -> list[str]:
    return [sys.executable, str(BARE_APP)]


def first_rows(library_dir: Path, count: int = 5) -> list[str]:
    """What the first rows of the inbox (is:unread, newest first) begin with on screen: the date
    column, then the start of the title (cut short: a row cuts long titles)."""
    from store.library import Library
    from tui.text import safe_text

    with Library(library_dir) as library:
        papers = library.list("is:unread", sort="date", limit=count)
    return [f"{(paper.date or ''):<10} {safe_text(paper.display_title)[:12]}" for paper in papers]


def time_to_screen(command: list[str], texts: list[str]) -> dict:
    terminal = Terminal.spawn(command)
    try:
        shown = terminal.wait_for(texts)
        return {"seconds": shown - terminal.started, "first_output": (terminal.first_output or shown) - terminal.started}
    finally:
        terminal.quit()


def bench_start(library_dir: Path, runs: int) -> dict:
    """Bare app and papers-tui alternately (one warm-up of each not counted), `runs` of each."""
    from bare_app import READY_TEXT

    rows = first_rows(library_dir)
    if not rows:
        raise RuntimeError("the inbox is empty: nothing to wait for")
    bare, app = [], []
    for attempt in range(runs + 1):
        bare_run = time_to_screen(bare_command(), [READY_TEXT])
        app_run = time_to_screen(app_command(library_dir), rows)
        print(f"  start: bare {bare_run['seconds']:.3f} s, app {app_run['seconds']:.3f} s"
              + (" (warm-up)" if attempt == 0 else ""), file=sys.stderr)
        if attempt:
            bare.append(bare_run)
            app.append(app_run)
    return start_summary(bare, app, rows)


def start_summary(bare: list[dict], app: list[dict], rows: list[str]) -> dict:
    bare_s = summary([r["seconds"] for r in bare], 3)["median"]
    app_s = summary([r["seconds"] for r in app], 3)["median"]
    return {
        "bare_s": bare_s,
        "app_s": app_s,
        "ratio": round(app_s / bare_s, 3),
        "bare_runs": [round(r["seconds"], 3) for r in bare],
        "app_runs": [round(r["seconds"], 3) for r in app],
        "bare_first_output_s": summary([r["first_output"] for r in bare], 3)["median"],
        "app_first_output_s": summary([r["first_output"] for r in app], 3)["median"],
        "awaited_rows": rows,
    }


def hit_texts(library_dir: Path, queries: list[str]) -> list[str]:
    """The search pane's count for each query once its results are in ('12 hits')."""
    from store.library import Library

    with Library(library_dir) as library:  # a search covers the whole library (docs/decisions.md, "The app")
        counts = [len(library.ids(query)) for query in queries]
    return [f"{count} hit" if count == 1 else f"{count} hits" for count in counts]


def run_searches(terminal: Terminal, queries: list[str], hits: list[str]) -> None:
    """Type each query into the search, wait for its hit count, go to the results, clear."""
    for query, hit_text in zip(queries, hits, strict=True):
        terminal.send(b"/")
        terminal.wait_quiet()
        since = len(terminal.output)
        terminal.send(query.encode("utf-8"))
        terminal.wait_for([hit_text], since=since, timeout=ACTION_TIMEOUT_S)
        terminal.wait_quiet()
        terminal.send(KEYS["enter"])
        terminal.wait_quiet()
        terminal.send(KEYS["escape"])
        terminal.wait_quiet()


def bench_memory(library_dir: Path, queries: list[str]) -> dict:
    """Peak resident memory of the app after the first screen, a few searches and scrolling."""
    rows, hits = first_rows(library_dir), hit_texts(library_dir, queries)
    terminal = Terminal.spawn(app_command(library_dir))
    try:
        terminal.wait_for(rows)
        terminal.wait_quiet()
        at_start = terminal.memory_mb()
        run_searches(terminal, queries, hits)
        for key in ("end", "home", "pagedown", "pagedown", "end"):
            terminal.send(KEYS[key])
            terminal.wait_quiet()
        final = terminal.memory_mb()
    finally:
        terminal.quit()
    return {"peak_rss_mb": final["VmHWM"], "rss_mb": final["VmRSS"], "first_screen_rss_mb": at_start["VmRSS"],
            "bare_app": bare_memory(), "actions": ["first screen", *(f"search {q!r}" for q in queries),
                                                   "end", "home", "pagedown x2", "end"]}


def bare_memory() -> dict:
    from bare_app import READY_TEXT

    terminal = Terminal.spawn(bare_command())
    try:
        terminal.wait_for([READY_TEXT])
        terminal.wait_quiet()
        memory = terminal.memory_mb()
    finally:
        terminal.quit()
    return {"peak_rss_mb": memory["VmHWM"], "rss_mb": memory["VmRSS"]}
