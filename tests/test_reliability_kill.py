"""Crash safety: a real child process killed with SIGKILL at seeded moments.

The child (tests/kill_worker.py) imports, marks, stars, tags, writes notes,
exports and reindexes in a loop, saying BEGIN before and DONE after each
action. After every kill the library must open, pass SQLite's integrity
check, hold every confirmed action, hold no half-imported file, and (after a
repair) search right; an index that says it is current must agree with the
store. One library lives through all the kills.

Where each kill lands is planned from the seed, not left to the scheduler:
the worker sends itself SIGKILL just before the N-th call the store or Whoosh
makes during its k-th action (or while opening the library), so the same
seed replays the same kills on any machine, however loaded, and what these
tests cover does not depend on timing.

PAPERS_TUI_KILL_RUNS sets the number of kills (default 36; seeded by
PAPERS_TUI_KILL_SEED, so a failure can be replayed).
"""

from __future__ import annotations

import math
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
OPS = "import,import,import,import,mark,star,tag,tag,note,export,reindex"
MAX_CALLS = 30_000  # the planned call is drawn log-uniformly up to this: early and deep points alike
OPEN_SHARE = 0.15  # kills while the library is being opened (phase 0)
MAX_PHASE = 6

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")


def kill_plan(rng: random.Random) -> tuple[int, int]:
    phase = 0 if rng.random() < OPEN_SHARE else rng.randint(1, MAX_PHASE)
    return phase, int(math.exp(rng.uniform(0, math.log(MAX_CALLS))))


def run_worker(library_dir, workdir, run: int, rng: random.Random) -> tuple[Worker, tuple[int, int]]:
    phase, call = kill_plan(rng)
    args = ["--name", f"r{run}", "--number", str(run), "--seed", str(rng.randrange(2**31)),
            "--papers-per-file", str(rng.choice((3, 10, 40))), "--ops", OPS, "--kill-at", f"{phase}:{call}"]
    if run % 2:
        args.append("--repair-on-open")  # as the app does: rebuild a stale index first
    worker = Worker(library_dir, workdir, *args)
    worker.wait()
    return worker, (phase, call)


def assert_killed_as_planned(worker: Worker, phase: int) -> dict:
    assert worker.proc.returncode == -signal.SIGKILL, worker.stderr
    assert "Traceback" not in worker.stderr, worker.stderr
    killed = worker.killed()
    assert killed is not None and killed["phase"] == phase, (worker.lines[-3:], worker.stderr)
    said = worker.actions_said()
    if phase == 0:
        assert worker.lines == [worker.lines[-1]], "killed while opening: nothing else said"
    else:
        # Killed inside the phase-th action: phase - 1 confirmed before it, and it begun, never confirmed.
        assert said.count("BEGIN") == phase and said.count("DONE") == phase - 1 and said[-1] == "BEGIN", said
    return killed


def test_sigkill_at_seeded_moments_loses_nothing_confirmed(tmp_path):
    rng = random.Random(SEED)
    library_dir, workdir = tmp_path / "library", tmp_path / "work"
    Library(library_dir).close()
    ledger = Ledger()
    planned_phases, killed_in, inside_a_call = [], {}, 0
    started = time.monotonic()
    for run in range(RUNS):
        worker, (phase, call) = run_worker(library_dir, workdir, run, rng)
        try:
            killed = assert_killed_as_planned(worker, phase)
            ledger.add(worker.lines)
            planned_phases.append(phase)
            inside_a_call += killed["kind"] == "inside"
            if phase:
                op = ledger.events[-1][1]["op"]
                killed_in[op] = killed_in.get(op, 0) + 1
            check_library(library_dir, ledger, repair=run % 3 == 0)
        except AssertionError:
            print(f"run {run} failed; seed {SEED}; kill at {phase}:{call}; last lines: {worker.lines[-3:]}",
                  file=sys.stderr)
            raise
    check_library(library_dir, ledger, repair=True, search_sample=50)
    elapsed = time.monotonic() - started
    print(f"{RUNS} kills, {sum(1 for p in planned_phases if p)} in the middle of an action "
          f"({inside_a_call} inside a store call), {ledger.count('DONE')} confirmed actions, "
          f"{elapsed:.1f}s; killed in: {killed_in}")
    # Every kill is planned, so these counts follow from the seed alone, whatever the machine's load.
    assert ledger.count("DONE") == sum(p - 1 for p in planned_phases if p) > RUNS
    assert ledger.count("BEGIN") - ledger.count("DONE") == sum(1 for p in planned_phases if p) >= RUNS // 2
    assert inside_a_call >= RUNS // 3  # most kills land inside the store's own work, not just after it
    assert {"import", "reindex"} <= set(killed_in)


def test_a_planned_kill_replays_exactly(tmp_path):
    """The same seed and kill point give the same kill, at the same call, in a fresh library."""
    kills = []
    for attempt in ("first", "second"):
        library_dir = tmp_path / attempt / "library"
        Library(library_dir).close()
        for run, plan in enumerate(("1:40", "2:150")):
            worker = Worker(library_dir, tmp_path / attempt / "work", "--name", f"r{run}", "--number", str(run),
                            "--seed", "7", "--ops", OPS, "--papers-per-file", "10", "--kill-at", plan)
            worker.wait()
            assert worker.proc.returncode == -signal.SIGKILL, worker.stderr
            kills.append((worker.killed(), worker.actions_said()))
    assert kills[:2] == kills[2:]
    assert all(killed["kind"] == "inside" for killed, _ in kills)
