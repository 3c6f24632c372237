"""Two at once: two processes (two windows, or a window and a CLI import) and a
third Library in this process writing from a worker thread, all on one library.

No lock error may reach anyone, no write may be lost, each must see the
others' changes on its next read, and when all is done the search index must
agree with the store and say so.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest

from store.doctor import index_problem
from store.library import Library

from .reliability_helpers import ROOT, Ledger, Worker, check_library

SHARED = "0999.%"
OPS = "import,mark,star,tag,tag,tag,note,export,reindex"


def make_shared(directory, count: int = 12) -> list[str]:
    ids = [f"0999.{n:05d}" for n in range(count)]
    lines = [json.dumps({"title": f"Shared paper {n} zqshared{n}", "authors": ["Grace Hopper"], "date": "2020-01-02",
                         "arxiv_id": ident, "abstract": f"Shared abstract number {n} about compilers."})
             for n, ident in enumerate(ids)]
    with Library(directory) as library:
        library.import_text("\n".join(lines), source="shared.jsonl")
    return ids


def test_two_processes_and_a_thread_write_at_once(tmp_path):
    library_dir, workdir = tmp_path / "library", tmp_path / "work"
    shared = make_shared(library_dir)
    app = Library(library_dir)  # the open window: opened before the others start
    app.ids("zqshared1")
    workers = [
        Worker(library_dir, workdir, "--name", name, "--number", str(number), "--seed", str(number),
               "--actions", "30", "--ops", OPS, "--shared", SHARED, "--papers-per-file", "10", "--peer-check",
               stdin=True)
        for number, name in ((1, "wa"), (2, "wb"))
    ]
    # Meanwhile this process writes too, from a thread, as the app's workers do.
    app_events: list[tuple[str, dict]] = []
    failures: list[BaseException] = []

    def app_writes() -> None:
        try:
            for step in range(25):
                arxiv = shared[step % len(shared)]
                pid = app.db.conn.execute("SELECT id FROM papers WHERE arxiv_id = ?", (arxiv,)).fetchone()[0]
                action = {"op": "tag", "worker": "app", "step": step, "arxiv": arxiv, "tag": f"tapps{step}"}
                app_events.append(("BEGIN", action))
                app.tag([pid], add=[action["tag"]])
                app_events.append(("DONE", action))
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    writer = threading.Thread(target=app_writes)
    writer.start()
    for worker in workers:
        assert worker.finished.wait(120), worker.stderr
    writer.join(120)
    assert not writer.is_alive(), "the app's writer thread never finished"
    assert not failures, failures

    ledger = Ledger()
    for worker in workers:
        ledger.add(worker.lines)
    ledger.events.extend(app_events)
    setup = {"op": "import", "worker": "setup", "step": 0, "file": "shared.jsonl", "ids": shared,
             "tokens": [f"zqshared{n}" for n in range(len(shared))]}
    ledger.events[:0] = [("BEGIN", setup), ("DONE", setup)]
    for worker, other in ((workers[0], "wb"), (workers[1], "wa")):
        assert "FINISHED" in worker.lines, worker.stderr
        tokens = [t for a in ledger.actions("import", confirmed=True) if a["worker"] == other for t in a["tokens"]]
        tags = [a["tag"] for a in ledger.actions("tag", confirmed=True) if a["worker"] in (other, "app")]
        worker.send("check " + json.dumps({"tokens": tokens, "tags": tags}))
        assert worker.wait() == 0, worker.stderr
        assert worker.stderr == "", worker.stderr  # not a warning, not a lock error
        seen = json.loads(next(line for line in worker.lines if line.startswith("SEES")).split(" ", 1)[1])
        assert seen["tokens"] == tokens and seen["tags"] == tags, f"{worker.lines[0]} does not see {other}'s work"

    # The window opened before all this sees every change on its next read, without reopening.
    confirmed_imports = ledger.actions("import", confirmed=True)
    assert confirmed_imports
    every_token = [t for a in confirmed_imports for t in a["tokens"]]
    assert all(len(app.ids(token)) == 1 for token in every_token)
    for action in ledger.actions("tag", confirmed=True):
        found = {p.arxiv_id for p in app.papers(app.ids(f"tag:{action['tag']}"))}
        assert found == {action["arxiv"]}, action
    assert app.count() == sum(len(a["ids"]) for a in confirmed_imports)

    # Nothing lost, and the index reflects the store and says so (no write went unrecorded).
    assert app.index_status() == "current"
    assert index_problem(app) is None
    app.close()
    check_library(library_dir, ledger, repair=False)
    assert ledger.count("DONE") == ledger.count("BEGIN")


# The other process holds one lock until told (a line on stdin); nothing here sleeps.
HOLD_DATABASE = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1] + "/library.sqlite3", isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE papers SET note = 'held' WHERE arxiv_id = '0999.00000'")
print("held", flush=True)
sys.stdin.readline()
conn.commit()
print("released", flush=True)
"""
HOLD_INDEX = """
import sys
from whoosh import index
writer = index.open_dir(sys.argv[1] + "/index").writer()
print("held", flush=True)
sys.stdin.readline()
writer.cancel()
print("released", flush=True)
"""


class WaitingWrite:
    """A Library.tag call in a thread of this process that notes, in `order`,
    the moment it meets the other process's lock: the BEGIN IMMEDIATE that
    must wait for the database lock, or a sleep between attempts at the index
    lock (Whoosh's write lock is polled)."""

    def __init__(self, library: Library, pid: int, lock: str, order: list[str]):
        self.library, self.pid, self.lock, self.order = library, pid, lock, order
        self.meets_lock, self.done = threading.Event(), threading.Event()
        self.failures: list[BaseException] = []
        self.thread = threading.Thread(target=self._run)

    def _on_statement(self, sql: str) -> None:
        if self.lock != "database":
            return
        if sql.startswith("BEGIN IMMEDIATE") and not self.meets_lock.is_set():
            self.order.append("write meets lock")
            self.meets_lock.set()
        elif self.meets_lock.is_set() and "write gets lock" not in self.order:
            self.order.append("write gets lock")  # the next statement: BEGIN IMMEDIATE has returned

    def _on_call(self, frame, event, arg) -> None:
        if self.lock == "index" and event == "c_call" and arg is time.sleep and not self.meets_lock.is_set():
            self.order.append("write meets lock")
            self.meets_lock.set()

    def _run(self) -> None:
        try:
            self.library.db.conn.set_trace_callback(self._on_statement)  # this thread's own connection
            sys.setprofile(self._on_call)
            self.library.tag([self.pid], add=["waited"])
            self.order.append("write done")
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.failures.append(error)
        finally:
            sys.setprofile(None)
            self.library.db.conn.set_trace_callback(None)
            self.done.set()


@pytest.mark.parametrize("lock", ["database", "index"])
def test_a_long_write_in_another_process_makes_this_one_wait_not_fail(tmp_path, lock):
    """SQLite's busy timeout and Whoosh's lock wait: a write that meets another
    process's open transaction (or index writer) waits for it, and finishes
    only after the other lets go: shown by the order of events, not by time."""
    library_dir = tmp_path / "library"
    make_shared(library_dir, 3)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_DATABASE if lock == "database" else HOLD_INDEX, str(library_dir)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    order: list[str] = []
    try:
        assert holder.stdout.readline().strip() == "held"
        with Library(library_dir) as library:
            pid = library.ids("zqshared2")[0]
            write = WaitingWrite(library, pid, lock, order)
            write.thread.start()
            assert write.meets_lock.wait(60), (write.failures, order)
            # A wait whose length cannot fail a correct store (the write cannot finish while the
            # lock is held, however long we look); it only gives a broken lock time to show itself.
            assert not write.done.wait(0.5), "the write went through while the other process held the lock"
            order.append("other releases")
            holder.stdin.write("go\n")
            holder.stdin.flush()
            assert holder.stdout.readline().strip() == "released"
            assert write.done.wait(60), "the write never finished after the lock was released"
            write.thread.join(60)
            assert not write.thread.is_alive()
            assert not write.failures, write.failures
            expected = ["write meets lock", "other releases", "write gets lock", "write done"]
            assert order == (expected if lock == "database" else expected[:2] + expected[3:])
            # Both writes are kept: the other's (database case) and this one, in the store and the index.
            assert library.get(pid).tags == ["waited"]
            assert library.ids("tag:waited") == [pid]
            held = library.papers(library.ids("zqshared0"))[0]
            assert held.note == ("held" if lock == "database" else "")
            assert library.index_status() == "current"
        assert holder.wait(60) == 0
    finally:
        if holder.poll() is None:  # only when an assertion above failed
            holder.kill()
            holder.wait(60)
