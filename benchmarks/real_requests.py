"""Real, human-written assistant requests with their slots marked, in spoken form (issue 23).

    python -m benchmarks.real_requests                       # per corpus: utterances, spans per label
    python -m benchmarks.real_requests --extract-snips DIR   # rebuild benchmarks/data/real/snips.jsonl.gz
    python -m benchmarks.real_requests --extract-sgd DIR     # rebuild benchmarks/data/real/sgd.jsonl.gz
    python -m benchmarks.real_requests --extract-taskmaster3 TSV ...  # rebuild .../taskmaster3.jsonl.gz
    python -m benchmarks.real_requests --extract-clinc150 JSON  # rebuild .../clinc150.jsonl.gz

Every other corpus the redactor is measured on is generated. These are requests people wrote for voice
assistants and task-oriented dialogue systems, kept in the repository (CI reaches no code host) as
benchmarks/data/real/<corpus>.jsonl.gz, one JSON object a line:

    {"id": ..., "domain": intent or service, "text": spoken-form text, "spans": [[start, end, label], ...]}

Labels are the redactor's identifier labels, PERSON (a private person: contact, receiver, friend, doctor),
PHONE, EMAIL, ADDRESS (street addresses only), and KEEP for names that are NOT identifiers and must come
through untouched: cities, states, countries, venues, businesses, brands, artists, actors, titles of songs,
albums, playlists, books and films, event names. Slots that are neither (dates, times, amounts, cuisines,
genres...) are not marked. SLOT_LABELS says, per corpus, which slot becomes which label.

How the files were made (LICENCES.md beside them names each source, its commit and licence):

- snips: github snipsco/nlu-benchmark, 2017-06-custom-intent-engines/<Intent>/train_<Intent>_full.json and
  validate_<Intent>.json, all seven intents. `extract_snips(DIR)` with DIR that folder.
- sgd: github google-research-datasets/dstc8-schema-guided-dialogue, every USER turn of the
  {train,dev,test}/dialogues_*.json files, slot spans from its frames. The store this was made from lacked
  the dialogue files of 4 MiB and more (31 of 127 in train, 3 of 20 in dev, 10 of 34 in test); the rest
  give about 156,000 user turns, of which `extract_sgd(DIR)` keeps every one with a PERSON, PHONE, EMAIL or
  ADDRESS span and a seeded random sample of the others, SGD_SIZE in all, after removing repeated texts.
- taskmaster3: github google-research-datasets/Taskmaster, TM-3-2020/splits/train/train-bc.tsv, the one file
  of Taskmaster-3's splits the store this was made from held (the dialogue files and the other split files are
  larger than it kept): movie-ticketing dialogues, each line a dialogue's context up to an agent turn, user
  turns after <U>, the API calls made after them as <PN>name<PAN>argument<PAV>value. These files carry no
  span annotations (the dialogue files do), so `extract_taskmaster3(FILES)` marks the values of a dialogue's
  API arguments where its user turns say them (case aside, on word boundaries): movies, theaters, places,
  people (actors, directors: public figures in a media request) and characters as KEEP. No argument names a
  private person, a phone number, an email or a street address: this corpus measures what must be left
  alone, not what must be caught. HELD OUT WHOLE: never trained on, its errors never looked at.
- topv2: Facebook's TOPv2, <domain>_<split>.tsv (domain, utterance, parse) of its eight domains; slots read
  from the parse (`extract_topv2(FILES)`), every request with a person, phone or address span and a seeded
  sample of the others. Its train split is trained on; eval and test are held out.
- mtop: Facebook's MTOP, English en/eval.txt and en/test.txt; the same slots, from the decoupled parse
  (`extract_mtop(FILES)`). HELD OUT WHOLE: crowd-written requests to call, message and remind people, with
  1,408 names of people; never trained on, its errors never looked at.
- clinc150: github clinc/oos-eval, data/data_full.json: the in-scope requests of its train and test splits,
  150 intents of a personal assistant (`extract_clinc150(FILE)`). No slots: the requests of the intents that
  may hold an identifier (CLINC_MAY_IDENTIFY) are UNMARKED whole, the others are identifier-free. Never
  trained on; train is looked at, test held out.

Spoken form (`spoken_tokens`): the way Vosk writes what was said. Lower case; punctuation a recogniser
would not write removed (apostrophes inside words kept: "mom's"); accents dropped; numbers as words with
num2words ("7:30" -> "seven thirty", "$20" -> "twenty dollars", "3rd" -> "third", "1995" -> "nineteen
ninety five", "70s" -> "seventies", "08" -> "oh eight"); "5:15 pm" -> "five fifteen p m"; a state code after
a comma becomes the state's name ("Sacramento, CA" -> "sacramento california"); other capital-letter
abbreviations that are not words are spelled ("NYC" -> "n y c"); "Dr." -> "doctor", "St." -> "saint" or
"street", "Ave" -> "avenue" and the like. A span covers whole words: a label on "Mom" in "Mom's" covers
"mom's", as the redactor's other corpora mark possessives. Where one slot holds several things the
extractor splits it: "me, alma and olga" marks "alma" and "olga"; "Dr. Thomas Stodgel" marks "thomas
stodgel" and leaves "doctor" unmarked; "Aunt Jenny" marks "jenny"; "Mom" marks nothing.

Nothing else is corrected: utterances keep the writers' spelling, and a name a writer typed but the
source did not annotate is not marked (the sources annotate slots, not every name), so "identifier-free"
below means "has no annotated identifier".
"""

from __future__ import annotations

import argparse
import glob
import gzip
import json
import os
import random
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from num2words import num2words

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "real")
LABELS = ("PERSON", "PHONE", "EMAIL", "ADDRESS", "KEEP", "UNMARKED")
IDENTIFIERS = ("PERSON", "PHONE", "EMAIL", "ADDRESS")
SGD_SIZE = 15000
SGD_SEED = 23
TOPV2_OTHERS = 400  # per TOPv2 file, requests without a person, phone or address

# Slot -> label, per corpus. Besides the labels: "NAMES" marks the private people's names inside a slot
# ("me, alma and olga", "Aunt Jenny", "abigail's"), "PROVIDER" a doctor's or dentist's name (PERSON) or
# practice (KEEP), "POI" a place that is a person's ("robin's hotel": PERSON on "robin's"), a public place
# (KEEP) or the speaker's own ("my office": nothing), "PLACE_OR_ADDRESS" a street address (ADDRESS) or a
# named place (KEEP), "CALENDAR_EVENT" an event title with a person or venue inside ("Dentist appointment
# with Mark A Watson"). A slot not listed is not marked.
SLOT_LABELS: dict[str, dict[str, str]] = {
    # SNIPS NLU benchmark, 2017-06 custom intents. Artists are public figures, so KEEP. Private people
    # appear only in BookRestaurant's party_size_description ("me, alma and olga") and poi ("pauline's
    # place"), and in AddToPlaylist's playlist_owner ("abigail's" playlist). Not marked: music_item, genre,
    # year, sort, timeRange, cuisine, served_dish, facility, party_size_number, restaurant_type,
    # spatial_relation, condition_*, current_location, rating_*, best_rating, object_type, object_select,
    # object_part_of_series_type, movie_type, object_location_type.
    "snips": {
        "artist": "KEEP", "album": "KEEP", "track": "KEEP", "playlist": "KEEP", "entity_name": "KEEP",
        "service": "KEEP", "city": "KEEP", "state": "KEEP", "country": "KEEP", "geographic_poi": "KEEP",
        "restaurant_name": "KEEP", "object_name": "KEEP", "movie_name": "KEEP", "location_name": "KEEP",
        "playlist_owner": "NAMES", "party_size_description": "NAMES", "poi": "POI",
    },
    # Schema-Guided Dialogue (user turns). Receivers of money and messages are the user's contacts:
    # PERSON. Directors, actors and artists are public figures: KEEP. Doctors' and dentists' names are
    # people the user deals with (PERSON) unless they name a practice (KEEP); salons are businesses.
    # Addresses in user turns are where the user goes (ride destinations, shared locations, calendar
    # event locations); a slot's value that starts with a house number is an ADDRESS, a named place KEEP.
    # Not marked: dates, times, amounts, prices, counts, ratings, genres, categories, cuisines, alarm
    # names, account types and other categorical slots.
    "sgd": {
        "recipient_account_name": "NAMES", "recipient_name": "NAMES", "receiver": "NAMES",
        "contact_name": "NAMES",
        "doctor_name": "PROVIDER", "dentist_name": "PROVIDER", "therapist_name": "PROVIDER",
        "stylist_name": "KEEP",
        "address": "ADDRESS", "street_address": "ADDRESS", "address_of_location": "ADDRESS",
        "venue_address": "ADDRESS", "phone_number": "PHONE",
        "Messaging/location": "PLACE_OR_ADDRESS", "Calendar/event_location": "PLACE_OR_ADDRESS",
        "RideSharing/destination": "PLACE_OR_ADDRESS", "Calendar/event_name": "CALENDAR_EVENT",
        "artist": "KEEP", "album": "KEEP", "song_name": "KEEP", "track": "KEEP", "event_name": "KEEP",
        "venue": "KEEP", "event_location": "KEEP", "attraction_name": "KEEP", "hotel_name": "KEEP",
        "place_name": "KEEP", "property_name": "KEEP", "restaurant_name": "KEEP", "theater_name": "KEEP",
        "movie_name": "KEEP", "movie_title": "KEEP", "title": "KEEP", "directed_by": "KEEP",
        "director": "KEEP", "actors": "KEEP", "starring": "KEEP", "cast": "KEEP", "car_name": "KEEP",
        "city": "KEEP", "city_of_event": "KEEP", "location": "KEEP", "area": "KEEP", "destination": "KEEP",
        "origin": "KEEP", "from_location": "KEEP", "to_location": "KEEP", "from_city": "KEEP",
        "to_city": "KEEP", "from": "KEEP", "to": "KEEP", "where_to": "KEEP", "destination_city": "KEEP",
        "origin_city": "KEEP", "pickup_city": "KEEP", "destination_airport": "KEEP", "origin_airport": "KEEP",
        "destination_airport_name": "KEEP", "origin_airport_name": "KEEP", "from_station": "KEEP",
        "to_station": "KEEP", "origin_station_name": "KEEP", "destination_station_name": "KEEP",
        "pickup_location": "KEEP",
    },
    # Taskmaster-3 (TicketTalk) API arguments (TM-3-2020/ontology/entities.json). A location is a city, a
    # state or a part of town ("nearby" and the like are not marked: see TM3_NOT_PLACES); one with a digit
    # (a zip code) is not marked either. Not marked: dates, times, counts, prices, genres, seating, ratings.
    "taskmaster3": {
        "name.movie": "KEEP", "name.theater": "KEEP", "location": "KEEP", "name.person": "KEEP",
        "name.character": "KEEP",
    },
}

# TOPv2 and MTOP (Facebook's task-oriented parsing corpora; the same slot names). The slots that hold the people
# a request is about: the names in them are PERSON ("me", "my mom" and the like name nobody). Only innermost
# slots are marked: "[SL:CONTACT [IN:GET_CONTACT [SL:CONTACT_RELATED John ] 's [SL:TYPE_RELATION wife ] ] ]"
# marks "John". Places (an address with a house number is ADDRESS), artists, titles, apps, news sources,
# employers, schools and dishes must stay. Todos, message contents and event titles are UNMARKED: free text
# whose names the corpus does not annotate ("remind me to [call John]"), so neither a leak nor damage can be
# counted in it. Not marked: dates, times, categories, amounts.
TOP_PEOPLE = ("RECIPIENT CONTACT SENDER ATTENDEE ATTENDEE_EVENT ATTENDEE_ADDED ATTENDEE_REMOVED PERSON_REMINDED "
              "PERSON_REMINDED_ADDED PERSON_REMINDED_REMOVED CONTACT_ADDED CONTACT_REMOVED CONTACT_RELATED "
              "ORGANIZER_EVENT USER_ATTENDEE_EVENT").split()
TOP_PLACES = "LOCATION DESTINATION SOURCE WAYPOINT WAYPOINT_ADDED POINT_ON_MAP".split()
TOP_KEEP = ("MUSIC_ARTIST_NAME MUSIC_TRACK_TITLE MUSIC_ALBUM_TITLE MUSIC_PLAYLIST_TITLE MUSIC_PROVIDER_NAME NAME_EVENT "
            "NAME_APP NEWS_SOURCE EMPLOYER SCHOOL RECIPES_DISH RECIPES_CUISINE").split()
SLOT_LABELS["top"] = {**{s: "NAMES" for s in TOP_PEOPLE}, **{s: "STREET_ADDRESS" for s in TOP_PLACES},
                      **{s: "KEEP" for s in TOP_KEEP}, "PHONE_NUMBER": "PHONE",
                      **{s: "UNMARKED" for s in ("TODO", "TODO_NEW", "CONTENT_EXACT", "TITLE_EVENT")}}

# Values a rule above gets wrong, looked at one by one.
VALUE_LABELS = {
    "alexander g.": "NAMES",  # a stylist who is a person, not a salon
    "palo alto": "KEEP",  # typed as a dentist's name
    "access dental - santa rosa": "KEEP",  # a practice and its town
    "just a cleaning": None,  # typed as a dentist's name
    "8 sushi": "KEEP", "92nd street y": "KEEP", "la casita 2": "KEEP",  # named places starting with a number
}


@dataclass(frozen=True)
class Request:
    text: str
    spans: tuple[tuple[int, int, str], ...]
    domain: str
    corpus: str
    id: str


def corpora() -> list[str]:
    return sorted(f.removesuffix(".jsonl.gz") for f in os.listdir(DATA) if f.endswith(".jsonl.gz"))


def load(corpus: str) -> list[Request]:
    with gzip.open(os.path.join(DATA, corpus + ".jsonl.gz"), "rt", encoding="utf-8") as f:
        return [Request(r["text"], tuple((s, e, label) for s, e, label in r["spans"]), r["domain"], corpus, r["id"])
                for r in map(json.loads, f)]


# ---------------------------------------------------------------------------------------------------------
# Spoken form.

US_STATES = {
    "AL": "alabama", "AK": "alaska", "AZ": "arizona", "AR": "arkansas", "CA": "california", "CO": "colorado",
    "CT": "connecticut", "DE": "delaware", "DC": "d c", "FL": "florida", "GA": "georgia", "HI": "hawaii",
    "ID": "idaho", "IL": "illinois", "IN": "indiana", "IA": "iowa", "KS": "kansas", "KY": "kentucky",
    "LA": "louisiana", "ME": "maine", "MD": "maryland", "MA": "massachusetts", "MI": "michigan",
    "MN": "minnesota", "MS": "mississippi", "MO": "missouri", "MT": "montana", "NE": "nebraska",
    "NV": "nevada", "NH": "new hampshire", "NJ": "new jersey", "NM": "new mexico", "NY": "new york",
    "NC": "north carolina", "ND": "north dakota", "OH": "ohio", "OK": "oklahoma", "OR": "oregon",
    "PA": "pennsylvania", "RI": "rhode island", "SC": "south carolina", "SD": "south dakota",
    "TN": "tennessee", "TX": "texas", "UT": "utah", "VT": "vermont", "VA": "virginia", "WA": "washington",
    "WV": "west virginia", "WI": "wisconsin", "WY": "wyoming", "PR": "puerto rico", "GU": "guam",
    "VI": "virgin islands", "AS": "american samoa", "MP": "northern mariana islands",
    "FM": "federated states of micronesia", "MH": "marshall islands", "PW": "palau",
}
# Capitalised abbreviations said as words, or said otherwise than letter by letter.
SAID_AS = {"OK": "okay", "IMAX": "imax", "ASAP": "asap", "BART": "bart", "FIFA": "fifa", "SWAT": "swat",
           "NASA": "nasa", "BBQ": "barbecue", "SXSW": "south by southwest", "TODO": "to do", "XD": "",
           "II": "two", "III": "three", "IV": "four", "LUXE": "luxe", "ICON": "icon", "KILA": "kila",
           "CABI": "cabi", "COVA": "cova", "NUSIC": "nusic", "TGIF": "t g i f", "US": "u s", "LA": "l a",
           "LAX": "l a x"}
ABBREVIATIONS = {"mr": "mister", "mrs": "missus", "jr": "junior", "sr": "senior", "ave": "avenue",
                 "av": "avenue", "blvd": "boulevard", "rd": "road", "ln": "lane", "hwy": "highway",
                 "pkwy": "parkway", "ctr": "center", "plz": "plaza", "ste": "suite", "apt": "apartment",
                 "bldg": "building", "mt": "mount", "vs": "versus", "feat": "featuring", "etc": "etcetera",
                 "snrs": "seniors", "approx": "approximately", "min": "minutes", "hrs": "hours"}
SYMBOLS = {"&": "and", "+": "plus", "@": "at", "%": "percent", "½": "and a half"}
CURRENCY = {"$": ("dollar", "dollars", "cent", "cents"), "€": ("euro", "euros", "cent", "cents"),
            "£": ("pound", "pounds", "penny", "pence")}
UNITS_AFTER = re.compile(r"(?i)^(dollars?|bucks?|euros?|pounds?|cents?|days?|nights?|hours?|minutes?|seconds?"
                         r"|weeks?|months?|years?|people|persons?|miles?|stars?|points?|percent)$")
CLITICS = ("s", "ll", "re", "ve", "d", "m", "t")
CLOCK_WORDS = set("""one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty fifty
o'clock oclock""".split())
MONTH_ABBREVIATIONS = {"jan": "january", "feb": "february", "mar": "march", "apr": "april", "jun": "june",
                       "jul": "july", "aug": "august", "sep": "september", "sept": "september", "oct": "october",
                       "nov": "november", "dec": "december"}
MONTHS = "january february march april may june july august september october november december".split()
TRANSLIT = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "ð": "d", "þ": "th", "ł": "l",
                          "Ł": "l", "œ": "oe", "ı": "i", "đ": "d"})

# One raw token: money, number sign, dates, times with a.m./p.m., numbers with their suffixes, words with
# inner apostrophes (and a trailing dot, to tell abbreviations), a few symbols. Anything else is dropped.
TOKEN = re.compile(r"""
      [$€£]\s?\d[\d,]*(?:\.\d+)?(?:\s?[km]\b)?
    | \#\s?\d+
    | \d{1,2}/\d{1,2}(?:/\d{2,4})?(?!\d)
    | \d{1,2}(?::\d\d){0,2}\s?[ap]\.?\s?m\b\.?
    | \d{1,2}(?::\d\d){1,2}
    | \d+(?:,\d{3})+(?!\d)(?:\.\d+)?
    | \d+\.\d+
    | \d+(?:st|nd|rd|th)\b
    | \d+'?s\b
    | \d+
    | [^\W\d_]+(?:'[^\W\d_]+)*\.?
    | [&+@%½]
""", re.X | re.I)


def _words(n: int | float, to: str = "cardinal") -> str:
    text = num2words(n, to=to).replace("-", " ").replace(",", "")
    return " ".join(w for w in text.split() if w != "and")


def _digits(d: str) -> str:
    return " ".join("oh" if c == "0" else _words(int(c)) for c in d)


def _integer(d: str, next_token: str = "", money: bool = False, house: bool = False) -> str:
    """Words for a string of digits as people say it in a request; `house` for the number that starts a
    street address ("353" -> "three fifty three", "17705" -> "seventeen seven oh five")."""
    if len(d) > 1 and d[0] == "0":
        return _digits(d)
    if len(d) >= 7:
        return _digits(d)
    n = int(d)
    if house and len(d) == 3 and n % 100:
        return _words(int(d[0])) + " " + (_digits(d[1:]) if d[1] == "0" else _words(int(d[1:])))
    if house and len(d) == 5 and d[2] != "0":
        return _words(int(d[:2])) + " " + _integer(d[2:], house=True)
    if len(d) == 4 and n % 1000 and not money and not UNITS_AFTER.match(next_token):
        return _words(n, "year")  # years and house numbers: "nineteen ninety five", "twenty five hundred"
    return _words(n)


def _plural(words: str) -> str:
    """ "nineteen seventy" -> "nineteen seventies" """
    head, _, last = words.rpartition(" ")
    last = last[:-1] + "ies" if last.endswith("y") else last + "s"
    return (head + " " + last).strip()


def _time(h: int, m: int, s: int, meridiem: str) -> str:
    hour = _words(12 if h == 0 else h)
    if m == 0 and s == 0:
        text = hour if meridiem else hour + (" o'clock" if h <= 12 else " hundred")
    else:
        text = hour + " " + ("oh " + _words(m) if m < 10 else _words(m))
        if s:
            text += " and " + _words(s) + " seconds"
    return text + (" " + meridiem[0] + " m" if meridiem else "")


def _number(tok: str, next_token: str, house: bool = False) -> str:
    t = tok.lower().replace(" ", "")
    if t[0] in CURRENCY:
        one, many, sub_one, sub_many = CURRENCY[t[0]]
        body = t[1:].replace(",", "")
        scale = ""
        if body[-1] in "km":
            scale, body = {"k": " thousand", "m": " million"}[body[-1]], body[:-1]
        whole, _, cents = body.partition(".")
        text = _integer(whole, money=True) + scale + " " + (one if whole == "1" and not scale else many)
        if cents and int(cents):
            text += " " + _words(int(cents)) + " " + (sub_one if int(cents) == 1 else sub_many)
        return text
    if t[0] == "#":
        return "number " + _integer(t[1:])
    m = re.fullmatch(r"(\d{1,2})(?::(\d\d))?(?::(\d\d))?([ap])\.?m\.?", t)
    if m:
        return _time(int(m[1]), int(m[2] or 0), int(m[3] or 0), m[4] + "m")
    m = re.fullmatch(r"(\d{1,2}):(\d\d)(?::(\d\d))?", t)
    if m:
        return _time(int(m[1]), int(m[2]), int(m[3] or 0), "")
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?", t)
    if m:
        month, day = int(m[1]), int(m[2])
        if 1 <= month <= 12 and 1 <= day <= 31:
            text = MONTHS[month - 1] + " " + _words(day, "ordinal")
            if m[3]:
                year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
                text += " " + _words(year, "year")
            return text
        return " ".join(_integer(p) for p in t.split("/"))
    if "," in t and re.fullmatch(r"\d+(?:,\d{3})+(?:\.\d+)?", t):
        t = t.replace(",", "")
    m = re.fullmatch(r"(\d+)\.(\d+)", t)
    if m:
        return _integer(m[1]) + " point " + _digits(m[2]).replace("oh", "zero" if m[2] == "0" else "oh")
    m = re.fullmatch(r"(\d+)(st|nd|rd|th)", t)
    if m:
        return _words(int(m[1]), "ordinal")
    m = re.fullmatch(r"(\d+)'?s", t)
    if m:
        return _plural(_integer(m[1]))
    return _integer(t, next_token, house=house)


def _word(tok: str, prev: str | None, nxt: str | None) -> str:
    """A word token, case and a trailing dot still on, to the words said."""
    bare = tok.rstrip(".")
    low = bare.lower()
    dotted = tok.endswith(".")
    if low == "ok":
        return "okay"
    if low in ("am", "pm") and prev and (prev[:1].isdigit() or prev.lower() in CLOCK_WORDS):
        return low[0] + " m"  # "seven pm" -> "seven p m"
    if bare.isupper() and len(bare) >= 2:
        if bare in US_STATES and prev == "," and bare != "MD":  # "Rona Silkiss, MD" is no Marylander
            return US_STATES[bare]
        if bare in SAID_AS:
            return SAID_AS[bare]
    if low == "dr":  # "See Dr. Jay Bansal"; "Samaritan Dr", "Hospital Dr # 5D", "Samaritan Dr, San Jose"
        if nxt and nxt[:1].isupper() and nxt[:1].isalpha():
            return "doctor"
        return "drive" if prev not in (None, ",") else "doctor"
    if low == "st" and (dotted or bare == "St"):
        if prev and prev not in (",",) and (prev[:1].isupper() or prev[:1].isdigit()):
            return "street"
        return "saint"
    if low == "no" and dotted and nxt and nxt[:1].isdigit():
        return "number"
    if low == "ms" and nxt and nxt[:1].isupper():
        return "miss"
    if dotted and low in MONTH_ABBREVIATIONS:
        return MONTH_ABBREVIATIONS[low]
    if low == "co" and dotted:
        return "company"
    if low in ABBREVIATIONS and (dotted or bare[:1].isupper() or low in ("vs", "feat")):
        return ABBREVIATIONS[low]
    if bare.isupper() and 2 <= len(bare) <= 5 and not _is_word(low):
        return " ".join(bare.lower())
    if dotted and len(bare) == 1:
        return low  # an initial: "j." -> "j"
    return low


_COMMON: set[str] = set()


def _is_word(w: str) -> bool:
    """Whether a capitalised abbreviation is also an ordinary English word ("IT", "NO", "LOT")."""
    if not _COMMON:
        here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        with open(os.path.join(here, "device", "redact", "data", "common_words.txt"), encoding="utf-8") as f:
            _COMMON.update(line.strip() for line in f)
    return w in _COMMON and w not in ("sf", "sd", "la", "ca")


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(TRANSLIT))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[^a-z' ]+", " ", text)
    words = [w.strip("'") for w in text.split()]
    words = [w[:-2] + "s" if w.endswith("s'") else w for w in words]
    return " ".join(w for w in words if w)


def spoken_tokens(raw: str, houses: Iterable[int] = ()) -> list[tuple[int, int, str]]:
    """The raw text's tokens as (start, end, spoken words); offsets are into `raw`. `houses`: where street
    addresses start, so a number there is said as a house number."""
    for quote in "’‘`´":
        raw = raw.replace(quote, "'")
    raw = raw.replace('o"clock', "o'clock")
    found = [(m.start(), m.end(), m.group()) for m in TOKEN.finditer(raw)]
    out = []
    for i, (s, e, tok) in enumerate(found):
        prev = None
        if i:
            gap = raw[found[i - 1][1]:s]
            prev = "," if "," in gap else found[i - 1][2]
        nxt = None
        if i + 1 < len(found):
            nxt = "," if "," in raw[e:found[i + 1][0]] else found[i + 1][2]
        if tok.lower() in CLITICS and raw[s - 1:s] == "'" and out and out[-1][1] >= s - 2:
            out[-1] = (out[-1][0], e, out[-1][2] + "'" + tok.lower())  # "Grace 's" -> "grace's"
            continue
        if tok[0].isdigit() or tok[0] in "$€£#":
            said = _number(tok, nxt or "", house=s in houses)
        elif tok in SYMBOLS:
            said = SYMBOLS[tok]
        else:
            said = _word(tok, prev, nxt)
        said = _clean(said)
        if said:
            out.append((s, e, said))
    return out


def spoken(raw: str, subspans: Iterable[tuple[int, int, str]] = ()) -> tuple[str, list[list]]:
    """Spoken text for `raw`, and spans on it for the (start, end, label) `subspans` on `raw`. A token
    touching a sub-span is in it; tokens in one sub-span make one span."""
    subspans = sorted(subspans)
    words, spans = [], []
    pos = 0
    current = None  # (index of sub-span, span list)
    for s, e, said in spoken_tokens(raw, {a for a, _, label in subspans if label == "ADDRESS"}):
        k = next((j for j, (a, b, _) in enumerate(subspans) if max(a, s) < min(b, e)), None)
        start = pos + (1 if words else 0)
        words.append(said)
        pos = start + len(said)
        if k is None:
            current = None
        elif current and current[0] == k:
            current[1][1] = pos
        else:
            current = (k, [start, pos, subspans[k][2]])
            spans.append(current[1])
    return " ".join(words), spans


# ---------------------------------------------------------------------------------------------------------
# Slot values that hold more than one thing.

KIN = re.compile(r"(?i)^(?:(?:my|our|your|their)\s+)?(?:step\s*)?(?:aunt|auntie|uncle|grandma|grandpa|granny|"
                 r"cousin|brother|sister|nana|nan|papa|mama|dr\.?|doctor|mr\.?|mrs\.?|ms\.?|miss)\s+")
NOT_A_NAME = re.compile(r"(?i)^(?:i|me|myself|us|we|you|mom|mum|mommy|dad|daddy|mother|father|grandma|grandpa|"
                        r"him|her|them|everyone|everybody|anyone|someone|all|boss|team|family|"
                        r"(?:my|our|your|their|his|her|the|a|an|all|every)\b.*)$")
BUSINESS = re.compile(r"(?i)\b(?:dental|dentistry|dentist|clinic|center|centre|lab|care|health|associates|"
                      r"radiology|aesthetics|institute|medical|medicine|group|ceramics|arts|smiles|excellence|"
                      r"connection|dimensions|retina|eyemd|endoart|wirebenders|orthodontics?|pediatric|family|services|salon|"
                      r"barbers?|relationships|learning|well being|specialized|x-ray|practice|hospital)\b")
CREDENTIALS = re.compile(r"(?i)^(?:m\.?d\.?|facs|facog|mms|inc\.?|d\.?o\.?|psyd|phd|lmft|mfc\s*\d*|dds|dmd|"
                         r"licensed.*|psychologist|jr\.?|ii|iii)$")
STREET = re.compile(r"(?i)\b(?:street|st|avenue|ave|av|road|rd|boulevard|blvd|drive|dr|lane|ln|way|court|ct|"
                    r"place|pl|plaza|plz|highway|hwy|parkway|pkwy|circle|terrace|square|alameda|real|loop|"
                    r"expressway|broadway|mall)\b\.?")


def _parts(value: str, start: int, sep: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for m in re.finditer(sep, value):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(value)))
    return [(start + a, start + b) for a, b in out if value[a:b].strip()]


def _trim(raw: str, a: int, b: int) -> tuple[int, int]:
    while a < b and not raw[a].isalnum():
        a += 1
    while b > a and not (raw[b - 1].isalnum() or raw[b - 1] in ".'"):
        b -= 1
    return a, b


def names(raw: str, a: int, b: int) -> list[tuple[int, int, str]]:
    """PERSON sub-spans for the private people named in raw[a:b]: "me, alma and olga", "Aunt Jenny",
    "abigail's"; "my mom and I" names nobody."""
    out = []
    for s, e in _parts(raw[a:b], a, r"\s*,\s*|\s+and\s+|\s*&\s*"):
        s, e = _trim(raw, s, e)
        if NOT_A_NAME.match(raw[s:e]):  # "me", "my brother in law"
            continue
        m = KIN.match(raw[s:e])
        if m and m.end() < e - s:
            s += m.end()
        if raw[s:e].strip() and not NOT_A_NAME.match(raw[s:e].strip()):
            out.append((s, e, "PERSON"))
    return out


def provider(raw: str, a: int, b: int) -> list[tuple[int, int, str]]:
    """A doctor, dentist or therapist: PERSON for a person's name (without "Dr." or "MD"), KEEP for a
    practice; "Premier Family Dental: Dr. Peter Han" is one of each."""
    out = []
    for s, e in _parts(raw[a:b], a, r"\s*[,:]\s+|\s+-\s+|\s+at\s+"):
        s, e = _trim(raw, s, e)
        part = raw[s:e]
        if CREDENTIALS.match(part.strip()):
            continue
        if BUSINESS.search(part):
            out.append((s, e, "KEEP"))
        else:
            m = re.match(r"(?i)(?:and\s+)?(?:dr\.?\s+)?", part)
            end = e - len(re.search(r"(?i)(?:,?\s+(?:m\.?d\.?|jr\.?|psyd|ii|iii))*$", part)[0])
            if s + m.end() < end:
                out.append((s + m.end(), end, "PERSON"))
    return out


def poi(raw: str, a: int, b: int) -> list[tuple[int, int, str]]:
    """SNIPS' poi: "pauline's place" (PERSON on "pauline's"), "my office" (nothing), "Halsey St" (KEEP)."""
    value = raw[a:b]
    m = re.match(r"([^\W\d_]+)'s\s", value)
    if m and m[1].lower() not in ("my", "our", "your", "their"):
        return [(a, a + len(m[1]) + 2, "PERSON")]
    if NOT_A_NAME.match(value) or value.lower() in ("home", "downtown", "in town", "neighborhood", "office"):
        return []
    return [(a, b, "KEEP")]


def place_or_address(raw: str, a: int, b: int) -> list[tuple[int, int, str]]:
    value = raw[a:b].strip()
    if value.lower() in ("home", "downtown", "community gym", "laundry room", "market"):
        return []
    if re.match(r"\d", value) or (re.search(r"\d", value) and STREET.search(value)):
        return [(a, b, "ADDRESS")]
    return [(a, b, "KEEP")]


def street_address(raw: str, a: int, b: int) -> list[tuple[int, int, str]]:
    """A place in TOPv2 or MTOP: ADDRESS where a house number and a street type are in it ("8600 Santa Monica
    Blvd"), else a place that must stay ("4th street", "highway 35", "Walmart")."""
    value = raw[a:b].strip()
    if re.match(r"\d+[a-zA-Z]?\s", value) and not re.match(r"\d+(?:st|nd|rd|th)\b", value) and STREET.search(value):
        return [(a, b, "ADDRESS")]
    return [(a, b, "KEEP")]


def calendar_event(raw: str, a: int, b: int) -> list[tuple[int, int, str]]:
    """A calendar event's title: the doctor in "appointment with Dr. Edward J. Saub", the venue in "Movie at
    Rialto Cinemas", the artist in "Toto concert", the match in "Baseball game: Nationals Vs Reds"."""
    value = raw[a:b]
    m = re.search(r"(?i)\bwith\s+", value)
    if m:
        return provider(raw, a + m.end(), b)
    m = re.search(r"(?i).*\bat\s+", value)
    if m:
        return [(a + m.end(), b, "KEEP")]
    m = re.search(r"(?i)\bbooking for\s+|:\s+", value)
    if m:
        return [(a + m.end(), b, "KEEP")]
    m = re.search(r"(?i)\s+concert$", value)
    if m:
        return [(a, a + m.start(), "KEEP")]
    return []


RULES = {"NAMES": names, "PROVIDER": provider, "POI": poi, "PLACE_OR_ADDRESS": place_or_address,
         "STREET_ADDRESS": street_address,
         "CALENDAR_EVENT": calendar_event}


def subspans(raw: str, a: int, b: int, rule: str | None) -> list[tuple[int, int, str]]:
    """Sub-spans with labels for one slot's value raw[a:b] under its SLOT_LABELS entry."""
    value = raw[a:b].strip().lower()
    rule = VALUE_LABELS.get(value, rule)
    if rule is None:
        return []
    if rule in RULES:
        return RULES[rule](raw, a, b)
    return [(a, b, rule)]


def record(rid: str, domain: str, raw: str, slots: list[tuple[int, int, str | None]]) -> dict | None:
    """One output record from a raw utterance and its (start, end, rule) slots."""
    subs: list[tuple[int, int, str]] = []
    for a, b, rule in slots:
        for s, e, label in subspans(raw, a, b, rule):
            clash = [x for x in subs if max(x[0], s) < min(x[1], e)]
            if clash and (label == "KEEP" or any(x[2] in IDENTIFIERS for x in clash)):
                continue  # an identifier wins over a name to keep, the first slot over a later one
            subs = [x for x in subs if x not in clash] + [(s, e, label)]
    text, spans = spoken(raw, subs)
    if not text:
        return None
    return {"id": rid, "domain": domain, "text": text, "spans": spans}


# ---------------------------------------------------------------------------------------------------------
# Extraction from the sources.

def snips_records(path: str, intent: str, split: str) -> list[dict]:
    """Records from one SNIPS file ({"<Intent>": [{"data": [{"text": ..., "entity": slot}, ...]}, ...]})."""
    with open(path, "rb") as f:  # train_PlayMusic_full.json has a few CESU-8 bytes (an emoji)
        items = json.loads(f.read().decode("utf-8", errors="ignore"))[intent]
    out = []
    for i, item in enumerate(items):
        raw, slots, states = "", [], []
        for piece in item["data"]:
            a = len(raw)
            raw += piece["text"]
            slot = piece.get("entity")
            if slot:
                slots.append((a, len(raw), SLOT_LABELS["snips"].get(slot)))
                if slot == "state":
                    states.append((a, len(raw)))
        rec = _snips_record(f"{intent}/{split}/{i}", intent, raw, slots, states)
        if rec:
            out.append(rec)
    return out


def _snips_record(rid: str, intent: str, raw: str, slots: list[tuple[int, int, str | None]],
                  states: list[tuple[int, int]]) -> dict | None:
    # A state code alone in a state slot ("IN", "OH") is said as the state's name; rewrite it in the raw
    # text first, moving the slots after it.
    shift = 0
    new_raw, new_slots = raw, []
    for a, b, rule in slots:
        a2, b2 = a + shift, b + shift
        if (a, b) in states and raw[a:b].strip() in US_STATES:
            name = US_STATES[raw[a:b].strip()]
            new_raw = new_raw[:a2] + name + new_raw[b2:]
            shift += len(name) - (b - a)
            b2 = a2 + len(name)
        new_slots.append((a2, b2, rule))
    return record(rid, intent, new_raw, new_slots)


def extract_snips(root: str) -> list[dict]:
    """All seven intents of 2017-06-custom-intent-engines (the folder `root`): train_<Intent>_full.json then
    validate_<Intent>.json, repeated texts removed."""
    out = []
    for intent in sorted(os.listdir(root)):
        for split, name in (("train", f"train_{intent}_full.json"), ("validate", f"validate_{intent}.json")):
            path = os.path.join(root, intent, name)
            if os.path.exists(path):
                out += snips_records(path, intent, split)
    return dedupe(out)


def sgd_rule(service: str, slot: str) -> str | None:
    table = SLOT_LABELS["sgd"]
    return table.get(service.rsplit("_", 1)[0] + "/" + slot, table.get(slot))


def sgd_records(path: str, split: str) -> list[dict]:
    """Records from one SGD dialogues_NNN.json: every USER turn, slots from all its frames."""
    with open(path, encoding="utf-8") as f:
        dialogues = json.load(f)
    out = []
    for d in dialogues:
        for k, turn in enumerate(d["turns"]):
            if turn["speaker"] != "USER":
                continue
            slots, seen = [], set()
            for frame in turn["frames"]:
                for s in frame["slots"]:
                    key = (s["start"], s["exclusive_end"])
                    rule = sgd_rule(frame["service"], s["slot"])
                    if key not in seen:
                        seen.add(key)
                        slots.append((*key, rule))
            rec = record(f"{split}/{d['dialogue_id']}/{k}", _service(turn["frames"]), turn["utterance"], slots)
            if rec:
                out.append(rec)
    return out


def _service(frames: list[dict]) -> str:
    """The service a user turn is about: the frame with slots, else the one with an active intent."""
    for frame in frames:
        if frame["slots"]:
            return frame["service"]
    for frame in frames:
        if frame.get("state", {}).get("active_intent", "NONE") != "NONE":
            return frame["service"]
    return frames[0]["service"] if frames else "none"


def extract_sgd(root: str, size: int = SGD_SIZE, seed: int = SGD_SEED) -> list[dict]:
    """User turns of every {train,dev,test}/dialogues_*.json under `root` (the repository's top folder),
    repeated texts removed; every turn with an identifier span and a seeded sample of the rest, `size` in
    all, in source order."""
    out = []
    for split in ("train", "dev", "test"):
        for path in sorted(glob.glob(os.path.join(root, split, "dialogues_*.json"))):
            out += sgd_records(path, split)
    out = dedupe(out)
    keep = [i for i, r in enumerate(out) if any(s[2] in IDENTIFIERS for s in r["spans"])]
    rest = [i for i, r in enumerate(out) if not any(s[2] in IDENTIFIERS for s in r["spans"])]
    chosen = set(keep) | set(random.Random(seed).sample(rest, max(0, min(len(rest), size - len(keep)))))
    return [r for i, r in enumerate(out) if i in chosen]


TM3_NOT_PLACES = {"nearby", "near me", "closer", "close", "here", "home", "my area", "around here", "local",
                  "close by", "close to me", "near by", "my location", "current location", "downtown", "in town"}


def taskmaster3_dialogues(lines: Iterable[str]) -> dict[str, list[tuple[str, list[tuple[str, str]]]]]:
    """Dialogue id -> its user turns, each with the (argument, value) pairs of the API calls made after it,
    from Taskmaster-3 split lines (context TAB target TAB dialogue id). A dialogue has one line per agent turn,
    each with the context so far: the longest is kept."""
    longest: dict[str, str] = {}
    for line in lines:
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 3:
            continue
        context, dialogue = parts[0], parts[-1]
        context = context.split("<C>", 1)[1] if "<C>" in context else context
        if len(context) > len(longest.get(dialogue, "")):
            longest[dialogue] = context
    out = {}
    for dialogue, context in longest.items():
        turns: list[tuple[str, list[tuple[str, str]]]] = []
        pieces = re.split(r"(<[A-Z]+>)", context)
        argument = None
        for tag, value in zip(pieces[1::2], pieces[2::2], strict=True):
            if tag == "<U>":
                turns.append((value, []))
            elif tag == "<PAN>":
                argument = value
            elif tag == "<PAV>" and argument and turns:
                turns[-1][1].append((argument, value))
            elif tag in ("<A>", "<PN>"):
                argument = None
        out[dialogue] = turns
    return out


def taskmaster3_records(dialogue: str, turns: list[tuple[str, list[tuple[str, str]]]]) -> list[dict]:
    """Records for one dialogue's user turns: each value its API calls name anywhere in the dialogue is
    marked where a user turn says it (longest values first; the first span wins)."""
    table = SLOT_LABELS["taskmaster3"]
    values = {}
    for _, args in turns:
        for argument, value in args:
            value = value.strip().strip(".,!?")
            if argument not in table or len(value) < 2 or re.search(r"\d", value) and argument == "location":
                continue
            if argument == "location" and value.lower() in TM3_NOT_PLACES:
                continue
            values.setdefault(value.lower(), table[argument])
    out = []
    for k, (raw, _) in enumerate(turns):
        raw = raw.replace("’", "'")
        slots: list[tuple[int, int, str | None]] = []
        for value in sorted(values, key=len, reverse=True):
            for m in re.finditer(r"(?<!\w)" + re.escape(value.replace("’", "'")) + r"(?!\w)", raw, re.I):
                if not any(max(a, m.start()) < min(b, m.end()) for a, b, _ in slots):
                    slots.append((m.start(), m.end(), values[value]))
        rec = record(f"train/{dialogue}/{k}", "movie_tickets", raw, sorted(slots))
        if rec:
            out.append(rec)
    return out


def extract_taskmaster3(paths: Iterable[str]) -> list[dict]:
    """User turns of Taskmaster-3 split files (TSV), dialogues in the order first seen, repeated texts removed."""
    lines: list[str] = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            lines += f.readlines()
    out = []
    for dialogue, turns in taskmaster3_dialogues(lines).items():
        out += taskmaster3_records(dialogue, turns)
    return dedupe(out)


# CLINC150's intents whose requests may name a person or hold a number that identifies (a call, a text, a
# meeting, a booking, a transfer, a PIN, an account or a card; a phrase to translate or a word to spell, which
# may be a name): the whole request is UNMARKED, not judged. Every other intent's requests are identifier-free.
# Chosen from the intents' names alone, before any request was redacted.
CLINC_MAY_IDENTIFY = frozenset("""
make_call text share_location spelling translate user_name change_user_name change_ai_name schedule_meeting
meeting_schedule calendar calendar_update reminder reminder_update todo_list todo_list_update transfer pay_bill
routing pin_change direct_deposit report_fraud transactions spending_history balance freeze_account account_blocked
order_checks report_lost_card card_declined damaged_card expiration_date bill_balance bill_due
restaurant_reservation confirm_reservation cancel_reservation book_flight book_hotel directions uber
""".split())


def extract_clinc150(path: str) -> list[dict]:
    """CLINC150's data_full.json: the in-scope requests of its train and test splits (the validation split and
    the out-of-scope requests are left out), ids "<split>/<intent>/<index>", repeated texts removed."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    out = []
    for split in ("train", "test"):
        for k, (raw, intent) in enumerate(data[split]):
            slots = [(0, len(raw), "UNMARKED")] if intent in CLINC_MAY_IDENTIFY else []
            if rec := record(f"{split}/{intent}/{k}", intent, raw, slots):
                out.append(rec)
    return dedupe(out)


def top_slots(raw: str, parse: str) -> list[tuple[int, int, str | None]] | None:
    """(start, end, rule) in raw of the innermost slots of a TOP-style parse ("[IN:X words [SL:Y words ] ]",
    whole or decoupled), found by reading the parse's tokens through raw in order; None where a token is not
    there (the parse's tokenizer changed it)."""
    slots, stack, pos = [], [], 0  # stack: [slot name or None for an intent, start, end, has a nested slot]
    for token in parse.split():
        if token.startswith("[IN:") or token.startswith("[SL:"):
            if token.startswith("[SL:"):
                for frame in stack:
                    frame[3] = True
            stack.append([token[4:] if token.startswith("[SL:") else None, None, None, False])
        elif token == "]":
            if not stack:
                return None
            name, start, end, nested = stack.pop()
            if name and start is not None and not nested:
                slots.append((start, end, SLOT_LABELS["top"].get(name)))
        else:
            at = raw.find(token, pos)
            if at < 0:
                return None
            pos = at + len(token)
            for frame in stack:
                if frame[0]:
                    frame[1] = at if frame[1] is None else frame[1]
                    frame[2] = pos
    return sorted(slots)


def extract_topv2(paths: Iterable[str]) -> list[dict]:
    """TOPv2's <domain>_<split>.tsv files (domain TAB utterance TAB parse): ids "<split>/<domain>/<line>". Every
    request with a person, phone or address span is kept, and a seeded sample of the others (TOPV2_OTHERS per
    file), repeated texts removed."""
    out = []
    for path in sorted(paths):
        domain, split = os.path.basename(path).removesuffix(".tsv").rsplit("_", 1)
        with open(path, encoding="utf-8") as f:
            rows = [line.rstrip("\n").split("\t") for line in f][1:]
        records, others = [], []
        for k, row in enumerate(rows):
            if len(row) == 3 and (slots := top_slots(row[1], row[2])) is not None:
                if rec := record(f"{split}/{domain}/{k}", domain, row[1], slots):
                    (records if any(sp[2] in IDENTIFIERS for sp in rec["spans"]) else others).append(rec)
        out += records + random.Random(f"{domain}/{split}").sample(others, min(len(others), TOPV2_OTHERS))
    return dedupe(out)


def extract_mtop(paths: Iterable[str]) -> list[dict]:
    """MTOP's English en/<split>.txt files (id, intent, spans, utterance, domain, locale, decoupled parse,
    tokens): every request, ids "<split>/<id>", repeated texts removed. The innermost slots are read from the
    decoupled parse (the span column holds only the outermost)."""
    out = []
    for path in sorted(paths):
        split = os.path.basename(path).removesuffix(".txt")
        with open(path, encoding="utf-8") as f:
            for line in f:
                row = line.rstrip("\n").split("\t")
                if len(row) >= 7 and row[5] == "en_XX" and (slots := top_slots(row[3], row[6])) is not None:
                    if rec := record(f"{split}/{row[0]}", row[4], row[3], slots):
                        out.append(rec)
    return dedupe(out)


def dedupe(records: list[dict]) -> list[dict]:
    seen, out = set(), []
    for r in records:
        if r["text"] not in seen:
            seen.add(r["text"])
            out.append(r)
    return out


def write(corpus: str, records: list[dict]) -> str:
    os.makedirs(DATA, exist_ok=True)
    path = os.path.join(DATA, corpus + ".jsonl.gz")
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
        for r in records:
            f.write((json.dumps(r, ensure_ascii=True, separators=(",", ":")) + "\n").encode())
    return path


# ---------------------------------------------------------------------------------------------------------

def summary(corpus: str) -> dict:
    requests = load(corpus)
    labels = Counter(label for r in requests for _, _, label in r.spans)
    return {"corpus": corpus, "utterances": len(requests),
            "spans": {label: labels[label] for label in LABELS},
            "identifier_free": sum(1 for r in requests if not any(s[2] in IDENTIFIERS for s in r.spans)),
            "domains": len({r.domain for r in requests}),
            "bytes": os.path.getsize(os.path.join(DATA, corpus + ".jsonl.gz"))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.real_requests", description=__doc__.split("\n")[0])
    parser.add_argument("--extract-snips", metavar="DIR",
                        help="nlu-benchmark's 2017-06-custom-intent-engines folder")
    parser.add_argument("--extract-sgd", metavar="DIR", help="dstc8-schema-guided-dialogue's top folder")
    parser.add_argument("--extract-taskmaster3", metavar="TSV", nargs="+",
                        help="Taskmaster's TM-3-2020/splits/*/*.tsv files (held out whole)")
    parser.add_argument("--extract-topv2", metavar="TSV", nargs="+", help="TOPv2's <domain>_<split>.tsv files")
    parser.add_argument("--extract-mtop", metavar="TXT", nargs="+",
                        help="MTOP's en/eval.txt and en/test.txt (held out whole)")
    parser.add_argument("--extract-clinc150", metavar="JSON", help="CLINC150's data/data_full.json")
    args = parser.parse_args(argv)
    if args.extract_snips:
        print(write("snips", extract_snips(args.extract_snips)))
    if args.extract_sgd:
        print(write("sgd", extract_sgd(args.extract_sgd)))
    if args.extract_taskmaster3:
        print(write("taskmaster3", extract_taskmaster3(args.extract_taskmaster3)))
    if args.extract_topv2:
        print(write("topv2", extract_topv2(args.extract_topv2)))
    if args.extract_mtop:
        print(write("mtop", extract_mtop(args.extract_mtop)))
    if args.extract_clinc150:
        print(write("clinc150", extract_clinc150(args.extract_clinc150)))
    for corpus in corpora():
        s = summary(corpus)
        spans = " ".join(f"{label}={n}" for label, n in s["spans"].items())
        print(f"{corpus}: {s['utterances']} utterances ({s['domains']} domains, {s['bytes']} bytes), spans {spans}, "
              f"{s['identifier_free']} identifier-free")
    return 0


if __name__ == "__main__":
    sys.exit(main())
