"""A wide generated corpus of spoken-form requests with their identifiers marked.

    python -m benchmarks.spoken_pii [N] [--split train|test|heldout] [--slips]

Utterances read the way Vosk writes them (lowercase words, numbers as words)
and come from carrier sentences with slots. Fillers are drawn from Faker's six
English locales (en_US, en_GB, en_AU, en_IN, en_CA, en_IE) for addresses,
phones and national identifiers, and from names of many Faker locales,
transliterated to ASCII. Every identifier is spoken several ways: digit by
digit, in pairs, "double"/"triple", "oh", letters one by one, house numbers as
cardinals, ordinal dates, years.

Held out, so a figure on them says how the redactor does on what it was never
tuned on:
- carrier sentences and trailing commands: a quarter of each list, chosen by a
  hash of the sentence (`held_out`);
- names: every name of some locales (HELDOUT_NAME_LOCALES), and a fifth of the
  names of every other locale, chosen by a hash of the name.
The training script and the tagger's name list only ever see the rest. The
"fresh" split (FRESH_TEMPLATES) was written last, after the held-out errors had
been looked at, and is measured with the held-out names, never tuned on.

`slips` injects recogniser errors: homophones for number words ("for" for four,
"to"/"too" for two, "won" for one, "ate" for eight, "o" for oh), dropped and
doubled words.
"""

from __future__ import annotations

import json
import random
import re
import sys
import zlib
from dataclasses import dataclass, field
from functools import cache

from faker import Faker
from faker.decode import unidecode
from num2words import num2words

from device.redact.lexicon import PERSON_TAKING_BASES, verb_forms

ENGLISH_LOCALES = ("en_US", "en_GB", "en_AU", "en_IN", "en_CA", "en_IE")
# Locales whose names transliterate to something Vosk could write (not ar_AA or ta_IN: unidecode drops vowels).
TRAIN_NAME_LOCALES = ENGLISH_LOCALES + ("en_NZ", "en_NG", "en_PK", "de_DE", "fr_FR", "es_ES", "it_IT", "pl_PL",
                                        "pt_BR", "nl_NL", "ru_RU", "tr_TR", "hi_IN", "ga_IE", "yo_NG", "zh_CN",
                                        "el_GR", "uk_UA", "ja_JP")
HELDOUT_NAME_LOCALES = ("fi_FI", "cs_CZ", "tw_GH", "ig_NG", "vi_VN", "ko_KR", "sv_SE", "hu_HU", "ro_RO", "id_ID",
                        "da_DK")

DIGITS = "zero one two three four five six seven eight nine".split()
MONTHS = "january february march april may june july august september october november december".split()
# Names that are everyday words: in the corpus at a small rate, as people have them.
WORD_NAMES = ("will hope summer june grace may mark bill joy faith rose april jack dawn holly ivy art "
              "frank sky autumn").split()


def held_out(text: str) -> bool:
    """A quarter of all sentences and names, the same on every run."""
    return zlib.crc32(text.encode()) % 4 == 0 if " " in text or "{" in text else zlib.crc32(text.encode()) % 5 == 0


# -- spoken forms --------------------------------------------------------------
def words_of(n: int, rng: random.Random) -> list[str]:
    """A cardinal as people say it, with or without the British "and"."""
    out = num2words(n).replace("-", " ").replace(",", "").split()
    if rng.random() < 0.5:
        out = [w for w in out if w != "and"]
    return out


def year_words(y: int, rng: random.Random) -> list[str]:
    if 2000 <= y <= 2009 and rng.random() < 0.3:
        return ["two", "thousand", DIGITS[y - 2000]] if y > 2000 else ["two", "thousand"]
    if 2010 <= y and rng.random() < 0.5:
        return ["twenty"] + words_of(y - 2000, rng)
    return words_of(y, rng) if y >= 2000 and rng.random() < 0.5 else (
        num2words(y, to="year").replace("-", " ").split())


def ordinal_words(n: int) -> list[str]:
    return num2words(n, to="ordinal").replace("-", " ").split()


def digit_words(d: str, rng: random.Random, style: str | None = None) -> list[str]:
    """A digit string spoken one of the ways people read numbers out."""
    style = style or rng.choice(["digits", "digits", "digits", "pairs", "repeats", "groups"])
    zero = rng.choice(["oh", "oh", "zero"])
    out: list[str] = []
    if style == "pairs" and len(d) >= 4:
        i = 0
        if len(d) % 2:
            out.append(DIGITS[int(d[0])] if d[0] != "0" else zero)
            i = 1
        for k in range(i, len(d), 2):
            p = d[k : k + 2]
            out += [zero, DIGITS[int(p[1])]] if p[0] == "0" else words_of(int(p), rng)
        return out
    if style == "groups" and len(d) >= 6:
        for k in range(0, len(d), 3):
            g = d[k : k + 3]
            out += [DIGITS[int(c)] if c != "0" else zero for c in g] if g[0] == "0" else words_of(int(g), rng)
        return out
    i = 0
    while i < len(d):
        c = d[i]
        if style == "repeats" and i + 2 < len(d) and d[i + 1] == c == d[i + 2]:
            out += ["triple", DIGITS[int(c)]]
            i += 3
        elif style == "repeats" and i + 1 < len(d) and d[i + 1] == c:
            out += ["double", DIGITS[int(c)] if c != "0" else zero]
            i += 2
        else:
            out.append(DIGITS[int(c)] if c != "0" else zero)
            i += 1
    return out


def spell(s: str, rng: random.Random) -> list[str]:
    """Letters and digits one by one: "rg14ab" -> r g one four a b."""
    out: list[str] = []
    for run in re.findall(r"[0-9]+|[a-z]", s.lower()):
        out += digit_words(run, rng, rng.choice(["digits", "repeats"])) if run[0].isdigit() else [run]
    return out


def say(text: str, rng: random.Random, house: bool = False) -> list[str]:
    """Written text (a street, a town) as Vosk would write it: words, numbers spoken."""
    out: list[str] = []
    for tok in re.findall(r"[A-Za-z0-9']+", unidecode(text).lower()):
        if tok.isdigit():
            n = int(tok)
            out += words_of(n, rng) if house and (n < 100 or rng.random() < 0.5) else (
                words_of(n // 100, rng) + digit_words(f"{n % 100:02d}", rng, "pairs")
                if house and n >= 1000 and n % 100 >= 10 else digit_words(tok, rng))
        elif any(c.isdigit() for c in tok):
            out += spell(tok, rng)
        elif tok.strip("'"):
            out.append(tok.strip("'"))
    return out


# -- names -----------------------------------------------------------------------
def _ascii_name(name: str) -> list[str]:
    return [w for w in re.findall(r"[a-z']+", unidecode(name).lower()) if len(w.strip("'")) > 1]


@cache
def name_pool(locale: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(first names, last names) of a Faker locale, lowercase ASCII."""
    provider = next(p for p in Faker(locale).get_providers() if ".person" in type(p).__module__)
    firsts, lasts = set(), set()
    for attr, into in (("first_names", firsts), ("first_names_male", firsts), ("first_names_female", firsts),
                       ("first_romanized_names", firsts), ("last_names", lasts), ("last_romanized_names", lasts)):
        values = getattr(provider, attr, ())
        for v in values.keys() if isinstance(values, dict) else values:
            into.update(_ascii_name(v))
    return tuple(sorted(firsts)), tuple(sorted(lasts))


def names(split: str) -> tuple[list[str], list[str]]:
    """First and last names for a split: "train" (and "test") or "heldout"."""
    locales = TRAIN_NAME_LOCALES + (HELDOUT_NAME_LOCALES if split == "heldout" else ())
    firsts, lasts = set(), set()
    for loc in locales:
        f, l_ = name_pool(loc)
        whole = loc in HELDOUT_NAME_LOCALES
        firsts.update(n for n in f if whole or held_out(n) == (split == "heldout"))
        lasts.update(n for n in l_ if whole or held_out(n) == (split == "heldout"))
    if split == "heldout":  # names the training split also has are not held out
        train_f, train_l = names("train")
        firsts -= set(train_f)
        lasts -= set(train_l)
    return sorted(firsts), sorted(lasts)


# -- utterances ------------------------------------------------------------------
@dataclass
class Sample:
    tokens: list[str] = field(default_factory=list)
    labels: list[str | None] = field(default_factory=list)
    locale: str = ""
    template: str = ""

    def add(self, words: list[str] | str, label: str | None = None) -> None:
        for w in words.split() if isinstance(words, str) else words:
            self.tokens.append(w)
            self.labels.append(label)

    @property
    def text(self) -> str:
        return " ".join(self.tokens)

    @property
    def spans(self) -> list[tuple[int, int, str]]:
        """Character spans of runs of one label (as benchmarks.redaction scores them)."""
        out, pos, i = [], 0, 0
        starts = []
        for t in self.tokens:
            starts.append(pos)
            pos += len(t) + 1
        while i < len(self.tokens):
            label = self.labels[i]
            j = i
            while j + 1 < len(self.tokens) and label and self.labels[j + 1] == label:
                j += 1
            if label:
                out.append((starts[i], starts[j] + len(self.tokens[j]), label))
            i = j + 1
        return out

    def as_dict(self) -> dict:
        return {"text": self.text, "spans": [{"start": s, "end": e, "label": lab} for s, e, lab in self.spans],
                "locale": self.locale}


# Carrier sentences by the slot they are about. {x} is a slot, the rest are plain words.
PERSON_TEMPLATES = """
call {name} | ring {name} please | phone {full} | dial {name} | give {first} a call | video call {full}
text {name} that i'm running late | text {first} i'll be home soon | message {first} on whatsapp
tell {first} dinner is ready | tell {first} {last} i said thanks | say happy birthday to {first}
is {first} awake | is {first} back yet | is {first} home | where is {first} | how old is {first} now
pick up {first} at five | pick {first} up from school | drop {first} at the station
{first's} birthday is next week | when is {first's} flight | {first's} party is on saturday
she named him {first} | we named her {first} | his name is {full} | her name is {first}
follow up with {full} | follow up with {last} on monday | i'm meeting with {first} at noon
ask {title} {last} about the invoice | ask {title} {last} if the results are in | ring {title} {last}
remind me to call {name} tomorrow | remind me to email {full} | remind me to pay {first} back
my name is {full} | this is {full} speaking | i'm {full} | call me {first}
send a message to {name} | send {first} the photos | email {full} the report
did {first} send it | did {first} call | has {first} left yet | have {first} call me back
let {first} know i'm outside | let {full} know the meeting moved | can you let {first} know i'll be late
add {full} to my contacts | add {first} to the shopping list group | put {full} on the guest list
what did {first} say | what time is {first} coming | does {first} have practice today
{first} and {first} are coming over | invite {full} to dinner on friday | invite {first} and {first}
my {relation} {first} is visiting | my {relation} {full} needs a ride | my {relation} {first} called
meet {first} at the cafe | i'm seeing {full} tonight | book a table for me and {first}
{first} is at school | {first} will pick up the kids | {full} is on the phone
wake {first} up at seven | did {first} take the dog out | who is picking up {first}
thank {first} for the flowers | congratulate {full} | remind {first} about the dentist
schedule a call with {full} | set up a meeting with {title} {last} | cancel my lunch with {first}
how is {first} getting home | find {first's} phone | turn on {first's} light | play {first's} playlist
{first} {last} called | missed call from {full} | any messages from {first} | read {first's} message
how old is {first} now | congratulate {full} | i'm seeing {full} tonight | {first} needs new shoes
ask {first} to call me | does {first} like pizza | {full} is my dentist | {first} is coming for lunch
send flowers to {full} | buy a present for {first} | when did {first} call | {first} said yes
text {full} happy anniversary | remind me {first's} recital is at six | who is {full}

""".strip()

PHONE_TEMPLATES = """
call {phone} | dial {phone} | ring {phone} | my number is {phone} | my mobile is {phone}
you can reach me at {phone} | save {phone} as the plumber | call {name} on {phone} | her cell is {phone}
the office line is {phone} | text {phone} that i'm here | add {phone} to my contacts | his number is {phone}
the plumber's number is {phone} | my work number is {phone} | call back {phone} | the landline is {phone}
phone {phone} | new number {phone} | my phone number is {phone} | whatsapp {phone}
call {name} at {phone} | text {first} at {phone} | {first's} number is {phone} | reach {first} on {phone}
the dentist is on {phone} | call me back on {phone} | my cell number is {phone} | ring me on {phone}
is {phone} your number | who called from {phone} | block {phone} | the doctor's surgery is {phone}
""".strip()

EMAIL_TEMPLATES = """
my email is {email} | send it to {email} | email the photos to {email} | contact me at {email}
my work address is {email} | forward this to {email} | my login email is {email} | write to {email}
my email address is {email} | share the album with {email} | invite {email} to the calendar
his email is {email} | cc {email} | reply to {email} | send the invoice to {email}
""".strip()

ADDRESS_TEMPLATES = """
i live at {address} | ship it to {address} | my address is {address} | deliver to {address}
navigate to {address} | the party is at {address} | send the parcel to {address} | we moved to {address}
how long to drive to {address} | pick me up from {address} | book a taxi to {address}
my home address is {address} | the package goes to {address} | directions to {address}
our new place is {address} | my postcode is {postcode} | the zip code is {postcode} | post it to {address}
my billing address is {address} | change my address to {address} | is {address} far from here
my eircode is {postcode} | the postal code is {postcode} | we're at {address}
""".strip()

CARD_TEMPLATES = """
my card number is {card} | pay with visa {card} | the card is {card} | charge it to my mastercard {card}
use card {card} | my credit card is {card} | my debit card number is {card} | the card expires {expiry}
expiry {expiry} | the security code is {cvv} | cvv {cvv} | my amex is {card} | card number {card}
valid until {expiry} | the number on the card is {card} | the code on the back is {cvv}
the expiration date is {expiry} | exp date {expiry} | the expiry date on my card is {expiry} | it runs out {expiry}
my visa expires {expiry} | card expiring {expiry} | the long number is {card} | security code {cvv}
""".strip()

SSN_TEMPLATES = """
my {natid} | here is my {natid} | remember my {natid} | her {natid} | fill in my {natid} | note my {natid}
the form needs my {natid} | his {natid} | save my {natid}
""".strip()

DOB_TEMPLATES = """
i was born on {dob} | my birthday is {dob} | my date of birth is {dob} | date of birth {dob}
she was born on {dob} | he was born {dob} | my son was born on {dob} | my dob is {dob}
born {dob} | her birthday is {dob} | my mum's birthday is {dob} | put my birth date as {dob}
""".strip()

ACCOUNT_TEMPLATES = """
my account number is {account} | member id {account} | order number {account} | policy number {account}
the tracking number is {account} | the serial number is {account} | license plate {plate}
customer number {account} | confirmation code {account} | my username is {username}
my frequent flyer number is {account} | the case number is {account} | invoice {account}
my iban is {iban} | my registration is {plate} | my login is {username} | the booking reference is {account}
my library card is {account} | reference number {account} | my user name is {username}
""".strip()

PIN_TEMPLATES = """
my pin is {pin} | the door code is {pin} | alarm code {pin} | my passcode is {pin} | pin number {pin}
the garage code is {pin} | my password is {password} | the wifi password is {password}
unlock it with {pin} | the combination is {pin} | the keypad code is {pin} | my pin code is {pin}
the gate code is {pin} | my password is {pin} | the safe code is {pin} | the passcode is {password}
""".strip()

NUMBER_TEMPLATES = """
write down {longnum} | remember the number {longnum} | note this {longnum} | the code on the box is {longnum}
my locker is {longnum} | the lock number is {longnum} | take a note {longnum}
""".strip()

# Written after the held-out figures had been looked at (and the redactor changed for some of them),
# measured once at the end and never tuned on: the "fresh" split, with the held-out names.
FRESH_TEMPLATES = {
    "PERSON": """hey can you ping {first} | tell {first} the car is ready | {first} wants the blue one
    is it {first's} turn to cook | grandpa {first} is visiting | did you hear from {full}
    i need to thank {full} for the gift | {full} will be here at four | is {first} asleep""",
    "PHONE": """the number to call is {phone} | leave a message on {phone} | try {phone} instead""",
    "EMAIL": """drop me a line at {email} | the email is {email} | mail the tickets to {email}""",
    "ADDRESS": """the address for the delivery is {address} | they live at {address} | head to {address}""",
    "CARD": """here's my card {card} | it expires {expiry} | the three digits on the back are {cvv}""",
    "SSN": """for the tax form my {natid} | write down my {natid}""",
    "DATE_OF_BIRTH": """i was born {dob} | he's born on {dob} | the baby was born on {dob}""",
    "ACCOUNT": """my customer reference is {account} | the parcel tracking code is {account} | log in as {username}""",
    "PIN": """the code for the front door is {pin} | the router password is {password}""",
    "NUMBER": """jot down {longnum} | keep this number {longnum}""",
}
FRESH_CLEAN = """what's {big} times {small} | how many people live in {country} | play some {nationality} music
remind me at {time} to water the plants | set a timer for {small} seconds | is it warm in {city} today
how many miles is {big} kilometers | in what year did the {nationality} empire fall | the film came out in {year}
will you turn the lights off | i hope it's sunny on {month} {ordinal} | play {artist} in the living room"""

TEMPLATES = {"PERSON": PERSON_TEMPLATES, "PHONE": PHONE_TEMPLATES, "EMAIL": EMAIL_TEMPLATES,
             "ADDRESS": ADDRESS_TEMPLATES, "CARD": CARD_TEMPLATES, "SSN": SSN_TEMPLATES,
             "DATE_OF_BIRTH": DOB_TEMPLATES, "ACCOUNT": ACCOUNT_TEMPLATES, "PIN": PIN_TEMPLATES,
             "NUMBER": NUMBER_TEMPLATES}

# Commands with no identifier: numbers that are sums, years or settings; names that are words;
# artists (public names, kept after play/by/songs); places and nationalities.
CLEAN_TEMPLATES = """
set a timer for {small} minutes | set an alarm for {time} | wake me up at {time} | what is {big} times {small}
what is {big} divided by {small} | what is {big} squared | what's {big} plus {big}
set the thermostat to {small} degrees | set the oven to {oven} degrees | volume {small} | turn it up to {small}
play {artist} | play some {artist}
songs by {artist} | play the new album by {artist} | put on {artist} | shuffle {artist}
what's the weather in {city} | will it rain in {city} tomorrow | how far is {city} from {city}
i am {nationality} but i live in {country} | we're {nationality} | is {country} in europe
what happened in {year} | who won the world cup in {year} | the war ended in {year} | top songs of {year}
will it rain tomorrow | i hope so | mark this as done | pay the electric bill | bill me later
summer is my favorite season | how many days until may | what's on my calendar for {month} {ordinal}
turn on the kitchen lights | add milk to the shopping list | call mom | text my wife that i'm running late
remind me to take out the trash | tell me a joke | how tall is mount everest | skip ahead {small} seconds
set brightness to {small} percent | read me the news | pause the music | is it going to snow in april
how many calories in {small} cups of rice | convert {big} grams to pounds | how far is {big} miles in kilometers
what's the population of {country} | what time is it in {city} | open the garage door | lock the front door
what's {small} percent of {big} | spell necessary | dim the lights to {small} percent | who wrote hamlet
when is mothers day | how do you make pancakes | play the radio | what's the score | turn off the tv
set a reminder for {month} {ordinal} | how long ago was {year} | count to {small} | roll a dice
what's the capital of {country} | translate thank you into {nationality} | is the {nationality} team playing tonight
grace is a lovely word | the will was read on friday | i will be late | may i have some music | joy to the world
what's {big} minus {big} | is {big} a prime number | what's the square root of {big} | how many seconds in {small} hours
set a timer for {small} hours and {small} minutes | play music from {year} | was {year} a leap year
movies from {year} | when was the {nationality} revolution | the castle was built in {year} | how long ago was {year}
how far is it to {city} | drive to {city} | book a train to {city} | flights from {city} to {city}
what's the time difference with {city} | traffic in {city} | news from {country} | we are moving to {country}
my wife is {nationality} | {nationality} food near me | translate hello into {nationality} | i speak {nationality}
the grace period ends soon | hope you're well | mark the calendar | it may rain later | art galleries open today
the rose garden opens at {time} | summer holidays start in {month} | bill the client | frank opinions please
i have {small} pounds left | add {small} eggs to the list | the bus is number {small} | channel {small}
play track {small} | page {big} of the book | the score was {small} to {small} | i'm {small} years old
it costs {big} dollars | we need {small} chairs | open the door for me | pick up the kids at {time}
call the doctor | text the family group | ask alexa to stop | call my mum | ring the office | tell my son dinner's ready
the meeting is at {time} on {month} {ordinal} | remind me on the {ordinal} | what day is {month} {ordinal}
songs like {artist} | play something by {artist} | play the latest {artist} song
turn on the fan in the bedroom | set the heating to {small} | start the dishwasher | how heavy is {big} grams
any news from {country} | messages from the school | flights from {city} | trains from {city} to {city}
happy birthday | say good morning | she named the cat fluffy | set up a meeting for monday | invite everyone
congratulations | tell me about {country} | say something funny | how old is the universe | who won the game
sing happy birthday | what's new | any new messages | how do you say thank you in {nationality}
play the {nationality} national anthem | what's {big} in roman numerals | what's {small} plus {small}
when does the shop close | set a timer for {small} minutes for the pasta | is it {small} degrees outside
how many days until {month} {ordinal} | the appointment is on {month} {ordinal} at {time} | my flight is at {time}
what's the weather like in {city} this week | directions to the nearest pharmacy | how long to drive to {city}
""".strip()

TAILS = """
and set a timer for ten minutes | then turn off the lights | and remind me tomorrow | thanks | please
and play some jazz | before dinner | right now | and what's the weather | and turn the heating down
thank you | when you get a chance | and lock the door | and add bread to the list | today
tomorrow morning | after lunch | and call mom | and read my messages | okay
""".strip()

# Person sentences put together from parts (training and in-distribution only): a name in many more
# slots than hand-written sentences give, so the tagger learns the name and not the sentence.
PERSON_BEFORE = ("call|ring|text|message|email|ask|tell|remind|invite|thank|meet|visit|phone|ping|pay back|wish|help|"
                 "find|pick up|drop off|wake up|check on|look after|say hi to|send love to|write to|reply to|"
                 "speak to|talk to|chat with|meet up with|have lunch with|play tennis with|catch up with|"
                 "get back to|wait for|look for|save a seat for|buy a gift for|make a card for|book a table with|"
                 "share the photos with|send the link to|forward the email to|show the video to").split("|")
PERSON_AFTER = ("|tomorrow|at five|later|tonight|on friday|when i'm home|about the party|for me|after school|"
                "this weekend|again|right away|in the morning|on monday|before lunch|please").split("|")
PERSON_SUBJECT = ("is late|called|is coming home|left the door open|wants pizza|has a cold|won the match|"
                  "needs a lift|is asleep|says hi|will be late|got the job|lost her keys|forgot his lunch|"
                  "is at the gym|is visiting|made dinner|sent the photos|is on the way|can't come|"
                  "is staying over|booked the tickets|has a fever|finished the homework").split("|")
PERSON_QUESTIONS = ("where is {x}|when is {x} back|has {x} eaten|is {x} up|did {x} ring|what does {x} want|"
                    "how is {x}|who is with {x}|why is {x} late|can {x} come|is {x} free tonight|"
                    "what time does {x} finish|has {x} called|is {x} still at work").split("|")

# Wider training sentences (training and in-distribution only, so the held-out and fresh splits stay as
# they were measured): identifiers after many more cue phrases, names in many more slots, each put
# together from parts so that the tagger learns the shape of a cue ("<something> number is") and not a list.
# Written after fresh set B (benchmarks/data/fresh_b.txt) by the same hand: phrases that set B uses were
# kept out of these lists, so that B still measures phrasings the tagger never saw.
PREFIXES = ("|||hey|can you|could you|please|quick one|okay so|um|right|so|listen|i think|just so you know|"
            "for the record|note that|btw").split("|")
OWNERS = ("my|the|our|his|her|your|this|their|my new|the old|").split("|")
ID_NOUNS = "number|number|no|reference|ref|code|id|i d|key|digits".split("|")
ID_VERBS = "is|is|is|it's|was|reads|says|should be|ends in|ending|will be||:".split("|")
ACCOUNT_QUALIFIERS = ("account|customer|member|membership|policy|order|booking|tracking|parcel|shipment|delivery|"
                      "loyalty|rewards|frequent flyer|claim|case|ticket|reservation|subscriber|client|"
                      "patient|student|employee|staff|library|insurance|utility|broadband|serial|product|licence|"
                      "license|vehicle|registration|invoice|billing|supplier|contract|application|voucher|"
                      "gift card|promo|coupon|transaction|payment|mortgage|loan|pension|savings|bank|sort|routing|"
                      "receipt|return|refund|appointment|hospital|nhs|medicare|tenant|lease|council tax|"
                      "water bill|gas|electricity|energy|phone bill|internet|router|device|imei|passport|"
                      "driving licence|visa application|exam|candidate|entry|race|raffle|lottery|prize draw|"
                      "confirmation|authorisation|authorization|security|verification|access|activation|"
                      "installation|job|work order|purchase order|reference").split("|")
LOGIN_CUES = ("log in as|login as|sign in as|sign me in as|logged in as|my login is|my handle is|my user id is|"
              "my gamertag is|the username is|my username's|username|user name|handle|my screen name is|"
              "my account name is|i'm on there as|my id is|the login is|account name").split("|")
CARD_CUES = ("my card is|my card number is|card number|charge my card|pay with card|use my visa|"
             "my visa is|the mastercard is|the amex number is|my debit card is|the card|"
             "the long number on the card is|the number on the front is|card ending|use the card|"
             "the card i want to use is|bill it to|charge it to|put it on|my credit card number is|"
             "the card's").split("|")
EXPIRY_CUES = ("expires|expires on|expiring|it expires|expiry|expiry date|the expiry is|expiration|"
               "expiration date|valid until|valid till|valid to|valid through|valid thru|"
               "runs out|it runs out|end date|exp|exp date|the date on the card is|until").split("|")
CVV_CUES = ("security code|the security number is|cvv|cvc|cvv2|the code on the back is|verification code|"
            "the three digits on the back|the four digit code on the front|"
            "card security code|csc").split("|")
PIN_CUES = ("pin|pin number|pin code|passcode|password|door code|alarm code|gate code|lock code|entry code|"
            "access code|unlock code|keypad code|combination|key safe code|padlock code|"
            "wifi password|laptop password|phone passcode|bank pin|atm pin|"
            "the code to get in|the code for the shed|the code for the garage|screen lock").split("|")
DOB_CUES = ("i was born on|i was born|born on|born|she was born on|he was born|they were born on|"
            "my date of birth is|date of birth|dob|d o b|birthday is|my birthday's|her birthday is|"
            "his birthday is|my birth date is|birth date|born in the year of|was born on").split("|")
PHONE_CUES = ("my number is|call me on|ring me on|reach me at|text me on|the number is|phone|dial|call|ring|"
              "my mobile is|mobile|cell|landline|the work line is|the direct line is|the helpline is|"
              "whatsapp me on|give them a bell on|the emergency number is|"
              "his mobile's|her cell is|contact number|the callback number is|fax").split("|")
PERSON_VERBS_WIDE = ("call|ring|text|message|email|ask|tell|remind|invite|thank|meet|visit|phone|ping|wish|help|"
                     "find|fetch|bring|take|warn|forgive|hug|trust|text back|ring back|call back|"
                     "video call|facetime|dm|whatsapp|check with|confirm with|sit with|swap with|introduce me to|"
                     "put me through to|get hold of|reach|contact|notify|alert|cc|loop in|tag|mention|host|"
                     "babysit|pick up|drop off|wait for|look for|go with|walk with|ride with|sit next to|"
                     "write back to|hand this to|pass the message to|read this to|show|teach|pay|call up|"
                     "say sorry to|say thanks to|say goodnight to|say hello to|wave to|check in on|"
                     "say happy anniversary to|say merry christmas to|say well done to|say congratulations to|"
                     "wish happy birthday to|send best wishes to|say get well soon to").split("|")
PERSON_TAILS = ("||||||now|tomorrow|later|tonight|at five|at half six|on friday|this evening|next week|first thing|"
                "for me|about the car|about dinner|when you can|after work|before nine|by noon|asap|"
                "if you can|on the way home|again|when she's free|when he gets in").split("|")
PERSON_STATES = ("is running late|just got home|is in the shower|missed the bus|is at training|is working late|"
                 "needs picking up|wants a word|is feeling better|has a dentist appointment|broke a glass|"
                 "is on holiday|forgot the keys|is sleeping over|is on nights|fixed the sink|fed the cat|"
                 "is at the shops|hasn't replied|rang earlier|is upstairs|is in the garden|ate all the biscuits|"
                 "can have the spare room|is driving|will be back at six|sent a card").split("|")
PERSON_QUESTIONS_WIDE = ("is {x} in|is {x} around|is {x} downstairs|has {x} gone out|did {x} get home ok|"
                         "when does {x} get back|what did {x} want|where's {x}|is {x} up yet|has {x} eaten yet|"
                         "can {x} have a sleepover|should i wake {x}|does {x} need a coat|is {x} on the way|"
                         "what's {x} doing|how long has {x} been out|why hasn't {x} called|"
                         "did you remind {x}|have you seen {x}|did anyone feed {x}|is it {x} on the phone").split("|")
PERSON_FROM = ("a message from|a text from|a call from|a letter from|an email from|a parcel from|"
               "anything new from|a reply from|missed calls from|a card from|news from|a present from|"
               "did you hear back from|i got a note from|is there post from|i had a call from|"
               "new messages from|unread messages from|texts from|emails from|voice notes from|"
               "anything from|read the latest from|play the message from").split("|")
POSSESSED = ("birthday|party|car|flight|bike|keys|lunch|phone|recital|dentist appointment|wedding|leaving do|"
             "school report|homework|football kit|swimming lesson|train|number|address|email|mum|dad|"
             "room|jacket|charger|passport|interview|results").split("|")
POSSESSED_AFTER = ("is tomorrow|is on friday|is at six|is in the hall|came back|got cancelled|is ready|"
                   "is next week|needs charging|is delayed|went well|is upstairs|").split("|")
NAMING = ("she named him {x}|we named her {x}|they called the baby {x}|we're calling him {x}|his name's {x}|"
          "her name's {x}|my manager is {x}|"
          "the baby's name is {x}|say hi, i'm {x}|it's {x} here|this is {x}|{x} here|i'm {x} by the way|"
          "you can call me {x}|the booking is under {x}|the table is under the name {x}|"
          "the delivery is for {x}|addressed to {x}|from {x} with love|signed {x}").split("|")
RELATIONS_WIDE = ("wife|husband|son|daughter|friend|boss|neighbour|neighbor|sister|brother|cousin|colleague|mum|"
                  "dad|stepdad|stepmum|uncle|aunt|granny|nan|grandad|carer|tutor|coach|mate|pal|housemate|"
                  "roommate|manager|client|partner|fiance|niece|nephew|childminder|cleaner|piano teacher|"
                  "landlord|vet|physio|lodger|bestie|sister in law|brother in law").split("|")
WIDE_CLEAN = ("what's {big} times {big}|what is {big} divided by {small}|add {big} and {big}|"
              "subtract {big} from {big}|what's {big} minus {small}|is {big} divisible by {small}|"
              "what year did the {nationality} revolution start|what happened in {year}|"
              "when did {country} join the eu|who ruled {country} in {year}|the treaty was signed in {year}|"
              "born in the usa by bruce springsteen|play {artist} on spotify|play songs by {artist}|"
              "queue up {artist}|i'd like to hear {artist}|turn up {artist}|"
              "i'm half {nationality}|my neighbour is {nationality}|{nationality} breakfast recipes|"
              "set an alarm for {time} on weekdays|remind me at {time}|meet at {time}|"
              "buy {small} kilos of potatoes|i ran {small} kilometres|it's {small} degrees in {city}|"
              "how many {small} pence coins make a pound|the bus leaves at {time}|"
              "reduce the heat to {small}|cook it for {small} minutes at {oven}|"
              "what day of the week was {month} {ordinal} {year}|"
              "the exam is on {month} {ordinal}|my shift ends at {time}|is the {nationality} embassy open|"
              "how much is {big} yen in pounds|convert {big} dollars to euros|"
              "{big} people watched the final|the population is about {big}|"
              # Towns (Faker's are often made from names: "port jennifer", "michaelchester") are not people.
              "distance from {city} to {city}|weather for {city}|is it raining in {city}|hotels in {city}|"
              "trains to {city} tomorrow|i'm flying to {city}|what's the time in {city}|"
              "how long from {city} to {city}|we drove through {city}|the traffic near {city}|"
              "restaurants in {city}|show me {city} on the map|i used to live in {city}|"
              # Everyday words joined by "and" are not a pair of people.
              "play some {pair}|add {pair} to the list|we're having {pair} tonight|i love {pair}|"
              "it's all {pair}|{pair} please|a recipe for {pair}").split("|")
PAIRS = ("salt and pepper|fish and chips|bread and butter|rhythm and blues|drum and bass|black and white|"
         "pros and cons|trial and error|peace and quiet|cheese and onion|lost and found|bed and breakfast|"
         "country and western|sweet and sour|heavy metal and punk|pen and paper|milk and cookies|"
         "cheese and crackers|rice and beans|thunder and lightning|hide and seek|soul and funk|"
         "tea and biscuits|apples and pears|mac and cheese|jazz and swing|bangers and mash").split("|")

# Names after any verb that takes a person, in every form (device/redact/lexicon.py lists them), and the
# same verbs with things, not people, after them as negatives: the tagger learns "a verb, then a word
# nobody listed" is a name, not "after these forty verbs".
VERB_SUBJECTS = {"base": "|please|can you|could you|i need to|don't forget to|remember to|i want to|let's|"
                         "we should|did you|i'll|we'll|you can|go and",
                 "ing": "i'm|we're|she's|he's|they're|i was|are you|we'll be|is anyone|i'll be",
                 "past": "i|we|she|he|they|you|mum|dad|somebody|the school|the office",
                 "third": "she|he|mum|dad|the coach|the school|it"}
VERB_RESTS = ("||||to the airport|a lift|the keys|home|tomorrow|at six|on saturday|for lunch|about the bill|back|"
              "later|some money|a present|up at eight|into town|to school|over|round|this afternoon|"
              "a new phone|the good news|to the station|next week|after work|first|again").split("|")
VERB_THINGS = ("the car|a table|the bins|my keys|the kids|the dog|it|them|him|her|everyone|the plumber|a taxi|"
               "some milk|the bill|the form|the parcel|dinner|the tickets|the cat|a cake|the news|the office|"
               "the bank|the vet|the school|a nap|the landlord|the neighbours|the team|a friend|the doctor|"
               "the garden|the shopping|a hand|the rent|the house|a review|the manager|the lottery|"
               "a new sofa|the doors|the heating|the alarm|the weather|the meeting|the nurse|the front door|"
               "the washing|the parking|the game|the delivery|the baby|the kettle|no one|people").split("|")
VOCATIVE = ("{x} dinner is ready|{x} can you come here|{x} your phone is ringing|{x} it's time for bed|"
            "{x} the taxi is here|good night {x}|thanks {x}|happy birthday {x}|well done {x}|morning {x}|"
            "hurry up {x}|{x} are you awake|sorry {x}|love you {x}|see you later {x}|hi {x}").split("|")

RELATIONS = "wife husband son daughter friend boss neighbour neighbor sister brother cousin colleague mum".split()
TITLES = "mister mrs miss doctor dr mr ms professor".split()
NATIONALITIES = ("danish swedish french german irish indian australian canadian british american italian "
                 "spanish polish nigerian ghanaian chinese japanese korean brazilian mexican dutch "
                 "norwegian finnish greek turkish").split()
COUNTRIES = ("slovenia denmark france germany ireland india australia canada britain spain italy poland "
             "nigeria ghana china japan korea brazil mexico norway finland greece turkey portugal "
             "kenya new zealand").split()
ARTISTS = ("taylor swift|adele|ed sheeran|the beatles|miles davis|beyonce|bob dylan|billie eilish|drake|"
           "elton john|dolly parton|bruno mars|shakira|coldplay|frank sinatra|ella fitzgerald|rihanna|"
           "kendrick lamar|lady gaga|johnny cash|arijit singh|ar rahman|enya|u two|kylie minogue").split("|")


def split_list(spec: str, split: str) -> list[str]:
    items = [t.strip() for t in spec.replace("\n", "|").split("|") if t.strip()]
    return [t for t in items if held_out(t) == (split == "heldout")]


class Generator:
    """Makes Samples for one split: "train", "test" (same sources as train, other draws), "heldout",
    "fresh" (FRESH_TEMPLATES with the held-out names)."""

    def __init__(self, split: str = "train", seed: int = 1):
        self.split = split
        self.rng = random.Random(f"{split}-{seed}")
        self.fakers = {}
        for i, loc in enumerate(ENGLISH_LOCALES):
            f = Faker(loc)
            f.seed_instance(seed * 100 + i + {"train": 0, "test": 25, "heldout": 50, "fresh": 75}[split])
            self.fakers[loc] = f
        self.firsts, self.lasts = names("heldout" if split in ("heldout", "fresh") else "train")
        if split == "fresh":
            self.templates = {label: split_list(spec, "train") + split_list(spec, "heldout")
                              for label, spec in FRESH_TEMPLATES.items()}
            self.clean = split_list(FRESH_CLEAN, "train") + split_list(FRESH_CLEAN, "heldout")
        else:
            self.templates = {label: split_list(spec, split) for label, spec in TEMPLATES.items()}
            self.clean = split_list(CLEAN_TEMPLATES, split)
        self.tails = split_list(TAILS, split)
        self.wide = split in ("train", "test")  # the wider sentences below, never in held-out or fresh
        self.locale = "en_US"

    # -- fillers: each adds its words to the sample ---------------------------------------------------
    def first(self) -> list[str]:
        r = self.rng
        if r.random() < 0.04:
            return [r.choice(WORD_NAMES)]
        return [r.choice(self.firsts)]

    def fill(self, slot: str, s: Sample) -> None:
        r, f = self.rng, self.fakers[self.locale]
        if slot == "first":
            s.add(self.first(), "PERSON")
        elif slot == "first's":
            s.add([self.first()[0] + "'s"], "PERSON")
        elif slot == "last":
            s.add([r.choice(self.lasts)], "PERSON")
        elif slot == "full":
            s.add(self.first() + [r.choice(self.lasts)], "PERSON")
        elif slot == "name":
            self.fill(r.choice(["first", "full", "full"]), s)
        elif slot == "title":
            s.add(r.choice(TITLES))
        elif slot == "relation":
            s.add(r.choice(RELATIONS))
        elif slot == "phone":
            self.phone(s)
        elif slot == "email":
            self.email(s)
        elif slot == "address":
            self.address(s)
        elif slot == "postcode":
            s.add(self.postcode(), "ADDRESS")
        elif slot == "card":
            digits = re.sub(r"\D", "", f.credit_card_number())
            s.add(digit_words(digits, r, r.choice(["digits", "pairs", "repeats"]))
                  if len(digits) % 4 else self.quads(digits), "CARD")
        elif slot == "expiry" and self.wide and r.random() < 0.3:  # "nine twenty eight", "oh nine slash two eight"
            m, y = r.randint(1, 12), r.randint(24, 34)
            s.add(r.choice([words_of(m, r) + words_of(y, r), digit_words(f"{m:02d}", r) + ["slash"] + words_of(y, r),
                            words_of(m, r) + digit_words(str(y), r), ["the", "end", "of"] + [MONTHS[m - 1]]
                            + words_of(2000 + y, r)]), "CARD")
        elif slot == "expiry":
            m, y = r.randint(1, 12), r.randint(24, 34)
            s.add(r.choice([digit_words(f"{m:02d}", r) + words_of(y, r), [MONTHS[m - 1]] + words_of(2000 + y, r),
                            [MONTHS[m - 1]] + words_of(y, r)]), "CARD")
        elif slot == "cvv":
            s.add(digit_words(f"{r.randint(0, 9999):04d}"[-r.choice([3, 3, 4]):], r), "CARD")
        elif slot == "natid":
            self.national_id(s)
        elif slot == "dob":
            self.date_of_birth(s)
        elif slot == "account":
            s.add(self.code(), "ACCOUNT")
        elif slot == "plate":
            s.add(spell(re.sub(r"[^A-Za-z0-9]", "", f.license_plate()), r), "ACCOUNT")
        elif slot == "iban":
            s.add(spell(f.iban()[: r.randint(10, 22)], r), "ACCOUNT")
        elif slot == "username":
            user = re.sub(r"[^a-z0-9]", "", f.user_name().lower())
            s.add(spell(user, r) if r.random() < 0.5 else say(re.sub(r"(\d+)", r" \1", user), r), "ACCOUNT")
        elif slot == "pin":
            s.add(digit_words(str(r.randint(0, 10 ** 8)).zfill(8)[: r.choice([4, 4, 4, 5, 6])], r), "PIN")
        elif slot == "password":
            pw = re.sub(r"[^a-z0-9]", "", f.password(length=r.randint(6, 9), special_chars=False).lower())
            s.add(spell(pw, r) if r.random() < 0.6 else [r.choice(self.firsts + ["sunshine", "dragon", "monkey"])]
                  + words_of(r.randint(1, 99), r), "PIN")
        elif slot == "longnum":
            s.add(digit_words("".join(r.choice("0123456789") for _ in range(r.randint(5, 9))), r), "NUMBER")
        # identifier-free fillers
        elif slot == "small":
            s.add(words_of(r.randint(1, 99), r))
        elif slot == "big":
            s.add(words_of(r.choice([r.randint(100, 9999), r.randint(10000, 999999), r.randint(10 ** 6, 10 ** 9)]),
                           r))
        elif slot == "oven":
            s.add(words_of(r.choice([180, 200, 220, 325, 350, 375, 400, 425]), r))
        elif slot == "time":
            h, m = r.randint(1, 12), r.choice([0, 5, 15, 20, 30, 45, 50])
            s.add(words_of(h, r) + ([] if m == 0 else digit_words(f"{m:02d}", r, "pairs") if m < 10
                                      else words_of(m, r)) + ([r.choice(["am", "pm"])] if r.random() < 0.4 else []))
        elif slot == "year":
            s.add(year_words(r.randint(1066, 2030), r))
        elif slot == "month":
            s.add([r.choice(MONTHS)])
        elif slot == "ordinal":
            s.add(ordinal_words(r.randint(1, 31)))
        elif slot == "artist":
            s.add(r.choice(ARTISTS) if r.random() < 0.5 else " ".join(self.first() + [r.choice(self.lasts)]))
        elif slot == "city":
            s.add(say(f.city(), r))
        elif slot == "pair":
            s.add(r.choice(PAIRS))
        elif slot == "nationality":
            s.add(r.choice(NATIONALITIES))
        elif slot == "country":
            s.add(r.choice(COUNTRIES))
        else:
            raise ValueError(f"unknown slot {slot}")

    def quads(self, digits: str) -> list[str]:
        return [w for k in range(0, len(digits), 4)
                for w in digit_words(digits[k : k + 4], self.rng, self.rng.choice(["digits", "pairs"]))]

    def phone(self, s: Sample) -> None:
        r, f = self.rng, self.fakers[self.locale]
        raw = f.phone_number()
        main, _, ext = raw.partition("x")
        digits = re.sub(r"\D", "", main)
        words = (["plus"] if main.strip().startswith("+") else []) + digit_words(digits, r)
        if r.random() < 0.15 and len(digits) >= 10:  # the area code alone, then the rest in pairs
            words = digit_words(digits[:-6], r) + digit_words(digits[-6:], r, "pairs")
        s.add(words, "PHONE")
        ext_digits = re.sub(r"\D", "", ext) or (str(r.randint(1, 9999)) if r.random() < 0.12 else "")
        if ext_digits:
            s.add(r.choice(["extension", "ext", "extension number"]))
            s.add(digit_words(ext_digits[:4], r), "PHONE")

    def email(self, s: Sample) -> None:
        r, f = self.rng, self.fakers[self.locale]
        first, last = r.choice(self.firsts), r.choice(self.lasts)
        local = r.choice([f.user_name(), f"{first}.{last}", f"{first}{r.randint(1, 99)}", f"{first[0]}{last}"])
        domain = r.choice([f.free_email_domain(), f.domain_name(), "gmail.com", "outlook.com",
                           "yahoo.co.uk", "bigpond.com.au", "eircom.net", "rediffmail.com"])
        words: list[str] = []
        for piece in re.findall(r"[a-z]+|[0-9]+|[._\-@]", (local + "@" + domain).lower()):
            if piece in ("uk", "au", "in", "ie", "ca", "us") and r.random() < 0.6:
                words += list(piece)
            else:
                words += {".": ["dot"], "_": ["underscore"], "-": ["dash"], "@": ["at"]}.get(piece) or (
                    digit_words(piece, r) if piece.isdigit() else [piece])
        s.add(words, "EMAIL")

    def postcode(self) -> list[str]:
        r, f = self.rng, self.fakers[self.locale]
        if self.locale == "en_IE":
            code = r.choice("acdefhknprtvwxy") + f"{r.randint(1, 99):02d}" + "".join(
                r.choice("acdefhknprtvwxy0123456789") for _ in range(4))
            return spell(code, r)
        if self.locale in ("en_GB", "en_CA"):
            return spell(f.postcode(), r)
        return digit_words(re.sub(r"\D", "", f.postcode()), r, r.choice(["digits", "digits", "pairs"]))

    def address(self, s: Sample) -> None:
        r, f = self.rng, self.fakers[self.locale]
        shape = r.choice(["street", "street", "street town", "whole", "whole", "town postcode"])
        words: list[str] = []
        if shape != "town postcode":
            if r.random() < 0.15:
                words += [r.choice(["flat", "apartment", "unit", "suite"])] + words_of(r.randint(1, 40), r)
            words += say(str(r.randint(1, 250) if r.random() < 0.7 else r.randint(250, 9999)), r, house=True)
            words += say(f.street_name(), r)
        if shape != "street":
            words += say(f.city(), r)
        if shape == "whole":
            region = {"en_US": "state", "en_AU": "state", "en_IN": "state", "en_CA": "province",
                      "en_GB": "county", "en_IE": "county"}[self.locale]
            if r.random() < 0.7:
                words += say(getattr(f, region)(), r)
        if shape in ("whole", "town postcode"):
            words += self.postcode()
        s.add(words, "ADDRESS")

    def national_id(self, s: Sample) -> None:
        r = self.rng
        loc = self.locale
        d = lambda n: "".join(r.choice("0123456789") for _ in range(n))  # noqa: E731
        letters = lambda n: "".join(r.choice("abcdeghjklmnprstwxyz") for _ in range(n))  # noqa: E731
        if loc == "en_GB":
            cue, code = r.choice(["national insurance number is", "national insurance is", "n i number is"]), spell(
                letters(2) + d(6) + r.choice("abcd"), r)
        elif loc == "en_IE":
            cue, code = r.choice(["pps number is", "p p s number is", "pps is"]), spell(d(7) + letters(
                r.choice([1, 2])), r)
        elif loc == "en_IN" and r.random() < 0.5:
            cue, code = r.choice(["pan is", "pan card number is", "pan number is"]), spell(
                letters(5) + d(4) + letters(1), r)
        elif loc == "en_IN":
            cue, code = r.choice(["aadhaar number is", "aadhaar is", "aadhar number is"]), self.quads(
                str(r.randint(2, 9)) + d(11))
        elif loc == "en_AU":
            cue, code = r.choice(["tax file number is", "tfn is", "t f n is"]), digit_words(d(9), r)
        elif loc == "en_CA":
            cue, code = r.choice(["social insurance number is", "sin is", "s i n is", "sin number is"]), digit_words(
                d(9), r)
        else:
            cue, code = r.choice(["social security number is", "social is", "ssn is", "s s n is"]), digit_words(
                d(9), r, r.choice(["digits", "digits", "repeats", "pairs"]))
        s.add(cue)
        s.add(code, "SSN")

    def date_of_birth(self, s: Sample) -> None:
        r = self.rng
        day, month, year = r.randint(1, 28), r.randint(1, 12), r.randint(1930, 2020)
        form = r.randrange(6)
        mon = MONTHS[month - 1]
        if form == 0:  # "the" says nothing about the person: outside the identifier
            s.add("the")
            words = ordinal_words(day) + ["of", mon] + year_words(year, r)
        elif form == 1:
            words = [mon] + ordinal_words(day) + year_words(year, r)
        elif form == 2:
            words = [mon] + ordinal_words(day)
        elif form == 3:
            words = ordinal_words(day) + ["of", mon] + year_words(year, r)
        elif form == 4:
            words = [mon] + words_of(day, r) + year_words(year, r)
        else:
            words = digit_words(f"{day:02d}", r) + digit_words(f"{month:02d}", r) + year_words(year, r)
        s.add(words, "DATE_OF_BIRTH")

    def code(self) -> list[str]:
        r = self.rng
        text = "".join(r.choice("abcdefghjkmnprstuvwxyz") for _ in range(r.choice([0, 0, 1, 2, 3])))
        return spell(text + "".join(r.choice("0123456789") for _ in range(r.randint(5, 10))), r)

    # -- whole utterances --------------------------------------------------------------------------
    def render(self, template: str, s: Sample) -> None:
        for piece in re.split(r"(\{[^}]+\})", template):
            if piece.startswith("{"):
                self.fill(piece[1:-1], s)
            elif piece.strip():
                s.add(piece)

    def composed_person_template(self) -> str:
        r = self.rng
        slot = r.choice(["{first}", "{full}", "{name}", "{title} {last}", "my {relation} {first}", "{last}",
                         "{first} and {first}", "{first} and {full}"])
        form = r.randrange(3)
        if form == 0:
            return f"{r.choice(PERSON_BEFORE)} {slot} {r.choice(PERSON_AFTER)}".strip()
        if form == 1:
            return f"{slot} {r.choice(PERSON_SUBJECT)}"
        return r.choice(PERSON_QUESTIONS).replace("{x}", slot)

    def verb_phrase(self) -> tuple[str, str]:
        """A subject and a person-taking verb in a form that fits it ("i'm" "driving")."""
        r = self.rng
        kind = r.choice(list(VERB_SUBJECTS))
        return r.choice(VERB_SUBJECTS[kind].split("|")), r.choice(verb_forms(r.choice(PERSON_TAKING_BASES))[kind])

    def verb_person_template(self, slot: str) -> str:
        r = self.rng
        form = r.randrange(4)
        if form == 0:
            subject, verb = self.verb_phrase()
            return f"{subject} {verb} {slot} {r.choice(VERB_RESTS)}"
        if form == 1:
            subject, verb = self.verb_phrase()
            return f"{subject} {verb} {r.choice(['to', 'for', 'with', 'from', 'about', 'up with', 'in on'])} {slot}"
        if form == 2:
            past = r.choice(verb_forms(r.choice(PERSON_TAKING_BASES))["past"])
            return (f"{r.choice(VERB_THINGS)} {r.choice(['was', 'were', 'got', 'has been'])} {past} "
                    f"{r.choice(['', '', 'for', 'up', 'in', 'over'])} by {slot} {r.choice(PERSON_TAILS)}")
        return r.choice(VOCATIVE).replace("{x}", r.choice(["{first}", "{first}", "{full}"]))

    def verb_thing_template(self) -> str:
        r = self.rng
        subject, verb = self.verb_phrase()
        if r.random() < 0.3:
            return f"{subject} {verb} {r.choice(['to', 'for', 'with', 'from', 'about'])} {r.choice(VERB_THINGS)}"
        return f"{subject} {verb} {r.choice(VERB_THINGS)} {r.choice(VERB_RESTS)}"

    def composed_template(self, label: str | None) -> str:
        """A sentence put together from parts (WIDE lists above), for the wider training split."""
        r = self.rng
        c = r.choice
        if label is None:
            return self.verb_thing_template() if r.random() < 0.3 else c(WIDE_CLEAN)
        if label == "PERSON":
            slot = c(["{first}", "{full}", "{name}", "{title} {last}", "my " + c(RELATIONS_WIDE) + " {first}",
                      "{last}", "{first} and {first}", "{first} {last} and {first}"])
            form = r.randrange(9)
            if form >= 6:
                return self.verb_person_template(slot)
            if form == 5:
                return f"{c(PREFIXES)} {c(PERSON_FROM)} {slot} {c(PERSON_TAILS)}"
            if form == 0:
                return f"{c(PREFIXES)} {c(PERSON_VERBS_WIDE)} {slot} {c(PERSON_TAILS)}"
            if form == 1:
                return f"{slot} {c(PERSON_STATES)}"
            if form == 2:
                return c(PERSON_QUESTIONS_WIDE).replace("{x}", slot)
            if form == 3:
                return f"{c(PREFIXES)} {{first's}} {c(POSSESSED)} {c(POSSESSED_AFTER)}"
            return c(NAMING).replace("{x}", c(["{first}", "{full}", "{first}"]))
        if label == "ACCOUNT":
            if r.random() < 0.25:
                return f"{c(PREFIXES)} {c(LOGIN_CUES)} {{username}}"
            return f"{c(PREFIXES)} {c(OWNERS)} {c(ACCOUNT_QUALIFIERS)} {c(ID_NOUNS)} {c(ID_VERBS)} {{account}}"
        if label == "CARD":
            cue, slot = c([(CARD_CUES, "{card}"), (CARD_CUES, "{card}"), (EXPIRY_CUES, "{expiry}"),
                           (CVV_CUES, "{cvv}")])
            verb = c(["", "", "is", "it's"]) if slot != "{card}" else ""
            return f"{c(PREFIXES)} {c(cue)} {verb} {slot}"
        if label == "PIN":
            return f"{c(PREFIXES)} {c(OWNERS)} {c(PIN_CUES)} {c(ID_VERBS)} {c(['{pin}', '{pin}', '{password}'])}"
        if label == "DATE_OF_BIRTH":
            return f"{c(PREFIXES)} {c(DOB_CUES)} {{dob}}"
        if label == "PHONE":
            return f"{c(PREFIXES)} {c(PHONE_CUES)} {{phone}}"
        return r.choice(self.templates[label])

    def sample(self, label: str | None) -> Sample:
        r = self.rng
        self.locale = r.choice(ENGLISH_LOCALES)
        if self.wide and r.random() < 0.35:
            template = " ".join(self.composed_template(label).split())
            s = Sample(locale=self.locale, template=template)
            self.render(template, s)
            if r.random() < 0.3:
                s.add(r.choice(self.tails))
            return s
        if label == "PERSON" and self.split in ("train", "test") and r.random() < 0.5:
            template = self.composed_person_template()
            s = Sample(locale=self.locale, template=template)
            self.render(template, s)
            return s
        template = r.choice(self.templates[label] if label else self.clean)
        s = Sample(locale=self.locale, template=template)
        self.render(template, s)
        if label and r.random() < 0.3:
            s.add(r.choice(self.tails))
        return s


LABELS = list(TEMPLATES)


def corpus(n: int, split: str = "test", seed: int = 1, slips: float = 0.0) -> list[Sample]:
    """`n` samples: a third identifier-free, the rest spread over every label (PERSON twice)."""
    gen = Generator(split, seed)
    order = LABELS + ["PERSON", "ADDRESS"]
    out = []
    for i in range(n):
        s = gen.sample(None if i % 3 == 0 else order[(i - i // 3 - 1) % len(order)])
        out.append(slip(s, gen.rng, slips) if slips else s)
    return out


SLIP_RATE = 0.05  # per word: homophones at twice this, drops and doubles at a quarter each
# Homophones Vosk writes for number words, and the reverse.
SLIPS = {"four": ["for"], "two": ["to", "too"], "one": ["won"], "eight": ["ate"], "oh": ["o"], "zero": ["oh"],
         "for": ["four"], "to": ["two"]}


def slip(s: Sample, rng: random.Random, rate: float) -> Sample:
    """The sample as a recogniser may hear it: homophones, dropped and doubled words, at `rate` per word."""
    out = Sample(locale=s.locale, template=s.template)
    for tok, label in zip(s.tokens, s.labels, strict=True):
        roll = rng.random()
        if tok in SLIPS and roll < rate * 2 and (label or tok not in ("for", "to")):
            out.add([rng.choice(SLIPS[tok])], label)
        elif roll > 1 - rate / 4 and len(s.tokens) > 3:
            continue  # dropped
        elif roll > 1 - rate / 2:
            out.add([tok, tok], label)  # doubled
        else:
            out.add([tok], label)
    return out


if __name__ == "__main__":
    args = sys.argv[1:]
    count = int(args[0]) if args and args[0].isdigit() else 20
    split = args[args.index("--split") + 1] if "--split" in args else "test"
    for sample in corpus(count, split, slips=SLIP_RATE if "--slips" in args else 0.0):
        print(json.dumps(sample.as_dict()))
