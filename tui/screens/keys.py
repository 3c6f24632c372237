"""The reader's keys, and the help (?) and command palette (^p) built from every key of the app.

Each key is a `Binding` with an id, a description (its name in the help and the palette) and a
tooltip (what it does): adding a key is one line here and an `action_...` on the reader.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.widget import Widget

# The footer shows the keys of every minute; all of them are in the help (?) and the palette (^p).
READER_BINDINGS: list[BindingType] = [
    Binding("slash", "focus_search", "Search", key_display="/", id="focus-search",
            tooltip="Search the whole library, best match first; results follow as you type "
                    "(Enter: to the results, Esc: clear)"),
    Binding("ctrl+l", "toggle_scope", "Search where", id="toggle-scope", show=False,
            tooltip="Search only the current view, or the whole library again (works while typing)"),
    Binding("r", "toggle_read", "Read", id="toggle-read",
            tooltip="Mark read or unread"),
    Binding("s", "toggle_star", "Star", id="toggle-star",
            tooltip="Star or unstar"),
    Binding("t", "add_tags", "Tag", id="add-tags",
            tooltip="Add tags (comma separated, completed from the library's)"),
    Binding("T", "remove_tag", "Untag", id="remove-tag", show=False,
            tooltip="Remove one of the papers' tags"),
    Binding("u", "undo", "Undo", id="undo",
            tooltip="Undo the last change (again for the one before)"),
    Binding("n", "next_unread", "Next unread", id="next-unread", show=False,
            tooltip="Go to the next unread paper"),
    Binding("p", "previous_unread", "Prev unread", id="previous-unread", show=False,
            tooltip="Go to the previous unread paper"),
    Binding("N", "edit_note", "Note", id="edit-note", show=False,
            tooltip="Edit the highlighted paper's note"),
    Binding("o", "open_page", "Open", id="open-page", show=False,
            tooltip="Open the paper's page in the browser"),
    Binding("y", "copy_bibtex", "Copy BibTeX", id="copy-bibtex", show=False,
            tooltip="Copy the BibTeX to the clipboard"),
    Binding("x", "export", "Export", id="export",
            tooltip="Write the view (or the selection) to a BibTeX file"),
    Binding("i", "import_file", "Import", id="import-file", show=False,
            tooltip="Import a file (pasting a listing imports it too)"),
    Binding("c", "mark_checked", "Checked", id="mark-checked", show=False,
            tooltip="The paper's import flags were checked: clear them (it leaves is:flagged)"),
    Binding("m", "related", "Related", id="related", show=False,
            tooltip="Show the papers most like the highlighted one"),
    Binding("S", "cycle_sort", "Sort", id="cycle-sort", show=False,
            tooltip="Sort the view by date, title or date added; a search also by best match"),
    Binding("1", "show_view('unread')", "Unread", id="view-unread", show=False,
            tooltip="View the unread papers (the inbox)"),
    Binding("2", "show_view('starred')", "Starred", id="view-starred", show=False,
            tooltip="View the starred papers"),
    Binding("3", "show_view('all')", "All", id="view-all", show=False,
            tooltip="View every paper"),
    Binding("4", "show_view('read')", "Read papers", id="view-read", show=False,
            tooltip="View the papers already read"),
    Binding("5", "pick_tag", "Tags", id="view-tag", show=False,
            tooltip="Pick a tag and view its papers"),
    Binding("ctrl+r", "reload", "Reload", id="reload", show=False,
            tooltip="Reload the view: shows what another window or command changed"),
    Binding("question_mark", "help", "Help", key_display="?", id="help",
            tooltip="Every key"),
    Binding("q", "quit", "Quit", id="quit",
            tooltip="Quit (every change is already saved)"),
]

HelpSections = list[tuple[str, list[tuple[str, str, str]]]]  # (heading, [(keys, name, what they do)])
BoundNode = Widget | App  # where keys are bound: the reader, its panes, the app


def bindings_by_action(
    bound_nodes: Iterable[tuple[str, BoundNode]],
) -> Iterable[tuple[str, BoundNode, str, list[Binding]]]:
    """(section, node, action, bindings of that action) for every key of `bound_nodes`."""
    for section, node in bound_nodes:
        by_action: dict[str, list[Binding]] = {}
        for binding in Binding.make_bindings(type(node).BINDINGS):
            by_action.setdefault(binding.action, []).append(binding)
        for action, bindings in by_action.items():
            yield section, node, action, bindings


def _keys(app: App, bindings: list[Binding]) -> str:
    return " ".join(dict.fromkeys(app.get_key_display(binding) for binding in bindings))


def help_sections(app: App, bound_nodes: Iterable[tuple[str, BoundNode]]) -> HelpSections:
    sections: dict[str, list[tuple[str, str, str]]] = {}
    for section, _node, _action, bindings in bindings_by_action(bound_nodes):
        sections.setdefault(section, []).append((_keys(app, bindings), bindings[0].description, bindings[0].tooltip))
    sections.setdefault("App", []).append(("^p", "Commands", "The command palette: every command by name"))
    return list(sections.items())


def palette_commands(app: App, bound_nodes: Iterable[tuple[str, BoundNode]]) -> Iterable[SystemCommand]:
    for _section, node, action, bindings in bindings_by_action(bound_nodes):
        keys, binding = _keys(app, bindings), bindings[0]
        help_text = f"{binding.tooltip} (key {keys})" if binding.tooltip else f"key {keys}"
        yield SystemCommand(binding.description, help_text, partial(node.run_action, action))
