"""Choosing a CSV file's encoding among UTF-8, cp1251, cp866 and koi8-r.

The three Cyrillic code pages decode each other's bytes without error (``╚трэют``, ``хБЮМНБ``),
so "the first decoding that does not fail" is wrong. Each candidate is scored by how many header
cells it turns into known column names, then by how Russian its letters look: letter shares,
letter pairs, capitals inside words, characters Russian does not use (reliability note, §5.4).
"""

from __future__ import annotations

import codecs
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

ENCODINGS = ("utf-8", "cp1251", "cp866", "koi8-r")  # utf-8-sig is utf-8 with its mark


class EncodingError(ValueError):
    """The encoding cannot be determined, or the one asked for contradicts the text."""


# Share of each letter in Russian text, per cent (the commonly quoted table; rough is enough here).
_RUSSIAN = dict(
    zip(
        "оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъё",
        re.findall(
            r"\S+",
            "10.97 8.45 8.01 7.35 6.70 6.26 5.47 4.73 4.54 4.40 3.49 3.21 2.98 2.81 2.62 2.01 1.90 "
            "1.74 1.70 1.65 1.59 1.44 1.21 0.97 0.94 0.73 0.64 0.48 0.36 0.32 0.26 0.04 0.04",
        ),
        strict=True,
    )
)
_LETTER_SCORE = {letter: math.log(float(share) / 100) for letter, share in _RUSSIAN.items()}
# The 133 commonest letter pairs of the Russian text in this repository's rules and reference
# books (80 % of all pairs). Read through the wrong code page, words are mostly rare pairs.
_COMMON_PAIRS = frozenset(
    re.findall(
        "..",
        "енстноранинадеерпоотнетареанодлькопрлекаетосмеовиетевеедгоныалтвскзадаваинобиядороеласомесьнфз"
        "цилиарчелатоемойавруатогрфматиппсерионитвивоблакаявлороктрждсоазпеицыйамиивысясаайилолзнннимнта"
        "чмоийхобекимурсслндтьусисржйднсктчнубтсдтмьмиацидекабртьсспсилощеляейизугжеик",
    )
)
_PLAIN_SYMBOLS = set("№«»—–‘’“”…\u00a0\u2009\u202f")
_FOREIGN = -12.0  # a character Russian text does not use: box drawing, Ђ, ‰ ...
_CASE_BREAK = -6.0  # a capital right after a small letter inside a word ("хБЮМНБ")
_RARE_PAIR = -2.0
_WORD = re.compile(r"[^\W\d_]+")


def russian_score(text: str) -> float:
    """How Russian a decoded text looks: the mean log share of its non-ASCII letters, less
    penalties for rare letter pairs, capitals inside words and characters Russian does not use.

    Real text scores about -3.5; another code page's bytes read through the wrong table score
    below -4.7 (rare letters and pairs, case flipping inside words, pseudo-graphics)."""
    total = 0.0
    count = 0
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        folded = "".join(char.lower()[0] for char in word).replace("ё", "е")
        previous_lower = False
        for index, char in enumerate(word):
            count += 1
            lower = folded[index]
            if lower not in _LETTER_SCORE:
                total += _FOREIGN
                previous_lower = False
                continue
            total += _LETTER_SCORE[lower]
            if char.isupper() and previous_lower:
                total += _CASE_BREAK
            previous_lower = char.islower()
            if index and folded[index - 1 : index + 1] not in _COMMON_PAIRS:
                total += _RARE_PAIR
    for char in text:
        if not char.isascii() and not char.isalpha() and char not in _PLAIN_SYMBOLS:
            count += 1
            total += _FOREIGN
    return total / count if count else 0.0


@dataclass(frozen=True, slots=True)
class _Candidate:
    encoding: str
    header_hits: int
    score: float
    header: str

    @property
    def rank(self) -> float:
        return self.header_hits * 10 + self.score


def _decode_prefix(sample: bytes, encoding: str) -> str | None:
    try:  # a multi-byte character cut by the sample's end is not an error
        return codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError:
        return None


def _candidates(sample: bytes, is_known_column: Callable[[str], bool]) -> list[_Candidate]:
    found = []
    for encoding in ENCODINGS:
        text = _decode_prefix(sample, encoding)
        if text is None:
            continue
        header = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
        names = re.split(r"[;,\t]", header)
        hits = sum(1 for name in names if is_known_column(name.strip().strip('"')))
        found.append(_Candidate(encoding, hits, russian_score(text), header))
    return sorted(found, key=lambda c: -c.rank)


def _is_confident(best: _Candidate, others: list[_Candidate]) -> bool:
    return best.score > -4.8 and all(best.rank - other.rank >= 1.0 for other in others)


def choose_encoding(sample: bytes, forced: str | None, is_known_column: Callable[[str], bool]) -> str:
    """The encoding of a CSV file from its first bytes: by header match, then by letter statistics.

    Never "the first decoding that does not fail": the three Cyrillic code pages never fail. A
    forced encoding that the text contradicts is an error, not mojibake."""
    has_bom = sample.startswith(codecs.BOM_UTF8)
    if forced is not None:
        forced = supported_encoding(forced)
    if has_bom:
        if forced not in (None, "utf-8", "utf-8-sig"):
            raise EncodingError(f"файл начинается с метки UTF-8, а задана кодировка {forced}")
        if _decode_prefix(sample, "utf-8-sig") is None:
            raise EncodingError("файл начинается с метки UTF-8, но дальше не читается в UTF-8")
        return "utf-8-sig"
    if sample.isascii():
        return forced or "utf-8"
    candidates = _candidates(sample, is_known_column)
    if not candidates:
        raise EncodingError(f"кодировка файла не распознана: поддерживаются {', '.join(ENCODINGS)}")
    best, others = candidates[0], candidates[1:]
    confident = _is_confident(best, others)
    if forced is not None:
        chosen = next((c for c in candidates if c.encoding == plain_utf8(forced)), None)
        if chosen is None:
            hint = f"; похоже, это {best.encoding}" if confident else ""
            raise EncodingError(f"файл не читается в кодировке {forced}{hint}")
        if confident and best.encoding != chosen.encoding:
            raise EncodingError(
                f"в кодировке {forced} файл читается как «{chosen.header[:60]}»; похоже, это {best.encoding}"
            )
        return forced
    if not confident:
        preview = "; ".join(f"{c.encoding}: «{c.header[:40]}»" for c in candidates)
        raise EncodingError(f"кодировка файла не определяется однозначно, укажите ее явно ({preview})")
    return best.encoding


def plain_utf8(encoding: str) -> str:
    return "utf-8" if encoding == "utf-8-sig" else encoding


def supported_encoding(name: str) -> str:
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        canonical = name
    if plain_utf8(canonical) not in ENCODINGS:
        raise EncodingError(f"кодировка {name} не поддерживается: {', '.join(ENCODINGS)}")
    return canonical


__all__ = ["ENCODINGS", "EncodingError", "choose_encoding", "plain_utf8", "russian_score", "supported_encoding"]
