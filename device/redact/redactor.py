"""The Redactor: spoken-form transcript in, identifiers out.

Vosk writes lowercase words without punctuation and numbers as words, where
off-the-shelf PII tools see almost nothing. The redactor works on tokens:
it finds number runs (device.redact.numbers), cue words ("my pin is", "call",
"born on", "account number"), names, streets and spoken emails, and marks
token ranges with a label. Recognisers run from the most specific to the most
general; a token claimed once is not claimed again. A CRF tagger
(device.redact.tagger) then labels what the rules left: names, addresses and
identifiers in phrasings no rule was written for, or with recogniser slips in
them. Household names from the owner's names file are caught in any slot.
The result keeps character offsets into the input, so text, words and audio
can all be cut.

The rules live in three modules, one class of methods each, that Redactor combines: device.redact.codes
(numbers, codes, addresses, e-mails), device.redact.people (names and the tagger's PERSON) and
device.redact.keep (what stays: places, brands, titles, dishes, companies, currencies). Tokens are
device.redact.tokens'; word lists are device.redact.lexicon's.

Redaction is repeated on its own output (seen as tokens, each redacted run a
placeholder) until a pass finds nothing more, so redacting redacted text
changes nothing. Every step is linear in the number of tokens.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from device.redact import lexicon as lx
from device.redact.codes import CodeRules, address_numbers, clock_times, dates_keep_their_year
from device.redact.keep import KeepRules
from device.redact.numbers import runs
from device.redact.people import PeopleRules
from device.redact.tagger import Tagger, name_lists
from device.redact.tokens import FAMILY, PLACEHOLDER, Token, tokenize

MAX_PASSES = 6  # redaction repeats on its own output until nothing changes; in practice one or two passes
LABELS = ("PERSON", "PHONE", "EMAIL", "ADDRESS", "CARD", "SSN", "DATE_OF_BIRTH", "ACCOUNT", "PIN", "NUMBER")


@dataclass(frozen=True)
class Span:
    start: int  # character offsets into the input text (or the words joined by single spaces)
    end: int
    label: str

    def as_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "label": self.label}


@dataclass
class Redaction:
    text: str  # the input with each identifier replaced by its [LABEL]
    spans: list[Span]
    word_indices: list[int] = field(default_factory=list)  # redacted words (tokens for text input)
    word_times: list[tuple[float, float]] = field(default_factory=list)  # (start, end) s, word input only
    counts: dict[str, int] = field(default_factory=dict)  # identifiers by label

    @property
    def changed(self) -> bool:
        return bool(self.spans)


class Redactor(KeepRules, PeopleRules, CodeRules):
    """Finds identifiers in spoken-form text.

    `generic_digits`: any other run of at least this many spoken digits is
    redacted as NUMBER unless it belongs to a harmless command (0 turns it off).
    `names`: the household's names (one name per item, words separated by
    spaces), redacted as PERSON wherever they occur.
    `tagger`: use the CRF tagger besides the rules (the rules alone are kept
    for comparison in benchmarks/redaction.py).
    `keep_public_figures`: keep a well-known person's full name in a question
    about them ("how old is tom hanks"); off by default (docs/redaction.md).
    """

    def __init__(self, generic_digits: int = 4, names: Iterable[str] = (), tagger: bool = True,
                 keep_public_figures: bool = False):
        self.generic_digits = generic_digits
        self.keep_public_figures = keep_public_figures
        self.first_names = lx.first_names()
        self.surnames = lx.surnames()
        self.common = lx.everyday_words()
        self.places = lx.places()  # countries and nationalities that are not also first names
        self.all_places = lx.places(all_of_them=True)
        self._cue_phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for label, phrases in lx.CUES.items():
            for phrase in sorted((tuple(p.split()) for p in phrases), key=len, reverse=True):
                self._cue_phrases.setdefault(phrase[0], []).append((phrase, label))
        self._household: dict[str, list[tuple[str, ...]]] = {}
        for name in names:
            words = tuple(name.lower().split())
            if words:
                self._household.setdefault(words[0], []).append(words)
        for phrases in self._household.values():
            phrases.sort(key=len, reverse=True)
        self._tagger = Tagger() if tagger else None
        self._tagger_firsts, self._tagger_lasts, _, _ = name_lists()
        self._plain_chains = frozenset(c for c in lx.CINEMA_CHAINS if " " not in c and c not in self.common
                                       and c not in self.first_names and c not in self.surnames)

    @classmethod
    def from_config(cls, config) -> Redactor:
        """A Redactor as a device.config.Config's [redact] section says (generic_digits, names_file,
        keep_public_figures)."""
        from device.redact.names import read_names

        return cls(generic_digits=config.redact.generic_digits, names=read_names(config.names_path()),
                   keep_public_figures=config.redact.keep_public_figures)

    def redact(self, source: str | Sequence) -> Redaction:
        """Redact a text, or a list of Vosk words ({"word", "start", "end"} dicts or objects)."""
        words = None
        if not isinstance(source, str):
            words = [_word_fields(w) for w in source]
            text = " ".join(w[0] for w in words)
        else:
            text = source
        tokens = tokenize(text)
        labels: list[str | None] = [None] * len(tokens)
        for _ in range(MAX_PASSES):
            _unify(labels)
            # What a pass over the redacted text would see: each redacted run is one placeholder.
            view, origin = _placeholder_view(tokens, labels)
            found = self._label(view)
            claimed = False
            for k, label in enumerate(found):
                if label is not None and labels[origin[k]] is None and view[k].norm:
                    labels[origin[k]] = label
                    claimed = True
            if not claimed:
                break
        return self._result(text, tokens, labels, words)

    def _label(self, tokens: list[Token]) -> list[str | None]:
        norms = [t.norm for t in tokens]
        labels: list[str | None] = [None] * len(tokens)
        number_runs = [r for r in runs(norms) if any(n for n in norms[r[0] : r[1]])]
        cues = self._find_cues(norms)
        for recognise in (self._household_names, self._emails, self._cued, self._addresses,
                          self._phones_and_cards, self._extensions, self._people, self._generic_numbers,
                          self._slips):
            recognise(tokens, norms, labels, number_runs, cues)
        if self._tagger is not None:
            self._tagged(tokens, norms, labels, cues)
        self._whole_listed_names(tokens, norms, labels)
        # Where the household's names are: they stay names whatever a list of public names says.
        household: list[str | None] = [None] * len(norms)
        self._household_names(tokens, norms, household, (), ())
        self._keep_places_and_brands(tokens, norms, labels, household)
        self._keep_known_titles(tokens, norms, labels, household)
        self._keep_things(tokens, norms, labels, household)
        self._keep_companies(norms, labels, household)
        self._keep_currencies(norms, labels, household)
        if self.keep_public_figures:
            self._keep_public_figures(tokens, norms, labels, household)
        address_numbers(norms, labels)
        dates_keep_their_year(norms, labels)
        for k in clock_times(norms):
            if FAMILY.get(labels[k]) is None:  # a number or a code, not a name
                labels[k] = None
        # A digit left in a word ("[5]" from a recogniser that writes digits) is a number the rules did
        # not read: redacted, since the uplink refuses any text that still holds one (the utterance is lost).
        for k, token in enumerate(tokens):
            if labels[k] is None and not PLACEHOLDER.fullmatch(token.raw) \
                    and any(unicodedata.numeric(ch, None) is not None for ch in token.raw):
                labels[k] = "NUMBER"
        return labels

    # PERSON: the household's own names, in any slot.
    def _household_names(self, tokens, norms, labels, number_runs, cues):
        if not self._household:
            return
        for i, norm in enumerate(norms):
            for phrase in self._household.get(norm, ()):
                if tuple(norms[i : i + len(phrase)]) == phrase:
                    self._claim(labels, i, i + len(phrase), "PERSON")
                    break

    @staticmethod
    def _claim(labels, start, end, label) -> bool:
        if start >= end or any(labels[k] is not None for k in range(start, end)):
            return False
        for k in range(start, end):
            labels[k] = label
        return True

    def _result(self, text, tokens, labels, words) -> Redaction:
        spans: list[Span] = []
        counts: Counter[str] = Counter()
        redacted_tokens = []
        i = 0
        while i < len(tokens):
            label = labels[i]
            if label is None:
                i += 1
                continue
            j = i
            while j + 1 < len(tokens) and labels[j + 1] == label:
                j += 1
            spans.append(Span(tokens[i].start, tokens[j].stem_end, label))
            counts[label] += 1
            redacted_tokens.extend(range(i, j + 1))
            i = j + 1
        pieces, pos = [], 0
        for span in spans:
            pieces += [text[pos : span.start], f"[{span.label}]"]
            pos = span.end
        pieces.append(text[pos:])
        result = Redaction("".join(pieces), spans, counts=dict(counts))
        if words is None:
            result.word_indices = redacted_tokens
        else:
            # Words were joined by single spaces, so token k is word k unless a word held spaces.
            starts, offset = [], 0
            for w in words:
                starts.append(offset)
                offset += len(w[0]) + 1
            hit = []
            k = 0
            for span in spans:  # spans and words are both in order: one walk over the words
                while k < len(words) and starts[k] + len(words[k][0]) <= span.start:
                    k += 1
                j = k
                while j < len(words) and starts[j] < span.end:
                    if starts[j] + len(words[j][0]) > span.start and (not hit or hit[-1] != j):
                        hit.append(j)
                    j += 1
            result.word_indices = hit
            result.word_times = [(words[k][1], words[k][2]) for k in result.word_indices]
        return result


def _unify(labels: list[str | None]) -> None:
    """One label for a stretch of number and code labels side by side ("[SSN] [NUMBER] [SSN]"
    is one national insurance number): the label most of its tokens have."""
    i = 0
    while i < len(labels):
        if labels[i] is None or labels[i] in FAMILY:
            i += 1
            continue
        j = i
        while j < len(labels) and labels[j] is not None and labels[j] not in FAMILY:
            j += 1
        if len(set(labels[i:j])) > 1:
            winner = Counter(labels[i:j]).most_common(1)[0][0]
            labels[i:j] = [winner] * (j - i)
        i = j


def _placeholder_view(tokens: list[Token], labels: list[str | None]) -> tuple[list[Token], list[int]]:
    """The tokens with each run of one label made a single placeholder, and where each came from."""
    view, origin = [], []
    i = 0
    while i < len(tokens):
        label = labels[i]
        if label is None and tokens[i].blank:  # not there for the rules and the tagger
            i += 1
            continue
        if label is None:
            view.append(tokens[i])
            origin.append(i)
            i += 1
            continue
        j = i
        while j + 1 < len(tokens) and labels[j + 1] == label:
            j += 1
        view.append(Token(f"[{label}]", "", tokens[i].start, tokens[j].end))
        origin.append(i)
        i = j + 1
    return view, origin


def summarize(counts: dict[str, int], empty: str = "nothing") -> str:
    """Counts by label as people read them: "1 PERSON, 1 PHONE"."""
    return ", ".join(f"{n} {label}" for label, n in sorted(counts.items())) or empty


def _word_fields(w) -> tuple[str, float, float]:
    if isinstance(w, dict):
        return str(w.get("word", "")), float(w.get("start", 0.0)), float(w.get("end", 0.0))
    return str(w.word), float(w.start), float(w.end)
