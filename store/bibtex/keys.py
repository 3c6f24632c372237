"""Citation keys made from author, year and title, like Google Scholar's."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator

from .latex import STOP_WORDS, fold_ascii
from .names import split_name

DEFAULT_KEY_PATTERN = "{author}{year}{word}"


def make_citation_key(
    authors: list[str],
    year: int | None,
    title: str | None,
    taken: Callable[[str], bool],
    pattern: str | None = None,
) -> str:
    """A citation key not yet `taken`, like Google Scholar's: `kocetkov2022stack`.

    Placeholders of `pattern` (default `{author}{year}{word}`):

    - `{author}`: surname of the first author, lowercase ASCII, letters only
      (Laurençon -> `laurencon`). Particles are dropped as Google Scholar does:
      "Oskar van der Wal" -> `wal`. No author -> `anon`.
    - `{Author}`: the same, capitalised (`Kocetkov`).
    - `{year}`: the year, or nothing.
    - `{word}`, `{words2}`, `{words3}`: the first one, two, three significant
      title words (stop words such as the, of, on, towards skipped; non-letters
      stripped), lowercase and run together; nothing without a title.

    Characters not allowed in a key are removed. On a collision `a`, `b`, ...
    `z`, `aa`, `ab`, ... is appended (`kocetkov2022stacka`).
    """
    surname = _key_surname(authors) or "anon"
    words = _significant_words(title or "")
    values = {
        "author": surname,
        "Author": surname.capitalize(),
        "year": str(year) if year else "",
        "word": "".join(words[:1]),
        "words2": "".join(words[:2]),
        "words3": "".join(words[:3]),
    }
    base = re.sub(r"\{(\w+)\}", lambda m: _placeholder(values, m.group(1)), pattern or DEFAULT_KEY_PATTERN)
    # Separators around an empty placeholder (`{author}_{year}` without a year) go too.
    base = re.sub(r"[^A-Za-z0-9_:.\-]", "", base).strip("_:.-") or "anon"
    return next(base + suffix for suffix in _key_suffixes() if not taken(base + suffix))


def _placeholder(values: dict[str, str], name: str) -> str:
    if name not in values:
        raise ValueError(f"unknown placeholder {{{name}}} in key pattern; use one of {', '.join(values)}")
    return values[name]


def _key_suffixes() -> Iterator[str]:
    """'', 'a' ... 'z', 'aa', 'ab' ... without end."""
    yield ""
    for size in itertools.count(1):
        for letters in itertools.product("abcdefghijklmnopqrstuvwxyz", repeat=size):
            yield "".join(letters)


def _key_surname(authors: list[str]) -> str:
    if not authors or not authors[0].strip():
        return ""
    _, von_last, _ = split_name(authors[0])
    last = von_last.split()[-1] if von_last.split() else ""
    return re.sub(r"[^a-z]", "", fold_ascii(last).lower())


def _significant_words(title: str) -> list[str]:
    words = []
    for raw in re.split(r"[\s/\-–—]+", fold_ascii(title).lower()):
        word = re.sub(r"[^a-z]", "", raw)
        if word and word not in STOP_WORDS:
            words.append(word)
    return words
