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

Redaction is repeated on its own output (seen as tokens, each redacted run a
placeholder) until a pass finds nothing more, so redacting redacted text
changes nothing. Every step is linear in the number of tokens.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from device.redact import lexicon as lx
from device.redact.numbers import (
    ASCII_DIGITS,
    MONTHS_AND_ORDINALS,
    ORDINAL_WORDS,
    TEENS,
    TENS,
    UNITS,
    digits_of,
    is_number_token,
    luhn_ok,
    runs,
    to_digits,
)
from device.redact.tagger import HOMOPHONES, Tagger, name_lists, person_slot

MIN_CONFIDENCE = 0.5  # the tagger's marginal probability for its label, below which it is ignored
UNKNOWN_WORD_PERSON = 0.3  # a word on no list is a name from this probability on
SLOT_PERSON = 0.1  # the same just after a verb that takes a person ("driving X", "messages from X")
SURNAME_PERSON = 0.05  # the same just after a name, and a listed first name just before one
LONE_WORD_CONFIDENCE = 0.9  # an everyday word alone is a name only from this confidence on
CUED_WORD_CONFIDENCE = 0.5  # the same just after a person's cue or as the owner of a person's things
LISTED_SURNAME_PERSON = 0.15  # a listed surname that is also a word ("knight", "flood") just after a name
DISPUTED_CONFIDENCE = 0.8  # the same where the rules labelled part of the tagger's run otherwise
MAX_PASSES = 6  # redaction repeats on its own output until nothing changes; in practice one or two passes

LABELS = ("PERSON", "PHONE", "EMAIL", "ADDRESS", "CARD", "SSN", "DATE_OF_BIRTH", "ACCOUNT", "PIN", "NUMBER")
_PLACEHOLDER = re.compile(r"\[([A-Z_]+)\](?:'[sS])?")  # an earlier redaction, possessive or not ("[PERSON]'s")
_STRIP = ".,;:!?\"()[]{}<>"
_REPLACEMENT = "\ufffd"  # what undecodable bytes became (errors="replace"): no letter of any word
_NATO = frozenset("alpha alfa bravo charlie delta echo foxtrot golf hotel india juliet juliett kilo lima mike "
                  "november oscar papa quebec romeo sierra tango uniform victor whiskey xray x-ray yankee zulu".split())
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
_FILLERS = frozenset("number numbers no is was it's its my the a an : id code are be as of on at are "
                     "ending in digits it to for was that's thats".split())


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


@dataclass
class _Token:
    raw: str
    norm: str
    start: int
    end: int
    stem_end: int = -1  # where a redaction of it ends: before a possessive "'s", which stays outside
    blank: bool = False  # only U+FFFD (undecodable input): no word, and no context for the words around it

    def __post_init__(self):
        if self.stem_end < 0:
            self.stem_end = self.end


def _placeholder(raw: str) -> re.Match | None:
    """An earlier redaction ("[PERSON]", "[PERSON]'s,"), its label in group 1."""
    return _PLACEHOLDER.fullmatch(raw.rstrip(_STRIP.replace("]", "") + _REPLACEMENT))


def _possessive(token: _Token) -> bool:
    """"jennifer's", "john's,": what follows is the person's, not part of the name."""
    return token.raw.lower().rstrip(_STRIP).endswith("'s")


def _tokenize(text: str) -> list[_Token]:
    tokens = []
    for m in re.finditer(r"\S+", text):
        raw = m.group()
        stem_end = m.end()
        if _placeholder(raw):
            norm = ""  # an earlier redaction: a boundary, never part of anything
        else:
            norm = raw.lower().strip(_STRIP + _REPLACEMENT)
            if norm.endswith("'s") and len(norm) > 2 and not digits_of(norm):
                norm = norm[:-2]
                tail = raw.rstrip(_STRIP + _REPLACEMENT)
                stem_end = m.start() + len(tail) - 2  # "jennifer's," -> [PERSON]'s,
        blank = not norm and _REPLACEMENT in raw and not raw.strip(_STRIP + _REPLACEMENT)
        tokens.append(_Token(raw, norm, m.start(), m.end(), stem_end, blank))
    return tokens


class Redactor:
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

    # -- public -----------------------------------------------------------
    def redact(self, source: str | Sequence) -> Redaction:
        """Redact a text, or a list of Vosk words ({"word", "start", "end"} dicts or objects)."""
        words = None
        if not isinstance(source, str):
            words = [_word_fields(w) for w in source]
            text = " ".join(w[0] for w in words)
        else:
            text = source
        tokens = _tokenize(text)
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

    # -- labelling ----------------------------------------------------------
    def _label(self, tokens: list[_Token]) -> list[str | None]:
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
        _address_numbers(norms, labels)
        _dates_keep_their_year(norms, labels)
        for k in _clock_times(norms):
            if _FAMILY.get(labels[k]) is None:  # a number or a code, not a name
                labels[k] = None
        # A digit left in a word ("[5]" from a recogniser that writes digits) is a number the rules did
        # not read: redacted, since the uplink refuses any text that still holds one (the utterance is lost).
        for k, token in enumerate(tokens):
            if labels[k] is None and not _PLACEHOLDER.fullmatch(token.raw) \
                    and any(unicodedata.numeric(ch, None) is not None for ch in token.raw):
                labels[k] = "NUMBER"
        return labels

    # -- what is not an identifier: cities, states, countries, brands (issue 23) ----
    def _keep_places_and_brands(self, tokens, norms, labels, household) -> None:
        """Undo a PERSON or ADDRESS run made only of places and brands ("from las vegas to los angeles",
        "order from walmart", "beaumont tx"): a city or a shop is not an identifier, a street address is.
        A household name stays a name, and so does a run just after a person's cue ("call austin")."""
        n = len(norms)
        # a request about cooking, or about a language's words: there a word no list knows is a dish or a
        # foreign word, not a name
        dishes_or_words = not lx.COOKING_WORDS.isdisjoint(norms) or "how" in norms and "make" in norms \
            or not lx.WORD_REQUEST_WORDS.isdisjoint(norms) and not lx.LANGUAGES.isdisjoint(norms) \
            or _asks_what_a_word_means(norms)
        # A name of several words with only some of them labelled ("new [york] city"): the whole is a place.
        for i in range(n):
            for phrase in lx.place_names().get(norms[i], ()):
                j = i + len(phrase)
                if len(phrase) > 1 and tuple(norms[i:j]) == phrase and not any(household[i:j]) \
                        and set(labels[i:j]) <= {None, "PERSON", "ADDRESS"} and None in labels[i:j] \
                        and (j == n or labels[j] is None) and (i == 0 or labels[i - 1] is None) \
                        and not self._person_before(norms, i):
                    labels[i:j] = [None] * len(phrase)
                    break
        i = 0
        while i < n:
            label, j = labels[i], i + 1
            while j < n and labels[j] == label:
                j += 1
            alone = (i == 0 or labels[i - 1] is None) and (j == n or labels[j] is None)  # no postcode, no street
            # the run is a brand, or begins one ("[manchester] united")
            brand = _phrase_at(lx.brand_names(), norms, i, n) or ()
            whole_brand = len(brand) >= j - i > 0 and brand[:j - i] == tuple(norms[i:j])
            # "drive to [alice]'s" is someone's home; "[mcdonald's]" and "[auckland]'s weather" are not
            someones = _possessive(tokens[j - 1]) and not whole_brand and not (j < n and norms[j] in _WEATHER_WORDS)
            street = j + (norms[j:j + 1] in (["junior"], ["jr"]))  # "martin luther king [junior] boulevard"
            # (a first name before a home is someone's, its "'s" unsaid: "get to crystal house")
            homes = j - i == 1 and j < n and norms[j] in ("house", "apartment") and norms[i] in self.first_names \
                and (i == 0 or norms[i - 1] not in _DETERMINERS)
            if label in ("PERSON", "ADDRESS") and alone and not any(household[i:j]) and not homes \
                    and self._only_places(norms, i, j) \
                    and not (label == "PERSON" and (self._person_before(norms, i) or someones
                                                    or _after_a_person(tokens, norms, i))):
                labels[i:j] = [None] * (j - i)
            # "navigate to [yosemite] national park": a name before a landmark word is the landmark's
            elif label == "PERSON" and j < n and (norms[j] in lx.LANDMARK_AFTER
                                                  or " ".join(norms[j:j + 2]) in lx.LANDMARK_AFTER_TWO) \
                    and (i == 0 or labels[i - 1] is None) and not any(household[i:j]) \
                    and not self._person_before(norms, i) and not _possessive(tokens[j - 1]):
                labels[i:j] = [None] * (j - i)
            # "is [ibm] stock up", "call [comcast] customer service": a company's name, unless only names
            elif label == "PERSON" and j < n and (norms[j] in lx.COMPANY_AFTER
                                                  or " ".join(norms[j:j + 2]) in lx.COMPANY_AFTER_TWO) \
                    and (i == 0 or labels[i - 1] is None) and not any(household[i:j]) \
                    and not _possessive(tokens[j - 1]) and not self._only_names(norms[i:j]) \
                    and not self._person_before(norms, i):
                labels[i:j] = [None] * (j - i)
            # "a recipe for [veg pulav]": in a cooking request a run the name lists do not know is a dish (in a
            # request about a language's words, a foreign word: "how do you say pasta al [dente] in italian"),
            # unless a person's cue is beside it ("dinner for X", "did X cook", "X will bake")
            elif label == "PERSON" and dishes_or_words and alone and not any(household[i:j]) \
                    and not self._only_names(norms[i:j]) and not _possessive(tokens[j - 1]) \
                    and not self._person_before(norms, i) and not (i and norms[i - 1] in lx.HELPER_VERBS
                                                                   and norms[j:j + 1] not in (["mean"], ["means"])) \
                    and not (i and norms[i - 1] in lx.PERSON_LINKS
                             and not (norms[i - 1] == "for" and i > 1 and norms[i - 2] in lx.COOKING_WORDS)) \
                    and not (j < n and (norms[j] in lx.PERSON_ACTIONS or norms[j] in lx.HELPER_VERBS
                                        or norms[j] in lx.COOKING_VERBS)):
                labels[i:j] = [None] * (j - i)
            # "directions to [martin luther king] junior boulevard": a street named after someone (with no
            # house number no address either)
            elif label == "PERSON" and alone and not any(household[i:j]) and not _possessive(tokens[j - 1]) \
                    and norms[street:street + 1] != [] and norms[street] in _STREETS_NAMED \
                    and not self._person_before(norms, i):
                labels[i:j] = [None] * (j - i)
            # "call [comcast]", "tell [spotify] to play", "messages from [whatsapp]": a brand is no person,
            # even after a person's cue (unless a list of names knows it)
            elif label == "PERSON" and alone and whole_brand and not any(household[i:j]) \
                    and not self._only_names(list(brand)):
                labels[i:j] = [None] * (j - i)
            # "add paper towels to my [costco list]": a list's name ("john's list" stays a person's)
            elif label == "PERSON" and i and norms[i - 1] in ("my", "our", "the") and not any(household[i:j]) \
                    and (norms[j - 1] in _LIST_WORDS or j < n and norms[j] in _LIST_WORDS) \
                    and not any(_possessive(t) for t in tokens[i:j]):
                labels[i:j] = [None] * (j - i)
            # "the next episode of [ted] lasso": what has episodes and seasons is a show (not "of john's show")
            elif label == "PERSON" and alone and i > 1 and norms[i - 1] == "of" and norms[i - 2] in _SHOW_PARTS \
                    and not any(household[i:j]) and not any(_possessive(t) for t in tokens[i:j]):
                labels[i:j] = [None] * (j - i)
            # "open [duolingo]", "launch [peloton] and start a ride": what a request opens first is an app, when no
            # list of names knows it
            elif label == "PERSON" and alone and i == 1 and norms[0] in ("open", "launch") \
                    and (j == n or norms[j] in ("app", "and", "on", "please")) and not any(household[i:j]) \
                    and self._no_name_in(norms[i:j]) \
                    and not _possessive(tokens[j - 1]):
                labels[i:j] = [None] * (j - i)
            # "is trader [joe]'s open on sunday", "is [dave]'s hot chicken open": a name's "'s" before a shop's
            # opening hours is the shop's (not "is mark's office open": what follows is a person's)
            elif label == "PERSON" and alone and _possessive(tokens[j - 1]) and _opening_hours(norms, i, j) \
                    and not any(household[i:j]) and not self._person_before(norms, i):
                labels[i:j] = [None] * (j - i)
            # "add [tahini] and gochujang to the shopping list": what goes on a shopping list is a thing, when
            # no list of names knows any word of it ("add rosa to the shopping list" stays redacted)
            elif label == "PERSON" and alone and _on_a_shopping_list(norms, i, j) and not any(household[i:j]) \
                    and self._no_name_in(norms[i:j]) \
                    and not any(_possessive(t) for t in tokens[i:j]):
                labels[i:j] = [None] * (j - i)
            i = j

    def _keep_known_titles(self, tokens, norms, labels, household) -> None:
        """Undo a PERSON run that is a title, venue or business the real requests trained on say must
        stay ("[hellboy] is great", "tickets at [cinelux tennant station]"), or, in a media request only,
        an artist's full name from them or a name just before a media word ("[bebe rexha] songs"): the
        policy is that a person's name is redacted unless it is an artist in a media request. Not after a
        person's cue ("call X", "dr X", "emails from X"), not a household name, not a possessive ("john's
        songs" are a private person's), not before a person's action ("did X call", "X will pick up").
        A film title from Wikipedia's lists stays as _film_stays says."""
        n = len(norms)
        if "PERSON" not in labels and "ADDRESS" not in labels and "EMAIL" not in labels:
            return
        # ("who plays harley quinn": the part is asked after, in a film)
        media = not lx.MEDIA_REQUEST_WORDS.isdisjoint(norms) or _asks_for_an_actor(norms) \
            or norms[:2] in (["who", "plays"], ["who", "played"])

        def undo(i: int, j: int) -> bool:
            return not _possessive(tokens[j - 1]) and self._unlabel_person(norms, labels, household, i, j)

        # a cinema chain that is no word and no name ("amc burbank sixteen") says it too, and so does one
        # that is a name said as a place in a town ("the marcus in lincoln")
        films = not lx.FILM_WORDS.isdisjoint(norms) or any(w in self._plain_chains for w in norms) \
            or any(self._chain_in_a_town(norms, k) for k in range(1, n))
        i = 0
        while i < n:
            if "PERSON" not in labels[i:i + lx.longest_title()]:  # (the lists are long: look only near a person)
                i += 1
                continue
            found = _phrase_at(lx.keep_titles(), norms, i, n)
            if found and len(found) == 1 and found[0] in lx.possessive_titles() and not media:
                found = None  # "a reminder for spencer to ...": no "spencer's" restaurant
            artist = _phrase_at(lx.keep_artists(), norms, i, n) if media else None
            if artist and any(_possessive(t) for t in tokens[i:i + len(artist) - 1]):
                artist = None  # "[rachel]'s house" is no rachel house: a possessive ends a person's name
            film = _phrase_at(lx.film_titles(), norms, i, n)
            if film and not self._film_stays(norms, labels, i, i + len(film), films):
                film = None
            longest = max(found or (), artist or (), film or (), key=len)
            j = i + len(longest)
            # "sappho will pick up the kids": a name, whatever book it is the title of (but "what else has
            # adam driver been in" asks for films)
            if longest and (not _acts_next(norms, j, lx.PERSON_ACTIONS) or _been_in_films(norms, j)) \
                    and undo(i, j):
                i += len(longest)
                continue
            i += 1
        # (not only in a request about films: a chain said as a place is enough, "regal edwards please", and
        # _keep_cinemas looks for one itself)
        self._keep_cinemas(norms, labels, undo)
        if media:
            i = 0
            while i < n:
                j = i
                while j < n and labels[j] == "PERSON":
                    j += 1
                before = f"{norms[i - 2]} {norms[i - 1]}" if i > 1 else ""
                # "the latest [kesha song]", "[keith urbans new song]": the song is no surname
                end = j
                while end > i + 1 and (norms[end - 1] in lx.MEDIA_AFTER or norms[end - 1] in _NEW):
                    end -= 1
                names_only = self._only_names(norms[i:end])
                if j > i and (end < n and (norms[end] in lx.MEDIA_AFTER or norms[end] in lx.VENUE_AFTER
                                           or norms[end] in _NEW and end + 1 < n and norms[end + 1] in lx.MEDIA_AFTER)
                              or before in lx.ARTIST_BEFORE_TWO
                              # "add X to my road trip playlist" (not "add X to my contacts")
                              or i and norms[i - 1] == "add" and j < n and norms[j] == "to"
                              and "playlist" in norms[j:]
                              or not names_only and (i and norms[i - 1] in lx.TITLE_BEFORE
                                                     or before in lx.TITLE_BEFORE_TWO)):
                    undo(i, j)
                # "beyonce's latest album", "mariah carey's christmas concert": a listed artist's own work
                # (a possessive is otherwise a private person's: "john's songs")
                # (or one word no list of names knows: "beyonce's new album")
                if j > i and labels[i] == "PERSON" and _possessive(tokens[j - 1]) \
                        and (_phrase_at(lx.keep_artists(), norms, i, j) == tuple(norms[i:j])
                             or j == i + 1 and self._unknown_word(norms[i]) and not self._only_names(norms[i:j])) \
                        and not lx.MEDIA_AFTER.isdisjoint(norms[j:j + 3]):
                    self._unlabel_person(norms, labels, household, i, j)
                i = max(j, i + 1)

    def _keep_companies(self, norms, labels, household) -> None:
        """Undo the PERSON runs of a company named after people, said with what makes it a company ("williams
        p l c", "smith and sons", "harris gibson and jefferies llp", "crotty inc"): a firm is not a person. A run
        of names with no such word ("i work at harris gibson and jefferies") stays redacted: they may be people."""
        if "PERSON" not in labels:
            return
        n, first_names = len(norms), self.first_names

        def names_before(k: int) -> int:
            """Where the run of names (joined by "and") that ends at token k starts."""
            start = k
            while start > 0 and (labels[start - 1] == "PERSON" or norms[start - 1] == "and" and start > 1
                                 and labels[start - 2] == "PERSON") and k - start < 6:
                start -= 1
            return start

        for k in range(1, n):
            if labels[k - 1] != "PERSON" and labels[k] != "PERSON":
                continue
            suffix = next((len(s) for s in _COMPANY_SUFFIXES if tuple(norms[k:k + len(s)]) == s), 0)
            form = tuple(norms[k:k + suffix]) in _COMPANY_FORMS
            if not suffix or labels[k] not in (None, "PERSON") or labels[k - 1] != "PERSON" and not (
                    form and labels[k] == "PERSON"):  # "arroyo [ltd]": a legal form is never a name
                continue
            start = names_before(k)
            if not any(household[start:k + suffix]) and (form or norms[start] not in first_names):
                labels[start:k + suffix] = [None] * (k + suffix - start)
        # "is [hernandez tyler] and [armstrong] hiring", "call [edwards collins] and [wood] customer service":
        # surnames joined like a firm's, where only a company is meant
        for k in range(1, n):
            if labels[k - 1] != "PERSON" or labels[k] == "PERSON" or not (
                    norms[k] in lx.COMPANY_AFTER or " ".join(norms[k:k + 2]) in lx.COMPANY_AFTER_TWO
                    or norms[k] in ("hiring", "subscription")):
                continue
            start = names_before(k)
            if "and" in norms[start:k] and norms[start] not in first_names and not any(household[start:k]) \
                    and (start == 0 or labels[start - 1] is None):
                labels[start:k] = [None] * (k - start)

    @staticmethod
    def _keep_currencies(norms, labels, household) -> None:
        """Undo a PERSON label on a currency in a question about exchange ("convert fifty dollars to [yuan]",
        "the exchange rate from euros to [yen]"). Not where money is sent or paid: "send fifty dollars to
        yuan" names a person."""
        if "PERSON" not in labels or _EXCHANGING.isdisjoint(norms) or not _PAYING_VERBS.isdisjoint(norms):
            return
        for k, word in enumerate(norms):
            if labels[k] == "PERSON" and word in lx.CURRENCIES and not household[k] and k \
                    and norms[k - 1] in ("to", "into", "in", "from", "for", "and", "per", "against", "versus") \
                    and (k + 1 == len(norms) or labels[k + 1] != "PERSON") \
                    and not (norms[k - 1] == "and" and labels[k - 2] == "PERSON"):  # "email yen and [rand] ..."
                labels[k] = None

    def _keep_things(self, tokens, norms, labels, household) -> None:
        """Undo a PERSON label inside a dish, a food, a drink or a company that is said whole ("eggs
        [benedict]", "a [bloody mary]", "aston [martin]"), or on one such word no list of names knows
        ("[souvlaki]"). Not where every word of it is a name taken for one ("[goldman sachs]" could be two
        people), not after a person's cue ("call X"), not before what a person does, never a household
        name."""
        if "PERSON" not in labels:
            return
        n, i = len(norms), 0
        while i < n:
            if "PERSON" not in labels[i:i + lx.longest_thing()]:  # (the list is long: look only near a person)
                i += 1
                continue
            thing = _phrase_at(lx.thing_names(), norms, i, n)
            j = i + len(thing or ())
            # a name on its own is not enough: some word of the thing is no name, or was not taken for one
            if thing and "PERSON" in labels[i:j] \
                    and (not self._only_names(list(thing)) or labels[i:j].count("PERSON") < len(thing)) \
                    and not _possessive(tokens[j - 1]) and not _acts_next(norms, j, lx.PERSON_ACTIONS) \
                    and self._unlabel_person(norms, labels, household, i, j):
                i = j
                continue
            i += 1

    def _keep_cinemas(self, norms, labels, undo) -> None:
        """A run just after a cinema chain said as a place ("at the amc [mercado]", "to regal [edwards]",
        "century sixteen [eastridge]", "century at [tanforan]", "[amc burbank] sixteen please", the chain in
        the run or not) is where the cinema is: `undo` a PERSON run; an ADDRESS or EMAIL run the chain
        begins, with no street word in it, is the cinema too ("go to [amc mercado twenty]", "playing at
        [cinearts at santana row]"). Not "tickets for marcus smith": no "at" or "to" before the chain."""
        n = len(norms)
        for i in range(n):
            label = labels[i]
            if label not in ("PERSON", "ADDRESS", "EMAIL") or i and labels[i - 1] == label:
                continue
            j = i
            while j < n and labels[j] == label:
                j += 1
            for k in range(max(0, i - 4), i + 1):
                chain = _phrase_at(lx.cinema_chains(), norms, k, j)
                if not chain or not (k == 0 or norms[k - 1] in ("at", "the", "to", "near", "from")):
                    continue
                # between the chain and the run only its number or "at" ("century sixteen [eastridge]")
                gap = norms[k + len(chain):i]
                before = k < i and all(w == "at" or is_number_token(w) for w in gap) and len(gap) <= 2
                # the chain and more in the run, or just the chain: after "the" ("the [marcus]"), or one that is
                # no name and no word ("[cinearts] at santana row")
                inside = k == i and (k + len(chain) < j or k + len(chain) == j and (
                    k and norms[k - 1] == "the" or " ".join(chain) in self._plain_chains))
                # (no address without a house number, no e-mail without "dot")
                numbered = any(is_number_token(w) for w in norms[i:j]) and not lx.STREET_TYPES.isdisjoint(norms[i:j])
                if label == "PERSON" and (before or inside):
                    undo(i, j)
                elif label == "ADDRESS" and inside and not numbered or label == "EMAIL" and inside \
                        and "dot" not in norms[i:j]:
                    labels[i:j] = [None] * (j - i)
                else:
                    continue
                break

    def _chain_in_a_town(self, norms, k: int) -> bool:
        """Whether "the", a cinema chain and "in" a known place begin at token k - 1: "the marcus in lincoln"."""
        chain = norms[k - 1] == "the" and _phrase_at(lx.cinema_chains(), norms, k, len(norms))
        j = k + len(chain or ())
        return bool(chain) and norms[j:j + 1] == ["in"] and j + 1 < len(norms) \
            and (norms[j + 1] in self.all_places or _phrase_at(lx.place_names(), norms, j + 1, len(norms)) is not None)

    def _keep_public_figures(self, tokens, norms, labels, household) -> None:
        """[redact] keep_public_figures: a well-known person's full name (lexicon.public_figures()) stays in
        a question about them ("how old is tom hanks", "who is meryl streep's husband"). Not after a
        person's cue ("call tom hanks", "a meeting with X"), not before what someone the speaker deals with
        does ("did tom hanks call me", "is X home yet"), never a household name; a name no list knows is
        redacted as always."""
        n = len(norms)
        if "PERSON" not in labels or norms[0] not in lx.QUESTION_OPENINGS:
            return
        i = 0
        while i < n:
            name = _phrase_at(lx.public_figures(), norms, i, n)
            j = i + len(name or ())
            # "[rachel]'s house" is no rachel house: a possessive ends a name
            if name and not any(_possessive(t) for t in tokens[i:j - 1]) and not _acts_next(norms, j, lx.DEALINGS) \
                    and self._unlabel_person(norms, labels, household, i, j):
                i = j
                continue
            i += 1

    def _unlabel_person(self, norms, labels, household, i: int, j: int) -> bool:
        """Take the PERSON label off tokens i..j, a run a list says is no private person (a title, an
        artist, a public figure), unless the run is not wholly that name's (a PERSON beside it, another
        label in it), holds a household name, or follows a person's cue ("call X", "dr X")."""
        n = len(norms)
        if "PERSON" not in labels[i:j] or not set(labels[i:j]) <= {None, "PERSON"} or any(household[i:j]) \
                or i and labels[i - 1] == "PERSON" or j < n and labels[j] == "PERSON" \
                or self._person_before(norms, i):
            return False
        labels[i:j] = [None] * (j - i)
        return True

    def _film_stays(self, norms, labels, i: int, j: int, films: bool) -> bool:
        """Whether the film title at tokens i..j is one here. Where the tagger's PERSON words in it are
        all names ("tickets for [john wick]", "remind me to meet [joe black]"), only after a film's cue
        ("showtimes for", "the movie") or before one ("[peter pan] showtimes", "is [barbie] still in
        theaters"), or in a request about films when the title has more words than the names ("tickets for
        meet joe black"); otherwise in a request about films, or anywhere when it has two words or more
        ("is [the rise of skywalker] good")."""
        named = [norms[k] for k in range(i, j) if labels[k] == "PERSON"]
        n = len(norms)
        if not named:
            return False
        # "[emma] playing at the landmark", "[dolittle] with robert downey junior": a film, whatever its name
        if self._at_a_cinema(norms, j) \
                or j + 1 < n and norms[j] == "with" and _phrase_at(lx.film_actors(), norms, j + 1, n) is not None:
            return True
        if self._only_names(named):
            before = f"{norms[i - 2]} {norms[i - 1]}" if i > 1 else ""
            # "something like [john wick]" (a title of one name is likelier a person's: "like harriet would");
            # "what time is [harriet] showing", "where is [judy] showing tonight" (not "playing": a game)
            shown = norms[j:j + 1] == ["showing"] and (j + 1 == n or norms[j + 1] in _WHEN_AFTER) \
                and norms[0] in ("what", "when", "where", "whats", "what's")
            return i > 0 and norms[i - 1] in lx.FILM_CUES or before in lx.FILM_CUES_TWO \
                or before in ("something like", "anything like") and j - i >= 2 \
                or films and len(named) < j - i \
                or j < n and norms[j] in lx.FILM_AFTER or shown \
                or any(norms[k:k + 2] in _IN_CINEMAS for k in range(j, j + 2)) \
                or j - i >= 4 and 3 * len(named) <= j - i  # "is me and earl and the dying girl any good"
        # "is [godzilla] any good", "[tetris] at seven thirty": a title no list of names knows, but not where a
        # person could be meant ("shared with [tex]", "i want to see [juno]")
        return films or j - i >= 2 or not self._only_names(norms[i:j]) and not (
            i and norms[i - 1] in _BEFORE_SOMEONE or self._person_before(norms, i))

    def _at_a_cinema(self, norms, j: int) -> bool:
        """Whether a cinema follows token j: "[emma] playing at the landmark", "[judy] showing at regal"."""
        if j >= len(norms) or norms[j] not in ("playing", "showing") or norms[j + 1:j + 2] != ["at"]:
            return False
        k = j + 2 + (norms[j + 2:j + 3] == ["the"])
        return k < len(norms) and (_phrase_at(lx.cinema_chains(), norms, k, len(norms)) is not None
                                   or not _CINEMA_WORDS.isdisjoint(norms[k:k + 4]))

    def _no_name_in(self, words: list[str]) -> bool:
        """Whether no list of names knows any of the words, not even as an everyday word's name ("duolingo",
        "tahini"; not "rosa", "hope")."""
        return not any(self._only_names([w]) or w in lx.EVERYDAY_NAMES for w in words)

    def _only_names(self, words: list[str]) -> bool:
        """Whether every word is a first name or a surname some list or the tagger's training knows."""
        return all(w in self.first_names or w in self.surnames or w in self._tagger_firsts
                   or w in self._tagger_lasts for w in words)

    def _only_places(self, norms, i: int, j: int) -> bool:
        """Whether tokens i..j are place and brand names (and words joining them), and surely so: a
        place of one word ("jackson", "yono" are names too) needs another place in the run ("beaumont tx")
        or a place word before it ("weather in jackson"); a brand does not. A school's one-word name needs a
        request about schooling ("she studies at emory", "did lorna go to stanford")."""
        prev, prev2 = (norms[i - 1] if i else ""), (norms[i - 2] if i > 1 else "")
        n = len(norms)
        if _phrase_at(lx.school_short_names(), norms, i, j) == tuple(norms[i:j]) and (
                (prev in _AT_A_SCHOOL or prev in ("at", "from", "to", "into")) and not _SCHOOLING.isdisjoint(norms)
                or prev == "to" and prev2 in ("go", "goes", "went", "going") and (j == n or norms[j] in lx.STOPWORDS)
                or (prev2, prev) == ("still", "at")):  # "is lorna still at stanford"
            return True
        places, lone_places, k = 0, 0, i
        while k < j:
            place = _phrase_at(lx.place_names(), norms, k, j)
            brand = _phrase_at(lx.brand_names(), norms, k, j)
            if brand and (not place or len(brand) > len(place)):  # "alamo drafthouse" is no town of alamo
                place = None
            if found := place or brand:
                places += 1
                lone_places += place is not None and len(place) == 1
                k += len(found)
            elif norms[k] in _PLACE_JOINS and places:
                k += 1
            else:
                return False
        if not places or norms[j - 1] in _PLACE_JOINS:
            return False
        # "tracy mitchell", "gary parker": two towns that are a first name and a surname are a person's name,
        # unless a place is plainly meant ("weather in gary indiana": a state is no surname)
        full_name = j - i == 2 and lone_places == 2 and norms[i] in self.first_names and norms[i + 1] in self.surnames \
            and norms[i + 1] not in lx.STATES and norms[i + 1] not in self.all_places
        return (places > 1 and not full_name or not lone_places or prev in _PLACE_CONTEXT
                or prev in ("from", "to") and prev2 in _TRAVEL_WORDS
                or prev in ("for", "of") and prev2 in _WEATHER_WORDS  # "the forecast for leeds"
                # "how many miles is it to savannah", "traffic between columbus and ...": a route's ends
                or prev in ("from", "to", "between") and not _ROUTE_WORDS.isdisjoint(norms[max(0, i - 5):i - 1])
                or prev in ("to", "and", "or") and self._place_ends_at(norms, i - 1)  # "virginia beach and X"
                # (not "[george] and me": "me" is Maine's code, but here it is the speaker)
                or j + 1 < n and norms[j] in ("to", "and", "or") and norms[j + 1] not in lx.STOPWORDS
                and _phrase_at(lx.place_names(), norms, j + 1, n)
                or j - i == 1 and self._only_a_place(norms[i]) and prev not in lx.HELPER_VERBS
                and (j == n or norms[j] not in lx.PERSON_ACTIONS and norms[j] not in lx.PERSONAL_NOUNS)
                or j < n and _phrase_at(lx.place_names(), norms, j, n) is not None  # "[beaumont] tx"
                # "a restaurant in fort gates [florida]": after a town's name that follows "in"
                or any(norms[k] in _IN_A_TOWN and all(w.isalpha() and w not in lx.STOPWORDS for w in norms[k + 1:i])
                       for k in range(max(0, i - 4), i - 1)))

    @staticmethod
    def _place_ends_at(norms, end: int) -> bool:
        """Whether a place's name ends just before token `end` ("virginia beach and [richmond]")."""
        return any(k + len(place) == end for k in range(max(0, end - 4), end)
                   if (place := _phrase_at(lx.place_names(), norms, k, end)))

    def _only_a_place(self, word: str) -> bool:
        """A place of one word that no list of names knows ("seattle", "atlanta"; not "jackson", "florida"),
        or a short name for a city ("vegas", "philly")."""
        return word in lx.PLACE_NICKNAMES or len(word) > 3 and word not in self.first_names \
            and word not in self.surnames and word not in lx.EVERYDAY_NAMES \
            and word not in self._tagger_firsts and word not in self._tagger_lasts

    @staticmethod
    def _person_before(norms, i: int) -> bool:
        """A cue for a person just before token i: "call X", "dr X", "uncle X", "emails from X", "sent by X"
        (not "visit X": "visit san jose")."""
        prev, prev2 = (norms[i - 1] if i else ""), (norms[i - 2] if i > 1 else "")
        return (prev in lx.PERSON_VERBS and prev != "visit" or prev in lx.TITLES or prev in lx.KIN_TITLES
                or prev in lx.RELATIONS
                or prev in ("from", "to", "with") and (prev2 in lx.MESSAGE_NOUNS or prev2 in lx.MEETING_NOUNS)
                or (prev2, prev) == ("sent", "by"))

    def _tagged(self, tokens, norms, labels, cues) -> None:
        """Add the tagger's labels where the rules found nothing and know no better."""
        tags, confidence, person = self._tagger.tag(norms)
        # A word no list knows, that the tagger thinks may well be a name though it is not sure:
        # the cost of a leaked name is higher than that of a redacted odd word. (Also where the tagger's
        # best sequence says PERSON with a marginal under MIN_CONFIDENCE: the second word of a full name.)
        for k, tag in enumerate(tags):
            least = SLOT_PERSON if person_slot(norms, k) else UNKNOWN_WORD_PERSON  # "say hi to X"
            if (tag in ("O", "PERSON") and person[k] >= least and self._unknown_word(norms[k])
                    and norms[k].isascii()):
                tags[k], confidence[k] = "PERSON", 1.0
        quantities, times = self._harmless_numbers(norms, cues)
        birth_cued = any(label == "DATE_OF_BIRTH" for _, _, label in cues)
        # Words that could be part of a name: "grace" alone is an everyday word, "grace okafor" a person.
        name_words = [bool(w) and w not in _NEVER_A_NAME and w not in lx.STOPWORDS for w in norms]

        def lone_bar(k: int) -> float:
            """How sure the tagger must be that an everyday word alone is a name: less so after a person's
            cue ("message red and tell him", "send collie a skype message") or before a person's things
            ("get to ally's school")."""
            owner = _possessive(tokens[k]) and k + 1 < len(norms) and norms[k + 1] in lx.PERSONAL_NOUNS \
                and (k == 0 or norms[k - 1] not in _DETERMINERS)
            return CUED_WORD_CONFIDENCE if owner or self._person_before(norms, k) else LONE_WORD_CONFIDENCE

        def media_before(i: int) -> bool:
            """Public names may stay after play/by/songs (docs/redaction.md: public names)."""
            return _media_slot(norms, i, range(max(0, i - 2), i), lx.MEDIA_CUES)

        i = 0
        while i < len(tags):
            tag, j = tags[i], i
            while j < len(tags) and tags[j] == tag:
                j += 1
            # Where the rules labelled part of the run otherwise, the tagger keeps only what looks
            # like an identifier, not the small words around it ("call [PERSON] at [PHONE]").
            if tag != "O":  # the tagger knows only what Vosk's English models write: lowercase ASCII words
                disputed = any(labels[k] is not None and _FAMILY.get(labels[k]) != _FAMILY.get(tag)
                               for k in range(i, j))
                agreed = any(labels[k] is not None and _FAMILY.get(labels[k]) == _FAMILY.get(tag)
                             for k in range(max(0, i - 1), min(len(labels), j + 1)))
                for k in range(i, j):
                    # "what is [mary]'s job": the word after a possessive name is hers, not her surname
                    if tag == "PERSON" and k > i and (_possessive(tokens[k - 1]) or _wished(norms, k)):
                        continue
                    # "did [mary] post a photo", "what [june] said": what a person does ends the name (not
                    # "jennifer love hewitt")
                    # "what did [noor] major in": nor after a helper verb
                    if tag == "PERSON" and k == j - 1 and k > i and norms[k] in lx.PERSON_ACTIONS \
                            and (norms[k] not in self.first_names and (
                                norms[k] in _SAYING or norms[k + 1:k + 2] and norms[k + 1] in _OBJECT_STARTS)
                                 or norms[i - 1] in lx.HELPER_VERBS and norms[k] in self.common):
                        continue
                    if labels[k] is not None or not norms[k] or not norms[k].isascii() or confidence[k] < (
                            DISPUTED_CONFIDENCE if disputed else MIN_CONFIDENCE) or (
                            disputed and norms[k] in _FUNCTION_WORDS):
                        continue
                    # Sums, settings, times and quantities are not identifiers, nor is a date nobody
                    # was born on; countries and nationalities are not people, and names that are
                    # everyday words ("summer", "will") are left to the rules' cues and the names file.
                    # An everyday word alone ("my favorite season") needs the tagger to be sure.
                    if tag == "PERSON" and (norms[k] in self.all_places or norms[k] in _NEVER_A_NAME
                            or norms[k] in lx.PERSON_VERBS and norms[k] not in self.first_names  # "unmute the call"
                            or norms[k] in _JOINING_WORDS  # "remind everyone in [the] group"
                            or any(ch.isdigit() for ch in norms[k])  # "[5]": a number the rules did not read
                            or norms[k] in lx.NOT_NAMES or (
                            confidence[k] < lone_bar(k) and norms[k] in self.common
                            and not name_words[i:j].count(True) > 1) or (
                            norms[k] in lx.EVERYDAY_NAMES and not name_words[i:j].count(True) > 1)
                            or media_before(i) and not _possessive(tokens[k])
                            # "message [the soccer team]": everyday words after a determiner are a group
                            # or a thing, not a person's name
                            or i > 0 and norms[i - 1] in _DETERMINERS and all(
                                w in self.common and w not in self.first_names for w in norms[i:j])):
                        continue
                    # A run that carries on what a rule found ("expires [CARD] two thousand and thirty")
                    # is judged by that rule's cue, not as a number on its own.
                    if tag != "PERSON" and not agreed and (k in quantities or k in times and tag != "ADDRESS"):
                        continue
                    if tag not in _FAMILY and norms[k] in _UNITS:  # "five fifteen pm": the unit is no digit
                        continue
                    if tag == "DATE_OF_BIRTH" and not birth_cued:
                        continue
                    # "customer service at comcast": no address is said without "dot" or an address's own part
                    if tag == "EMAIL" and "dot" not in norms[i:j] and "at" in norms[i:j] \
                            and not self._own_address(norms[i:norms.index("at", i)]):
                        continue
                    labels[k] = tag
            i = j
        self._whole_names(tokens, norms, labels, person)

    def _whole_names(self, tokens, norms, labels, person) -> None:
        """A name found is often half a name: take the word after it if no list knows it and the tagger
        gives it some chance of being a name ("okafor" after "grace"), and a listed first name just before
        it ("oksana [PERSON]"). Within one pass only: a placeholder's label is not known to the next."""
        n = len(norms)
        for k in range(n - 1):
            w = norms[k + 1].rstrip("'")  # "okafors'"
            # not after a possessive ("mary's job"), nor a word a person does ("kate work")
            if labels[k] == "PERSON" and labels[k + 1] is None and w.isascii() and not _possessive(tokens[k]) \
                    and w not in lx.PERSON_ACTIONS and not _wished(norms, k + 1) and (
                    person[k + 1] >= SURNAME_PERSON and self._unknown_word(w)
                    or person[k + 1] >= LISTED_SURNAME_PERSON and w in self.surnames and w.isalpha()
                    and w not in lx.STOPWORDS and w not in lx.STREET_TYPES and w not in lx.QUANTITY_UNITS
                    and w not in lx.NOT_NAMES):
                labels[k + 1] = "PERSON"
        # "text enola may to pick up the dog", "send it to arnoldo may": "may" and "will" after a name, where
        # no helper verb goes on, are its surname
        for k in range(n - 1):
            if labels[k] == "PERSON" and labels[k + 1] is None and norms[k + 1] in ("may", "will") \
                    and (k + 2 == n or norms[k + 2] in _NOT_AFTER_A_HELPER_NAME or _possessive(tokens[k + 1])):
                labels[k + 1] = "PERSON"
        for k in range(n - 1, 0, -1):
            w = norms[k - 1]
            # (whatever the tagger says, before a surname no list knows: "about grace okafor's party")
            if labels[k] == "PERSON" and labels[k - 1] is None \
                    and (person[k - 1] >= SURNAME_PERSON or self._unknown_word(norms[k])) \
                    and w in self.first_names and w not in lx.STOPWORDS and w not in _NEVER_A_NAME \
                    and (w not in self.all_places or self._country_first_name(norms, k)) \
                    and w not in lx.MEDIA_CUES and w not in lx.HELPER_VERBS \
                    and w not in lx.PERSON_TAKING_VERBS and w.isalpha():
                labels[k - 1] = "PERSON"

    def _country_first_name(self, norms, k: int) -> bool:
        """A country that is a first name, before a listed surname at k, where no place is meant: "jordan
        rodriguez will join" (not "flights to jordan ...")."""
        return norms[k] in self.surnames and (k < 2 or norms[k - 2] not in _PLACE_CONTEXT
                                              and norms[k - 2] not in ("to", "from"))

    @staticmethod
    def _whole_listed_names(tokens, norms, labels) -> None:
        """A person found by the start of a well-known name ("which one has [ryan] gosling") is that
        whole name: a surname that is also a word ("gosling", "holland") would otherwise be left behind.
        Whether the name then stays (an artist in a media request) is decided later, for the whole name."""
        n = len(norms)
        for i in range(n):
            if labels[i] == "PERSON" and (i == 0 or labels[i - 1] != "PERSON"):
                name = _phrase_at(lx.film_actors(), norms, i, n)
                if name and all(label in (None, "PERSON") for label in labels[i:i + len(name)]) \
                        and not any(_possessive(t) for t in tokens[i:i + len(name) - 1]):  # "[rachel]'s house"
                    labels[i:i + len(name)] = ["PERSON"] * len(name)

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

    # PERSON: the household's own names, in any slot.
    def _household_names(self, tokens, norms, labels, number_runs, cues):
        if not self._household:
            return
        for i, norm in enumerate(norms):
            for phrase in self._household.get(norm, ()):
                if tuple(norms[i : i + len(phrase)]) == phrase:
                    self._claim(labels, i, i + len(phrase), "PERSON")
                    break

    def _extensions(self, tokens, norms, labels, number_runs, cues):
        """"... extension twelve": an extension belongs to the phone number before it, whatever its
        numbers look like (issue 23); the word "extension" itself stays, as it says nothing."""
        for s, e in number_runs:
            if s >= 2 and norms[s - 1] in ("extension", "ext", "x") and labels[s - 2] == "PHONE" \
                    and all(label in (None, "PHONE") for label in labels[s:e]):
                labels[s:e] = ["PHONE"] * (e - s)

    @staticmethod
    def _claim(labels, start, end, label) -> bool:
        if start >= end or any(labels[k] is not None for k in range(start, end)):
            return False
        for k in range(start, end):
            labels[k] = label
        return True

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

    # PERSON: names after cues, and names from the list standing alone.
    def _people(self, tokens, norms, labels, number_runs, cues):
        n = len(norms)
        for i, tok in enumerate(norms):
            if labels[i] is not None or not tok:
                continue
            # Context is what a second pass would still see: words no recogniser took.
            prev = norms[i - 1] if i > 0 and labels[i - 1] is None else ""
            prev2 = norms[i - 2] if i > 1 and labels[i - 2] is None else ""
            # "my sister's house": after a possessive relation or title comes her thing, not her name
            if i > 0 and _possessive(tokens[i - 1]) and prev in _NEVER_A_NAME:
                prev, prev2 = "'s", ""
            # A title or a kin title not after "my" is part of the name: the word after it is one, even a
            # helper verb ("aunt may", "dr will"); after "my sister" or "reply to" too, unless what follows
            # goes on a helper verb ("my sister may come").
            titled = prev in lx.TITLES or (prev in lx.KIN_TITLES or prev in lx.GRAND_TITLES) and prev2 not in \
                lx.POSSESSIVES and tok in self.first_names
            related = ((prev in lx.RELATIONS or prev in lx.GRAND_TITLES) and prev2 in lx.POSSESSIVES
                       or prev in lx.PERSON_VERBS
                       or prev == "to" and prev2 in lx.TO_A_PERSON or prev == "with" and prev2 in lx.MEETING_NOUNS
                       or prev == "from" and prev2 in lx.MESSAGE_NOUNS  # "emails from will"
                       # "the reminder for will to ...", not "a reminder for may": a month
                       or prev == "for" and prev2 in lx.MESSAGE_NOUNS and tok not in lx.MONTHS)
            after = norms[i + 1] if i + 1 < n and labels[i + 1] is None else ""
            surnamed = after.isalpha() and after in self.surnames and after not in self.common  # "may peterson"
            # "call will smith", "text may baker": after a verb for reaching someone, a surname that is a word
            # too, but nothing a helper verb goes on ("tell will to", "remind may that")
            reached = (prev in lx.PERSON_VERBS or prev == "to" and prev2 in lx.TO_A_PERSON) and after.isalpha() \
                and after in self.surnames and after not in lx.PERSON_ACTIONS and after not in lx.STOPWORDS \
                and after not in lx.NOT_AFTER_A_HELPER
            # where "will" and "may" cannot be helper verbs: after another one and before what a person does
            # ("is will coming", "did may respond"), owning something ("will's phone number"), between "add"
            # and "to my contacts", and in "call will back" or "pay will back"
            # (only asked of "will" and "may": the rest of this loop does not need it)
            will_or_may = tok in lx.EVERYDAY_NAMES and tok in lx.STOPWORDS
            no_helper = will_or_may and (
                         prev in lx.HELPER_VERBS and (after in lx.PERSON_ACTIONS or after in lx.AVAILABILITY)
                         or _possessive(tokens[i])
                         or prev == "add" and norms[i + 1:i + 4] in (["to", "my", "contacts"], ["to", "contacts"])
                         or prev in ("call", "ring", "phone", "pay", "paid") and after == "back"  # "pay will back"
                         # "send will a message", "laugh reacting will reply", "a video message for may"
                         or prev in ("send", "give", "leave", "shoot", "write") and after in ("a", "an", "my", "our")
                         or _reacted_to(norms, i)
                         or prev == "for" and prev2 in _MESSAGES_NOT_REMINDERS or _reminded(norms, i)
                         or self._contacted_me(norms, i))  # "may texted me yesterday"
            if will_or_may and (
                    titled or surnamed or reached or no_helper
                    or related and (after == "" or after in lx.NOT_AFTER_A_HELPER)):
                end = i + 1 + (reached or after != "" and after not in self.common and after.isalpha()
                               and self._surname_end(norms, labels, i + 1) > i + 1)
                self._claim(labels, i, end, "PERSON")
                continue
            cued = self._cued_person(norms, i, tok, prev, prev2, after)
            calling = self._called_person(tokens, norms, i, tok, prev, prev2, after)
            action = self._acting_person(norms, labels, i, tok, prev, after)  # what it does, or ""
            possessive = _possessive(tokens[i]) or self._unmarked_possessive(norms, i)
            # "a reminder for august sixth": a month before its day is a date (a birth date is a rule's)
            dated = tok in lx.MONTHS and (after in UNITS or after in TEENS or after in TENS or after in ORDINAL_WORDS
                                          or after == "the" and i + 2 < n and norms[i + 2] in ORDINAL_WORDS)
            # "where does my sister work": what the relation does, not her name
            does = prev in lx.RELATIONS and tok in lx.PERSON_ACTIONS and tok in self.common
            initials = _initials(norms, i)  # "send c j the address"
            if initials > i and not (cued or calling or self._cued_person(
                    norms, i, tok, prev, prev2, norms[initials] if initials < n else "")):
                initials = i
            if initials > i:
                end = initials
            elif (cued or calling) and not dated and not does and (self._name_like(
                    tok, strong=prev in lx.TITLES or prev2 in ("name", "my") or prev == "name" or calling)
                    # "ask marigold whether she needs a lift": a word that is no name, but she is someone
                    or prev in lx.PERSON_VERBS and prev2 not in _DETERMINERS and self._spoken_of(norms, i)):
                end = self._surname_end(norms, labels, i + 1)
            elif action and (self._name_like(tok, strong=True) or action in _SAYING):
                end = i + 1
            # "mark is leaving work at five", "frank wants pizza", "show me what tony wrote", "where is
            # mark right now": a first name that is also a word, as the subject of what a person does
            elif self._subject(norms, labels, i, tok, prev, prev2, after):
                end = i + 1
            # "does mike work", "see if mike wants", not "is summer coming"
            elif ((prev in lx.HELPER_VERBS or prev == "if" and tok not in lx.EVERYDAY_NAMES)
                  and after in lx.PERSON_ACTIONS
                  # "is summer coming", but "is autumn coming to the sleepover", "did storm leave a message"
                  and not (_season_doing(tok, after) and _SOCIAL.isdisjoint(norms[i + 2:i + 6]))
                  # "is grant still at google", "is hazel on facebook": where a person is, or is online
                  or prev in ("is", "was") and (i == 1 or prev2 in _WH_WORDS) and self._somewhere(norms, i + 1)
                  and tok not in _WEATHER_NAMES and tok not in lx.MONTHS
                  # "wake me before lachlan leaves", "remind me that ravi is allergic": a clause's subject
                  or prev in _CLAUSE_OPENERS and (prev != "that" or prev2 in _THAT_AFTER)  # "when that movie came"
                  and (tok not in lx.EVERYDAY_NAMES and (after in lx.PERSON_ACTIONS or after in _BEING)
                       # "wake me before jack arrives", "remind me that rose is coming over" (not "before
                       # summer arrives", "before may is over", "until paris is ...")
                       or tok not in _WEATHER_NAMES and tok not in lx.MONTHS and tok not in self.all_places
                       and not _phrase_at(lx.place_names(), norms, i, n)
                       and (after in lx.PERSON_ACTIONS or after in _BEING and norms[i + 2:i + 3] != []
                            and norms[i + 2] in lx.PERSON_ACTIONS))
                  or prev == "with" and tok not in lx.EVERYDAY_NAMES
                  # "henrik's birthday", "john's boss", "ray's chore reminders", "mark's most recent message"
                  or possessive and (after in lx.RELATIONS or any(
                      w in lx.PERSONAL_NOUNS for w in norms[i + 1:i + 4] if w not in lx.STOPWORDS))
                  and prev not in _DETERMINERS
                  # "get to jack's by eight", "from joe's to portland": someone's home
                  or possessive and prev in ("to", "from", "at", "leave", "leaving")
                  and (after == "" or after in lx.STOPWORDS)
                  # "return hunter's drill", "borrow ella's bike": what is borrowed is someone's
                  or possessive and prev in _BORROWING
                  # "kelly's potluck", "violet's piano lesson": a listed first name owns the thing after it,
                  # unless that is a venue's ("harry's bar"), a day's ("saint patrick's day") or a title's
                  or self._owns(tokens, norms, i, prev)) \
                    and self._name_like(tok, strong=False):
                end = i + 1
            elif self._bare_name(tok) and i > 0 and prev == "":
                continue  # just after a redaction: its context is gone, so judge nothing
            elif self._bare_name(tok) and not (_media_slot(norms, i, (k for k in range(max(0, i - 3), i)
                                                                     if labels[k] is None), lx.MEDIA_VERBS)
                                               or prev in lx.PLACE_WORDS or prev2 in lx.PLACE_WORDS
                                               # "turn up the mike"
                                               or tok in lx.NAMES_BEFORE_WORDS and prev in ("the", "a", "an")):
                end = self._surname_end(norms, labels, i + 1)
            else:
                continue
            if possessive:  # "sarah's list": what follows is hers, not her surname
                end = i + 1
            self._claim(labels, i, end, "PERSON")
            # "john and mary": a second name joined to a first.
            if end + 1 < n and norms[end] == "and" and self._name_like(norms[end + 1], strong=False) and (
                    norms[end + 1] in self.first_names):
                self._claim(labels, end + 1, self._surname_end(norms, labels, end + 2), "PERSON")
        # "which way is faster to marks house", "jacks birthday", "taylors parents house", "to tyler house":
        # a first name, its possessive typed without "'s" or without the apostrophe, before a home, a
        # celebration or a relation, even where the name with an s is also a word (the main loop took the
        # ones that are no word, as _unmarked_possessive says)
        for i in range(n - 1):
            tok, after = norms[i], norms[i + 1]
            prev = norms[i - 1] if i else ""
            stem = tok[:-1] if tok.endswith("s") and tok[:-1] in self.first_names else ""
            bare = prev in _TO_SOMEONES and tok in self.first_names and after in ("house", "place", "apartment")
            if labels[i] is None and (stem and (after in _SOMEONES_PLACE or after in lx.RELATIONS
                                                or after[:-1] in lx.RELATIONS or after in _CELEBRATIONS) or bare) \
                    and tok not in lx.STOPWORDS and tok not in lx.NOT_NAMES and tok not in _WEATHER_NAMES \
                    and tok not in lx.PERSON_ACTIONS and tok not in lx.PERSON_VERBS \
                    and prev not in _DETERMINERS and prev not in _FOREIGN_ARTICLES \
                    and not _phrase_at(lx.brand_names(), norms, i, n) \
                    and (not _phrase_at(lx.place_names(), norms, i, n)
                         # "get to crystal house": no town of crystal is a house (a town of two words may be)
                         or bare and _phrase_at(lx.place_names(), norms, i, n) == (tok,)):
                labels[i] = "PERSON"
        # "what is grace park's number", "did june lake call": a first name and a surname, both everyday
        # words, owning a person's things or doing what a person does after a helper verb
        for i in range(n - 2):
            first, last, then = norms[i:i + 3]
            owns = _possessive(tokens[i + 1]) and then in lx.PERSONAL_NOUNS  # ("will smith's number" too)
            if labels[i] is None and labels[i + 1] is None and first in self.first_names \
                    and (first not in lx.STOPWORDS or owns and first in lx.EVERYDAY_NAMES) \
                    and first not in _WEATHER_NAMES and first not in lx.MONTHS \
                    and last in self.surnames and last not in lx.STOPWORDS and last not in lx.PERSON_ACTIONS \
                    and (owns or i > 0 and norms[i - 1] in lx.HELPER_VERBS and then in lx.PERSON_ACTIONS
                         and not _possessive(tokens[i + 1])):
                labels[i:i + 2] = ["PERSON", "PERSON"]
        # "violet and dianne", "holly and brittany": a first name joined to a name before it, even one
        # that is also a word (issue 23).
        for i in range(n - 2, 0, -1):
            if labels[i + 1] == "PERSON" and norms[i] == "and" and labels[i - 1] is None \
                    and norms[i - 1] in self.first_names and norms[i - 1] not in lx.STOPWORDS \
                    and norms[i - 1] not in self.all_places and (i < 2 or norms[i - 2] not in ("the", "a", "an")):
                labels[i - 1] = "PERSON"

    def _unmarked_possessive(self, norms, i: int) -> bool:
        """A first name's possessive written without its apostrophe, before a person's thing or relation
        ("how far is it to karens house", "jims birthday"): a word no list knows, a first name and an s. Read
        as a possessive, it takes no surname after it. (Where the name with an s is a word, "marks house", a
        narrower rule at the end of _people decides.)"""
        tok = norms[i]
        return len(tok) > 3 and tok.endswith("s") and tok[:-1] in self.first_names and tok not in self.first_names \
            and tok not in self.common and tok not in lx.STOPWORDS and tok not in lx.NOT_NAMES \
            and i + 1 < len(norms) and (norms[i + 1] in lx.PERSONAL_NOUNS or norms[i + 1] in lx.RELATIONS) \
            and (i == 0 or norms[i - 1] not in _DETERMINERS and norms[i - 1] not in _FOREIGN_ARTICLES)

    def _cued_person(self, norms, i: int, tok: str, prev: str, prev2: str, after: str) -> bool:
        """A person's cue just before the word at i: "call X", "dr X", "my sister X", "emails from X",
        "meeting with X", "add X to my contacts", "my name is X", "how old is X"."""
        # (after "visit" a place no list knows is likelier than a person no list knows: "visit yosemite")
        return (prev in lx.PERSON_VERBS and (prev != "visit" or tok in self.first_names)
                or prev in lx.TITLES or prev in lx.KIN_TITLES and tok in self.first_names
                or prev in lx.GRAND_TITLES and tok in self.first_names and prev2 not in lx.POSSESSIVES
                or prev in lx.RELATIONS and prev2 in ("my", "our", "your", "his", "her")
                or prev in ("from", "for") and prev2 in lx.MESSAGE_NOUNS  # "emails from X", "a message for X"
                # "send X a voice message", "leave X a reminder", "shoot X a text"
                or prev in ("send", "leave", "shoot", "drop", "forward", "give", "write")
                and after in ("a", "an", "the")
                and not (lx.MESSAGE_NOUNS | _SENT_THINGS).isdisjoint(norms[i + 2:i + 5])
                # "send X twenty dollars", "pay X fifty pounds": money goes to a person
                or prev in ("send", "pay", "give", "owe", "lend", "wire", "venmo") and after in _AMOUNT_WORDS
                and not _MONEY_UNITS.isdisjoint(norms[i + 2:i + 6])
                or prev == "with" and prev2 in lx.MEETING_NOUNS  # "meeting with X"
                # "get in touch with X", "check in with X", "catch up with X", "hit up X", "video chat X"
                or prev == "with" and prev2 in ("touch", "in", "up")
                or (prev2, prev) in (("hit", "up"), ("video", "chat"))
                or (prev2, prev) == ("pick", "up")  # "pick up X"
                # "drop X off", "pick X up", "i'm meeting X for coffee", "a gift for X", "put X on the list"
                or prev in ("drop", "pick") and after in ("off", "up")
                or prev == "meeting" and prev2 in ("i'm", "im", "am", "we're", "were", "are", "is")
                or prev == "for" and prev2 in _GIFTS
                or prev == "put" and after == "on" and "list" in norms[i + 2:i + 5]
                # "save this number under X", "a table booked under the name of X"
                or prev == "under" and not _FILED_UNDER.isdisjoint(norms[max(0, i - 5):i - 1])
                or prev == "as" and "save" in norms[max(0, i - 5):i - 1]  # "save this number as X"
                or (prev2, prev) == ("name", "of")
                or (prev2, prev) == ("the", "name") and "under" in norms[max(0, i - 5):i - 2]  # "under the name X"
                # "what did i get from max via skype", "get back to max via messages"
                or prev in ("to", "from") and after == "via" and i + 2 < len(norms)
                and (norms[i + 2] in lx.MESSAGE_NOUNS or norms[i + 2] in _MESSAGING_APPS)
                or prev == "wish" and after in _WISHES  # "wish X luck", "wish X a happy birthday"
                or prev == "add" and norms[i + 1:i + 4] in (["to", "my", "contacts"], ["to", "contacts"],
                                                            ["as", "a", "contact"])
                or prev in ("delete", "remove") and norms[i + 1:i + 4] in (["from", "my", "contacts"],
                                                                          ["from", "contacts"])
                # "add X to the event", "remove X from the group chat" (not "add milk to the list")
                or prev in ("add", "invite", "remove", "delete", "kick") and after in ("to", "from")
                and norms[i + 2:i + 3] in (["the"], ["my"], ["our"]) and norms[i + 3:i + 4] != []
                and norms[i + 3] in _GATHERINGS
                # "buy X a gift", "get X a card", "bake X a cake"
                or prev in ("buy", "get", "bring", "bake", "make", "order", "pick") and after in ("a", "an", "some")
                and not _GIFTS.isdisjoint(norms[i + 2:i + 5])
                # "photos of X", "pictures of jack" (not "photos of paris": a place is known before this is
                # asked; nor "pictures of roses", "of daisy", "of summer": flowers and seasons are photographed)
                or prev == "of" and prev2 in _PICTURES and tok not in self.all_places
                and (self._plainly_a_name(tok) or tok in lx.EVERYDAY_NAMES and tok in self.first_names
                     and tok not in _PHOTOGRAPHED and tok not in _WEATHER_NAMES and tok not in lx.MONTHS)
                and not _phrase_at(lx.place_names(), norms, i, len(norms))
                # "the video X sent me", "the message X left"
                or (prev in _PICTURES or prev in lx.MESSAGE_NOUNS) and after in _SENDING
                and (self._plainly_a_name(tok)  # "the messages rose sent me" (not "our mail lady left us a note")
                     or norms[i + 2:i + 3] in (["me"], ["us"]) and tok in lx.EVERYDAY_NAMES)
                # "find out from ginger when the five k is"
                or (prev2, prev) == ("out", "from")
                # "may texted me yesterday", "check if summer has answered me", "did mark txt me back"
                or self._contacted_me(norms, i)
                # "send X my eta", "send X our address"
                or prev in ("send", "text", "share") and after in ("my", "our")
                and not (_SENT_THINGS | _WHAT_I_SHARE).isdisjoint(norms[i + 2:i + 4])
                # "is jack free on friday", "is may available": whether someone is free (not "is parking free")
                or prev in ("is", "isn't", "was", "are") and after in lx.AVAILABILITY and tok in self.first_names
                and (i < 2 or norms[i - 2] in lx.QUESTION_OPENINGS or norms[i - 2] in ("if", "whether", "and"))
                # "jack will join the meeting", "if grace can attend": who joins a meeting (not "rain will come")
                or after in ("will", "can", "could", "might", "should", "would") and norms[i + 2:i + 3] != []
                and norms[i + 2] in ("join", "attend") and (i == 0 or prev in ("and", "that", "if", "whether", "but"))
                and tok in self.first_names and tok not in _WEATHER_NAMES
                # "finbar is my landlord", "and dawn is our neighbor": who someone is to the speaker
                or after == "is" and norms[i + 2:i + 3] in (["my"], ["our"]) and norms[i + 3:i + 4] != []
                and norms[i + 3] in lx.RELATIONS and (i == 0 or prev in ("and", "but", "so", "because", "that"))
                and tok.isalpha() and tok not in lx.STOPWORDS and tok not in _NEVER_A_NAME
                # "send my location to X", "forward the invoice to X" (not "send the directions to paris")
                or prev == "to" and (prev2 in _WHAT_I_SHARE or prev2 in _SENT_THINGS) and prev2 != "directions"
                and not _SHARING.isdisjoint(norms[max(0, i - 5):i - 2]) and tok not in self.all_places
                and "at" not in norms[i + 1:i + 5] and after not in ("dot", "underscore", "dash")  # no e-mail address
                # "what's X doing" (the tokens read "what's" as "what")
                or prev in ("what", "whats") and after == "doing"
                # "the birthday of X", "the wife of X" (not "a picture of paris")
                or prev == "of" and (prev2 in lx.RELATIONS or prev2 in ("birthday", "number", "email", "address"))
                or (prev2, prev) in (("name", "is"), ("this", "is"), ("name's", ""), ("i", "am"), ("call", "me"))
                or (prev2, prev) in (("old", "is"), ("old", "was"), ("old", "will")) and i > 2
                and norms[i - 3] == "how"  # "how old is X": a person's age (a thing's is "how old is the ...")
                or (prev2, prev) in (("when", "was"), ("where", "was")) and "born" in norms[i + 1:i + 4]
                or prev in ("i'm", "im", "name's", "names") or (prev2, prev) == ("my", "name")
                or prev == "to" and prev2 in lx.TO_A_PERSON
                or _messaged(norms, i) or _reacted_to(norms, i)
                or _reminded(norms, i)  # "a reminder at seven for spencer to walk the dog"
                or _planned_with(norms, i)  # "remind me to work out with rich next saturday"
                # "all of jade reminders", "when is faith birthday": an owner, her "'s" unsaid
                or (prev2, prev) == ("all", "of") and not lx.PERSONAL_NOUNS.isdisjoint(norms[i + 1:i + 3])
                or prev in ("is", "was") and prev2 in ("when", "what") and after in _CELEBRATIONS
                # "my dentist is olive", "the dentist is grace for the eleventh"
                or prev == "is" and prev2 in lx.RELATIONS and i > 2 and norms[i - 3] in ("my", "the", "our"))

    def _contacted_me(self, norms, i: int) -> bool:
        """Whether the name at i (an everyday word too) reached the speaker: "may texted me yesterday", "check
        if summer has answered me", "did mark txt me back"."""
        k = i + 1 + (norms[i + 1:i + 2] in (["has"], ["had"], ["just"]))
        return k + 1 < len(norms) and norms[k] in _CONTACTED and norms[k + 1] in ("me", "us", "back") \
            and (i == 0 or norms[i - 1] not in _DETERMINERS)  # "the storm called me back"

    def _called_person(self, tokens, norms, i: int, tok: str, prev: str, prev2: str, after: str) -> bool:
        """The calls people make and the people of plans around the word at i: "hang up on X", "call
        back X", "get X on the phone", "add X to the call", "[PERSON] and X", "share my location with X", "a
        meeting for X and me", "a table for me and X", "sent by X". So strong a cue that a first name that
        is also a word is a name ("add ray to the call")."""
        n = len(norms)
        return ((prev2, prev) == ("up", "on") and i > 2 and norms[i - 3] == "hang"
                # (a town's name that is also a person's is a person's here: "[PERSON] and sandy covington")
                or prev == "and" and i > 1 and tokens[i - 2].raw == "[PERSON]" and tok not in lx.STOPWORDS
                and (tok in self.first_names or self._unknown_word(tok))
                and not (self._only_a_place(tok) or len(_phrase_at(lx.place_names(), norms, i, n) or ()) > 1)
                # "is joy and [PERSON] on the way": a first name paired with a person found
                or after == "and" and i + 2 < n and tokens[i + 2].raw == "[PERSON]" and tok in self.first_names
                and tok not in lx.STOPWORDS and not self._only_a_place(tok) and tok not in _WEATHER_NAMES
                and not _phrase_at(lx.place_names(), norms, i, n)
                # "a table for me and savannah", "sent by X"
                or prev == "and" and prev2 == "me" and tok in self.first_names and tok not in lx.STOPWORDS
                or (prev2, prev) == ("sent", "by")
                or prev == "back" and prev2 in lx.PERSON_VERBS
                or prev == "get" and norms[i + 1:i + 4] in (["on", "the", "phone"], ["on", "the", "line"])
                # "put X on speaker", "put X on hold"
                or prev == "put" and after == "on" and i + 2 < n and norms[i + 2] in _ON_A_CALL
                or prev in ("add", "merge", "bring", "pull") and after in ("to", "into") \
                and not _CALL_NOUNS.isdisjoint(norms[i + 2:i + 6])
                or prev == "with" and "share" in norms[max(0, i - 4):i - 1]
                or _paid(norms, i)  # "transfer ninety dollars to price"
                or prev == "for" and after == "and" and i + 2 < n and norms[i + 2] in ("me", "i", "us")
                # "mark and i are going out" (a listed first name only: "four people and i", "soon and i")
                or after == "and" and i + 2 < n and norms[i + 2] == "i" and tok in self.first_names
                and (tok not in self.common or tok in lx.EVERYDAY_NAMES) and tok not in lx.MONTHS)

    def _acting_person(self, norms, labels, i: int, tok: str, prev: str, after: str) -> str:
        """What the listed name that is also a word at i does, if it stands between a helper verb (or
        "that") and what a person does ("what does hope do for a living", "remind me that drew owes me"), or
        anything done with his or her things ("did cliff start his new job", "when jade takes her pills"); ""
        if not. Not a month or a place, nor a season where it does what seasons do ("is summer coming"); an
        adverb may stand between ("when did hunter last call")."""
        n = len(norms)
        action = norms[i + 2] if after in _ADVERBS and i + 2 < n and labels[i + 2] is None else after
        # "when did cliff start at his new job": what is done to or by him or her is a person's act
        theirs = action.isalpha() and action not in lx.STOPWORDS and not _HIS_OR_HER.isdisjoint(norms[i + 2:i + 6])
        acting = ((prev in lx.HELPER_VERBS or prev == "that") and (action in lx.PERSON_ACTIONS or theirs)
                  or (prev in _CLAUSE_OPENERS or prev == "when") and theirs) \
            and tok in lx.EVERYDAY_NAMES and (tok in self.first_names or action in _SAYING) \
            and tok not in lx.MONTHS and (theirs or not _season_doing(tok, action)) \
            and tok not in self.all_places and not _phrase_at(lx.place_names(), norms, i, i + 1)
        return action if acting else ""

    def _subject(self, norms, labels, i: int, tok: str, prev: str, prev2: str, after: str) -> bool:
        """Whether the listed first name at i, also an everyday word ("mark", "frank", "tony"), is the
        subject of what a person does, at the start of the request or after a wh-word ("mark is leaving",
        "what tony wrote"), or is asked after ("where is mark right now", "how is mark doing", "who is mark").
        Not a helper verb, nor a season,
        a month or a place doing what those do."""
        if tok not in self.first_names and tok not in lx.EVERYDAY_NAMES or tok in lx.STOPWORDS \
                or tok in lx.NOT_NAMES or tok in _NEVER_A_NAME:
            return False
        n = len(norms)
        then = norms[i + 2] if i + 2 < n and labels[i + 2] is None else ""
        action = then if after in _BEING and then in lx.PERSON_ACTIONS else after  # "mark is leaving"
        # a season, a month or a place does what seasons and places do ("is summer coming", "georgia is
        # going blue"), not what only people do ("tyler is leaving work", "june said she would call")
        place = tok in self.all_places or _phrase_at(lx.place_names(), norms, i, i + 1)
        if _season_doing(tok, action) or (tok in lx.MONTHS or place) and action in _WHAT_PLACES_DO:
            return False
        acts = action in lx.PERSON_ACTIONS and action not in ("be", "been", "have", "has", "do", "get", "got") \
            and not (tok in lx.EVERYDAY_NAMES and action in ("need", "needs"))  # "rose needs water"
        return acts and (i == 0 or prev in _WH_WORDS) \
            or (prev2, prev) == ("where", "is") and (norms[i + 1:i + 3] == ["right", "now"] or i + 1 == n
                                                     and tok not in _WEATHER_NAMES and tok not in lx.MONTHS) \
            and not place and not _phrase_at(lx.brand_names(), norms, i, n) \
            or prev2 in _WH_WORDS and prev in ("is", "was") and after == "doing" and not place \
            or (prev2, prev) == ("who", "is") and after == "" and not place and tok not in _WEATHER_NAMES

    def _owns(self, tokens, norms, i: int, prev: str) -> bool:
        """Whether the listed first name at i, possessive, is a person owning the common thing after it."""
        n = len(norms)
        return _possessive(tokens[i]) and norms[i] in self.first_names and i + 1 < n \
            and prev not in _DETERMINERS and prev not in ("saint", "st") \
            and norms[i + 1] in self.common and norms[i + 1] not in lx.STOPWORDS \
            and not _VENUE_WORDS.intersection(norms[i + 1:i + 4]) and norms[i + 1] not in lx.CALENDAR_WORDS \
            and norms[i + 1] not in ("day", "eve", "night") \
            and not lx.MEDIA_REQUEST_WORDS.intersection(norms)

    def _plainly_a_name(self, tok: str) -> bool:
        """A listed first name that is no everyday word ("noa", or "tom", far more often a name), or a word no
        list knows: not "love", "lady" or "grace" where a weak cue is all there is."""
        return tok in self.first_names and (tok not in self.common or tok in lx.NAMES_BEFORE_WORDS) \
            or self._unknown_word(tok)

    def _somewhere(self, norms, j: int) -> bool:
        """Whether tokens from j say where someone is: "still at google", "still with the band", "on facebook"."""
        words = norms[j:j + 3]
        if words[:1] == ["still"]:
            words = words[1:]
        return words[:1] in (["at"], ["with"]) and norms[j:j + 1] == ["still"] \
            or words[:1] == ["on"] and len(words) > 1 and words[1] in _SOCIAL_NETWORKS

    def _spoken_of(self, norms, i: int) -> bool:
        """Whether the word at i, after a person verb, is someone called "she" or "he" right after it ("tell
        marigold she won", "ask marigold whether she needs a lift"), and no relation, title, place or brand."""
        tok = norms[i]
        return tok.isalpha() and len(tok) > 2 and tok not in lx.STOPWORDS and tok not in _NEVER_A_NAME \
            and not tok.endswith("ing") and tok not in lx.PERSON_VERBS and tok not in lx.PERSON_ACTIONS \
            and tok not in self.all_places and not _phrase_at(lx.brand_names(), norms, i, i + 1) \
            and (norms[i + 1:i + 2] and norms[i + 1] in _SHE_OR_HE
                 or norms[i + 1:i + 2] and norms[i + 1] in _ASKING and norms[i + 2:i + 3]
                 and norms[i + 2] in _SHE_OR_HE)

    def _name_like(self, tok: str, strong: bool) -> bool:
        if not tok.isalpha() or tok in lx.STOPWORDS or tok in lx.RELATIONS or tok in lx.TITLES or len(tok) < 2 \
                or tok in lx.GRAND_TITLES or tok in lx.KIN_TITLES \
                or tok in self.places or tok in lx.ASSISTANTS or tok in lx.NOT_NAMES:
            return False
        if tok in self.first_names or tok in self.surnames and strong \
                or tok in lx.EVERYDAY_NAMES and tok not in lx.MONTHS:  # "sky", "chip": on no census list
            return True
        return tok not in self.common

    def _unknown_word(self, tok: str) -> bool:
        return tok.isalpha() and len(tok) > 2 and tok not in self.common and tok not in self.all_places \
            and tok not in lx.NOT_NAMES and tok not in lx.PERSON_VERBS \
            and tok not in lx.STOPWORDS and tok not in _NEVER_A_NAME and tok not in lx.STREET_TYPES \
            and not self._two_words(tok)

    def _two_words(self, tok: str) -> bool:
        """Whether a word no list knows is two everyday words written as one ("wakeup", "carpool",
        "standup", "ontime"), and no listed name: a word, not a name nobody has heard of."""
        if tok in self.first_names or tok in self.surnames:
            return False
        return any(tok[:k] in self.common and tok[k:] in self.common for k in range(2, len(tok) - 1))

    def _bare_name(self, tok: str) -> bool:
        return tok in self.first_names and tok not in self.common and tok not in lx.STOPWORDS \
            and tok not in self.all_places and tok not in lx.ASSISTANTS and tok not in lx.NOT_NAMES

    def _surname_end(self, norms, labels, j) -> int:
        """j + 1 if token j is a surname following a first name, else j."""
        if j >= len(norms) or labels[j] is not None:
            return j
        tok = norms[j]
        if _wished(norms, j):
            return j
        if tok and tok.isalpha() and tok not in lx.STOPWORDS and (tok in self.surnames or tok not in self.common) \
                and tok not in lx.STREET_TYPES and not is_number_token(tok) and tok not in lx.QUANTITY_UNITS \
                and tok not in lx.NOT_NAMES and tok not in lx.PERSON_ACTIONS \
                and tok not in _STARTING and tok not in _CONTACTED \
                and tok not in _MESSAGING_APPS and tok not in _SOCIAL_NETWORKS:  # "where kim works", "[dale] messenger"
            return j + 1
        return j

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
                placeholder = _placeholder(tokens[k].raw)
                label = placeholder.group(1) if placeholder else None
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

    # -- result ------------------------------------------------------------
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


_TIME_WORDS = frozenset("at by until till around from before after to".split())  # "at ten thirty"
_FUNCTION_WORDS = frozenset(w for w in lx.STOPWORDS if not is_number_token(w) and len(w) > 1) - HOMOPHONES
# Labels of one family may meet in a run ("[NUMBER]" by a rule, "PHONE" by the tagger) without dispute.
_FAMILY = {"PERSON": "PERSON", "ADDRESS": "ADDRESS", "EMAIL": "EMAIL"}  # the rest: numbers and codes
# Homophones that are rarely anything but a number next to one ("for" and "to" often are).
_TRAILING_SLIPS = frozenset("won ate too o".split())
_UNITS = lx.QUANTITY_UNITS - {"plus"}  # "plus four four ..." begins a phone number
def _media_slot(norms: list[str], i: int, before, cues: frozenset[str]) -> bool:
    """True if a name at i follows a media cue: "play X", "songs by X"; but not the agent of a
    passive ("it was signed for by X", "picked up by X")."""
    words = {norms[k] for k in before} & cues
    if words == {"by"} and i > 1 and norms[i - 1] == "by":
        return not (norms[i - 2] in lx.PERSON_TAKING_VERBS or norms[i - 2] in lx.PERSON_LINKS)
    return bool(words)


def _acts_next(norms: list[str], j: int, actions: frozenset[str]) -> bool:
    """Whether token j is one of `actions`, or a helper verb before one ("X will pick up"; not "will be")."""
    return j < len(norms) and (norms[j] in actions or norms[j] in lx.HELPER_VERBS and j + 1 < len(norms)
                               and norms[j + 1] in actions and norms[j + 1] not in ("be", "been"))


def _after_a_person(tokens, norms: list[str], i: int) -> bool:
    """Whether token i follows "[PERSON] and": one person named after another ("with [PERSON] and sandy
    covington" is no pair of towns)."""
    return i > 1 and norms[i - 1] == "and" and tokens[i - 2].raw == "[PERSON]"


def _initials(norms: list[str], i: int) -> int:
    """Where a name said as two initials from token i ends ("c j", "a j"), or i if it is none. Not three:
    those are networks more often ("a b c news", "c n n"); and no "i" ("text v i love you")."""
    two = norms[i:i + 2]
    if len(two) == 2 and all(len(w) == 1 and w.isalpha() for w in two) and "i" not in two \
            and (i + 2 == len(norms) or not (len(norms[i + 2]) == 1 and norms[i + 2].isalpha())):
        return i + 2
    return i


def _messaged(norms: list[str], i: int) -> bool:
    """Whether token i is who a message goes to, after "to" in a request to send one, at its end or before
    how it goes: "send a message back to X", "send happy birthday to X", "shoot a text over to X on
    whatsapp". Not on a way somewhere ("drive to X", "directions to X")."""
    if i < 2 or norms[i - 1] not in ("to", "from"):
        return False
    before = norms[max(0, i - 8):i - 1]
    ends = i + 1 == len(norms) or norms[i + 1] in _HOW_IT_GOES
    # "what messages do i have from drew", "the text i just got from rose today" (not "from X to Y")
    if norms[i - 1] == "from":  # (not where a message is sent: "message andrew to pick up the baby from daycare")
        return ends and not lx.MESSAGE_NOUNS.isdisjoint(before) and _ROUTE_WORDS.isdisjoint(before) \
            and norms[0] not in lx.PERSON_VERBS and "send" not in norms[:i]
    # "react with a laugh to hope", "give a smile reaction to ivy"
    said = not _MESSAGING.isdisjoint(before) or "s m s" in " ".join(before) \
        or not _REACTING.isdisjoint(before)  # (not "like": "i'd like to see that")
    return said and ends and norms[i - 2] not in _TRAVEL_WORDS and _ROUTE_WORDS.isdisjoint(before)


def _paid(norms: list[str], i: int) -> bool:
    """Whether token i is who money goes to, after "to" in a request to send or transfer it, at its end or
    before the account or how it goes: "transfer ninety dollars from my savings to X", "send money from my
    checking account to X for the loan". Not on a way somewhere."""
    if i < 2 or norms[i - 1] != "to":
        return False
    before = norms[max(0, i - 12):i - 1]
    return not _PAYING.isdisjoint(before) and _TRAVEL_WORDS.isdisjoint(before) and _ROUTE_WORDS.isdisjoint(before) \
        and (i + 1 == len(norms) or norms[i + 1] in _HOW_IT_GOES or norms[i + 1] in _ACCOUNT_WORDS)


def _reminded(norms: list[str], i: int) -> bool:
    """Whether token i is who a reminder is for, and what is to be done follows: "a reminder at seven for
    spencer to walk the dog", "a weekly reminder for may to weed the flowerbed"."""
    return 1 < i < len(norms) - 2 and norms[i - 1] == "for" and norms[i + 1] == "to" \
        and norms[i + 2] not in lx.STOPWORDS and not is_number_token(norms[i + 2]) \
        and not _REMINDING.isdisjoint(norms[max(0, i - 10):i - 1])


def _planned_with(norms: list[str], i: int) -> bool:
    """Whether token i is who something is planned with, in a reminder or a plan, and when or nothing
    follows: "remind me to work out with rich next saturday", "all the reminders i have with pat". Not in
    a request about cooking ("a reminder to make pasta with basil tomorrow")."""
    return i > 1 and norms[i - 1] == "with" and (i + 1 == len(norms) or norms[i + 1] in _WHEN_AFTER) \
        and not (_REMINDING | _PLANS).isdisjoint(norms[:i - 1]) and lx.COOKING_WORDS.isdisjoint(norms) \
        and _phrase_at(lx.thing_names(), norms, i, len(norms)) is None  # "with basil", "with ginger"


def _reacted_to(norms: list[str], i: int) -> bool:
    """Whether token i owns the message a reaction is to, its "'s" unsaid: "love jack text", "thumbs up
    ray message", "react crying to wade picture", "like storm last message"."""
    k = i + 1 + (norms[i + 1:i + 2] in (["last"], ["latest"], ["recent"]))
    k += k < len(norms) and norms[k] not in _REACTED_TO \
        and (norms[k] in _MESSAGING_APPS or norms[k] in _SOCIAL_NETWORKS)  # "heather whatsapp message"
    # just after the reaction or "to", "at", "on" (not "love the sky text", "john's gif message")
    return k < len(norms) and norms[k] in _REACTED_TO and not _REACTIONS.isdisjoint(norms[max(0, i - 4):i]) \
        and i > 0 and (norms[i - 1] in _REACTIONS or norms[i - 1] in ("to", "at", "on")
                       or norms[i - 2:i] in (["thumbs", "up"], ["thumbs", "down"])) \
        and norms[i] not in _MESSAGING_APPS and norms[i] not in _SOCIAL_NETWORKS


def _season_doing(tok: str, action: str) -> bool:
    """Whether a season's or the weather's name does what seasons and weather do ("is summer coming", "has
    winter finished"): no person's act there."""
    return tok in _WEATHER_NAMES and action in _WHAT_WEATHER_DOES


def _wished(norms: list[str], k: int) -> bool:
    """Whether the word at k is what is wished a person named just before it ("wish tom good luck",
    "send tom good morning"), not the person's surname."""
    return norms[k] in _WISHES and not _WISHING.isdisjoint(norms[max(0, k - 3):k - 1])


def _asks_for_an_actor(norms: list[str]) -> bool:
    """A film actor's whole name said the way film-goers pick a film by who is in it, with no film word
    around: "the one with daniel craig", "anything with adam sandler", "which one has brad pitt in it",
    "hustlers with jennifer lopez" (a listed film just before "with"), "is joaquin phoenix in joker" (a listed
    film just after "in"). Not "lunch with ...": a person's."""
    n = len(norms)
    for i in range(n):
        actor = _phrase_at(lx.film_actors(), norms, i, n)
        if not actor:
            continue
        j = i + len(actor)
        # "which one has brad pitt in it", "i heard keanu reeves is great in that", "the one that stars X",
        # "what else has adam driver been in", "the one where ryan reynolds plays deadpool", "the one with the
        # rock and kevin hart"
        if any(norms[k:k + 2] in (["in", "it"], ["in", "that"], ["in", "this"]) for k in range(j, j + 4)) \
                or _been_in_films(norms, j) \
                or i > 1 and norms[i - 1] == "where" and norms[i - 2] in _PICKED_BY_WHO_IS_IN_IT \
                or i > 1 and norms[i - 1] == "and" and "with" in norms[max(0, i - 5):i - 1] \
                and not _PICKED_BY_WHO_IS_IN_IT.isdisjoint(norms[max(0, i - 7):i - 1]) \
                or i and norms[i - 1] in ("stars", "featuring") \
                or i > 1 and norms[i - 1] in ("has", "had") and norms[i - 2] in _PICKED_BY_WHO_IS_IN_IT \
                or norms[j:j + 1] == ["in"] and norms[j + 1:j + 2] not in (["the"], ["a"], ["an"], ["my"]) \
                and len(_phrase_at(lx.film_titles(), norms, j + 1, n) or ()) == n - j - 1 \
                or i > 1 and norms[i - 1] == "with" and norms[i - 2] in _PICKED_BY_WHO_IS_IN_IT \
                or i > 1 and norms[i - 1] == "with" and any(
                    len(_phrase_at(lx.film_titles(), norms, k, i - 1) or ()) == i - 1 - k for k in range(i - 1)):
            return True
    return False


_PICKED_BY_WHO_IS_IN_IT = frozenset("one ones anything something that this".split())


def _been_in_films(norms: list[str], j: int) -> bool:
    """Whether "been in" at token j asks what films someone was in: "what else has adam driver been in", "has
    X been in anything lately" (not "been in the hospital", "been in touch")."""
    return norms[j:j + 2] == ["been", "in"] and norms[j + 2:j + 3] in ([], ["anything"], ["lately"], ["recently"])


def _phrase_at(names: dict[str, list[tuple[str, ...]]], norms: list[str], k: int, end: int) -> tuple[str, ...] | None:
    """The longest of `names` (lexicon.place_names(), brand_names()) that starts at token k and ends by `end`."""
    return next((p for p in names.get(norms[k], ()) if k + len(p) <= end and tuple(norms[k:k + len(p)]) == p), None)


# What makes a run of names a company's ("williams p l c", "smith and sons"), as Vosk writes it.
# A legal form says company after any name; the rest only after a name that no first name starts ("kerr and
# sons", not "mark and sons"; never "mark and company", "the kerr brothers": those are people).
_COMPANY_FORMS = tuple(tuple(s.split()) for s in (
    "inc", "incorporated", "ltd", "limited", "llc", "l l c", "plc", "p l c", "llp", "l l p", "corp", "corporation"))
_COMPANY_SUFFIXES = _COMPANY_FORMS + tuple(tuple(s.split()) for s in (
    "holdings", "partners", "associates", "industries", "enterprises", "and sons", "and son",
    "and daughters", "and partners", "and associates"))
_SHOW_PARTS = frozenset("episode episodes season seasons series finale premiere".split())
_OPENING_HOURS = frozenset("open opens opened opening close closes closed closing hours".split())
_SHOP_WORDS = frozenset("""
store shop market pharmacy bakery deli diner cafe restaurant bar pub grill kitchen pizza pizzeria tavern bistro
""".split())


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


def _opening_hours(norms, i: int, j: int) -> bool:
    """Whether the possessive name at i..j is asked about as a shop: its opening hours follow in a question,
    at once ("when does [kohl]'s open") or after what it sells ("is [dave]'s hot chicken open", "is [joe]'s
    pizza open"; not "is ximena's door open"), or "hours for" come before it."""
    for k in range(j, min(len(norms), j + 3)):
        if norms[k] in _OPENING_HOURS:
            sells = all(w in _SHOP_WORDS for w in norms[j:k]) or _phrase_at(lx.thing_names(), norms, j, k) \
                in (tuple(norms[j:k]), tuple(norms[j + 1:k])) and norms[j] not in lx.PERSONAL_NOUNS
            return sells and norms[0] in ("is", "are", "when", "what", "does", "do", "will", "was")
    return "hours" in norms[max(0, i - 4):i] and j == len(norms)


def _on_a_shopping_list(norms, i: int, j: int) -> bool:
    """Whether the run i..j is put on or taken off a shopping list: "add [X] (and Y) to my shopping list",
    "remove [X] from the grocery list" (not "add X to the shopping list group": a chat's members are people)."""
    if not (i and norms[i - 1] in _ITEM_BEFORE and j < len(norms) and norms[j] in _ITEM_AFTER
            and "list" in norms[j:] and not _SHOPPING_LISTS.isdisjoint(norms[j:])):
        return False
    after = norms.index("list", j) + 1
    return after == len(norms) or norms[after] not in ("group", "chat", "thread", "channel")


def _asks_what_a_word_means(norms) -> bool:
    """"what does hygge mean", "define schadenfreude", "what is the meaning of ...": the word asked after is a
    word (not "what does john mean by that")."""
    return norms[:1] == ["define"] or norms[:2] == ["what", "does"] and norms[-1] == "mean" \
        or not {"meaning", "definition"}.isdisjoint(norms[:4]) and "of" in norms[:6]


_SHOPPING_LISTS = frozenset("shopping grocery groceries supermarket pantry".split())
_ITEM_BEFORE = frozenset("add put remove delete take cross and some more".split())  # "add [X] to the list"
_ITEM_AFTER = frozenset("to on onto from off and".split())
_RADIO_BANDS = frozenset("fm am mhz khz megahertz kilohertz".split())
# Words that join places in one run ("from las vegas to los angeles", "paris france") and words
# before a place that make a name-like one a place ("weather in jackson").
_PLACE_JOINS = frozenset("to and or via in near city state county".split())
_IN_A_TOWN = frozenset("in near".split())
_PLACE_CONTEXT = frozenset("""
in near around weather forecast visit visiting flights flight fly flying trip drive driving directions train trains
bus buses downtown temperature rain snow
""".split())
# "leaving from X", "flying to X": a one-word place after these is a place, not a person ("emails from X" is).
_TRAVEL_WORDS = frozenset("""
leave leaving left depart departing departure go going went travel traveling travelling traveled fly flying
flight flights head heading headed drive driving return returning trip trips ticket tickets train trains bus
buses move moving ride cab taxi coming come get getting way
""".split())
# Words after which a place's name ends a route, a few words on ("how many miles is it to X", "traffic between
# X and Y"), and weather words before "for" ("the forecast for X") or after a place's possessive ("X's weather").
_ROUTE_WORDS = frozenset("""
miles mile kilometers kilometres km far distance route routes traffic commute navigate navigation directions drive
driving flight flights fly flying train trains bus trip
""".split())
_WEATHER_WORDS = frozenset("weather forecast temperature temperatures rain snow humidity sunrise sunset".split())
# Words of a request about schooling; not "transfer", "apply", "senior" or "major": money goes to people ("transfer
# fifty dollars to lewis"), and loans, discounts and majors are not only a school's.
_SCHOOLING = frozenset("""
study studies studied studying graduate graduates graduated graduating attend attends attended attending college
university school degree alumni alumnus campus semester enrolled enroll admitted professor freshman sophomore
""".split())
_AT_A_SCHOOL = frozenset("attend attends attended attending".split())  # "he attended [vanderbilt]"
_FOREIGN_ARTICLES = frozenset("las los el la les le der die das".split())  # "bajo las estrellas playlist"
_DETERMINERS = frozenset("the a an this that these those my your our his her their its".split())
# In no name ("a" is: a spelled name's letter, a middle initial)
_JOINING_WORDS = _DETERMINERS - {"a", "an"} | frozenset("in on at of to for from with and or".split())
# "add X to the call", "add X to the party reminder"
_CALL_NOUNS = frozenset("call calls chat conversation meeting hangout thread reminder invite invitation guest".split())
_CLAUSE_OPENERS = frozenset("that before after until till once unless because while".split())
# "remind me that X is": "that" opens a clause after these; after others it may be a determiner
_THAT_AFTER = frozenset("me him her them us know remember forget say said tell told think hope sure mention".split())
_BEING = frozenset("is was has had will would needs wants".split())
_ADVERBS = frozenset("last ever just already not never finally still really".split())  # "did X last call"
# What only a person does ("has sky replied"): enough to make a season's or the sky's name a person's.
_SAYING = frozenset("""
reply replied respond responded call called text texted message messaged email emailed answer answered write wrote
say said comment commented
""".split())
_ON_A_CALL = frozenset("speaker speakerphone hold mute".split())
# (not "send": "send the package to austin")
_CONTACTED = frozenset("texted messaged emailed called answered replied responded txt txted wrote dmed".split())
_NOT_AFTER_A_HELPER_NAME = frozenset("to that and via through house asking saying about at please".split())
_STREETS_NAMED = frozenset("boulevard blvd avenue ave street road parkway highway expressway".split())
# Everyday-word names that are also what people photograph: flowers, plants, stones, the sky and the sea.
_PHOTOGRAPHED = frozenset("""
rose daisy lily violet iris jasmine poppy fern holly ivy hazel heather olive ginger pearl ruby amber crystal jade
sky river brook dawn sunny rocky cherry honey candy angel
""".split())
_BEFORE_SOMEONE = frozenset("with to from for and by see meet visit".split())
_REMINDING = frozenset("reminder reminders remind alert".split())
_PLANS = lx.MEETING_NOUNS | frozenset("plans plan schedule calendar event appointment appt".split())
_WHEN_AFTER = frozenset("""
at on for next this tomorrow today tonight every from in about monday tuesday wednesday thursday friday saturday
sunday mondays tuesdays wednesdays thursdays fridays saturdays sundays
""".split())
_MESSAGES_NOT_REMINDERS = frozenset("message messages text texts video recording voicemail email".split())
_MESSAGING = lx.MESSAGE_NOUNS | frozenset("""
text message write reply shoot email response birthday anniversary sms whatsapp recording
""".split())
_HOW_IT_GOES = frozenset("on in via through using saying that asap now today tonight yesterday last please".split())
_ACCOUNT_WORDS = frozenset("for checking savings account".split())
_REACTED_TO = frozenset("message messages text texts picture pictures photo photos video gif post reply".split())
_REACTING = frozenset("react reacting reaction emoji smiley thumbs haha wow".split())
_REACTIONS = frozenset("""
like love heart hearts thumbs laugh laughing haha angry crying cry sad mad dislike react reacting reaction wow
emoji smiley smile face eyes
""".split())
_IN_CINEMAS = [["in", w] for w in ("theaters", "theatres", "cinemas")]
_CINEMA_WORDS = lx.VENUE_AFTER | {"drive"}  # the venue words, and a drive-in ("the sunset drive in")
_WH_WORDS = frozenset("what who where when why how whatever".split())
_OBJECT_STARTS = _DETERMINERS | frozenset("me him them us it".split())  # "post [a photo]", "like [it]"
_SHE_OR_HE = frozenset("she he she's he's".split())
_ASKING = frozenset("whether if that when what how where why".split())  # "ask X whether she ..."
_HIS_OR_HER = frozenset("his her him himself herself".split())
# What a first name's possessive opens when it names a business ("harry's bar", "lulu's kitchen").
_VENUE_WORDS = frozenset("""
bar bars pub tavern inn kitchen restaurant diner grill cafe coffee bakery deli pizza pizzeria bistro cantina
steakhouse attic saloon lounge club hotel motel shop store market garage salon barbershop cafeteria creek
""".split()) | lx.VENUE_AFTER | lx.LANDMARK_AFTER
_SOCIAL_NETWORKS = frozenset("facebook instagram twitter linkedin snapchat tiktok whatsapp skype threads".split())
_MESSAGING_APPS = frozenset("skype whatsapp messenger facebook imessage telegram signal sms email text".split())
_FILED_UNDER = frozenset("""
save saved put book booked reservation reserve reserved table listed file filed account order appointment
""".split())
_GIFTS = frozenset("gift gifts present presents card cake flowers surprise".split())
# Where people are added and from which they are removed.
_GATHERINGS = frozenset("event meeting call chat group thread conversation party invite invitation guest".split())
_PICTURES = frozenset("photo photos picture pictures pic pics video videos selfie selfies".split())
_SENDING = frozenset("sent shared posted took wrote left forwarded".split())
_SHARING = frozenset("send sending text share sharing forward give email message".split())
_WHAT_I_SHARE = frozenset("eta location address number whereabouts".split())
_SENT_THINGS = frozenset("""
copy link photo photos picture pictures pic pics video videos file files list address recipe details schedule
location report directions invoice menu pdf document documents screenshot screenshots receipt receipts slides
contract contracts form forms paperwork application proposal draft quote estimate presentation
""".split())
_WISHES = frozenset("luck good well a an happy merry congratulations".split())  # what one wishes a person
_WISHING = frozenset("wish send say bid".split())
_AMOUNT_WORDS = frozenset("""
a one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen
eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred
""".split())
_MONEY_UNITS = frozenset("dollar dollars bucks pound pounds quid euro euros rupees cents pence".split())
_PAYING = _MONEY_UNITS | frozenset("transfer transferred money payment pay paid venmo zelle wire".split())
_EXCHANGING = frozenset("convert converted conversion exchange rate rates worth".split())
_PAYING_VERBS = frozenset("send sent pay paid transfer transferred give gave owe owes wire venmo zelle".split())
# What seasons and weather never come to nor leave: messages and gatherings.
_SOCIAL = lx.MESSAGE_NOUNS | frozenset("""
party sleepover dinner lunch breakfast wedding shower barbecue bbq picnic playdate practice recital meeting
funeral birthday game
""".split())
_WEATHER_NAMES = frozenset("summer autumn winter spring storm sky sunny dusty rusty".split())  # "is summer coming"
# What a place or a month does too ("georgia is going blue", "june is coming"), not "tyler is leaving work".
_WHAT_PLACES_DO = frozenset("come coming came comes arrive arrived arrives go going went goes be been get got have has "
                            "do".split())
# What a season or the weather does too ("is summer coming", "has winter finished"): not a person's act there.
_WHAT_WEATHER_DOES = frozenset("""
come coming came comes arrive arrived arrives leave left leaves leaving go going went goes finish finished
finishes be been get got have has do staying
""".split())
_NEW = frozenset("new latest greatest".split())  # "[artist]'s new song"
_LIST_WORDS = frozenset(("list", "lists"))  # "my costco list": a shopping list named after its shop
_STARTING = frozenset("start starts started begin begins began".split())  # surnames too, but verbs after a name
# A home, and a celebration, that a possessive without its "'s" names as someone's.
_SOMEONES_PLACE = frozenset("house place apartment home parents kids children folks grandparents".split())
_CELEBRATIONS = frozenset("birthday party wedding graduation funeral shower anniversary".split())
_TO_SOMEONES = frozenset("to from at leave leaving".split())
_BORROWING = frozenset("return returning borrow borrowing borrowed lend lent".split())
_NEVER_A_NAME = lx.TITLES | lx.RELATIONS | lx.ASSISTANTS | lx.CONTRACTIONS
_LATER_HOURS = {"thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"}
_HOURS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"}


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


_HALF_OF_DAY = (("a", "m"), ("p", "m"), ("am",), ("pm",), ("a.m.",), ("p.m.",), ("o'clock",), ("oclock",))


def _address_numbers(norms, labels) -> None:
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


def _dates_keep_their_year(norms, labels) -> None:
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


def _clock_times(norms: list[str]) -> set[int]:
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


def _unify(labels: list[str | None]) -> None:
    """One label for a stretch of number and code labels side by side ("[SSN] [NUMBER] [SSN]"
    is one national insurance number): the label most of its tokens have."""
    i = 0
    while i < len(labels):
        if labels[i] is None or labels[i] in _FAMILY:
            i += 1
            continue
        j = i
        while j < len(labels) and labels[j] is not None and labels[j] not in _FAMILY:
            j += 1
        if len(set(labels[i:j])) > 1:
            winner = Counter(labels[i:j]).most_common(1)[0][0]
            labels[i:j] = [winner] * (j - i)
        i = j


def _placeholder_view(tokens: list[_Token], labels: list[str | None]) -> tuple[list[_Token], list[int]]:
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
        view.append(_Token(f"[{label}]", "", tokens[i].start, tokens[j].end))
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
