"""Spoken numbers -> digit strings, the way people say identifiers.

Vosk writes numbers as words. People say the same number in many ways:
"five five five one two three four", "five five five twelve thirty four",
"two oh six", "double five", "one eight hundred", "nineteen eighty five",
"three hundred fifty". For redaction what matters is which tokens form one
run and how many digits it carries, so a run is read as a sequence of groups
concatenated: a digit, a teen, a tens word (with its unit), or a cardinal
built with hundred/thousand.

text2num was weighed: it parses cardinals well but not digit-by-digit
speech ("oh", "double"), which is most of what identifiers are.
"""

from __future__ import annotations

from dataclasses import dataclass

UNITS = {"zero": 0, "oh": 0, "o": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
         "seven": 7, "eight": 8, "nine": 9}
TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
         "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
REPEATS = {"double": 2, "triple": 3}
SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
            "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
            "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
            "twentieth": 20, "thirtieth": 30}

MONTH_NAMES = {"january", "february", "march", "april", "may", "june", "july", "august", "september",
               "october", "november", "december"}
ORDINAL_WORDS = set(ORDINALS) | {"twenty-first", "thirty-first"}
MONTHS_AND_ORDINALS = MONTH_NAMES | ORDINAL_WORDS

NUMBER_WORDS = set(UNITS) | set(TEENS) | set(TENS) | set(SCALES) | set(REPEATS) | {"dash", "hyphen"}
# "oh", "o", "double", "and", "dash" only count inside a run, next to real number words.
WEAK = {"oh", "o", "double", "triple", "and", "dash", "hyphen"}


ASCII_DIGITS = frozenset("0123456789")  # str.isdigit() also takes "²", which int() refuses


def digits_of(token: str) -> str:
    """The digits in a written token ("555-1234" -> "5551234"), or ""."""
    return "".join(c for c in token if c in ASCII_DIGITS)


def is_number_token(token: str) -> bool:
    return token in NUMBER_WORDS or token == "and" or bool(digits_of(token)) and _mostly_digits(token)


def _mostly_digits(token: str) -> bool:
    return all(c in ASCII_DIGITS or c in "-.,/()+#" for c in token)


@dataclass
class _Group:
    value: int
    open_scale: int = 0  # 100 or 1000 while smaller parts may still be added
    open_tens: bool = False  # "twenty" waiting for its unit
    literal: str | None = None  # written digits, kept as they are (leading zeros)

    def digits(self) -> str:
        return self.literal if self.literal is not None else str(self.value)


def to_digits(tokens: list[str]) -> str:
    """Digits spoken by a run of number tokens (as found by `runs`)."""
    groups: list[_Group] = []
    repeat = 0
    for i, tok in enumerate(tokens):
        last = groups[-1] if groups else None
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        # "eight hundred five five five" is digits after 800, not 805; "two thousand
        # three hundred" builds the hundreds before adding them.
        joins_scale = last is not None and last.open_scale and last.value % 100 == 0 and after != "hundred" \
            and not (after in UNITS or after in TEENS or after in TENS)
        if tok in REPEATS:
            repeat = REPEATS[tok]
            continue
        if tok in ("and", "dash", "hyphen"):
            continue
        if tok in UNITS:
            d = UNITS[tok]
            if repeat:
                groups.extend(_Group(d) for _ in range(repeat))
                repeat = 0
            elif last and last.open_tens and d:
                last.value += d
                last.open_tens = False
            elif joins_scale and d and tok not in ("oh", "o"):
                last.value += d
                last.open_scale = 0
            else:
                groups.append(_Group(d))
        elif tok in TEENS:
            if joins_scale:
                last.value += TEENS[tok]
                last.open_scale = 0
            else:
                groups.append(_Group(TEENS[tok]))
        elif tok in TENS:
            if last and last.open_scale and last.value % 100 == 0 and after != "hundred":
                last.value += TENS[tok]
                last.open_tens = True
            else:
                groups.append(_Group(TENS[tok], open_tens=True))
        elif tok == "hundred":
            if last and last.literal is None and 0 < last.value < 100 and not last.open_scale:
                last.value *= 100
                last.open_scale, last.open_tens = 100, False
            elif last and last.open_scale == 1000 and last.value % 1000 == 0:
                groups.append(_Group(100, open_scale=100))
            else:
                groups.append(_Group(100, open_scale=100))
        elif tok == "thousand":
            if last and last.literal is None and 0 < last.value < 1000:
                last.value *= 1000
                last.open_scale, last.open_tens = 1000, False
            else:
                groups.append(_Group(1000, open_scale=1000))
        elif tok in ("million", "billion"):  # sums, never identifiers: kept as one more group of digits
            groups.append(_Group(SCALES[tok]))
        else:
            written = digits_of(tok)
            if written:
                groups.append(_Group(int(written), literal=written))
        # A thousand-group takes following hundreds: "two thousand three hundred".
        if len(groups) >= 2 and groups[-2].open_scale == 1000 and groups[-1].open_scale == 100 \
                and groups[-2].value % 1000 == 0 and groups[-1].value < 1000:
            groups[-2].value += groups[-1].value
            groups[-2].open_scale = 100
            groups.pop()
    return "".join(g.digits() for g in groups)


def runs(tokens: list[str]) -> list[tuple[int, int]]:
    """[start, end) token ranges of spoken or written numbers.

    Weak words ("oh", "double", "and") join a run only between or before
    real number words, so "oh no" and "rock and roll" are not numbers.
    """
    out = []
    i, n = 0, len(tokens)
    while i < n:
        if not is_number_token(tokens[i]) or tokens[i] in WEAK and not _strong_follows(tokens, i):
            i += 1
            continue
        start = i
        while i < n and is_number_token(tokens[i]):
            if tokens[i] in WEAK and not _strong_follows(tokens, i):
                break
            if tokens[i] == "and" and not (i > start and tokens[i - 1] in SCALES):
                break
            i += 1
        if i > start:
            out.append((start, i))
        else:
            i += 1
    return out


def _strong_follows(tokens: list[str], i: int) -> bool:
    """True if a non-weak number word follows a weak one (possibly after more weak ones)."""
    j = i + 1
    while j < len(tokens) and tokens[j] in WEAK:
        j += 1
    if j < len(tokens) and is_number_token(tokens[j]):
        return True
    # "oh" may end a run: "two oh six five five five oh", "... three oh oh".
    if tokens[i] not in ("oh", "o"):
        return False
    k = i - 1
    while k >= 0 and tokens[k] in ("oh", "o"):
        k -= 1
    return k >= 0 and is_number_token(tokens[k]) and tokens[k] not in WEAK


def ordinal_value(token: str) -> int | None:
    return ORDINALS.get(token)


def luhn_ok(digits: str) -> bool:
    if not digits or any(c not in ASCII_DIGITS for c in digits) or len(digits) < 2:
        return False
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0
