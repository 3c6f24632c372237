"""How long work in the store reports its progress."""

from __future__ import annotations

from collections.abc import Callable

# progress(phase, done, total): phase is "store" (records imported), "index"
# (documents indexed) or "export" (entries written); called from the working thread.
Progress = Callable[[str, int, int], None]
PROGRESS_EVERY = 500  # records, papers or documents between two progress calls
