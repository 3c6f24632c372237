"""Shared by the reliability tests: running tests/kill_worker.py and checking a
library against what the workers reported."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from store.doctor import index_problem
from store.library import Library

ROOT = Path(__file__).resolve().parent.parent
WORKER = ROOT / "tests" / "kill_worker.py"


class Worker:
    """A running tests/kill_worker.py; its stdout lines are collected by a thread."""

    def __init__(self, library: Path, workdir: Path, *args: str, stdin: bool = False):
        # A fixed hash seed: the same worker seed then makes the same calls, so a planned kill replays.
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"}
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), str(library), str(workdir), *args],
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=env,
            cwd=ROOT,
        )
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.finished = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._stderr: list[str] = []
        self._err_reader = threading.Thread(target=lambda: self._stderr.append(self.proc.stderr.read()), daemon=True)
        self._err_reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.startswith("READY"):
                self.ready.set()
            elif line.startswith("FINISHED"):
                self.finished.set()
        self.ready.set()
        self.finished.set()

    def killed(self) -> dict | None:
        """Where the worker killed itself (--kill-at), if it did."""
        said = [line for line in self.lines if line.startswith("KILLED ")]
        return json.loads(said[-1].split(" ", 1)[1]) if said else None

    def actions_said(self) -> list[str]:
        """BEGIN and DONE lines only."""
        return [line.split(" ", 1)[0] for line in self.lines if line.startswith(("BEGIN ", "DONE "))]

    def send(self, line: str) -> None:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        self.proc.kill()  # SIGKILL
        self.wait()

    def wait(self, timeout: float = 120) -> int:
        code = self.proc.wait(timeout)
        self._reader.join(timeout)
        self._err_reader.join(timeout)
        assert not self._reader.is_alive() and not self._err_reader.is_alive(), "the worker's output never closed"
        return code

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)


@dataclass
class Ledger:
    """Every action the workers began, and which of them were confirmed, in order."""

    events: list[tuple[str, dict]] = field(default_factory=list)

    def add(self, lines: list[str]) -> None:
        for line in lines:
            kind, _, payload = line.partition(" ")
            if kind in ("BEGIN", "DONE"):
                self.events.append((kind, json.loads(payload)))

    def actions(self, op: str, confirmed: bool | None = None) -> list[dict]:
        done = {_identity(a) for kind, a in self.events if kind == "DONE"}
        out = []
        for kind, action in self.events:
            if kind == "BEGIN" and action["op"] == op:
                is_done = _identity(action) in done
                if confirmed is None or confirmed == is_done:
                    out.append(action | {"confirmed": is_done})
        return out

    def count(self, kind: str) -> int:
        return sum(k == kind for k, _ in self.events)


def _identity(action: dict) -> tuple:
    return action["worker"], action["step"]


def check_library(directory: Path, ledger: Ledger, repair: bool = True, search_sample: int = 5) -> dict:
    """Everything the issue promises after a crash; returns a few numbers for the log."""
    db = directory / "library.sqlite3"
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()

    with Library(directory) as library:
        sql = library.db.conn
        present = {row[0] for row in sql.execute("SELECT arxiv_id FROM papers")}
        begun_ids: set[str] = set()
        for action in ledger.actions("import"):
            ids = set(action["ids"])
            begun_ids |= ids
            got = ids & present
            assert got in (set(), ids), f"half an import is in the library: {action['file']} ({len(got)}/{len(ids)})"
            if action["confirmed"]:
                assert got == ids, f"a confirmed import is missing: {action['file']}"
        assert present <= begun_ids, "papers from no import at all"

        _check_flag(sql, ledger, "mark", "read")
        _check_flag(sql, ledger, "star", "starred")

        tags = {(r[0], r[1]) for r in sql.execute(
            "SELECT p.arxiv_id, t.name FROM paper_tags pt JOIN papers p ON p.id = pt.paper_id JOIN tags t ON t.id = pt.tag_id")}
        confirmed_tags = {(a["arxiv"], a["tag"]) for a in ledger.actions("tag", confirmed=True)}
        begun_tags = {(a["arxiv"], a["tag"]) for a in ledger.actions("tag")}
        assert confirmed_tags <= tags <= begun_tags

        notes = {r[0]: r[1] for r in sql.execute("SELECT arxiv_id, note FROM papers WHERE note != ''")}
        _check_notes(notes, ledger)
        _check_exports(ledger)

        status = library.index_status()
        if status == "current":
            # The marker must never claim an index that disagrees with the store.
            assert index_problem(library) is None, f"index says current but {index_problem(library)}"
        if repair:
            assert library.repair_index()
            assert library.index_status() == "current"
            assert index_problem(library) is None
            for action in ledger.actions("import", confirmed=True)[-search_sample:]:
                for token, ident in list(zip(action["tokens"], action["ids"], strict=False))[:2]:
                    found = library.papers(library.ids(token))
                    assert [p.arxiv_id for p in found] == [ident], f"search for {token}"
        return {"papers": len(present), "index": status}


def _check_flag(sql, ledger: Ledger, op: str, column: str) -> None:
    flagged = {r[0] for r in sql.execute(f"SELECT arxiv_id FROM papers WHERE {column} = 1")}
    confirmed = {a["arxiv"] for a in ledger.actions(op, confirmed=True)}
    begun = {a["arxiv"] for a in ledger.actions(op)}
    assert confirmed <= flagged, f"confirmed {op} lost: {sorted(confirmed - flagged)[:5]}"
    assert flagged <= begun, f"{column} set on papers nobody marked: {sorted(flagged - begun)[:5]}"


def _check_notes(notes: dict[str, str], ledger: Ledger) -> None:
    """The note of each paper is the last confirmed one, or one begun after it."""
    order: dict[str, list[dict]] = {}
    for action in ledger.actions("note"):
        order.setdefault(action["arxiv"], []).append(action)
    for arxiv, actions in order.items():
        last_confirmed = max((i for i, a in enumerate(actions) if a["confirmed"]), default=None)
        allowed = {a["note"] for a in actions[last_confirmed or 0:]}
        if last_confirmed is None:
            assert notes.get(arxiv) in allowed | {None}
        else:
            assert notes.get(arxiv) in allowed, f"confirmed note lost on {arxiv}"
    assert set(notes) <= set(order), "notes nobody wrote"


def _check_exports(ledger: Ledger) -> None:
    """An export file is the last confirmed one, or a whole one from an export begun after it."""
    by_path: dict[str, list[dict]] = {}
    for action in ledger.actions("export"):
        by_path.setdefault(action["path"], []).append(action)
    done_sha = {_identity(a): a.get("sha") for kind, a in ledger.events if kind == "DONE" and a["op"] == "export"}
    for path, actions in by_path.items():
        file = Path(path)
        last = max((i for i, a in enumerate(actions) if a["confirmed"]), default=None)
        if last is None:
            assert not file.exists() or bibtex_is_whole(file.read_text(encoding="utf-8"))
            continue
        assert file.exists(), "a confirmed export is gone"
        text = file.read_text(encoding="utf-8")
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != done_sha[_identity(actions[last])]:
            assert last < len(actions) - 1, "the export file changed with no export running"
            assert bibtex_is_whole(text), "a half-written export file"


def bibtex_is_whole(text: str) -> bool:
    import bibtexparser

    if not text.endswith("}\n"):
        return False
    parsed = bibtexparser.parse_string(text)
    starts = sum(1 for line in text.splitlines() if line.startswith("@"))
    return not parsed.failed_blocks and len(parsed.entries) == starts
