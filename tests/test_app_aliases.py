"""The app's side of aliases and untitled papers: the detail pane says which other
keys cite a paper; an export's notice names the papers left out."""

from __future__ import annotations

import json

from store.library import Library
from tui.app import PapersApp
from tui.library_client import LibraryClient
from tui.messages import ExportDone, ExportRequest, LibraryOpened

from .test_aliases import THESIS
from .test_app import SIZE, detail_text, settle


async def test_the_detail_pane_shows_the_other_keys_a_paper_is_cited_as(library_dir):
    with Library(library_dir) as library:
        library.import_text(THESIS, "thesis.bib")
    app = PapersApp(library_dir)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Key       millidge2020deep\n          Also cited as millidge2019deep, millidge_deep_2019\n" in detail_text(app)


def test_an_export_names_the_papers_it_left_out(library_dir, tmp_path):
    with Library(library_dir) as library:
        library.import_text(json.dumps({"abstract": "Known only by an abstract of a few words.", "date": "2023"}) + "\n"
                            + json.dumps({"title": "Titled", "authors": ["A. Writer"], "date": "2023"}) + "\n")
        ids = tuple(library.ids())
    posted: list = []
    client = LibraryClient(library_dir, posted.append)
    assert isinstance(client.open(), LibraryOpened)
    try:
        work = client.long_work("Exporting to out.bib")
        answer = client.write(ExportRequest(label="export BibTeX", paper_ids=ids, path=tmp_path / "out.bib",
                                            style="arxiv", work=work))
    finally:
        client.shut_down(timeout=10)
    assert isinstance(answer, ExportDone) and answer.entries == 1
    assert answer.warning and answer.warning.startswith("left out 1 paper without a title: untitled-")
    assert "[no title] Known only by an abstract" in answer.warning
