"""Known-item queries: what a person types to find again one paper they half remember.

Each kind is a function of one paper (anything with `title`, `authors` and `abstract`)
and a `random.Random`; it returns the query text, lower-cased as people type it, or
None when the paper cannot give a query of that kind (a one-word title, no abstract).
The query is returned with the words it is made of, so that the FTS5 anchor can be
given exactly the same words (quoted, the last as a prefix for `partial`).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

# Words a person does not pick to recall a paper: function words and title filler.
STOP_WORDS = frozenset(
    """a about above after against all also among an and any are as at based be been before being
    between both but by can do does for from further has have how if in into is it its more most new
    not of on or other our over such than that the their them then there these they this those
    through to toward towards under using via was we were what when where which while who why will
    with within without you your
    across although because each even however like many much only often since some still thus
    therefore very well whether yet""".split()
)
# Words of any abstract's opening that say nothing of what the paper is about.
ABSTRACT_FILLER = frozenset(
    """approach approaches article existing introduce introduces method methods paper present presents
    propose proposed proposes recent recently result results show shows study studies work works""".split()
)
LONG_WORD = 5  # "two long words of its title": at least this many letters
GIST_WORD = 4  # abstract words shorter than this are rarely what one remembers
SAME_ROOT = 5  # an abstract word sharing this many first letters with a title word is "in the title"
MIN_PREFIX = 3  # the app searches from the first keystrokes; a prefix shorter than this matches too much

# Neighbouring keys on a QWERTY keyboard, for a typo that a finger makes.
KEY_NEIGHBOURS = {
    "q": "wa", "w": "qes", "e": "wrd", "r": "etf", "t": "ryg", "y": "tuh", "u": "yij", "i": "uok",
    "o": "ipl", "p": "ol", "a": "qsz", "s": "adw", "d": "sfe", "f": "dgr", "g": "fht", "h": "gjy",
    "j": "hku", "k": "jli", "l": "ko", "z": "xa", "x": "zcs", "c": "xvd", "v": "cbf", "b": "vng",
    "n": "bmh", "m": "nj",
}

WORD = re.compile(r"[^\W\d_]+")  # letters only: "Instruction-Following" is two words
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


@dataclass(frozen=True)
class KnownItemQuery:
    kind: str
    target: int  # the paper id the person is looking for
    text: str  # what is typed into papers-tui
    words: tuple[str, ...]  # the same words, for the anchor
    prefix_last: bool = False  # the last word is a prefix being typed


def words_of(text: str | None) -> list[str]:
    return WORD.findall(text or "")


def content_words(text: str | None, min_length: int) -> list[str]:
    """Words of `text` in order, lower-cased, without stop words or short words, each once."""
    seen: dict[str, None] = {}
    for word in words_of(text):
        folded = word.casefold()
        if len(folded) >= min_length and folded not in STOP_WORDS:
            seen.setdefault(folded, None)
    return list(seen)


def surname(author: str) -> str | None:
    """The family name of "First Last" or "Last, First" (the last or first word)."""
    if "," in author:
        author = author.split(",", 1)[0]
    names = words_of(author)
    return names[-1].casefold() if names and len(names[-1]) > 1 else None


def first_sentence(abstract: str | None) -> str:
    return SENTENCE_END.split((abstract or "").strip(), maxsplit=1)[0]


def pick_in_order(rng: random.Random, words: list[str], count: int) -> list[str] | None:
    """`count` of `words` chosen at random, kept in their order (None when too few)."""
    if len(words) < count:
        return None
    chosen = sorted(rng.sample(range(len(words)), count))
    return [words[i] for i in chosen]


def typo(rng: random.Random, word: str) -> str:
    """`word` with one slip of the finger, never on its first letter (people see that one)."""
    for _ in range(20):
        at = rng.randrange(1, len(word))
        slip = rng.choice(("drop", "swap", "neighbour", "double"))
        if slip == "drop":
            changed = word[:at] + word[at + 1 :]
        elif slip == "swap" and at < len(word) - 1:
            changed = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
        elif slip == "neighbour" and word[at] in KEY_NEIGHBOURS:
            changed = word[:at] + rng.choice(KEY_NEIGHBOURS[word[at]]) + word[at + 1 :]
        else:
            changed = word[: at + 1] + word[at:]
        if changed != word:
            return changed
    return word[:-1]  # not reached: a dropped or doubled letter always changes the word


# --- the kinds ----------------------------------------------------------------------------


def title_words(paper, rng: random.Random) -> tuple[str, ...] | None:
    """Two long words of the title."""
    words = pick_in_order(rng, content_words(paper.title, LONG_WORD), 2)
    return tuple(words) if words else None


def author_topic(paper, rng: random.Random) -> tuple[str, ...] | None:
    """The first author's surname and one long title word."""
    name = surname(paper.authors[0]) if paper.authors else None
    topic = [w for w in content_words(paper.title, LONG_WORD) if w != name]
    if not name or not topic:
        return None
    return (name, rng.choice(topic))


def gist(paper, rng: random.Random) -> tuple[str, ...] | None:
    """Three words of the abstract's first sentence that are not in the title."""
    title_roots = {w[:SAME_ROOT] for w in content_words(paper.title, 1)}
    candidates = [w for w in content_words(first_sentence(paper.abstract), GIST_WORD)
                  if w[:SAME_ROOT] not in title_roots and w not in ABSTRACT_FILLER]
    words = pick_in_order(rng, candidates, 3)
    return tuple(words) if words else None


def misspelled(paper, rng: random.Random) -> tuple[str, ...] | None:
    """Two long title words, one of them with a typo."""
    words = title_words(paper, rng)
    if not words:
        return None
    wrong = rng.randrange(len(words))
    return tuple(typo(rng, w) if i == wrong else w for i, w in enumerate(words))


def partial(paper, rng: random.Random) -> tuple[str, ...] | None:
    """Up to three consecutive title words, the last cut short as while typing it."""
    words = content_words(paper.title, MIN_PREFIX)
    starts = [i for i in range(len(words) - 1) if len(words[min(i + 2, len(words) - 1)]) > MIN_PREFIX + 1]
    if not starts:
        return None
    start = rng.choice(starts)
    run = words[start : start + 3]
    last = run[-1]
    return (*run[:-1], last[: rng.randint(MIN_PREFIX, len(last) - 1)])


KINDS = {
    "title": title_words,
    "author_topic": author_topic,
    "gist": gist,
    "misspelled": misspelled,
    "partial": partial,
}


def make_query(kind: str, paper, rng: random.Random) -> KnownItemQuery | None:
    words = KINDS[kind](paper, rng)
    if not words:
        return None
    return KnownItemQuery(kind, paper.id, " ".join(words), words, prefix_last=kind == "partial")


def generate(kind: str, candidates: list[int], load, count: int, seed: str) -> list[KnownItemQuery]:
    """`count` queries of `kind` for papers drawn at random (from `seed`) among `candidates`;
    `load(id)` gives the paper. Papers that cannot give this kind of query are passed over."""
    rng = random.Random(f"{seed}:{kind}")  # a str seed is hashed the same way in every run
    order = list(candidates)
    rng.shuffle(order)
    queries: list[KnownItemQuery] = []
    for pid in order:
        query = make_query(kind, load(pid), rng)
        if query is not None:
            queries.append(query)
            if len(queries) == count:
                break
    return queries
