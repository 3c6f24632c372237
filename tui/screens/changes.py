"""Changes the reader makes to papers: each is a write request for the store and the same edit,
made at once on the cached copies so the key shows before the store has caught up.

And the undo history: for each change, the fields it set and their values before.
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


# What undo puts back: {paper id: {field: value before}}, the shape Library.undo_change takes.
UndoChange = dict[int, dict[str, object]]


def fields_before(request: WriteRequest, paper: Paper) -> dict[str, object]:
    """The fields `request` changes on `paper`, with their values before it (none: it changes nothing)."""
    match request:
        case MarkRequest(state=state, value=value) if getattr(paper, state) != value:
            return {state: getattr(paper, state), f"{state}_at": getattr(paper, f"{state}_at")}
        case TagRequest(add=add, remove=remove):
            had = {tag.casefold() for tag in paper.tags}
            dropped = {tag.casefold() for tag in remove}
            added = [tag for tag in add if tag.casefold() not in had]
            removed = [tag for tag in paper.tags if tag.casefold() in dropped]
            return {"tags": {"added": added, "removed": removed}} if added or removed else {}
        case NoteRequest(note=note) if note != paper.note:
            return {"note": paper.note, "note_written": note}
    return {}


def undone(paper: Paper, fields: dict[str, object]) -> Paper:
    """A copy of `paper` with `fields` put back as they were (what the store will hold)."""
    copy = dataclasses.replace(paper)
    for name in ("read", "read_at", "starred", "starred_at", "note"):
        if name in fields:
            setattr(copy, name, fields[name])
    tags = fields.get("tags")
    if isinstance(tags, dict):
        added = {tag.casefold() for tag in tags["added"]}
        kept = [tag for tag in copy.tags if tag.casefold() not in added]
        copy.tags = sorted({*kept, *tags["removed"]}, key=str.casefold)
    return copy


@dataclass
class UndoStep:
    label: str
    change: UndoChange  # the fields the change set, as they were before it
    paper_ids: tuple[int, ...]


class UndoHistory:
    """Each step is the inverse of one change: it puts back only the fields that
    change set, so what anyone changed since (another window, the CLI) stays."""

    def __init__(self) -> None:
        self._steps: list[UndoStep] = []

    def remember(self, request: WriteRequest, papers: list[Paper]) -> None:
        """Before `request` is made on `papers`: what undoing it will put back."""
        change = {paper.id: fields for paper in papers if (fields := fields_before(request, paper))}
        self._steps.append(UndoStep(request.label, change, ids_of(papers)))

    def undo(self, cached: Callable[[int], Paper | None]) -> tuple[str, list[Paper], RestoreRequest] | None:
        """The last change's label, the papers as they will be once it is undone (from
        their `cached` copies), and the request that undoes it in the store."""
        if not self._steps:
            return None
        step = self._steps.pop()
        papers = [paper for pid in step.paper_ids if (paper := cached(pid)) is not None]
        restored = [undone(paper, step.change.get(paper.id, {})) for paper in papers]
        request = RestoreRequest(label=f"undo {step.label}", paper_ids=step.paper_ids, change=step.change)
        return step.label, restored, request
