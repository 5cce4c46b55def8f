"""A labelled corpus of spoken-form utterances, as Vosk's English models write them.

    python -m benchmarks.redaction_corpus [N]   # prints N examples as JSON lines

Each utterance has its identifiers marked with character spans and labels.
Numbers are spoken the many ways people say them (digit by digit, "oh",
"double", pairs, hundreds); identifiers come in several phrasings each, with
and without a trailing ordinary command; a large share of utterances are
identifier-free commands, including ones full of numbers and of everyday words
that are also names. Names are drawn mostly from the census lists the redactor
uses and partly from names it has never seen.
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass, field

from device.redact import lexicon

UNITS = "zero one two three four five six seven eight nine".split()
TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
ORD = ("_ first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth "
       "fifteenth sixteenth seventeenth eighteenth nineteenth twentieth").split()
MONTHS = "january february march april may june july august september october november december".split()
UNSEEN_NAMES = ["oluwaseun", "siobhan", "xiomara", "thandiwe", "zephyrine", "bartholomew", "anouk", "yevgenia",
                "nkechi", "ravindra", "ciaran", "saoirse", "kwabena", "ingrid", "henrik", "aoife", "priyanka",
                "dmitri", "leilani", "tadeo"]
UNSEEN_SURNAMES = ["okonkwo", "vasquez", "nakamura", "oyelaran", "fitzgerald", "kowalczyk", "lindqvist",
                   "abernathy", "thorsen", "delacroix", "mbeki", "castellanos"]
STREETS = ["maple", "oak", "main", "elm", "washington", "park", "lake", "cedar", "pine", "sunset", "highland",
           "church", "mill", "river", "north", "willow", "chestnut", "spring", "ridge", "valley"]
STREET_TYPES = ["street", "avenue", "road", "lane", "drive", "court", "boulevard", "way", "place", "terrace"]
DOMAINS = [("gmail", "com"), ("yahoo", "com"), ("hotmail", "com"), ("outlook", "com"), ("icloud", "com"),
           ("example", "org"), ("proton", "me"), ("company", "net"), ("school", "edu")]
TAILS = ["and set a timer for ten minutes", "then turn off the lights", "and remind me tomorrow",
         "thanks", "please", "and play some jazz", "before dinner", "right now"]


def n2w(n: int) -> str:
    """Cardinal words for 0 <= n < 1,000,000."""
    if n < 10:
        return UNITS[n]
    if n < 20:
        return TEENS[n - 10]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + UNITS[n % 10])
    if n < 1000:
        rest = n % 100
        return UNITS[n // 100] + " hundred" + ("" if rest == 0 else " " + n2w(rest))
    rest = n % 1000
    return n2w(n // 1000) + " thousand" + ("" if rest == 0 else " " + n2w(rest))


def ordinal(n: int) -> str:
    if n <= 20:
        return ORD[n]
    if n == 30:
        return "thirtieth"
    return TENS[n // 10] + " " + ORD[n % 10]


def pair(d: str, rng: random.Random) -> str:
    """Two digits as people say them in numbers: "12" -> twelve, "05" -> oh five."""
    if d[0] == "0":
        return ("oh " if rng.random() < 0.7 else "zero ") + UNITS[int(d[1])]
    return n2w(int(d))


def digit_words(d: str, rng: random.Random) -> list[str]:
    out = []
    i = 0
    while i < len(d):
        if i + 1 < len(d) and d[i] == d[i + 1] and rng.random() < 0.3:
            out.append("double " + UNITS[int(d[i])])
            i += 2
            continue
        out.append(("oh" if rng.random() < 0.6 else "zero") if d[i] == "0" else UNITS[int(d[i])])
        i += 1
    return out


def speak_digits(d: str, rng: random.Random, style: str | None = None) -> str:
    style = style or rng.choice(["digits", "digits", "pairs", "mixed"])
    if style == "digits" or len(d) < 4:
        return " ".join(digit_words(d, rng))
    if style == "pairs" and len(d) % 2 == 0:
        return " ".join(pair(d[i : i + 2], rng) for i in range(0, len(d), 2))
    # mixed: digit by digit, then the last four as two pairs
    return " ".join(digit_words(d[:-4], rng) + [pair(d[-4:-2], rng), pair(d[-2:], rng)])


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    total = 0
    for i, c in enumerate(reversed(body + "0")):
        v = int(c)
        if i % 2:
            v = v * 2 - 9 if v > 4 else v * 2
        total += v
    return body + str((10 - total % 10) % 10)


@dataclass
class Utterance:
    text: str = ""
    spans: list[tuple[int, int, str]] = field(default_factory=list)

    def add(self, piece: str, label: str | None = None) -> Utterance:
        if not piece:
            return self
        if self.text:
            self.text += " "
        start = len(self.text)
        self.text += piece
        if label:
            self.spans.append((start, len(self.text), label))
        return self

    def as_dict(self) -> dict:
        return {"text": self.text, "spans": [{"start": s, "end": e, "label": lab} for s, e, lab in self.spans]}


class Generator:
    def __init__(self, seed: int = 1234):
        self.rng = random.Random(seed)
        common = lexicon.common_words()
        self.first = sorted(n for n in lexicon.first_names() if n not in common and len(n) > 2)
        self.last = sorted(n for n in lexicon.words("surnames.txt")[:3000] if n not in common and len(n) > 2)

    # -- identifier makers: each returns the spoken identifier -----------------
    def name(self, full: bool | None = None) -> str:
        r = self.rng
        first = r.choice(UNSEEN_NAMES) if r.random() < 0.1 else r.choice(self.first)
        if full if full is not None else r.random() < 0.5:
            return first + " " + (r.choice(UNSEEN_SURNAMES) if r.random() < 0.1 else r.choice(self.last))
        return first

    def phone(self) -> str:
        r = self.rng
        kind = r.choice(["7", "10", "10", "11", "plus", "tollfree"])
        if kind == "7":
            return speak_digits("555" + "".join(r.choice("0123456789") for _ in range(4)), r)
        area = r.choice(["206", "312", "415", "617", "718", "808", "512", "303"])
        rest = "555" + "".join(r.choice("0123456789") for _ in range(4))
        if kind == "10":
            return speak_digits(area + rest, r)
        if kind == "11":
            return "one " + speak_digits(area + rest, r)
        if kind == "tollfree":
            return "one eight hundred " + speak_digits(rest, r)
        return "plus four four " + speak_digits("7" + "".join(r.choice("0123456789") for _ in range(9)), r)

    def email(self) -> str:
        r = self.rng
        first, last = r.choice(self.first), r.choice(self.last)
        local = r.choice([f"{first} dot {last}", f"{first} underscore {last}", f"{first}{last[0]}",
                          f"{first} {n2w(r.randint(1, 99))}", f"{last} dot {first}", f"{first[0]} {last}"])
        host, tld = r.choice(DOMAINS)
        return f"{local} at {host} dot {tld}"

    def address(self) -> str:
        r = self.rng
        number = r.randint(1, 9999)
        spoken = n2w(number) if r.random() < 0.4 or number < 100 else (
            n2w(number // 100) + " " + pair(f"{number % 100:02d}", r))
        street = r.choice(STREETS) + (" " + r.choice(STREETS) if r.random() < 0.15 else "")
        out = f"{spoken} {street} {r.choice(STREET_TYPES)}"
        if r.random() < 0.35:
            out += " " + r.choice(["apartment", "apt", "unit", "suite"]) + " " + r.choice(
                [n2w(r.randint(1, 40)), n2w(r.randint(1, 9)) + " " + r.choice("abcd")])
        return out

    def zip_code(self) -> str:
        return speak_digits("".join(self.rng.choice("0123456789") for _ in range(5)), self.rng, "digits")

    def card(self) -> str:
        r = self.rng
        prefix, length = r.choice([("4", 16), ("51", 16), ("55", 16), ("37", 15), ("6011", 16)])
        digits = luhn_complete(prefix, length, r)
        if r.random() < 0.4 and length == 16:
            return " ".join(speak_digits(digits[i : i + 4], r, "pairs") for i in range(0, 16, 4))
        return speak_digits(digits, r, "digits")

    def expiry(self) -> str:
        r = self.rng
        month = r.randint(1, 12)
        return r.choice([pair(f"{month:02d}", r), MONTHS[month - 1]]) + " " + n2w(r.randint(25, 31))

    def security_code(self) -> str:
        return speak_digits(str(self.rng.randint(100, 999)), self.rng, "digits")

    def ssn(self) -> str:
        r = self.rng
        return speak_digits("".join(r.choice("0123456789") for _ in range(9)), r, r.choice(["digits", "mixed"]))

    def dob(self) -> str:
        r = self.rng
        year = r.randint(1935, 2015)
        spoken_year = pair(str(year)[:2], r) + " " + pair(str(year)[2:], r) if year < 2000 else n2w(year)
        month, day = r.randint(1, 12), r.randint(1, 28)
        return r.choice([
            f"{MONTHS[month - 1]} {ordinal(day)} {spoken_year}",
            f"{MONTHS[month - 1]} {ordinal(day)}",
            f"the {ordinal(day)} of {MONTHS[month - 1]} {spoken_year}",
            f"{pair(f'{month:02d}', r)} {pair(f'{day:02d}', r)} {pair(str(year)[2:], r)}",
        ])

    def account_code(self) -> str:
        r = self.rng
        parts = []
        if r.random() < 0.5:
            parts += [r.choice("abcdefghjkmnprstuvwxyz") for _ in range(r.randint(1, 3))]
        parts += digit_words("".join(r.choice("0123456789") for _ in range(r.randint(4, 10))), r)
        return " ".join(parts)

    def pin(self) -> str:
        r = self.rng
        return speak_digits("".join(r.choice("0123456789") for _ in range(r.choice([4, 4, 5, 6]))), r,
                            r.choice(["digits", "pairs"]))

    def long_number(self) -> str:
        r = self.rng
        return speak_digits("".join(r.choice("0123456789") for _ in range(r.randint(5, 8))), r, "digits")

    # -- utterances ------------------------------------------------------------
    def tail(self, u: Utterance) -> Utterance:
        if self.rng.random() < 0.3:
            u.add(self.rng.choice(TAILS))
        return u

    def identifier_utterance(self, label: str) -> Utterance:
        r = self.rng
        u = Utterance()
        if label == "PERSON":
            form = r.randrange(12)
            name = self.name()
            if form == 0:
                u.add("call").add(name, "PERSON")
            elif form == 1:
                u.add("text").add(name, "PERSON").add(r.choice(["that i'm running late", "i'll be home soon",
                                                                 "to bring the charger"]))
            elif form == 2:
                u.add("tell").add(name, "PERSON").add("dinner is ready")
            elif form == 3:
                u.add("remind me to call").add(name, "PERSON").add(r.choice(["tomorrow", "at five", "tonight"]))
            elif form == 4:
                u.add("my name is").add(self.name(full=True), "PERSON")
            elif form == 5:
                u.add("my " + r.choice(["wife", "husband", "son", "daughter", "friend", "boss", "neighbor"]))
                u.add(name.split()[0], "PERSON").add(r.choice(["is coming over", "needs a ride", "called"]))
            elif form == 6:
                u.add(r.choice(["doctor", "mrs", "mr"])).add(r.choice(self.last), "PERSON")
                u.add(r.choice(["is at three", "called back", "sent the results"]))
            elif form == 7:
                u.add("is").add(r.choice(self.first), "PERSON").add("coming to dinner")
            elif form == 8:
                u.add("send a message to").add(name, "PERSON")
            elif form == 9:
                u.add("ask").add(name, "PERSON").add("if the package arrived")
            elif form == 10:
                u.add("this is").add(self.name(full=True), "PERSON")
            else:
                u.add(r.choice(self.first), "PERSON")
                u.add(r.choice(["will pick up the kids", "has a dentist appointment"]))
        elif label == "PHONE":
            form = r.randrange(5)
            if form == 0:
                u.add("call").add(self.phone(), "PHONE")
            elif form == 1:
                u.add("call").add(self.name(), "PERSON").add("at").add(self.phone(), "PHONE")
            elif form == 2:
                u.add("my number is").add(self.phone(), "PHONE")
            elif form == 3:
                u.add("save").add(self.phone(), "PHONE").add("as the plumber")
            else:
                u.add("you can reach me at").add(self.phone(), "PHONE")
        elif label == "EMAIL":
            form = r.randrange(3)
            if form == 0:
                u.add("my email is").add(self.email(), "EMAIL")
            elif form == 1:
                u.add("send it to").add(self.email(), "EMAIL")
            else:
                u.add("email the photos to").add(self.email(), "EMAIL")
        elif label == "ADDRESS":
            form = r.randrange(5)
            if form == 0:
                u.add("i live at").add(self.address(), "ADDRESS")
            elif form == 1:
                u.add("navigate to").add(self.address(), "ADDRESS")
            elif form == 2:
                u.add("my address is").add(self.address(), "ADDRESS")
            elif form == 3:
                u.add("ship it to").add(self.address(), "ADDRESS")
            else:
                u.add("my zip code is").add(self.zip_code(), "ADDRESS")
        elif label == "CARD":
            form = r.randrange(4)
            if form == 0:
                u.add("my card number is").add(self.card(), "CARD")
            elif form == 1:
                u.add("pay with visa").add(self.card(), "CARD")
            elif form == 2:
                u.add("the card expires").add(self.expiry(), "CARD")
            else:
                u.add("the security code is").add(self.security_code(), "CARD")
        elif label == "SSN":
            u.add(r.choice(["my social security number is", "my social is", "ssn", "social security"]))
            u.add(self.ssn(), "SSN")
        elif label == "DATE_OF_BIRTH":
            u.add(r.choice(["i was born on", "my birthday is", "my date of birth is", "date of birth",
                            "she was born on"]))
            date = self.dob()
            if date.startswith("the "):  # "the" says nothing about the person
                u.add("the")
                date = date[4:]
            u.add(date, "DATE_OF_BIRTH")
        elif label == "ACCOUNT":
            cue = r.choice(["my account number is", "member id", "order number", "policy number",
                            "tracking number", "the serial number is", "license plate", "customer number",
                            "confirmation code", "my username is"])
            if cue == "my username is":
                u.add(cue).add(r.choice(self.first) + " " + n2w(r.randint(10, 99)), "ACCOUNT")
            else:
                u.add(cue).add(self.account_code(), "ACCOUNT")
        elif label == "PIN":
            cue = r.choice(["my pin is", "the door code is", "alarm code", "my passcode is", "pin number",
                            "the garage code is", "my password is"])
            if cue == "my password is":
                u.add(cue).add(r.choice(["sunshine", "dragon", "blue bird"]) + " " + n2w(r.randint(10, 99)), "PIN")
            else:
                u.add(cue).add(self.pin(), "PIN")
        elif label == "NUMBER":
            u.add(r.choice(["write down", "remember the number", "note this", "the code on the box is"]))
            u.add(self.long_number(), "NUMBER")
        return self.tail(u)

    def heldout_utterance(self, label: str) -> Utterance:
        """Phrasings written apart from the rules, to see how the redactor does off its beaten path."""
        r = self.rng
        u = Utterance()
        if label == "PERSON":
            # A third of these names are not in the census lists, or are also everyday words.
            first = r.choice([r.choice(self.first), r.choice(self.first), r.choice(UNSEEN_NAMES),
                              r.choice(["will", "grace", "mark", "summer", "joy", "bill", "rose", "frank"])])
            form = r.randrange(6)
            if form == 0:
                u.add("have").add(first, "PERSON").add("call me back")
            elif form == 1:
                u.add("did").add(first, "PERSON").add("send the file")
            elif form == 2:
                u.add("put").add(self.name(full=True), "PERSON").add("on the guest list")
            elif form == 3:
                u.add("i'm meeting with").add(first, "PERSON").add("at noon")
            elif form == 4:
                u.add(first + "'s", "PERSON").add("birthday party is on saturday")
            else:
                u.add("what did grandma say to").add(first, "PERSON")
        elif label == "PHONE":
            u.add(r.choice(["the plumber's number is", "dial", "it's", "phone"])).add(self.phone(), "PHONE")
        elif label == "EMAIL":
            u.add(r.choice(["contact me at", "my work address is", "forward this to"])).add(self.email(), "EMAIL")
        elif label == "ADDRESS":
            u.add(r.choice(["deliver to", "we moved to", "the party is at"])).add(self.address(), "ADDRESS")
        elif label == "CARD":
            if r.random() < 0.5:
                u.add("charge it to my mastercard").add(self.card(), "CARD")
            else:
                last4 = "".join(r.choice("0123456789") for _ in range(4))
                u.add("use the card ending in").add(speak_digits(last4, r, "digits"), "CARD")
        elif label == "SSN":
            u.add("here is my social").add(self.ssn(), "SSN")
        elif label == "DATE_OF_BIRTH":
            year = r.randint(1940, 1999)
            u.add(r.choice(["i was born in", "he was born in"])).add(
                pair(str(year)[:2], r) + " " + pair(str(year)[2:], r), "DATE_OF_BIRTH")
        elif label == "ACCOUNT":
            u.add(r.choice(["my frequent flyer number is", "the vin is", "plate number", "my library card is"]))
            u.add(self.account_code(), "ACCOUNT")
        elif label == "PIN":
            u.add(r.choice(["unlock it with", "the wifi password is", "the combination is"])).add(self.pin(), "PIN")
        elif label == "NUMBER":
            u.add("my locker is").add(self.long_number(), "NUMBER")
        return self.tail(u)

    def fresh_utterance(self, label: str) -> Utterance:
        """A second held-out set, written after the first one had been looked at, never tuned on."""
        r = self.rng
        u = Utterance()
        first = r.choice([r.choice(self.first), r.choice(UNSEEN_NAMES), r.choice(["april", "jack", "iris", "dale"])])
        if label == "PERSON":
            form = r.randrange(5)
            if form == 0:
                u.add("can you let").add(first, "PERSON").add("know i'll be late")
            elif form == 1:
                u.add("does").add(first, "PERSON").add("have practice today")
            elif form == 2:
                u.add("video call").add(self.name(full=True), "PERSON")
            elif form == 3:
                u.add("when is").add(first + "'s", "PERSON").add("flight landing")
            else:
                u.add("add").add(self.name(full=True), "PERSON").add("to my contacts")
        elif label == "PHONE":
            u.add(r.choice(["her cell is", "the office line is", "ring"])).add(self.phone(), "PHONE")
        elif label == "EMAIL":
            u.add("my login email is").add(self.email(), "EMAIL")
        elif label == "ADDRESS":
            u.add(r.choice(["pick me up at", "how long to drive to"])).add(self.address(), "ADDRESS")
        elif label == "CARD":
            u.add("my amex is").add(self.card(), "CARD")
        elif label == "SSN":
            u.add("my s s n is").add(self.ssn(), "SSN")
        elif label == "DATE_OF_BIRTH":
            u.add("my mom's birthday is").add(self.dob().removeprefix("the "), "DATE_OF_BIRTH")
        elif label == "ACCOUNT":
            u.add(r.choice(["my rewards number is", "the case number is", "invoice"])).add(
                self.account_code(), "ACCOUNT")
        elif label == "PIN":
            u.add(r.choice(["the safe combination is", "the keypad code is"])).add(self.pin(), "PIN")
        elif label == "NUMBER":
            u.add("the lock number is").add(self.long_number(), "NUMBER")
        return self.tail(u)

    def clean_utterance(self) -> Utterance:
        r = self.rng
        templates = [
            lambda: f"set a timer for {n2w(r.randint(1, 90))} minutes",
            lambda: f"set an alarm for {n2w(r.randint(1, 12))} {pair(f'{r.randint(0, 59):02d}', r)}",
            lambda: f"wake me up at {n2w(r.randint(5, 9))} thirty",
            lambda: f"what is {n2w(r.randint(2, 99))} times {n2w(r.randint(2, 20))}",
            lambda: f"what is {n2w(r.randint(1000, 9999))} divided by {n2w(r.randint(2, 12))}",
            lambda: f"set the thermostat to {n2w(r.randint(60, 78))} degrees",
            lambda: f"set the oven to {n2w(r.choice([325, 350, 375, 400, 425]))} degrees",
            lambda: f"volume {n2w(r.randint(1, 10))}",
            lambda: f"play {r.choice(['taylor swift', 'the beatles', 'some jazz', 'miles davis', 'adele'])}",
            lambda: f"what's the weather in {r.choice(['boston', 'seattle', 'denver', 'chicago', 'austin'])}",
            lambda: "will it rain tomorrow",
            lambda: "pay the electric bill",
            lambda: "mark this as done",
            lambda: "summer is my favorite season",
            lambda: "how many days until may",
            lambda: f"what's on my calendar for {MONTHS[r.randint(0, 11)]} {ordinal(r.randint(1, 28))}",
            lambda: "turn on the kitchen lights",
            lambda: f"add {r.choice(['milk', 'eggs', 'bread', 'coffee'])} to the shopping list",
            lambda: f"who won the world cup in {pair(str(r.randint(1950, 1999))[:2], r)} "
                    f"{pair(str(r.randint(1950, 1999))[2:], r)}",
            lambda: f"how far is {n2w(r.randint(1000, 5000))} miles in kilometers",
            lambda: f"convert {n2w(r.randint(1000, 3000))} grams to pounds",
            lambda: "call mom",
            lambda: "text my wife that i'm running late",
            lambda: "remind me to take out the trash",
            lambda: f"what happened in {n2w(r.randint(2000, 2024))}",
            lambda: "tell me a joke",
            lambda: f"set a timer for {n2w(r.randint(1, 3))} hours and {n2w(r.randint(5, 55))} minutes",
            lambda: "turn the heat up a little",
            lambda: "how tall is mount everest",
            lambda: f"skip ahead {n2w(r.randint(10, 90))} seconds",
            lambda: "grace is a lovely word",
            lambda: "will you open the garage door",
            lambda: f"set brightness to {n2w(r.randint(10, 100))} percent",
            lambda: "what time does the game start",
            lambda: "read me the news",
            lambda: f"what is {n2w(r.randint(100, 999))} plus {n2w(r.randint(100, 999))}",
            lambda: "bill me later for the groceries",
            lambda: "is it going to snow in april",
            lambda: "pause the music",
            lambda: f"how many calories in {n2w(r.randint(1, 5))} cups of rice",
        ]
        return Utterance().add(r.choice(templates)())


# Everyday commands written after the redactor. Measured once: 97.5% untouched, the one
# miss being a time of day ("at ten thirty"), now a harmless number; nothing else tuned.
HELDOUT_COMMANDS = [
    "what's the score of the lakers game", "how do you spell necessary", "set a reminder for the dentist at two",
    "order more paper towels", "is the pharmacy open until nine", "turn off the bedroom fan in thirty minutes",
    "what's twenty percent of eighty five", "play the song hello by adele", "how many ounces in a pound",
    "will the package arrive today", "what's the capital of australia", "add a meeting on friday at ten thirty",
    "how old is the eiffel tower", "start a ten minute meditation", "what's the population of texas",
    "remind me to call the bank on monday", "dim the living room lights to forty percent",
    "what movies are playing tonight", "how long do i boil an egg", "what's nineteen squared",
    "spell rhythm", "set the sleep timer for forty five minutes", "what was the score in the nineteen eighty six final",
    "tell me about the apollo eleven mission", "how far is the moon", "who wrote pride and prejudice",
    "play jazz in the kitchen", "what's the weather like in san francisco this weekend",
    "turn the volume down to three", "text the group that we're on our way", "where is the nearest gas station",
    "what time is sunset", "how do i make pancakes", "read my new messages", "call the vet",
    "what's fifteen hundred divided by twelve", "set an alarm for six fifteen tomorrow", "mute the tv",
    "when does daylight saving time end", "what day is christmas this year",
]


def corpus(n: int = 2000, seed: int = 1234) -> list[Utterance]:
    """`n` utterances: two in five identifier-free, the rest spread over every label."""
    gen = Generator(seed)
    labels = ["PERSON", "PERSON", "PHONE", "EMAIL", "ADDRESS", "CARD", "SSN", "DATE_OF_BIRTH", "ACCOUNT",
              "PIN", "NUMBER"]
    out = []
    for i in range(n):
        if i % 5 < 2:
            out.append(gen.clean_utterance())
        else:
            out.append(gen.identifier_utterance(labels[i % len(labels)]))
    return out


def heldout(n: int = 300, seed: int = 99, fresh: bool = False) -> list[Utterance]:
    """`n` utterances in phrasings written apart from the rules, every label.

    Set A (fresh=False) was measured once, then its PERSON misses were fixed by
    general rules. Set B (fresh=True) was written before those fixes; measured
    once it showed one bug ("my login email is ..." took "email" for a
    username), which was fixed; nothing else was tuned on it.
    """
    gen = Generator(seed)
    labels = ["PERSON", "PHONE", "EMAIL", "ADDRESS", "CARD", "SSN", "DATE_OF_BIRTH", "ACCOUNT", "PIN", "NUMBER"]
    make = gen.fresh_utterance if fresh else gen.heldout_utterance
    out = [make(labels[i % len(labels)]) for i in range(n)]
    if fresh:
        out += [Utterance().add(text) for text in HELDOUT_COMMANDS]
    return out


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    for u in corpus(count):
        print(json.dumps(u.as_dict()))
