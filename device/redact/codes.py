"""Identifiers said as numbers, letters and cue words: phone and card numbers, PINs, account and serial
numbers, social security numbers, dates of birth, street addresses, e-mail addresses and phone extensions;
and the numbers that are none of these (times, sums, quantities, radio frequencies, years).
"""

from __future__ import annotations

from bisect import bisect_left

from device.redact import lexicon as lx
from device.redact.numbers import (
    ASCII_DIGITS,
    MONTHS_AND_ORDINALS,
    TEENS,
    TENS,
    UNITS,
    is_number_token,
    luhn_ok,
    to_digits,
)
from device.redact.tagger import HOMOPHONES
from device.redact.tokens import placeholder

_NATO = frozenset("alpha alfa bravo charlie delta echo foxtrot golf hotel india juliet juliett kilo lima mike "
                  "november oscar papa quebec romeo sierra tango uniform victor whiskey xray x-ray yankee zulu".split())
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
_FILLERS = frozenset("number numbers no is was it's its my the a an : id code are be as of on at are "
                     "ending in digits it to for was that's thats".split())
_TIME_WORDS = frozenset("at by until till around from before after to".split())  # "at ten thirty"
# Homophones that are rarely anything but a number next to one ("for" and "to" often are).
_TRAILING_SLIPS = frozenset("won ate too o".split())
_RADIO_BANDS = frozenset("fm am mhz khz megahertz kilohertz".split())
_LATER_HOURS = {"thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"}
_HOURS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"}
_HALF_OF_DAY = (("a", "m"), ("p", "m"), ("am",), ("pm",), ("a.m.",), ("p.m.",), ("o'clock",), ("oclock",))


class CodeRules:
    """The Redactor's rules for numbers and codes (mixed into device.redact.redactor.Redactor, whose
    generic_digits setting and cue phrases these methods read)."""

    def _harmless_numbers(self, norms: list[str], cues) -> tuple[set[int], set[int]]:
        """Tokens of number-like runs (homophones included) that are sums, settings or quantities,
        and those that are times of day or years (a house number may look like either)."""
        quantities: set[int] = set()
        times: set[int] = set()
        n, i = len(norms), 0
        unlabelled = [None] * n
        while i < n:
            if not (is_number_token(norms[i]) or norms[i] in HOMOPHONES):
                i += 1
                continue
            j = i
            while j < n and (is_number_token(norms[j]) or norms[j] in HOMOPHONES):
                j += 1
            words = norms[i:j]
            numbers = [w for w in words if is_number_token(w)]
            before = norms[i - 1] if i else ""
            # a number with a decimal point ("tune to one oh one point one [fm]") is a frequency or a measure
            # (one point and a digit or two after it: "one nine two point one six eight point ..." is an address
            # of a computer, "four one seven point five six five three two ..." a phone number)
            k = j + 1
            while k < n and is_number_token(norms[k]):
                k += 1
            decimal = k > j + 1 and norms[j] == "point" and norms[k:k + 1] != ["point"] \
                and before != "point" and len(to_digits(norms[j + 1:k])) <= 2
            if decimal:
                j = k + (k < n and norms[k] in _RADIO_BANDS)
            live = _live_cues(norms, unlabelled, cues, i)
            if not live - {"PHONE"}:
                if decimal and "PHONE" not in live or j < n and norms[j] in lx.QUANTITY_UNITS \
                        or _big_cardinal(words) \
                        or any(norms[k] in lx.HARMLESS_CONTEXT for k in range(max(0, i - 6), i)):
                    quantities.update(range(i, j))
                elif before in _TIME_WORDS and _time_of_day(numbers, whole_day=True) \
                        or _year(numbers, to_digits(numbers)):
                    times.update(range(i, j))
            i = j
        return quantities, times

    def _find_cues(self, norms: list[str]) -> list[tuple[int, int, str]]:
        """(start, end, label) of every cue phrase, longest phrase first for each label at each position."""
        found = []
        for i, norm in enumerate(norms):
            seen = set()
            for phrase, label in self._cue_phrases.get(norm, ()):
                if label in seen:
                    continue
                end = _phrase_end_with_doubles(norms, i, phrase)
                if end is not None:
                    found.append((i, end, label))
                    seen.add(label)
        return found

    def _extensions(self, tokens, norms, labels, number_runs, cues):
        """"... extension twelve": an extension belongs to the phone number before it, whatever its
        numbers look like (issue 23); the word "extension" itself stays, as it says nothing."""
        for s, e in number_runs:
            if s >= 2 and norms[s - 1] in ("extension", "ext", "x") and labels[s - 2] == "PHONE" \
                    and all(label in (None, "PHONE") for label in labels[s:e]):
                labels[s:e] = ["PHONE"] * (e - s)

    # EMAIL: "jane dot doe at gmail dot com", or a written address.
    def _emails(self, tokens, norms, labels, number_runs, cues):
        for i, norm in enumerate(norms):
            if "@" in norm and "." in norm.split("@")[-1]:
                self._claim(labels, i, i + 1, "EMAIL")
        for i, norm in enumerate(norms):
            if norm != "at" or labels[i] is not None:
                continue
            end = self._email_domain_end(norms, i + 1)
            if end is None:
                continue
            start = i
            while start > 0 and i - start < 8:
                prev = norms[start - 1]
                if prev == norms[start] == "at":  # a doubled word, as the recogniser sometimes writes
                    start -= 1
                    continue
                if not prev or prev in lx.STOPWORDS and prev not in _LETTERS and not is_number_token(prev) or prev in (
                        "email", "mail", "e-mail", "address", "gmail", "send", "write", "is"):
                    break
                start -= 1
            # "john at gmail" with no "dot" said: only when the part before "at" looks like an address's
            # own (a name, letters, digits, a word no list knows), not "customer service at comcast"
            if end == i + 2 and norms[i + 1] in lx.EMAIL_PROVIDERS and not self._own_address(norms[start:i]):
                continue
            if start < i:
                self._claim(labels, start, end, "EMAIL")

    def _own_address(self, words: list[str]) -> bool:
        """Whether the words before "at" look like an e-mail address's own part: a name, letters, digits
        or a word no list knows ("john", "j smith"), not everyday words ("customer service")."""
        return any(w not in self.common or w in self.first_names or len(w) == 1 or is_number_token(w)
                   for w in words)

    @staticmethod
    def _email_domain_end(norms, j) -> int | None:
        """End token of "gmail dot com" style domains starting at j, or None."""
        n = len(norms)
        k = j
        saw_dot = False
        while k < n and k - j < 10:
            tok = norms[k]
            if tok in ("dot", "period"):
                saw_dot = True
                k += 1
                continue
            if not tok or tok in lx.STOPWORDS and tok not in lx.TLDS:
                break
            if saw_dot and tok in lx.TLDS:
                # Take a further ".uk" in "co dot uk", and a doubled last word.
                if k + 2 < n and norms[k + 1] == "dot" and norms[k + 2] in lx.TLDS:
                    k += 2
                return k + 2 if k + 1 < n and norms[k + 1] == norms[k] else k + 1
            saw_dot = False
            k += 1
        if j < n and norms[j] in lx.EMAIL_PROVIDERS and j + 1 <= n:
            return j + 1
        return None

    # Cue-led identifiers: "my pin is ...", "account number ...", "born on ...".
    def _cued(self, tokens, norms, labels, number_runs, cues):
        for start, end, label in cues:
            if label == "PHONE":
                continue
            k = end
            skipped = 0
            while k < len(norms) and norms[k] in _FILLERS and skipped < 4 and not (
                    label == "DATE_OF_BIRTH" and norms[k] in lx.MONTHS) and not (
                    norms[k] == "a" and k + 1 < len(norms) and (norms[k + 1] in _LETTERS or norms[k + 1] in _NATO
                                                                 or is_number_token(norms[k + 1]))):
                k += 1
                skipped += 1
            if label == "DATE_OF_BIRTH" or label == "CARD_EXTRA" and k < len(norms) and norms[k] in lx.MONTHS:
                stop = self._date_end(norms, k)
                if stop > k:
                    self._claim(labels, k, stop, "CARD" if label == "CARD_EXTRA" else label)
                continue
            free_text = norms[start] in ("password", "passphrase", "username") or norms[start] in (
                "login", "handle", "user") and k > end  # "login is x", but not "login email is ..."
            if label in ("PIN", "ACCOUNT") and free_text and norms[end - 1] != "id":
                stop = k
                while stop < len(norms) and stop - k < 4 and norms[stop] and (
                        norms[stop] not in lx.STOPWORDS or is_number_token(norms[stop])):
                    stop += 1
                self._claim(labels, k, stop, label)
                continue
            stop = self._code_end(norms, k)
            code = norms[k:stop]
            if not self._looks_like_code(code):
                continue
            final = {"CARD_EXTRA": "CARD", "ZIP": "ADDRESS"}.get(label, label)
            self._claim(labels, k, stop, final)

    def _code_end(self, norms, k, keep_letter_a: bool = False) -> int:
        """End of an identifier spoken as digits, letters one by one, NATO words, or alphanumerics."""
        stop = k
        while stop < len(norms):
            tok = norms[stop]
            alphanumeric = tok.isalnum() and any(c in ASCII_DIGITS for c in tok)
            if is_number_token(tok) and tok != "and" or tok in _LETTERS or tok in _NATO or alphanumeric or tok in (
                    "dash", "hyphen", "slash"):
                stop += 1
            elif tok == "and" and stop + 1 < len(norms) and is_number_token(norms[stop + 1]) and stop > k \
                    and norms[stop - 1] in ("hundred", "thousand"):
                stop += 1
            else:
                break
        trailing = ("dash", "hyphen", "slash", "and") if keep_letter_a else ("dash", "hyphen", "slash", "a", "and")
        while stop > k and norms[stop - 1] in trailing:
            stop -= 1
        return stop

    @staticmethod
    def _looks_like_code(code: list[str]) -> bool:
        if not code:
            return False
        digits = len(to_digits([t for t in code if is_number_token(t)]))
        letters = sum(1 for t in code if t in _LETTERS or t in _NATO)
        return digits >= 2 or digits + letters >= 3 or any(c in ASCII_DIGITS for t in code for c in t)

    @staticmethod
    def _date_end(norms, k) -> int:
        stop = k
        while stop < len(norms) and stop - k < 9:
            tok = norms[stop]
            # "and" only inside a year: "two thousand and four".
            if tok in MONTHS_AND_ORDINALS or is_number_token(tok) and tok != "and" or tok == "and" and (
                    norms[stop - 1] in ("thousand", "hundred") and stop + 1 < len(norms)
                    and is_number_token(norms[stop + 1])) or tok in (
                    "the", "of", "slash", "dash", "nineteen", "twenty"):
                stop += 1
            else:
                break
        while stop > k and norms[stop - 1] in ("the", "of", "slash", "dash"):
            stop -= 1
        return stop

    # ADDRESS: "one twenty three maple street apartment four b", "p o box ...".
    def _addresses(self, tokens, norms, labels, number_runs, cues):
        for i, tok in enumerate(norms):
            if tok not in lx.STREET_TYPES or labels[i] is not None:
                continue
            start = None
            pieces = _unclaimed_pieces(_runs_near(number_runs, i - 12, i), labels)
            # The house number ends one to four street-name words before the street type.
            for s_, e_ in pieces:
                between = norms[e_:i]
                if 1 <= len(between) <= 4 and all(t.isalpha() and (t not in lx.STOPWORDS or t in (
                        "north", "south", "east", "west")) for t in between):
                    start = s_
            if start is None:
                continue
            stop = i + 1
            if stop < len(norms) and norms[stop] in lx.UNIT_WORDS:
                unit_end = self._code_end(norms, stop + 1, keep_letter_a=True)
                if unit_end > stop + 1:
                    stop = unit_end
            # A zip code just after the street.
            for s, e in _unclaimed_pieces(_runs_near(number_runs, stop, stop + 5), labels):
                if stop <= s <= stop + 4 and len(to_digits(norms[s:e])) in (5, 9):
                    self._claim(labels, s, e, "ADDRESS")
            self._claim(labels, start, stop, "ADDRESS")
        for i in range(len(norms) - 2):
            if norms[i : i + 3] == ["p", "o", "box"] or norms[i : i + 2] == ["po", "box"]:
                box = i + (3 if norms[i] == "p" else 2)
                end = self._code_end(norms, box)
                self._claim(labels, i, end, "ADDRESS")

    # PHONE and CARD by length, Luhn and nearby cues.
    def _phones_and_cards(self, tokens, norms, labels, number_runs, cues):
        # "four one seven point five six five three two six seven": a phone number written with dots, read out
        pieces: list[tuple[int, int]] = []
        for s, e in _unclaimed_pieces(number_runs, labels):
            if pieces and s == pieces[-1][1] + 1 and norms[s - 1] == "point" and len(to_digits(norms[s:e])) >= 3:
                pieces[-1] = (pieces[-1][0], e)
            else:
                pieces.append((s, e))
        for s, e in pieces:
            near = _live_cues(norms, labels, cues, s)
            words = [w for w in norms[s:e] if w != "point"]
            # a number said after "plus", not in a sum ("ring plus forty four thousand one hundred ...")
            plus = s > 0 and norms[s - 1] == "plus" and not (s > 1 and is_number_token(norms[s - 2])) \
                or tokens[s].raw.startswith("+")
            # "... thousand ... plus six hundred million ...": a sum, not a phone; but after a phone's cue it is
            # a phone number read in groups ("my mobile is oh seven seven oh oh nine hundred thousand ...")
            if _big_cardinal(words) and "PHONE" not in near and not plus:
                continue
            digits = to_digits(words)
            n = len(digits)
            if 13 <= n <= 19 and (luhn_ok(digits) or near & {"CARD", "CARD_EXTRA"}):
                self._claim(labels, s, e, "CARD")
            elif plus and n >= 8:
                self._claim(labels, s - 1 if norms[s - 1] == "plus" else s, e, "PHONE")
            elif n in (7, 10, 11) or n >= 7 and "PHONE" in near:
                self._claim(labels, s, e, "PHONE")
            elif n == 9 and "SSN" in near:
                self._claim(labels, s, e, "SSN")

    # Any other run of many digits, unless it is a quantity, a time, a year or a sum.
    def _generic_numbers(self, tokens, norms, labels, number_runs, cues):
        if not self.generic_digits:
            return
        for s, e in _unclaimed_pieces(number_runs, labels):
            digits = to_digits(norms[s:e])
            if len(digits) < self.generic_digits:
                continue
            if self._harmless(norms, labels, s, e, digits, _live_cues(norms, labels, cues, s)):
                continue
            self._claim(labels, s, e, "NUMBER")

    @staticmethod
    def _harmless(norms, labels, s, e, digits, live_cues: set[str]) -> bool:
        if live_cues - {"PHONE"}:
            return False
        # Only words no recogniser took count as context: a second pass sees nothing else.
        after = norms[e] if e < len(norms) and labels[e] is None else ""
        if after in lx.QUANTITY_UNITS:
            return True
        if any(labels[k] is None and norms[k] in lx.HARMLESS_CONTEXT for k in range(max(0, s - 6), s)):
            return True
        words = [t for t in norms[s:e] if t]
        if _big_cardinal(words):
            return True  # a sum ("six hundred and fifty three thousand ..."), not an identifier
        before = norms[s - 1] if s > 0 and labels[s - 1] is None else ""
        if _time_of_day(words, whole_day=True) and (before in _TIME_WORDS
                                                    or after in ("tomorrow", "today", "tonight", "morning")):
            return True
        return _year(words, digits)

    # Recogniser slips at the edge of a number found: "[PHONE] for two six", "[NUMBER] won".
    def _slips(self, tokens, norms, labels, number_runs, cues):
        def number_label(k: int) -> str | None:
            """The label of a number or code at token k, found now or in an earlier pass."""
            if not 0 <= k < len(norms):
                return None
            label = labels[k]
            if label is None and not norms[k]:
                earlier = placeholder(tokens[k].raw)
                label = earlier.group(1) if earlier else None
            return label if label not in ("PERSON", "EMAIL") else None

        k, n = 0, len(norms)
        while k < n:
            if norms[k] not in HOMOPHONES or labels[k] is not None:
                k += 1
                continue
            left = number_label(k - 1)
            j = k + 1
            while j < n and labels[j] is None and (norms[j] in HOMOPHONES or is_number_token(norms[j])
                                                  and norms[j] != "and"):
                j += 1
            if left and (any(is_number_token(norms[x]) for x in range(k + 1, j)) or norms[k] in _TRAILING_SLIPS):
                self._claim(labels, k, j if j > k + 1 else k + 1, left)
                k = j
                continue
            right = number_label(k + 1)
            if right and norms[k] in _TRAILING_SLIPS:
                self._claim(labels, k, k + 1, right)
            k += 1


def _phrase_end_with_doubles(norms, i: int, phrase: tuple[str, ...]) -> int | None:
    """Where `phrase` ends if it starts at token i, a word the recogniser wrote twice taken once ("my date of
    of birth is", "date date of birth birth"); None if it does not start there."""
    k = i
    for t, word in enumerate(phrase):
        if k >= len(norms) or norms[k] != word:
            return None
        k += 1
        if k < len(norms) and norms[k] == word and (t + 1 == len(phrase) or phrase[t + 1] != word):
            k += 1
    return k


def _year(words: list[str], digits: str) -> bool:
    """A year, history's included ("ten sixty six", "sixteen fifty one"), unless read digit by digit."""
    if len(digits) != 4 or not 1000 <= int(digits) <= 2099:
        return False
    return words == [digits] or not all(t in UNITS or all(c in ASCII_DIGITS for c in t) for t in words)


def _big_cardinal(words: list[str]) -> bool:
    """ "six hundred and fifty three thousand ...", "four million ...": a sum, never an identifier.

    "seven thousand two hundred" (a house number, a year) is not: a thousand counts only
    with ten or more of them before it.
    """
    if "million" in words or "billion" in words:
        return True
    for t, w in enumerate(words):
        if w != "thousand" or t == 0:
            continue
        p, p2 = words[t - 1], words[t - 2] if t > 1 else ""
        if p in TEENS or p in TENS or p == "hundred" or p in UNITS and (p2 in TENS or p2 in ("hundred", "and")):
            return True
    return False


def _time_of_day(words: list[str], whole_day: bool = False) -> bool:
    """ "ten thirty", "six fifteen", "twelve oh five": an hour, then minutes; with `whole_day` also the
    hours of a 24-hour clock ("eighteen forty five", "twenty one forty nine")."""
    if whole_day and len(words) > 2 and words[0] == "twenty" and words[1] in ("one", "two", "three"):
        words = words[1:]  # 21 to 23: "twenty one" is the hour
    elif len(words) < 2 or not (words[0] in _HOURS or whole_day and words[0] in _LATER_HOURS):
        return False
    minutes = to_digits(words[1:])
    return len(minutes) == 2 and int(minutes) < 60


def address_numbers(norms, labels) -> None:
    """A number just after an address is its ZIP or postcode, and one just before a street is its house
    number, however it is read ("... kansas [twenty three thousand four hundred fifty eight]", "[fifteen thousand
    one hundred fifty six] rodriguez fall suite ..."): a sum's reading does not make them sums. A street or a
    town named after someone may lie between, taken for a person ("[twenty seven thousand two hundred seventy]
    [james] rapids ..."): it is the address's too. Not a number with a unit after it ("... main street five
    minutes away")."""
    def run_end(k: int, label: str | None) -> int:
        start = k
        while k < n and labels[k] == label and (label is not None or is_number_token(norms[k])):
            k += 1
        while label is None and k > start and norms[k - 1] == "and":  # "... six seven one [and] turn ..."
            k -= 1
        return k if label is not None or to_digits(norms[start:k]) and norms[start] != "and" else start

    def run_start(k: int, label: str | None) -> int:
        end = k
        while k > 0 and labels[k - 1] == label and (label is not None or is_number_token(norms[k - 1])):
            k -= 1
        while label is None and k < end and norms[k] == "and":
            k += 1
        return k if label is not None or to_digits(norms[k:end]) and norms[end - 1] != "and" else end

    if "ADDRESS" not in labels:
        return
    n = len(norms)
    # "[eighty nine green pass] [lake brett] [t w seven v zero yd]": a town named after someone inside an address
    for i in range(1, n):
        if labels[i] == "PERSON" and labels[i - 1] == "ADDRESS":
            j = run_end(i, "PERSON")
            if j < n and labels[j] == "ADDRESS":
                labels[i:j] = ["ADDRESS"] * (j - i)
    i = 0
    while i < n:
        if labels[i] != "ADDRESS" or i and labels[i - 1] == "ADDRESS":
            i += 1
            continue
        j = run_end(i, "ADDRESS")
        # an address, not a unit the tagger took for one ("the timer to forty five [seconds]", "[bpm]")
        if norms[i] in lx.QUANTITY_UNITS or any(w in lx.HARMLESS_CONTEXT for w in norms[max(0, i - 8):i]):
            i = j
            continue
        person_end = run_end(j, "PERSON")  # a town named after someone, then its ZIP
        end = run_end(person_end, None)
        if end > person_end and not (end < n and norms[end] in lx.QUANTITY_UNITS):
            labels[j:end] = ["ADDRESS"] * (end - j)
        # a postcode's last two letters read as one word ("... t w seven v zero [yd]")
        if end < n and labels[end] is None and len(norms[end]) == 2 and norms[end].isalpha() \
                and norms[end] not in lx.STOPWORDS and labels[end - 1] == "ADDRESS" and is_number_token(norms[end - 1]):
            labels[end] = "ADDRESS"
            end += 1
        person_start = run_start(i, "PERSON")  # a house number, then a street named after someone
        start = run_start(person_start, None)
        if start < person_start and not is_number_token(norms[i]):
            labels[start:i] = ["ADDRESS"] * (i - start)
        i = max(end, i + 1)


def dates_keep_their_year(norms, labels) -> None:
    """A birth date or a card's expiry found without its year takes the year said just after it ("born on the
    [twenty sixth of may] nineteen seventy one", "expires [the end of february] two thousand thirty one")."""
    n = len(norms)
    for i in range(1, n):
        if labels[i] is None and labels[i - 1] in ("DATE_OF_BIRTH", "CARD") and is_number_token(norms[i]):
            j = i
            while j < n and labels[j] is None and is_number_token(norms[j]) and j - i < 5:
                j += 1
            while j > i and norms[j - 1] == "and":  # "... thirty one [and] call mom"
                j -= 1
            words = norms[i:j]
            if _year(words, to_digits(words)):
                labels[i:j] = [labels[i - 1]] * (j - i)


def clock_times(norms: list[str]) -> set[int]:
    """Tokens of a time said with its half of the day or "o'clock" ("seven a m", "three forty seven p m",
    "ten o'clock"): an alarm's or a bus's time, never an identifier, whatever cue is near ("check my bank
    account at seven a m"). Only an hour or an hour and its minutes: a longer run is something else."""
    found: set[int] = set()
    for j in range(1, len(norms)):
        half = next((h for h in _HALF_OF_DAY if tuple(norms[j:j + len(h)]) == h), None)
        if half is None:
            continue
        i = j
        while i > 0 and is_number_token(norms[i - 1]):
            i -= 1
        words, end = norms[i:j], j + len(half)
        # "... q one p m o g": letters of a code around it make it the code's
        in_a_code = i > 0 and _code_letter(norms[i - 1]) or end < len(norms) and (
            _code_letter(norms[end]) or is_number_token(norms[end]))
        if (len(words) == 1 and words[0] in _HOURS or _time_of_day(words)) and not in_a_code:
            found.update(range(i, end))
    return found


def _code_letter(word: str) -> bool:
    return len(word) == 1 and word not in ("a", "i")  # "a" and "i" are words first


def _unclaimed_pieces(number_runs, labels) -> list[tuple[int, int]]:
    """The parts of number runs that no recogniser claimed, each judged as a run of its own.

    A second pass over redacted text sees exactly these pieces, cut apart by
    placeholders, so judging them the same way keeps redaction idempotent.
    """
    pieces = []
    for s, e in number_runs:
        k = s
        while k < e:
            if labels[k] is not None:
                k += 1
                continue
            start = k
            while k < e and labels[k] is None:
                k += 1
            pieces.append((start, k))
    return pieces


def _live_cues(norms, labels, cues, s: int, window: int = 6) -> set[str]:
    """Labels of cues just before token s that have not been used up.

    A cue is spent once something after it was redacted ("my pin is [PIN] ...");
    counting it again would make a second pass over redacted text find more.
    """
    live = set()
    for cs, ce, label in cues[bisect_left(cues, (s - window,)) :]:
        if cs > s:
            break
        if ce <= s and all(labels[k] is None and norms[k] for k in range(ce, s)):
            live.add(label)
    return live


def _runs_near(number_runs, lo: int, hi: int) -> list[tuple[int, int]]:
    """The number runs (sorted, disjoint) that reach into tokens [lo, hi)."""
    k = max(0, bisect_left(number_runs, (lo,)) - 1)
    out = []
    while k < len(number_runs) and number_runs[k][0] < hi:
        if number_runs[k][1] > lo:
            out.append(number_runs[k])
        k += 1
    return out
