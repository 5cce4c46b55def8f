"""A CRF token tagger for what rules cannot list: names, addresses, identifiers in unseen phrasings.

A linear-chain CRF (python-crfsuite) reads each token with its neighbours:
the words themselves, whether they are number words (or the homophones Vosk
writes for them: "for", "to", "won", "ate"), single letters, ordinals, months,
names from the name lists, common English words, and how long the run of
number-like tokens around them is. A token inside a run of number-like or
name-like words also sees the words just before and after the whole run
(so the tenth digit of a card still knows it came after "card number is"),
which cue words of each kind were said in the six words before it, and where
it stands in the sentence. It is trained by scripts/train-redactor on
the generated corpus in benchmarks/spoken_pii.py; the model ships in
device/redact/data. Tagging is linear in the number of tokens.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from device.redact import lexicon as lx
from device.redact.numbers import MONTH_NAMES, NUMBER_WORDS, ORDINAL_WORDS, TEENS, TENS, UNITS, digits_of

MODEL = lx.DATA / "tagger.crfsuite"
HOMOPHONES = frozenset("for to too won ate o tree fore".split())
LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
PLACEHOLDER = ""  # how the redactor's tokenizer hands over an earlier [LABEL]
_NUMBERISH = NUMBER_WORDS | {"double", "triple", "oh", "o"}


# Words that say an identifier follows, whatever the phrase around them ("the parcel consignment number is").
ID_NOUNS = frozenset("number no reference ref code id key digits pin password passcode login username handle".split())
CUE_WINDOW = 6


@cache
def _cue_words() -> dict[str, frozenset[str]]:
    """Each content word of the redactor's cue phrases, with the labels it cues."""
    out: dict[str, set[str]] = {}
    for label, phrases in lx.CUES.items():
        for phrase in phrases:
            for w in phrase.split():
                if w not in lx.STOPWORDS and w not in ID_NOUNS and len(w) > 1:
                    out.setdefault(w, set()).add(label)
    return {w: frozenset(labels) for w, labels in out.items()}


def person_slot(norms: list[str], i: int) -> str:
    """Whether token i stands where a person fits: "pverb" just after a verb that takes one
    ("driving X"), "pverb+to" after such a verb, a few words and a linking word ("say happy birthday
    to X", "signed for by X"); "" if neither."""
    prev = norms[i - 1] if i else ""
    if prev in lx.PERSON_TAKING_VERBS:
        return "pverb"
    if prev in lx.PERSON_LINKS and any(norms[j] in lx.PERSON_TAKING_VERBS for j in range(max(0, i - 4), i - 1)):
        return f"pverb+{prev}"
    return ""


def _runs(flags: list[bool]) -> list[tuple[int, int]]:
    """(start, end) of each run of consecutive True flags."""
    out, i, n = [], 0, len(flags)
    while i < n:
        if flags[i]:
            j = i
            while j < n and flags[j]:
                j += 1
            out.append((i, j))
            i = j
        else:
            i += 1
    return out


@cache
def name_lists() -> tuple:
    """The tagger's word lists: (first names, surnames, common words, places)."""
    firsts = lx.first_names() | lx._load("tagger_first_names.txt")
    lasts = lx.word_set("surnames.txt", "tagger_surnames.txt")
    return firsts, lasts, lx.common_words(), lx.places()


def _kind(w: str, firsts, lasts, common, places) -> str:
    """One coarse class per token: what shape of thing it is."""
    if w == PLACEHOLDER:
        return "PH"
    if w in UNITS or w == "oh":
        return "DIGIT"
    if w in TEENS or w in TENS:
        return "TEENTENS"
    if w in ("hundred", "thousand", "million", "billion"):
        return "SCALE"
    if w in ("double", "triple"):
        return "REPEAT"
    if w in HOMOPHONES:
        return "HOMO"
    if digits_of(w) and any(c.isdigit() for c in w):
        return "WRITTEN"
    if w in LETTERS:
        return "LETTER"
    if w in ORDINAL_WORDS:
        return "ORD"
    if w in MONTH_NAMES:
        return "MONTH"
    if w in lx.STOPWORDS:
        return "STOP"
    if w in lx.EVERYDAY_NAMES:
        return "EVERYDAY"
    if w in places:
        return "PLACE"
    name = ("F" if w in firsts else "") + ("L" if w in lasts else "")
    return ("NAME" + name if name else "W") + ("C" if w in common else "U")


def features(norms: list[str]) -> list[list[str]]:
    """CRF features of each token (norms: lowercased tokens, "" for an earlier redaction)."""
    lists = name_lists()
    n = len(norms)
    kinds = [_kind(w, *lists) for w in norms]
    # Length of the run of number-like tokens (homophones and letters included) each token sits in.
    numberish = [w in _NUMBERISH or k in ("HOMO", "LETTER", "WRITTEN") for w, k in zip(norms, kinds, strict=True)]
    run = [0] * n
    i = 0
    while i < n:
        j = i
        while j < n and numberish[j]:
            j += 1
        for k in range(i, j):
            run[k] = j - i
        i = max(j, i + 1)
    # The words around each whole run of number-like or name-like tokens.
    namey = [k.startswith("NAME") or k in ("WU", "EVERYDAY") for k in kinds]
    context: list[list[str]] = [[] for _ in range(n)]
    for flags, tag in ((numberish, "r"), (namey, "n")):
        for s, e in _runs(flags):
            around = [f"{tag}prev={norms[s - 1] if s else '<edge>'}", f"{tag}next={norms[e] if e < n else '<edge>'}",
                      f"{tag}prev2={'|'.join(norms[max(0, s - 2):s])}"]
            if s > 2:
                around.append(f"{tag}prev3={norms[s - 3]}")
            if slot := person_slot(norms, s):
                around.append(tag + slot)
            for k in range(s, e):
                context[k] += around + [f"{tag}pos={'first' if k == s else 'last' if k == e - 1 else 'mid'}"]
    # Which kinds of cue were said in the few words before each token.
    cue_words = _cue_words()
    cues_before: list[set[str]] = []
    for i in range(n):
        seen: set[str] = set()
        for j in range(max(0, i - CUE_WINDOW), i):
            seen |= cue_words.get(norms[j], frozenset())
            if norms[j] in ID_NOUNS:
                seen.add("IDNOUN")
        cues_before.append(seen)
    out = []
    for i, w in enumerate(norms):
        k = kinds[i]
        f = [f"w={w}", f"k={k}", f"run={min(run[i], 8)}", f"suf={w[-3:]}", f"pre={w[:2]}",
             f"len={min(len(w), 8)}", f"pos={i if i < 3 else 'last' if i == n - 1 else 'mid'}"]
        if "'" in w:
            f.append("apos")
        f += context[i] + [f"cue={c}" for c in sorted(cues_before[i])]
        if slot := person_slot(norms, i):
            f.append(slot)
        if 0 < i < n - 1:
            f.append(f"-1w|+1w={norms[i - 1]}|{norms[i + 1]}")
        for d in (-2, -1, 1, 2):
            j = i + d
            if 0 <= j < n:
                f += [f"{d}w={norms[j]}", f"{d}k={kinds[j]}"]
            else:
                f.append(f"{d}w=<edge>")
        if i > 0:
            f += [f"-1w|w={norms[i - 1]}|{w}", f"-1k|k={kinds[i - 1]}|{k}"]
        if i + 1 < n:
            f.append(f"k|+1k={k}|{kinds[i + 1]}")
        if i > 1:
            f.append(f"-2w|-1w={norms[i - 2]}|{norms[i - 1]}")
        out.append(f)
    return out


class Tagger:
    """Labels per token ("O" for none) from the shipped CRF model."""

    def __init__(self, model: Path = MODEL):
        import pycrfsuite

        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(model))

    def tag(self, norms: list[str]) -> tuple[list[str], list[float], list[float]]:
        """The best label sequence, each label's marginal probability, and each token's probability
        of being (part of) a person's name."""
        if not norms:
            return [], [], []
        tags = self._tagger.tag(features(norms))
        return (tags, [self._tagger.marginal(tag, i) for i, tag in enumerate(tags)],
                [self._tagger.marginal("PERSON", i) for i in range(len(tags))])
