"""Changes the reader makes to papers: each is a write request for the store and the same edit,
made at once on the cached copies so the key shows before the store has caught up.

And the undo history: the papers as they were before each change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..messages import (
    MarkRequest,
    NoteRequest,
    RestoreRequest,
    TagRequest,
    WriteRequest,
)

if TYPE_CHECKING:
    from store.model import Paper


@dataclass(frozen=True)
class Change:
    request: WriteRequest  # what the store is asked to do
    edit: Callable[[Paper], None]  # the same change, on a cached paper


def ids_of(papers: Sequence[Paper]) -> tuple[int, ...]:
    return tuple(paper.id for paper in papers)


def toggle(papers: list[Paper], state: str, label_on: str, label_off: str) -> Change:
    """Flip `state` (read or starred): all on, unless all are on already."""
    value = not all(getattr(paper, state) for paper in papers)
    request = MarkRequest(label=label_on if value else label_off, paper_ids=ids_of(papers), state=state, value=value)
    return Change(request, lambda paper: setattr(paper, state, value))


def add_tags(papers: list[Paper], tags: list[str]) -> Change:
    request = TagRequest(label=f"tag {', '.join(tags)}", paper_ids=ids_of(papers), add=tuple(tags))
    return Change(request, lambda paper: setattr(paper, "tags", sorted({*paper.tags, *tags}, key=str.casefold)))


def remove_tag(papers: list[Paper], tag: str) -> Change:
    request = TagRequest(label=f"untag {tag}", paper_ids=ids_of(papers), remove=(tag,))
    return Change(request, lambda paper: setattr(paper, "tags", [t for t in paper.tags if t != tag]))


def set_note(paper: Paper, note: str) -> Change:
    request = NoteRequest(label="edit the note", paper_ids=(paper.id,), note=note)
    return Change(request, lambda p: setattr(p, "note", note))


@dataclass
class UndoStep:
    label: str
    before: list[Paper]  # the papers as they were before the change


class UndoHistory:
    def __init__(self) -> None:
        self._steps: list[UndoStep] = []

    def remember(self, label: str, papers: list[Paper]) -> None:
        # Edits replace a paper's lists rather than change them, so a shallow copy is a snapshot.
        self._steps.append(UndoStep(label, [dataclasses.replace(paper) for paper in papers]))

    def undo(self) -> tuple[str, list[Paper], RestoreRequest] | None:
        """The last change's label, the papers as they were before it, and the request that puts them back."""
        if not self._steps:
            return None
        step = self._steps.pop()
        restored = [dataclasses.replace(paper) for paper in step.before]
        request = RestoreRequest(label=f"undo {step.label}", paper_ids=ids_of(restored), papers=tuple(restored))
        return step.label, restored, request
