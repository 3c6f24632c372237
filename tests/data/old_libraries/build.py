"""Make the fixture library of the current schema version: vN.sqlite3 and vN.json.

Run it (from the repository root: `python tests/data/old_libraries/build.py`)
*before* adding migration N+1 to store/db.py, and commit both files: the
migration tests open every kept version with the current code and check that
nothing in vN.json was lost. Never rebuild an existing version's files.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

from store.db import SCHEMA_VERSION  # noqa: E402
from store.library import Library  # noqa: E402

EXAMPLES = ROOT / "docs" / "examples"


def expected_state(library: Library) -> list[dict]:
    """What must survive every later migration, per paper."""
    return [
        {
            "key": p.key,
            "title": p.title,
            "authors": p.authors,
            "date": p.date,
            "arxiv_id": p.arxiv_id,
            "doi": p.doi,
            "abstract": p.abstract,
            "tags": p.tags,
            "read": p.read,
            "starred": p.starred,
            "note": p.note,
            "sources": [list(s) for s in library.sources(p.id)],
        }
        for p in library.list(sort="title")
    ]


def build(version: int = SCHEMA_VERSION, force: bool = False) -> Path:
    target = HERE / f"v{version}.sqlite3"
    if target.exists() and not force:
        raise SystemExit(f"{target} exists; a kept version is never rebuilt")
    with tempfile.TemporaryDirectory() as tmp:
        with Library(Path(tmp) / "library") as library:
            inputs = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".txt", ".bib", ".jsonl"))
            # Sources are recorded by the name given: keep them relative, so the file does not name this machine.
            library.import_paths([str(p.relative_to(ROOT)) for p in inputs] if Path.cwd() == ROOT else [str(p) for p in inputs])
            ids = library.ids(sort="title")
            library.mark(ids[:3], read=True)
            library.mark(ids[1:2], starred=True)
            library.tag(ids[:2], add=["to-cite", "fixture v%d" % version])
            library.set_note(ids[0], "kept since v%d: notes survive upgrades.\nSecond line, ünïcode, 🙂" % version)
            library.export(ids, None)  # every paper gets its frozen citation key
            state = expected_state(library)
            source = library.db.path
        # One self-contained file (no -wal beside it), made with the backup API.
        target.unlink(missing_ok=True)
        out = sqlite3.connect(target)
        src = sqlite3.connect(source)
        src.backup(out)
        src.close()
        out.execute("PRAGMA journal_mode = DELETE")
        out.execute("VACUUM")
        assert out.execute("PRAGMA user_version").fetchone()[0] == version
        out.close()
    (HERE / f"v{version}.json").write_text(json.dumps(state, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return target


if __name__ == "__main__":
    print(build(force="--force" in sys.argv))
