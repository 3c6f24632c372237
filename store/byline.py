"""Split a card's byline — the title glued to its author list — where the whole list reads best.

A card shows `TitleFirst Author, Second Author, Third Author et al. · org, org`:
the title runs into the first author with no space between them. Every place
where a name could start right after a non-space character is a candidate
split; each is scored by how well ALL the comma-separated fragments after it
read as names, and how plausible the end of the title before it is. The best
reading wins; when the second best is close, or the best is poor, the reading
is flagged so the user can check it.

Scores are penalties (0 is a perfect reading, lower is worse). The weights
were set on the 100,000 real bylines of `../shared/corpus/` (see
docs/listing-parsing.md); the round-trip benchmark holds them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

# Author-name pieces that are lowercase: particles.
PARTICLES = {
    "van", "von", "der", "den", "de", "del", "della", "degli", "di", "da", "dos", "das", "do", "du", "la", "le",
    "bin", "binti", "ibn", "al", "el", "ten", "ter", "y", "zu", "af", "av", "st.", "e", "mac", "ap", "lo", "des",
}
# Words of group authors (BibTeX name handling uses this set too, so it stays as it was).
GROUP_WORDS = {
    "workshop", "collaboration", "team", "consortium", "initiative", "project", "community",
    "group", "lab", "committee", "contributors", "organizers",
}
# On a card a group name may also end or start with these ("SAM 3D Team", "Team Hunyuan3D").
BYLINE_GROUP_WORDS = GROUP_WORDS | {
    "organisers", "authors", "members", "alliance", "network", "foundation", "council", "partners", "society",
    "institute", "association", "center", "centre",
}
# Given names written as one camel-cased word: AbdelRahim, MohammadJavad, SaiKiran.
COMPOUND_GIVEN = ("Abdel", "Abdul", "Abd", "Abu", "Mohammad", "Mohammed", "Muhammad", "Mohamed", "Amir", "Sai", "Mohan", "Ali")
# Endings of English words: a camel word whose first part ends so is a title word glued to a name.
TITLE_WORD_ENDINGS = (
    "tion", "sion", "ing", "ment", "ness", "ity", "ics", "ed", "ure", "ance", "ence", "ism", "ive", "ble", "ary",
    "ogy", "phy", "ers", "ors", "els", "ons", "ies", "ems", "ets", "als", "ks", "ts", "ds", "es",
)
NAME_PREFIXES = COMPOUND_GIVEN + (
    "Mc", "Mac", "O'", "O’", "D'", "D’", "d'", "d’", "L'", "L’", "l'", "l’",
    "De", "Di", "Da", "La", "Le", "Van", "Von", "Du", "Fitz", "Ben", "Al", "El", "AL",
)
ET_AL = " et al."
ORGS_SEPARATOR = " · "

# Flag when the runner-up reads within this many points of the best, or the best is this poor.
CLOSE_MARGIN = 1.0
POOR_SCORE = -0.9

IMPOSSIBLE = -8.0
_LENGTH_SCORES = (IMPOSSIBLE, -0.7, 0.0, 0.0, -0.3, -0.8)
_INITIALS_RE = re.compile(r"(?:[^\W\d_]\.?)(?:-?[^\W\d_]\.)*|(?:[^\W\d_]\.){1,4}[^\W\d_]?\.?")
# A romanised syllable (Hyo, Jung, Ming, Tsai, Byeong): camel-cased given names
# such as HyoJung or MingZe are made of these.
_SYLLABLE_RE = re.compile(
    r"(?:[BCDFGHJKLMNPQRSTVWXYZ]|Ch|Zh|Sh|Ts|Hs|Th|Kh|Ph|Gy|Ky|Hy|By|My|Ny|Py|Ry|Sy|Jy|Gw|Kw|Hw)?"
    r"(?:[aeiouy]{1,3}|ae|eo|eu|oe|ui|ye|yo|yu|ya|wa|wo|we|wi)(?:ng|nh|ch|n|m|r|l|k|p|t|h|c)?",
    re.IGNORECASE,
)
_GLUED_ACRONYM_RE = re.compile(r"[A-Z]{2,}s")  # "LLMsAleksandra"
_LOWER = "a-zß-öø-ÿ"
_UPPER = "A-ZÀ-ÖØ-Þ"
# A lowercase letter then a capital, in Latin letters with accents too: "KeNetÖzge" splits before Ö.
_CAMEL_RE = re.compile(rf"(?<=[{_LOWER}ā-ž])(?=[{_UPPER}ĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĲĴĶĹĻĽĿŁŃŅŇŊŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽ])")
_TITLE_BAD_ENDS = (",", ":", ";", "-", "–", "—", "(", "[", "{", "/", "‘", "“", "«", "&", "\\", "_", "^")
# A title rarely ends on one of these: the split came too late ("…Yehna Kim and", "…Megan T. de").
_TITLE_BAD_LAST_WORDS = PARTICLES | {"and", "of", "for", "the", "with", "in", "on", "to", "a", "an", "by", "from", "via"}


@dataclass
class Byline:
    title: str
    authors: list[str]
    truncated: bool = False
    orgs: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


def split_byline(byline: str) -> tuple[str, list[str], bool, list[str]]:
    """`(title, authors, truncated, orgs)` of a byline; `read_byline` says too how sure it is."""
    reading = read_byline(byline)
    return reading.title, reading.authors, reading.truncated, reading.orgs


def read_byline(byline: str) -> Byline:
    """The best reading of a byline, with flags when it is a guess."""
    byline = byline.strip()
    orgs: list[str] = []
    if ORGS_SEPARATOR in byline:
        head, org_text = byline.rsplit(ORGS_SEPARATOR, 1)
        candidate_orgs = [org.strip() for org in org_text.split(",") if org.strip()]
        if candidate_orgs and all(" " not in org for org in candidate_orgs):
            byline, orgs = head, candidate_orgs
    truncated = byline.endswith(ET_AL)
    if truncated:
        byline = byline[: -len(ET_AL)]
    readings = sorted(
        ((score_split(byline, start), start) for start in glue_points(byline)), key=lambda pair: -pair[0]
    )
    if not readings:
        return Byline(byline, [], truncated, orgs, ["byline: no author found after the title"])
    best_score, start = readings[0]
    title, authors = byline[:start].strip(), _fragments(byline[start:])
    flags = []
    if best_score < POOR_SCORE:
        flags.append("byline: an author does not read as a name; the split is a guess")
    elif len(readings) > 1 and best_score - readings[1][0] < CLOSE_MARGIN:
        other = byline[: readings[1][1]].strip()
        flags.append(f"byline: title and authors could also split after {other[-24:]!r}")
    return Byline(title, authors, truncated, orgs, flags)


def glue_points(text: str):
    """Indexes where a name may start right after the title's last character."""
    for index in range(1, len(text)):
        char, before = text[index], text[index - 1]
        if before.isspace() or char.isspace():
            continue
        if char.isupper() or (char.isalpha() and not char.islower() and not before.isalpha()):
            yield index
        elif char.isalpha() and not char.islower() and before.isalpha() and (before.isupper() or before.islower()):
            yield index  # a name in a script without case after a Latin title


def _fragments(text: str) -> list[str]:
    return [name.strip() for name in text.split(", ")]


def score_split(byline: str, start: int) -> float:
    names = _fragments(byline[start:])
    if any(not name for name in names):
        return IMPOSSIBLE * 2
    return title_end_score(byline[:start]) + sum(name_score(name) for name in names)


@lru_cache(maxsize=4096)
def title_end_score(title: str) -> float:
    if not title.strip() or title != title.rstrip():
        return IMPOSSIBLE
    return _title_last_word_score(title) + _title_last_fragment_score(title) + _title_glue_score(title)


def _title_glue_score(title: str) -> float:
    """A title ending in a name after a glued word ("…Event ExtractionElaheh Shafiei") holds the
    real split: the first author was swallowed into it."""
    words = title.split()
    for back in range(1, min(3, len(words)) + 1):
        humps = _CAMEL_RE.split(words[-back])
        if len(humps) < 2:
            continue
        head = humps[-2]
        if not (_GLUED_ACRONYM_RE.fullmatch(head) or len(head) >= 4 and head.lower().endswith(TITLE_WORD_ENDINGS + ("s",))):
            return 0.0
        if back == 1:
            return -2.0 if humps[-1][:1].isupper() else 0.0  # "ModelsFatemeh": a given name cut off
        tail = [humps[-1]] + words[len(words) - back + 1 :]
        if all(word[:1].isupper() for word in tail) and name_score(" ".join(tail)) >= -0.5:
            return -1.5
        return 0.0
    return 0.0

def _title_last_fragment_score(title: str) -> float:
    """A title whose last comma-separated part reads as a name ("…, Yann Le") has
    swallowed authors: the split belongs earlier."""
    if ", " not in title:
        return 0.0
    parts = title.split(", ")
    tail = parts[-1].split()
    if len(tail) > 3 or not all(word[:1].isupper() or word.lower() in PARTICLES for word in tail):
        return 0.0
    score = -1.0
    for part in reversed(parts[1:-1]):
        if not 2 <= len(part.split()) <= 3 or name_score(part) < -0.5:
            break
        score -= 1.5  # a whole name before it: "…Kim, Wongyu Lee, Myeong"
    return score


def _title_last_word_score(title: str) -> float:
    if title.endswith(_TITLE_BAD_ENDS):
        return -4.0
    last = title.split()[-1]
    if last in _TITLE_BAD_LAST_WORDS or (len(last) == 1 and last.islower()):
        return -1.5
    if re.search(r"[a-z][A-Z]\.", last):
        return -2.0  # "TransformerV.S.": initials glued to the title belong to the name
    if len(last) >= 2 and last[-1].isupper() and last[-2].islower():
        return -1.5  # "ModelsJ": a lone capital after a lowercase letter mostly starts a name (but ViT, MoE)
    if re.fullmatch(r"[A-Z]{2,}[A-Z][a-z]{2,}", last):
        return -1.0  # "NLPAria": an acronym glued to a name, or a name such as BERTScore
    humps = _CAMEL_RE.split(last)
    if len(humps) > 1:
        tail = humps[-1].rstrip("?!.)]:0123456789")
        if _SYLLABLE_RE.fullmatch(tail):
            return -1.0  # "EnglishMing": the title would end in a name's syllable
        if len(humps[-2]) >= 3 and humps[-2][0].isupper() and len(tail) >= 4 and tail[1:].islower():
            return -1.0  # "TextMohamamd" as often as "HuggingFace"
        return -0.5
    return 0.0


@lru_cache(maxsize=8192)
def name_score(name: str) -> float:
    words = _without_marks(name).split()
    if not words:
        return IMPOSSIBLE
    if (words[-1].lower() in BYLINE_GROUP_WORDS or words[0].lower() in BYLINE_GROUP_WORDS) and 2 <= len(words) <= 4:
        return sum(_group_word_score(word) for word in words)
    score = _LENGTH_SCORES[len(words)] if len(words) < len(_LENGTH_SCORES) else -3.0 * (len(words) - 4)
    if all(_INITIALS_RE.fullmatch(word) for word in words):
        score -= 1.5  # "V.S.": initials alone are part of a name that held a comma
    if len(words) == 1 and len(words[0].rstrip(".")) == 1:
        score -= 3.0  # an author called "D"
    for index, word in enumerate(words):
        score += word_score(word, first=index == 0)
    return score


def _group_word_score(word: str) -> float:
    """Group names hold acronyms, digits and camel case (SAM 3D Team, BigScience Workshop)."""
    if word.lower() in ("the", "of", "and", "for") or word.lower() in BYLINE_GROUP_WORDS:
        return 0.0
    if word[:1].islower():
        return -3.0
    humps = _CAMEL_RE.split(word)
    if len(humps) > 1 and humps[0].lower().endswith(TITLE_WORD_ENDINGS) and len(humps[0]) >= 5:
        return -2.5
    return -0.2


def _without_marks(text: str) -> str:
    """Combining accents dropped (Tolúlọpẹ́), so every letter of a name is one character."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def word_score(word: str, first: bool) -> float:
    if first and len(word) == 1 and word.isupper():
        return -0.8  # a name rarely starts with an initial without its period: "M Fine-tuning…"
    if _INITIALS_RE.fullmatch(word) and word[0].isupper():
        return 0.0
    if word.lower() in PARTICLES:
        return (-0.3 if word[0].isupper() else -0.6) if first else 0.0
    if word.startswith(("(", "'", "\"", "“", "‘")) and word.endswith((")", "'", "\"", "”", "’")) and len(word) > 2:
        return word_score(word[1:-1], first) - 0.3  # a nickname: Ho Yin 'Sam' Ng
    if word in ("-", "–"):
        return -1.0  # "Micluta - Campeanu"
    score = 0.0
    for index, part in enumerate(word.split("-")):
        score += part_score(part, first, after_hyphen=index > 0)
    return score


def part_score(part: str, first: bool, after_hyphen: bool) -> float:
    if not part:
        return -2.0
    if not any(ch.isalpha() for ch in part):
        return -6.0
    if any(ch.isdigit() for ch in part) or any(not (ch.isalpha() or ch in "'’.") for ch in part):
        return -6.0
    if not any(ch.isupper() or ch.islower() for ch in part):
        return 0.0  # a script without case
    for prefix in NAME_PREFIXES:
        if part.startswith(prefix) and len(part) > len(prefix) + 1 and part[len(prefix)].isupper():
            part = part[len(prefix):]
            break
    if part[0].islower():
        if after_hyphen and not any(ch.isupper() for ch in part):
            return 0.0  # "Jae-young" is fine
        return -2.5  # "jun" is not, nor "Fine-tuningShambhavi"
    rest = part[1:].replace("'", "").replace("’", "").replace(".", "")
    if not rest or rest.islower():
        return 0.0
    if rest.isupper():
        return -0.3  # an all-capitals surname: LI, USVSN
    if rest[0].isupper():
        return -3.0 if first else -1.0  # "TSungrae", "PJohn": a title's capital glued to a name
    humps = _CAMEL_RE.split(part.replace("'", "").replace("’", ""))
    if all(_SYLLABLE_RE.fullmatch(hump) for hump in humps):
        return -0.3  # given names made of syllables: HyoJung, MingZe
    if humps[0].lower().endswith(TITLE_WORD_ENDINGS) and len(humps[0]) >= 5:
        return -2.5  # "SegmentationHongbin": a title word glued to a name
    if not first or after_hyphen:
        return -0.8 if len(humps) == 2 else -2.0  # surnames: NaseriTehrani, QasemiZadeh; not "KeNetÖzge"
    return -2.5
