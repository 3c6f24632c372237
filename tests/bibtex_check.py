"""Run the real `bibtex` on a .bib text, as a LaTeX user's build would."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

needs_bibtex = pytest.mark.skipif(
    shutil.which("bibtex") is None, reason="the bibtex program is not installed (Debian: texlive-binaries)"
)


def bst_available(style: str) -> bool:
    found = subprocess.run(["kpsewhich", f"{style}.bst"], capture_output=True, text=True) if shutil.which("kpsewhich") else None
    return bool(found and found.returncode == 0 and found.stdout.strip())


def needs_style(style: str):
    """Skip unless bibtex and this .bst are installed (plainnat: Debian's texlive-latex-recommended)."""
    if shutil.which("bibtex") is None:
        return pytest.mark.skip(reason="the bibtex program is not installed (Debian: texlive-binaries)")
    return pytest.mark.skipif(not bst_available(style), reason=f"{style}.bst is not installed")


def run_bibtex(directory: Path, bib_text: str, style: str = "plain") -> tuple[int, str, str]:
    """(return code, console and .blg log, .bbl text) of bibtex citing every entry."""
    (directory / "refs.bib").write_text(bib_text, encoding="utf-8")
    (directory / "paper.aux").write_text(f"\\relax\n\\citation{{*}}\n\\bibstyle{{{style}}}\n\\bibdata{{refs}}\n")
    run = subprocess.run(["bibtex", "paper"], cwd=directory, capture_output=True, text=True, timeout=60)
    blg = directory / "paper.blg"
    log = run.stdout + run.stderr + (blg.read_text(errors="replace") if blg.exists() else "")
    bbl = directory / "paper.bbl"
    return run.returncode, log, bbl.read_text(errors="replace") if bbl.exists() else ""
