"""Crash safety: a real child process killed with SIGKILL at random moments.

The child (tests/kill_worker.py) imports, marks, stars, tags, writes notes,
exports and reindexes in a loop, saying BEGIN before and DONE after each
action. After every kill the library must open, pass SQLite's integrity
check, hold every confirmed action, hold no half-imported file, and (after a
repair) search right; an index that says it is current must agree with the
store. One library lives through all the kills.

PAPERS_TUI_KILL_RUNS sets the number of kills (default 36; seeded by
PAPERS_TUI_KILL_SEED, so a failure can be replayed).
"""

from __future__ import annotations

import os
import random
import signal
import sys
import time

import pytest

from store.library import Library

from .reliability_helpers import Ledger, Worker, check_library

RUNS = int(os.environ.get("PAPERS_TUI_KILL_RUNS", "36"))
SEED = int(os.environ.get("PAPERS_TUI_KILL_SEED", "20240611"))
# Reindexing takes longest, so it would catch most kills: imports are weighted up.
OPS = "import,import,import,import,mark,star,tag,tag,note,export,reindex"

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")


def test_sigkill_at_random_moments_loses_nothing_confirmed(tmp_path):
    rng = random.Random(SEED)
    library_dir, workdir = tmp_path / "library", tmp_path / "work"
    Library(library_dir).close()
    ledger = Ledger()
    kills_mid_action = 0
    killed_in: dict[str, int] = {}
    started = time.monotonic()
    for run in range(RUNS):
        args = ["--name", f"r{run}", "--number", str(run), "--seed", str(rng.randrange(2**31)),
                "--papers-per-file", str(rng.choice((3, 10, 40))), "--ops", OPS]
        if run % 2:
            args.append("--repair-on-open")  # as the app does: rebuild a stale index first
        worker = Worker(library_dir, workdir, *args)
        if rng.random() < 0.15:
            time.sleep(rng.uniform(0.0, 0.5))  # sometimes while it is still opening the library
        else:
            assert worker.ready.wait(30), worker.stderr
            time.sleep(rng.uniform(0.0, 0.8))
        worker.kill()
        assert worker.proc.returncode == -signal.SIGKILL or worker.finished.is_set(), worker.stderr
        assert "Traceback" not in worker.stderr, worker.stderr
        ledger.add(worker.lines)
        if worker.lines and worker.lines[-1].startswith("BEGIN"):
            kills_mid_action += 1
            op = ledger.events[-1][1]["op"]
            killed_in[op] = killed_in.get(op, 0) + 1
        try:
            check_library(library_dir, ledger, repair=run % 3 == 0)
        except AssertionError:
            print(f"run {run} failed; seed {SEED}; last lines: {worker.lines[-3:]}", file=sys.stderr)
            raise
    check_library(library_dir, ledger, repair=True, search_sample=50)
    elapsed = time.monotonic() - started
    print(f"{RUNS} kills, {kills_mid_action} in the middle of an action, {ledger.count('DONE')} confirmed actions, "
          f"{elapsed:.1f}s; killed in: {killed_in}")
    assert ledger.count("DONE") > RUNS  # the workers did get work done between kills
    assert kills_mid_action >= RUNS // 3  # and the kills did land inside actions
