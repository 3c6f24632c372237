"""The BibTeX export styles (what each writes: `bibtex.export_bibtex`)."""

from __future__ import annotations

from enum import StrEnum


class Style(StrEnum):
    ARXIV = "arxiv"  # preprints as arxiv.org gives them (@misc with eprint fields)
    SCHOLAR = "scholar"  # preprints as Google Scholar gives them (@article, journal = arXiv preprint)
    BIBLATEX = "biblatex"  # preprints as @online, text kept in UTF-8


DEFAULT_STYLE = Style.ARXIV
STYLES: tuple[str, ...] = tuple(style.value for style in Style)
