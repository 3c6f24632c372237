"""Component styles for text a widget draws itself (the Line API, or a `rich.text.Text`)."""

from __future__ import annotations

from rich.style import Style
from textual.widget import Widget


def foreground_style(widget: Widget, component: str) -> Style:
    """The component's colour and text style, without its background.

    Theme colours such as `$text-muted` are translucent or contrast-dependent; the full
    (not partial) component style resolves them against the widget's background, so they
    read well in light and dark themes. The background is left out so that a span keeps
    the background of the line it is drawn on (the cursor's, a selection's).
    """
    style = widget.get_component_rich_style(component)
    return Style(color=style.color, bold=style.bold, dim=style.dim, italic=style.italic, underline=style.underline)
