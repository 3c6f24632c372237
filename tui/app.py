"""The papers-tui reader: `PapersApp(directory).run()` opens it on that library."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from .key_line import OrderedKeysApp
from .messages import ReaderReady
from .screens.reader import ReaderScreen

DARK_THEME = "textual-dark"
LIGHT_THEME = "textual-light"


class PapersApp(OrderedKeysApp[None]):
    CSS_PATH = "app.tcss"
    TITLE = "papers-tui"
    # Below 110 columns the details go under the list instead of beside it.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("ctrl+t", "toggle_theme", "Light/dark", id="toggle-theme", show=False,
                tooltip="Switch between the light and dark theme"),
    ]

    def __init__(self, directory: Path | str) -> None:
        super().__init__()
        self.directory = Path(directory).expanduser()
        self.theme = DARK_THEME

    def get_default_screen(self) -> Screen:
        return ReaderScreen(self.directory)

    def on_reader_ready(self, message: ReaderReady) -> None:
        self.keys_ready()  # the keys typed while the library opened apply now, in order

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT_THEME if self.theme == DARK_THEME else DARK_THEME

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # Every key of the reader is a command too, so nothing needs its key remembered.
        ours = list(screen.palette_commands()) if isinstance(screen, ReaderScreen) else []
        titles = {command.title for command in ours}
        yield from ours
        yield from (command for command in super().get_system_commands(screen) if command.title not in titles)
