"""A child process that works on a library and says what it has done.

Used by tests/test_reliability_kill.py, where it kills itself (SIGKILL) at a
point planned from the test's seed (--kill-at), and by
tests/test_reliability_concurrency.py, which runs two at once; the parent then
checks the library against what the worker reported. Protocol, one line each on stdout, flushed at once:

    READY                     the library is open
    KILLED <json point>       (with --kill-at) said just before it kills itself
    BEGIN <json action>       about to start this action
    DONE <json action>        the call returned: the action is confirmed
    FINISHED                  (no kill) every action is done
    SEES <json>               (after a `check` line on stdin) what it sees of the others' work

Actions: import (a generated file of papers with arXiv ids unique to it),
mark read, star, tag (a tag name never used before), note (on a paper with
none), export (to one file, `sha` of the text in DONE), reindex, repair.

Run: python tests/kill_worker.py LIBRARY WORKDIR --name NAME --seed N [--actions N]
     [--ops import,mark,...] [--papers-per-file N] [--repair-on-open] [--kill-at PHASE:CALL]

--kill-at makes the crash moment part of the seed instead of the scheduler's:
phase 0 is opening the library, phase k the k-th action begun (a repair on
open counts); the worker sends itself SIGKILL just before the CALL-th call
that store/ or Whoosh code makes in that phase (a Python function, or a C
function such as commit, write, fsync or os.replace), or, if the phase's
work returns first, right after it returns and before DONE (or READY) is
said. The same seed, code and PYTHONHASHSEED give the same kill.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from store.library import Library  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

WORDS = (
    "model data training language neural attention graph token vision speech learning transfer sparse dense "
    "retrieval memory reasoning policy reward agent robust benchmark corpus alignment decoder encoder layer "
    "gradient optimiser scale compute latency pruning quantised distilled multilingual translation summary "
    "dialogue question answer entity relation parse syntax semantic embedding contrastive generative diffusion "
    "image audio video code program proof search planning causal bias fairness privacy federated continual"
).split()
ALL_OPS = ("import", "mark", "star", "tag", "note", "export", "reindex")


def say(kind: str, action: dict | None = None) -> None:
    sys.stdout.write(kind + ("" if action is None else " " + json.dumps(action, sort_keys=True)) + "\n")
    sys.stdout.flush()


class KillSwitch:
    """Kills this process at a planned point (see --kill-at); does nothing without one."""

    def __init__(self, spec: str | None):
        self.phase, self.call = (int(n) for n in spec.split(":")) if spec else (-1, 0)
        self.current = -1
        self.calls = 0
        import whoosh

        self.watched = (str(ROOT / "store") + os.sep, str(Path(whoosh.__file__).parent) + os.sep)

    def begin(self, phase: int) -> None:
        self.current = phase
        if phase == self.phase:
            sys.setprofile(self._count)

    def end(self) -> None:
        """The phase's work returned; a kill planned after its last call happens now."""
        if self.current == self.phase:
            self._die("returned", self.calls, "")

    def _count(self, frame, event, arg) -> None:
        if event not in ("call", "c_call") or not frame.f_code.co_filename.startswith(self.watched):
            return
        self.calls += 1
        if self.calls >= self.call:
            name = frame.f_code.co_name if event == "call" else getattr(arg, "__qualname__", repr(arg))
            where = f"{Path(frame.f_code.co_filename).name}:{frame.f_lineno}"
            self._die("inside", self.calls, f"{where} {name}")

    def _die(self, kind: str, calls: int, at: str) -> None:
        sys.setprofile(None)
        say("KILLED", {"phase": self.phase, "kind": kind, "calls": calls, "at": at})
        os.kill(os.getpid(), signal.SIGKILL)


def title_token(name: str, file_no: int, paper_no: int) -> str:
    """A word that only this paper's title holds (searchable, no stemming surprises)."""
    return f"zq{name}x{file_no}y{paper_no}"


def arxiv_id(name_no: int, file_no: int, paper_no: int) -> str:
    return f"{1000 + name_no:04d}.{file_no % 100:02d}{paper_no:03d}"


def write_input(workdir: Path, name: str, name_no: int, file_no: int, count: int, rng: random.Random) -> tuple[Path, list[str]]:
    ids, lines = [], []
    bib = rng.random() < 0.4
    for paper_no in range(count):
        ident = arxiv_id(name_no, file_no, paper_no)
        ids.append(ident)
        title = f"Worker {name} paper {file_no}.{paper_no} {title_token(name, file_no, paper_no)}"
        abstract = " ".join(rng.choice(WORDS) for _ in range(60)) + "."
        if bib:
            lines.append(
                f"@article{{w{name}f{file_no}p{paper_no},\n  title = {{{title}}},\n"
                f"  author = {{Lovelace, Ada and Worker, {name.upper()}}},\n  year = {{2021}},\n"
                f"  eprint = {{{ident}}},\n  archivePrefix = {{arXiv}},\n  abstract = {{{abstract}}}\n}}\n"
            )
        else:
            record = {"title": title, "authors": ["Ada Lovelace", f"Worker {name.upper()}"], "date": "2021-05-04",
                      "arxiv_id": ident, "abstract": abstract, "category": "cs.CL"}
            lines.append(json.dumps(record) + "\n")
    path = workdir / f"in-{name}-{file_no}.{'bib' if bib else 'jsonl'}"
    path.write_text("".join(lines), encoding="utf-8")
    return path, ids


def pid_of(library: Library, ident: str) -> int | None:
    row = library.db.conn.execute("SELECT id FROM papers WHERE arxiv_id = ?", (ident,)).fetchone()
    return row[0] if row else None


def mine(library: Library, prefix: str, where: str = "1") -> list[str]:
    """arXiv ids of papers (made by any worker) matching `where`."""
    rows = library.db.conn.execute(f"SELECT arxiv_id FROM papers WHERE arxiv_id LIKE ? AND {where}", (prefix,))
    return sorted(row[0] for row in rows)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("library", type=Path)
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--name", required=True, help="lower-case letters and digits; names files, tags and titles")
    parser.add_argument("--number", type=int, default=0, help="makes this worker's arXiv ids unique")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--actions", type=int, default=10_000)
    parser.add_argument("--ops", default=",".join(ALL_OPS))
    parser.add_argument("--papers-per-file", type=int, default=15)
    parser.add_argument("--shared", default="", help="LIKE pattern of arXiv ids every worker may touch")
    parser.add_argument("--repair-on-open", action="store_true", help="rebuild a stale index first, as the app does")
    parser.add_argument("--kill-at", help="PHASE:CALL, where to kill this process (see the module's doc)")
    parser.add_argument("--peer-check", action="store_true", help="after FINISHED, answer one `check` line")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    ops = args.ops.split(",")
    args.workdir.mkdir(parents=True, exist_ok=True)

    kill = KillSwitch(args.kill_at)
    kill.begin(0)
    library = Library(args.library)
    kill.end()
    say("READY")
    phase = 0
    if args.repair_on_open and not library.index_is_current():
        repair = {"op": "repair", "worker": args.name, "step": -1}
        phase += 1
        say("BEGIN", repair)
        kill.begin(phase)
        library.repair_index()
        kill.end()
        say("DONE", repair)

    def begin(action: dict, phase: int) -> int:
        say("BEGIN", action)
        kill.begin(phase + 1)
        return phase + 1

    file_no = 0
    for step in range(args.actions):
        op = rng.choice(ops)
        candidates = mine(library, "%") if not args.shared else mine(library, args.shared) + mine(
            library, f"{1000 + args.number:04d}.%")
        if op != "import" and op != "reindex" and op != "export" and not candidates:
            op = "import"
        action: dict = {"op": op, "worker": args.name, "step": step}
        if op == "import":
            path, ids = write_input(args.workdir, args.name, args.number, file_no, args.papers_per_file, rng)
            action |= {"file": str(path), "ids": ids,
                       "tokens": [title_token(args.name, file_no, i) for i in range(len(ids))]}
            file_no += 1
            phase = begin(action, phase)
            library.import_paths([str(path)])
        elif op in ("mark", "star"):
            column = "read" if op == "mark" else "starred"
            fresh = set(mine(library, "%", f"{column} = 0"))
            pool = [i for i in candidates if i in fresh] or candidates
            action["arxiv"] = rng.choice(pool)
            phase = begin(action, phase)
            pid = pid_of(library, action["arxiv"])
            library.mark([pid], **({"read": True} if op == "mark" else {"starred": True}))
        elif op == "tag":
            action |= {"arxiv": rng.choice(candidates), "tag": f"t{args.name}s{step}"}
            phase = begin(action, phase)
            library.tag([pid_of(library, action["arxiv"])], add=[action["tag"]])
        elif op == "note":
            fresh = set(mine(library, "%", "note = ''"))
            pool = [i for i in candidates if i in fresh] or candidates
            action |= {"arxiv": rng.choice(pool), "note": f"note by {args.name} at step {step}: ünï 🙂"}
            phase = begin(action, phase)
            library.set_note(pid_of(library, action["arxiv"]), action["note"])
        elif op == "export":
            action["path"] = str(args.workdir / f"export-{args.name}.bib")
            phase = begin(action, phase)
            text = library.export(library.ids(sort="date"), action["path"])
            action["sha"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        elif op == "reindex":
            phase = begin(action, phase)
            library.reindex()
        kill.end()
        say("DONE", action)

    say("FINISHED")
    if args.peer_check:
        request = json.loads(sys.stdin.readline().split(" ", 1)[1])  # check {"tokens": [...], "tags": [...]}
        seen = {
            "tokens": [t for t in request["tokens"] if len(library.ids(t)) == 1],
            "tags": [t for t in request["tags"] if library.ids(f"tag:{t}")],
            "listed": len(library.ids()),
        }
        say("SEES", seen)
    library.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
