"""Tokens of a transcript, as every rule of the redactor reads them: the normalised word and its offsets,
a possessive "'s", an earlier redaction ("[PERSON]"); and matching a token run against the lexicon's lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from device.redact.numbers import digits_of

PLACEHOLDER = re.compile(r"\[([A-Z_]+)\](?:'[sS])?")  # an earlier redaction, possessive or not ("[PERSON]'s")
_STRIP = ".,;:!?\"()[]{}<>"
_REPLACEMENT = "\ufffd"  # what undecodable bytes became (errors="replace"): no letter of any word
# Labels of one family may meet in a run ("[NUMBER]" by a rule, "PHONE" by the tagger) without dispute.
FAMILY = {"PERSON": "PERSON", "ADDRESS": "ADDRESS", "EMAIL": "EMAIL"}  # the rest: numbers and codes


@dataclass
class Token:
    raw: str
    norm: str
    start: int
    end: int
    stem_end: int = -1  # where a redaction of it ends: before a possessive "'s", which stays outside
    blank: bool = False  # only U+FFFD (undecodable input): no word, and no context for the words around it

    def __post_init__(self):
        if self.stem_end < 0:
            self.stem_end = self.end


def placeholder(raw: str) -> re.Match | None:
    """An earlier redaction ("[PERSON]", "[PERSON]'s,"), its label in group 1."""
    return PLACEHOLDER.fullmatch(raw.rstrip(_STRIP.replace("]", "") + _REPLACEMENT))


def possessive(token: Token) -> bool:
    """"jennifer's", "john's,": what follows is the person's, not part of the name."""
    return token.raw.lower().rstrip(_STRIP).endswith("'s")


def tokenize(text: str) -> list[Token]:
    """The text's words with their offsets, each normalised (lower case, punctuation and a possessive \"'s\" off)."""
    tokens = []
    for m in re.finditer(r"\S+", text):
        raw = m.group()
        stem_end = m.end()
        if placeholder(raw):
            norm = ""  # an earlier redaction: a boundary, never part of anything
        else:
            norm = raw.lower().strip(_STRIP + _REPLACEMENT)
            if norm.endswith("'s") and len(norm) > 2 and not digits_of(norm):
                norm = norm[:-2]
                tail = raw.rstrip(_STRIP + _REPLACEMENT)
                stem_end = m.start() + len(tail) - 2  # "jennifer's," -> [PERSON]'s,
        blank = not norm and _REPLACEMENT in raw and not raw.strip(_STRIP + _REPLACEMENT)
        tokens.append(Token(raw, norm, m.start(), m.end(), stem_end, blank))
    return tokens


def phrase_at(names: dict[str, list[tuple[str, ...]]], norms: list[str], k: int, end: int) -> tuple[str, ...] | None:
    """The longest of `names` (lexicon.place_names(), brand_names()) that starts at token k and ends by `end`."""
    return next((p for p in names.get(norms[k], ()) if k + len(p) <= end and tuple(norms[k:k + len(p)]) == p), None)
