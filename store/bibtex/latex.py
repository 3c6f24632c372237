"""LaTeX to text (for the fields that become columns) and text to LaTeX (for export).

Both directions are written so that export -> import -> export gives the same
bytes: whatever `latex` writes, `decode` reads back to text that `latex`
writes the same way again.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pylatexenc import latex2text
from pylatexenc.latexencode import UnicodeToLatexEncoder

# --- LaTeX to text -------------------------------------------------------------


def _make_decoder() -> latex2text.LatexNodes2Text:
    context = latex2text.get_default_latex_context_db()
    context.add_context_category(
        "papers-tui",
        prepend=True,
        macros=[
            latex2text.MacroTextSpec("url", simplify_repl="%s"),  # not <...>
            # pylatexenc gives U+02C6; export writes a plain ^ this way, so read it back.
            latex2text.MacroTextSpec("textasciicircum", simplify_repl="^"),
        ],
    )
    # Math as text: `$\alpha$-divergence` reads better as `α-divergence`.
    return latex2text.LatexNodes2Text(latex_context=context, math_mode="text")


_DECODER = _make_decoder()
# Text without any of these reads the same as LaTeX and as Unicode (fast path).
_LATEX_MARKS = re.compile(r"[\\{}$~%]|--|``|''")


def decode(text: str | None) -> str | None:
    """LaTeX to Unicode text: accents decoded, braces dropped, whitespace collapsed.

    The caller has checked the brace depth (parse.MAX_BRACE_DEPTH): pylatexenc
    recurses once per group, and a few hundred levels exhaust Python's stack."""
    if not text:
        return None
    if _LATEX_MARKS.search(text):
        # In a .bib file a bare % is a percent sign, not a LaTeX comment.
        text = _DECODER.latex_to_text(re.sub(r"(?<!\\)%", r"\\%", text))
    return " ".join(text.split()) or None


# --- Text to LaTeX -------------------------------------------------------------

_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_SPACES = re.compile(r"\s+")
_NEEDS_LATEX = re.compile(r"[\\{}&%$#_~^]|[^\x00-\x7f]")
_ENCODER = UnicodeToLatexEncoder(
    non_ascii_only=True,
    replacement_latex_protection="braces-all",  # {\c{c}}: safe inside words and names
    unknown_char_policy="fail",
    unknown_char_warning=False,
)


def latex(text: str, ascii_only: bool) -> str:
    """Escape bibtex/LaTeX specials; with ascii_only, non-ASCII to accent commands."""
    # Runs of whitespace become one space but are not stripped: `text` may be a
    # piece between two words of a title.
    text = _SPACES.sub(" ", text)
    if not _NEEDS_LATEX.search(text):
        return text  # the common case, and exports of big libraries are mostly it
    text = unicodedata.normalize("NFC", text)
    return "".join(
        _SPECIALS.get(char) or (_ascii_latex(char) if ascii_only and ord(char) > 127 else char) for char in text
    )


@lru_cache(maxsize=4096)
def _ascii_latex(char: str) -> str:
    try:
        command = _ENCODER.unicode_to_latex(char)
    except ValueError:
        # No LaTeX form (ș, CJK, emoji): keep the base letter if there is one, else
        # the character itself (UTF-8 passes through bibtex): never lose a letter.
        return fold_ascii(char) or char
    read_back = decode(command) or ""
    if read_back == char:
        return command
    # A command that reads back as another character (’ -> {'} -> '): write what
    # it reads back as, so that a second export writes the same bytes as the first.
    # Only for punctuation and symbols: a letter's odd form (ŉ -> \nument{149})
    # read back as "149" would replace the letter.
    if read_back.isascii() and unicodedata.category(char)[0] in "PS":
        return latex(read_back, True)
    return fold_ascii(char) or char


_FOLD = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
     "đ": "d", "Đ": "D", "ð": "d", "þ": "th", "Þ": "Th", "ı": "i"}
)


def fold_ascii(text: str) -> str:
    """Laurençon -> Laurencon, Łukasz -> Lukasz; what has no ASCII form is dropped."""
    # Folded before and after decomposing: Ǣ is Æ with a macron, and Æ is AE.
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD)).translate(_FOLD)
    return decomposed.encode("ascii", "ignore").decode("ascii")


# Words for title protection: letters and digits, with inner apostrophes and
# decimal points (`don't`, `1.6TB`).
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+|\.\d[^\W_]*)*")
STOP_WORDS = frozenset(
    "a an the on of in for and or nor but to with without from towards toward is are was were be been "
    "via at by as its it do does can we how what when why which into onto over under about using "
    "this that these those not no vs versus".split()
)


def latex_title(title: str, ascii_only: bool) -> str:
    """Escaped title with words that must keep their case braced one by one
    (`{BLOOM}`, `{StarCoder}`); bibtex styles may lowercase the rest."""
    title = " ".join(title.split())
    protected = _protected_word_starts(title)
    pieces, last = [], 0
    for match in _WORD.finditer(title):
        pieces.append(latex(title[last : match.start()], ascii_only))
        word = latex(match.group(), ascii_only)
        pieces.append(braced(word) if match.start() in protected else word)
        last = match.end()
    pieces.append(latex(title[last:], ascii_only))
    return "".join(pieces)


def _protected_word_starts(title: str) -> set[int]:
    """Start offsets of the words to brace.

    Always: words with a capital after the first letter or a capital and a
    digit (BLOOM, LLMs, StarCoder, 176B, T5), and single capitals other than
    `A` (C, R, X: symbols and names). Capitalised words in the middle
    only when the title is in sentence case (then they are proper names: in
    "Training models on English text" `English`); in Title Case they are not.
    The first word and the first after a colon are never counted: styles keep them.
    """
    protected, capitalised, lowercase = set(), [], 0
    for index, match in enumerate(_WORD.finditer(title)):
        word = match.group()
        if _always_protected(word):
            protected.add(match.start())
            continue
        if index == 0 or title[: match.start()].rstrip().endswith(":") or not word[0].isalpha():
            continue
        if word[0].isupper():
            capitalised.append(match.start())
        elif word.lower() not in STOP_WORDS:
            lowercase += 1
    non_stop_capitals = [s for s in capitalised if _word_at(title, s).lower() not in STOP_WORDS]
    if len(non_stop_capitals) <= lowercase:  # sentence case
        protected.update(capitalised)
    return protected


def _always_protected(word: str) -> bool:
    if len(word) == 1:
        return word.isupper() and word != "A"
    # any(map(...)) of a builtin: this runs for every word of every exported title.
    return any(map(str.isupper, word[1:])) or (word[0].isupper() and any(map(str.isdigit, word)))


def braced(value: str) -> str:
    return "{" + value + "}"


def _word_at(title: str, start: int) -> str:
    """The word that starts at `start` (found there by _WORD already)."""
    match = _WORD.match(title, start)
    return match.group() if match else ""
