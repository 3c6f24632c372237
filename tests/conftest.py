"""Shared fixtures: libraries in temporary directories, the example and sample inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from store.library import Library

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs" / "examples"
SAMPLES = ROOT.parent / "shared" / "samples"


@pytest.fixture(autouse=True)
def _isolated_library_env(monkeypatch, tmp_path_factory):
    """No test ever touches the user's real library."""
    monkeypatch.setenv("PAPERS_TUI_LIBRARY", str(tmp_path_factory.mktemp("default-library")))


@pytest.fixture
def library_dir(tmp_path) -> Path:
    return tmp_path / "library"


@pytest.fixture
def library(library_dir):
    lib = Library(library_dir)
    yield lib
    lib.close()


@pytest.fixture
def samples() -> list[Path]:
    if not SAMPLES.is_dir():
        pytest.skip(f"../shared/samples is absent ({SAMPLES}); the real listing samples are not available")
    return sorted(SAMPLES.glob("*.txt"))


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


def snapshot(library: Library) -> str:
    """Everything the library holds, as text: for 'unchanged' assertions."""
    papers = library.list(sort="title")
    return json.dumps([p.to_json() | {"sources": library.sources(p.id)} for p in papers], sort_keys=True)
