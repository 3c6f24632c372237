"""Write papers as a .bib file in one of three styles that the real `bibtex`,
bibtexparser and pybtex all read without complaint.

The output is a fixed point of import: export -> import -> export gives the
same bytes (tests/test_bibtex_real.py checks it on real files).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from ..model import Paper
from ..styles import STYLES
from .columns import MONTHS
from .crossref import crossref_of, crossref_order
from .latex import braced, latex, latex_title
from .names import latex_authors


def export_bibtex(
    papers: Iterable[Paper],
    style: str = "arxiv",
    *,
    exported_keys: Collection[str] | None = None,
    preambles: Iterable[str] = (),
    aliases: bool = True,
) -> str:
    """The papers as a .bib file in one of `STYLES`.

    - `arxiv`: arXiv preprints as `@misc` with eprint/archivePrefix/primaryClass,
      as arxiv.org gives them; published papers as `@article`/`@inproceedings`.
    - `scholar`: preprints as Google Scholar's `@article` with
      `journal = {arXiv preprint arXiv:ID}` (the id is printed only there).
    - `biblatex`: preprints as `@online` with eprinttype/eprintclass and `date`;
      text kept in UTF-8.

    A paper is a preprint when it has an arXiv id and no venue; a paper with
    both keeps its venue and carries the eprint fields as well.

    In `arxiv` and `scholar`, non-ASCII text becomes LaTeX accent commands.
    `month` is written as the bare bibtex macro (`month = mar`), the one value
    not in braces, because bibtex styles print it as "March" only that way.
    Fields kept in `extra` from a BibTeX import are written back as raw LaTeX.

    Crossrefs: entries are written children first, parents after (bibtex
    needs that order). A `crossref` naming no entry of the export is left out
    (bibtex stops on it with "bad cross reference"); `exported_keys` says which
    keys the whole export holds when it is written in batches. A paper's
    `aliases` (other keys it was imported under, when the store gives them) are
    written as biblatex's `ids`, and in the bibtex styles as a copy of the entry
    under each alias, unless `aliases` is False. `preambles` (raw `@preamble`
    values) are written first.
    """
    if style not in STYLES:
        raise ValueError(f"unknown BibTeX style {style!r}; choose one of {', '.join(STYLES)}")
    papers = crossref_order(list(papers))
    keys = {key.lower() for key in (exported_keys if exported_keys is not None else (p.key for p in papers))}
    blocks = [f"@preamble{{{preamble.strip()}}}" for preamble in preambles]
    for paper in papers:
        other_keys = list(getattr(paper, "aliases", None) or ()) if aliases else []
        blocks.append(_format_entry(paper, style, paper.key, keys, other_keys if style == "biblatex" else []))
        if style != "biblatex":
            blocks += [_format_entry(paper, style, alias, keys, []) for alias in other_keys]
    return "\n\n".join(blocks) + "\n" if blocks else ""


def _format_entry(paper: Paper, style: str, key: str, exported: Collection[str], ids: list[str]) -> str:
    preprint = bool(paper.arxiv_id) and not paper.venue
    entry_type = _entry_type(paper, style, preprint)
    ascii_only = style != "biblatex"
    fields = []
    if paper.title or paper.abstract or "title" in paper.extra:
        # Without any of these (a crossref parent that is a journal volume, an
        # entry known by its DOI) a stand-in title would say nothing.
        fields.append(("title", braced(latex_title(paper.display_title, ascii_only))))
    if paper.authors:
        fields.append(("author", braced(latex_authors(paper.authors, paper.authors_truncated, ascii_only))))
    else:
        # bibtex styles sort by author, or by `key` when there is none: the
        # file's own `key` if it had one, else the citation key.
        fields.append(("key", braced(_raw(paper.extra["key"]) if "key" in paper.extra else latex(key, ascii_only))))
    if ids:
        fields.append(("ids", braced(",".join(ids))))
    fields += _venue_fields(paper, style, entry_type, preprint)
    fields += _date_fields(paper, style)
    fields += _id_fields(paper, style, preprint)
    written = {name.lower() for name, _ in fields}
    skip = written | {alias for name in written for alias in _ALIASES.get(name, ())}
    target = crossref_of(paper)
    if target is not None and target not in exported:
        skip.add("crossref")  # its parent is not in this export: bibtex would stop on it
    fields += _extra_fields(paper, skip)
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@{entry_type}{{{key},\n{body}\n}}"


# biblatex types bibtex's standard styles do not know, and their nearest kin.
_BIBTEX_TYPE = {
    "online": "misc",
    "electronic": "misc",
    "www": "misc",
    "software": "misc",
    "dataset": "misc",
    "report": "techreport",
    "thesis": "phdthesis",
}
_BOOKTITLE_TYPES = {"inproceedings", "conference", "incollection", "inbook"}
_CONFERENCE = re.compile(
    r"proceedings|conference|workshop|symposium|\b(?:NeurIPS|NIPS|ICML|ICLR|ACL|EMNLP|NAACL|EACL|"
    r"COLING|CVPR|ICCV|ECCV|AAAI|IJCAI|KDD|SIGIR|WWW|CHI|Interspeech|ICASSP)\b",
    re.IGNORECASE,
)


def _entry_type(paper: Paper, style: str, preprint: bool) -> str:
    if preprint:
        if style == "scholar" and not paper.authors:
            return "misc"  # @article wants an author; bibtex warns without one
        return {"arxiv": "misc", "scholar": "article", "biblatex": "online"}[style]
    entry_type = (paper.entry_type or "").lower()
    if not entry_type:
        if not paper.venue:
            return "misc"
        entry_type = "inproceedings" if _CONFERENCE.search(paper.venue) else "article"
    return entry_type if style == "biblatex" else _BIBTEX_TYPE.get(entry_type, entry_type)


def _venue_fields(paper: Paper, style: str, entry_type: str, preprint: bool) -> list[tuple[str, str]]:
    if preprint:
        if style == "scholar":
            name = "journal" if entry_type == "article" else "howpublished"
            return [(name, braced(f"arXiv preprint arXiv:{paper.arxiv_id}"))]
        return []
    if not paper.venue:
        return []
    if entry_type in _BOOKTITLE_TYPES:
        name = "booktitle"
    else:
        # One field for every other type, so that a round trip keeps the venue.
        name = "journaltitle" if style == "biblatex" else "journal"
    return [(name, braced(latex(paper.venue.strip(), style != "biblatex")))]


def _date_fields(paper: Paper, style: str) -> list[tuple[str, str]]:
    if style == "biblatex":
        date = paper.date or (str(paper.year) if paper.year else None)
        return [("date", braced(date))] if date else []
    fields = [("year", braced(str(paper.year)))] if paper.year else []
    month = paper.date[5:7] if paper.date and len(paper.date) >= 7 else ""
    if month.isdigit() and 1 <= int(month) <= 12:
        fields.append(("month", MONTHS[int(month) - 1]))  # the macro, unbraced
    return fields


def _id_fields(paper: Paper, style: str, preprint: bool) -> list[tuple[str, str]]:
    fields = []
    if paper.arxiv_id and style in ("arxiv", "biblatex"):
        fields.append(("eprint", braced(paper.arxiv_id)))
        prefix, cls = ("archivePrefix", "primaryClass") if style == "arxiv" else ("eprinttype", "eprintclass")
        fields.append((prefix, braced("arXiv" if style == "arxiv" else "arxiv")))
        if paper.category:
            fields.append((cls, braced(latex(paper.category, True))))
    url = paper.url or (f"https://arxiv.org/abs/{paper.arxiv_id}" if paper.arxiv_id else None)
    doi = paper.doi
    if style == "scholar" and preprint and paper.arxiv_id:
        # Scholar's form prints the id once, in `journal`: drop links repeating it.
        doi = doi if doi and paper.arxiv_id.lower() not in doi.lower() else None
        url = paper.url if paper.url and paper.arxiv_id not in paper.url else None
    if doi:
        fields.append(("doi", braced(_verbatim(doi))))
    if url:
        fields.append(("url", braced(_verbatim(url))))
    return fields


# Fields that say the same as a written one under another name (biblatex vs
# bibtex): an extra namesake would contradict it, and a re-import would drop it.
_ALIASES = {
    "date": ("year", "month"),
    "year": ("date",),
    "journaltitle": ("journal",),
    "journal": ("journaltitle",),
    "eprinttype": ("archiveprefix",),
    "archiveprefix": ("eprinttype",),
    "eprintclass": ("primaryclass",),
    "primaryclass": ("eprintclass",),
}


def _extra_fields(paper: Paper, written: set[str]) -> list[tuple[str, str]]:
    """Fields a BibTeX import kept, raw; a field written above wins over its namesake."""
    return [
        (name.lower(), braced(" ".join(value.split())))
        for name, value in paper.extra.items()
        if name.lower() not in written
    ]


def _raw(value: str) -> str:
    return " ".join(value.split())


def _verbatim(value: str) -> str:
    """URLs and DOIs are not escaped, but a stray brace would end the value."""
    return value.strip().replace("{", "%7B").replace("}", "%7D")

