"""How papers from different sources are recognised as the same paper.

Identifiers (arXiv id, DOI) and normalised titles are exact. Abstracts may be
lightly reworded between a listing and arXiv (a new version, changed quotes),
so they are compared as sets of word 3-grams: a sketch of the smallest shingle
hashes finds candidates through an SQL index, and the full sets decide.

Words are runs of letters and digits in any script; in scripts written without
spaces (Chinese, Japanese, Thai...) each character is a word, so 3-grams are
character 3-grams there. (Counting only a-z words made every Chinese abstract a
handful of Latin fragments, and different papers looked alike.)
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from functools import lru_cache

SHINGLE_WORDS = 3
SKETCH_SIZE = 12
# Measured on the samples: a reworded arXiv version of an abstract shares 64% of
# the shorter one's 3-grams (Jaccard 0.44); different papers share under 10%.
MIN_CONTAINMENT = 0.5
MIN_JACCARD = 0.25


_COMBINING_RE = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# A CJK ideograph, kana, Thai, Lao, Khmer or Myanmar character is a word of its
# own (those scripts put no spaces between words; Korean does); any other run of
# letters and digits is one word.
DEDUP_VERSION = 2  # bump when words() changes: stored title_norm, abstract_hash and sketches are recomputed
_UNSPACED = (
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
)
_WORD_RE = re.compile(f"[{_UNSPACED}]|[^\\W_{_UNSPACED}]+")


def fold(text: str) -> str:
    """Lowercase, accents dropped: `Laurençon` -> `laurencon`."""
    if text.isascii():
        return text.lower()
    return _COMBINING_RE.sub("", unicodedata.normalize("NFKD", text)).lower()


@lru_cache(maxsize=256)  # an import asks for the same abstract's words several times
def words(text: str) -> tuple[str, ...]:
    return tuple(_WORD_RE.findall(fold(text)))


def normalise_title(title: str | None) -> str | None:
    if not title:
        return None
    return " ".join(words(title)) or None


def abstract_hash(abstract: str | None) -> str | None:
    if not abstract:
        return None
    return hashlib.sha1(" ".join(words(abstract)).encode()).hexdigest()


@lru_cache(maxsize=256)
def shingles(text: str) -> frozenset[int]:
    tokens = words(text)
    if len(tokens) < SHINGLE_WORDS:
        return frozenset({zlib.crc32(" ".join(tokens).encode())} if tokens else ())
    return frozenset(
        zlib.crc32(" ".join(tokens[i : i + SHINGLE_WORDS]).encode())
        for i in range(len(tokens) - SHINGLE_WORDS + 1)
    )


def sketch(shingle_set: frozenset[int]) -> list[int]:
    return sorted(shingle_set)[:SKETCH_SIZE]


def similar_abstracts(a: frozenset[int], b: frozenset[int]) -> bool:
    if not a or not b:
        return False
    shared = len(a & b)
    return shared / min(len(a), len(b)) >= MIN_CONTAINMENT and shared / len(a | b) >= MIN_JACCARD


# --- do two records describe one work? (used by merging, and by benchmarks/dedup_merges.py)

SIMILAR_NAME_RATIO = 0.8  # difflib ratio of two names' letters: a typo or a dropped letter


def same_person(a: str, b: str) -> bool:
    """Two spellings of one author: `J. Smith` / `John Smith`, `Lu Jie` / `Jie Lu`,
    `Zhaopan Xu` / `xu Zhao Pan`, `Noga BenYoash` / `Noga Ben Yoash`, `Jesus Lovon`
    / `Jesus Lovon-Melgarejo`, `Rawan Al-Matham` / `Rawan Nasser Almatham`,
    `Anđelić` / `Anđedelić` (a typo). `Wei Wang` and `Wei Zhang` are two people."""
    a_words, b_words = words(a), words(b)
    if not a_words or not b_words:
        return False
    if a_words[-1] == b_words[-1] or sorted(a_words) == sorted(b_words):
        return True
    a_letters, b_letters = "".join(a_words), "".join(b_words)
    if a_letters in b_letters or b_letters in a_letters or sorted(a_letters) == sorted(b_letters):
        return True
    from difflib import SequenceMatcher

    similar_surnames = SequenceMatcher(None, a_words[-1], b_words[-1]).ratio() >= SIMILAR_NAME_RATIO
    return similar_surnames and a_words[0][0] == b_words[0][0]


def authors_agree(a: list[str], b: list[str]) -> bool:
    """The author lists can be one paper's: either side unknown, or the first
    author of one is among the first authors of the other (orders change
    between versions; lists get cut with `et al.`)."""
    if not a or not b:
        return True
    return any(same_person(a[0], other) for other in b[:3]) or any(same_person(b[0], other) for other in a[:3])


def titles_agree(a: str | None, b: str | None) -> bool:
    """One title, maybe with a subtitle dropped or a word changed between versions."""
    a_norm, b_norm = normalise_title(a), normalise_title(b)
    if not a_norm or not b_norm:
        return True
    if a_norm == b_norm or a_norm.startswith(b_norm + " ") or b_norm.startswith(a_norm + " "):
        return True
    a_words, b_words = set(a_norm.split()), set(b_norm.split())
    return len(a_words & b_words) / max(len(a_words), len(b_words)) >= SIMILAR_NAME_RATIO
