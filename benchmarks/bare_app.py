"""The baseline for the start-up figure: a bare Textual app that shows one line.

`benchmarks/run.py` starts it in a pseudo-terminal exactly as it starts papers-tui and
stops the clock when "bare app ready" is on the screen; `q` quits.
"""

from textual.app import App, ComposeResult
from textual.widgets import Static

READY_TEXT = "bare app ready"


class BareApp(App[None]):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Static(READY_TEXT)


if __name__ == "__main__":
    BareApp().run()
