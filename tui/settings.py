"""What the reader remembers between runs: the view it showed and the order it was sorted in.

Kept in `app-settings.json` in the library's directory (so each library opens as it was left),
read when the library opens and written when the app closes, both by `LibraryClient` on a
worker thread. The file is the app's alone: the store never reads it. A missing, unreadable or
odd file means the defaults (the Unread view, by date); a file that cannot be written is
logged and forgotten: the reader's papers never depend on it.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from .screens.views import SORTS, UNREAD, VIEWS, View, tag_view

log = logging.getLogger(__name__)

SETTINGS_FILE = "app-settings.json"
TAG_VIEW = "tag"  # the `view` of settings naming a tag view; its tag is in `tag`


@dataclass(frozen=True)
class ReaderSettings:
    view: str = UNREAD.slug  # a slug of VIEWS, or TAG_VIEW
    tag: str = ""
    sort: str = "date"

    def to_view(self) -> View:
        if self.view == TAG_VIEW and self.tag:
            return tag_view(self.tag)
        return VIEWS.get(self.view, UNREAD)


def settings_for(view: View, tag: str | None, sort: str) -> ReaderSettings:
    """The settings that reopen `view` (a tag view when `tag` is given) in `sort` order."""
    if tag:
        return ReaderSettings(TAG_VIEW, tag, sort)
    return ReaderSettings(view.slug if view.slug in VIEWS else UNREAD.slug, "", sort)


def load(directory: Path) -> ReaderSettings:
    try:
        data = json.loads((directory / SETTINGS_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ReaderSettings()
    except (OSError, ValueError) as error:
        log.warning("reader settings not read: %r", error)
        return ReaderSettings()
    if not isinstance(data, dict):
        return ReaderSettings()
    view, tag, sort = data.get("view"), data.get("tag"), data.get("sort")
    return ReaderSettings(
        view if view in VIEWS or view == TAG_VIEW else UNREAD.slug,
        tag if isinstance(tag, str) else "",
        sort if sort in SORTS else "date",
    )


def save(directory: Path, settings: ReaderSettings) -> None:
    """Write the settings (a temporary file renamed over the old one); a failure is only logged."""
    try:
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=directory, prefix=".settings-",
                                         suffix=".tmp", delete=False) as handle:
            json.dump(asdict(settings), handle)
        os.replace(handle.name, directory / SETTINGS_FILE)
    except OSError as error:
        log.warning("reader settings not saved: %r", error)
        try:
            os.unlink(handle.name)
        except (OSError, UnboundLocalError):
            pass
