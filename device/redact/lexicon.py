"""Word lists the recognisers use, loaded once per process."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def words(name: str) -> list[str]:
    """The words of a data file, in file order; lines starting with # are comments."""
    lines = (DATA / name).read_text().splitlines()
    return [w for line in lines if not line.startswith("#") for w in line.split()]


@cache
def _load(name: str) -> frozenset[str]:
    return frozenset(words(name))


class WordSet:
    """A large word list for membership tests only, held as the sorted 64-bit hashes of its words.

    64k words cost about 6 MB as a frozenset of str and 0.5 MB here: this is what lets
    the listener and the uplink (both hold the redactor) stay small. Python's str hash
    is fixed for the life of a process, which is all a set built at start needs; two
    words sharing a 64-bit hash is a chance in about 10^14 for these lists.
    """

    def __init__(self, items: Iterable[str]):
        self._hashes = array("q", sorted({hash(w) for w in items}))

    def __contains__(self, word: object) -> bool:
        h = hash(word)
        i = bisect_left(self._hashes, h)
        return i < len(self._hashes) and self._hashes[i] == h

    def __len__(self) -> int:
        return len(self._hashes)


@cache
def word_set(*names: str, extra: tuple[str, ...] = ()) -> WordSet:
    """One WordSet of the words of these data files (and `extra`), shared in the process."""
    return WordSet([w for name in names for w in words(name)] + list(extra))


def first_names() -> frozenset[str]:
    return _load("first_names.txt")


def surnames() -> WordSet:
    return word_set("surnames.txt")


@cache  # one copy per process: the redactor and the tagger share it
def places(all_of_them: bool = False) -> frozenset[str]:
    """Countries, nationalities and languages; by default only those that are not also first names."""
    return _load("places.txt") if all_of_them else _load("places.txt") - first_names()


def _by_first_word(names) -> dict[str, list[tuple[str, ...]]]:
    """Names of one or more words as word tuples, by first word, longest first. A word's possessive "'s"
    is left off, as the redactor's tokens leave it off ("charlie's angels" is matched as charlie angels)."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for name in names:
        if phrase := tuple(w[:-2] if w.endswith("'s") and len(w) > 2 else w for w in name.split()):
            out.setdefault(phrase[0], []).append(phrase)
    for phrases in out.values():
        phrases.sort(key=len, reverse=True)
    return out


@cache
def place_names(towns: bool = True) -> dict[str, list[tuple[str, ...]]]:
    """Cities, US states (and postal codes), countries and continents, and smaller towns unless `towns` is
    false (scripts/make-place-names, from GeoNames), and universities and colleges (scripts/make-school-names),
    by first word: places are not identifiers."""
    return _by_first_word((DATA / "place_names.txt").read_text().splitlines() + sorted(PLACE_NICKNAMES)
                          + ((DATA / "town_names.txt").read_text().splitlines() if towns else [])
                          + (DATA / "school_names.txt").read_text().splitlines() + sorted(SCHOOL_NICKNAMES))


@cache
def school_short_names() -> dict[str, list[tuple[str, ...]]]:
    """The one word people say for "X University" or "X College" ("stanford", "tulane"), and schools' names made
    only of people's names ("morgan state"; scripts/make-school-names): a school only in a request about
    schooling."""
    return _by_first_word(_load("school_short_names.txt"))


@cache
def brand_names() -> dict[str, list[tuple[str, ...]]]:
    """BRANDS and SPORTS_TEAMS, by first word, as place_names()."""
    return _by_first_word(BRANDS | SPORTS_TEAMS)


def common_words() -> WordSet:
    return word_set("common_words.txt", extra=tuple(sorted(EVERYDAY_NAMES)))


class _WordsLess:
    """A word set less a few of its words, without a second copy of the set."""

    def __init__(self, words: WordSet, less: frozenset[str]):
        self._words, self._less = words, less

    def __contains__(self, word: object) -> bool:
        return word not in self._less and word in self._words


@cache
def everyday_words() -> _WordsLess:
    """The redactor's everyday words: the common words less the first names that are far more often
    names than words (NAMES_BEFORE_WORDS). The tagger keeps common_words(): its features were trained
    on them."""
    return _WordsLess(common_words(), NAMES_BEFORE_WORDS)


# First names that the dictionary also lists as words ("john", "tom", "bob", "mike") but that people say
# to a speaker far more often as names: redacted as names without a cue, like a name that is no word
# ("show me what tom wrote"). Chosen by a rule written before any held-out figure was read: a census first
# name among the 500 most common of either sex, not in EVERYDAY_NAMES, used as a person at least five
# times, and at least three times in four, in the real corpora trained on (SNIPS, SGD train, TOPv2 train).
NAMES_BEFORE_WORDS = frozenset("""
john maria carol peter terry bonnie mike jay tom sally rick brad ken bob ed josh
""".split())

# Words that are first names but also everyday words people say to a speaker.
# A name from this set is only a person after a cue ("call will", "tell summer").
EVERYDAY_NAMES = frozenset("""
january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday christmas easter
will bill mark jack frank rich art guy don ray drew chase hunter miles lane page sandy brook wade dean
norm max chip buck cliff dale glen grant hal rusty sunny dusty summer autumn winter spring storm sky
rose grace hope joy faith dawn holly iris ivy jasmine lily daisy violet ruby pearl amber crystal ginger
olive hazel heather fern jade angel honey candy cherry melody harmony skip bud sonny pat sue
august austin jackson charlotte savannah dallas madison tyler houston phoenix denver aurora florence
georgia virginia carolina paris london sydney israel jordan kent orlando eugene chester lincoln
""".split())

STOPWORDS = frozenset("""
a an the and or but if then so to of in on at by for from with about as into onto over under up down
out off back again now later today tonight tomorrow yesterday please thanks thank you me my mine i im
i'm we us our you your he him his she her they them their it its this that these those there here
is are was were be been am do does did doing have has had will would can could should shall may might
must not no yes yeah ok okay hey hi hello what when where who why how which whether
all any some every each one also just very too really still about around after before between via
""".split())

# Verbs and phrases after which a name is a person's name.
PERSON_VERBS = frozenset("""
call text message tell ask email phone ring remind invite meet dial ping notify page thank visit
reply whatsapp facetime skype redial block unblock mute unmute inform contact dm imessage sms
calling texting messaging telling asking emailing phoning ringing reminding inviting pinging thanking
replying facetiming informing contacting texted messaged told asked emailed phoned reminded invited pinged thanked
informed contacted
""".split())  # not "called" ("a song called X"), "visiting" (places) or "meeting" (nouns)
RELATIONS = frozenset("""
wife husband son daughter mom mum dad mother father brother sister friend boss neighbor neighbour coworker
colleague partner boyfriend girlfriend fiance fiancee cousin aunt uncle grandma grandpa grandmother
grandfather niece nephew doctor dentist teacher babysitter nanny landlord roommate kid child baby
manager supervisor assistant grandson granddaughter grandchild grandkid stepson stepdaughter stepmom stepdad
stepmother stepfather sibling twin sis bro
""".split())
# "did X send", "have X call", "let X know": a helper verb, a name, then something people do.
HELPER_VERBS = frozenset("did does do has have had is was will can could should would let make ask".split())
PERSON_ACTIONS = frozenset("""
call calls text send sent come coming came pick bring brought say said know knows want wants need needs get got
go going went leave left arrive arrived finish finished remember forget pay paid reply answer email emailed have
has like likes love see saw meet visit tell told ask asked be been called texted respond responded replied
write wrote awake asleep home ready live lives lived work works worked study studies studied graduate graduated
married do comment commented online majoring major owes owe message messaged wrote
leaves arrives comes goes finishes pays replies answers writes visits wakes
dating seeing working studying sleeping texting visiting leaving calling messaging emailing driving staying
post posts posted tweet tweets tweeted upload uploaded liked move moves moved invited seen heard
land lands landed txt txted running read reads
""".split())
# "henrik's birthday": a possessive before one of these is a person's.
PERSONAL_NOUNS = frozenset("""
birthday party house place car phone number email address school mom dad mother father wife husband son daughter
friend friends teacher office room flight appointment wedding graduation game recital practice kids dog cat
list lists calendar schedule playlist playlists turn lesson lessons class classes rehearsal
text texts message messages reminder reminders voicemail post posts photo photos picture pictures pic pics
call calls invitation invite
barbecue bbq cookout shower recital anniversary surgery funeral retirement housewarming sleepover baptism
christening memorial
""".split())
# Clergy and a school's principal go by a title and a name too ("thank pastor dale").
TITLES = frozenset("""
doctor dr mr mrs ms miss mister professor prof sir madam nurse officer coach pastor reverend rabbi imam deacon
principal
""".split())
# After these, a capitalised-in-real-life name is a title, a place or a work, not a person here.
MEDIA_VERBS = frozenset("play playing listen watch read by stream queue shuffle".split())
# Public-names policy: an artist's name may stay after these ("play taylor swift", "songs by adele").
MEDIA_CUES = frozenset("play playing by songs song album albums track tracks shuffle queue listen stream".split())
# Assistants' names are not people's ("ask alexa to stop").
ASSISTANTS = frozenset("alexa siri cortana google jarvis mycroft bixby ai".split())  # "ai": what people call one
CONTRACTIONS = frozenset("""
i'm you're we're they're he's she's it's that's there's what's who's i'll you'll we'll they'll i've you've
we've they've i'd you'd we'd they'd can't won't don't doesn't didn't isn't aren't wasn't let's
""".split())
# Aunts and uncles go by their first names: "call uncle bob", "pick up aunt may" ("grandma" is a name
# itself: "what did grandma say").
KIN_TITLES = frozenset("aunt auntie uncle cousin".split())
# Grandparents go by a first name too ("grandma rose", "nana pearl"), and alone ("what did grandma say").
GRAND_TITLES = frozenset("""
grandma grandpa granny gran nana nan grandad granddad grandmother grandfather gramma grammy grampa gramps
""".split())
POSSESSIVES = frozenset("my our your his her their".split())
# Names that are also helper verbs ("will", "may"): after a relation ("my son will ...") a name only when
# what follows cannot go on a helper verb ("text my son will that i'm late", "tell my sister may to call").
NOT_AFTER_A_HELPER = frozenset("""
that to at about and i i'm im on for know please now tomorrow tonight today if when what where the a an
she he they we you is was has had hi hello hey can could would should must might sorry saying okay ok thanks
did why i'll ill we'll you'll let's are do does don't
""".split())
# "reply to X", "send fifty dollars to X": after these, "to" is followed by a person.
TO_A_PERSON = frozenset("""
message text email talk write hi hello say letter note reply send it this speak respond replied responded contact
messages texts emails notes letters response answer
dollars dollar bucks pounds euros money payment transfer cash
link picture pictures photo photos pic pics video videos file reminder invite invitation bye goodbye
congratulations congrats thanks out
""".split())
# "emails from X", "a text from X": the person who sent or called.
MESSAGE_NOUNS = frozenset("""
email emails mail mails message messages text texts call calls voicemail voicemails reply replies note notes
letter letters invite invites invitation invitations news reminder reminders imessage imessages dm dms
""".split())
# "meeting with X", "lunch with X", "golf with X": time spent with a person.
MEETING_NOUNS = frozenset("""
meeting meetings meet lunch dinner breakfast coffee appointment call chat talk date playdate catch up session
conversation
reminder reminders shopping golf tennis drinks game games workout event events hangout picnic barbecue bbq
""".split())
# Brands, shops, services and apps people name to a speaker: not people, even when the tagger has not
# seen them ("order from walmart", "open youtube"). Hand-written; only names that are not first names.
BRANDS = frozenset(phrase.strip() for phrase in """
walmart, target, costco, kroger, safeway, aldi, lidl, tesco, sainsburys, asda, ikea, amazon, ebay, etsy, uber,
lyft, doordash, grubhub, instacart, postmates, deliveroo, starbucks, mcdonalds, mcdonald's, dunkin, subway,
chipotle, kfc, dominos, domino, mcdonald, pizza hut, netflix, hulu, spotify, pandora, youtube, tiktok, instagram,
facebook, whatsapp, twitter, snapchat, pinterest, linkedin, reddit, gmail, outlook, yahoo, google, comcast,
xfinity, verizon, at and t, t mobile, sprint, vodafone, disney plus, disney, hbo, peacock, roku, sonos,
philips hue, nest, fitbit, garmin, tesla, toyota, honda, bmw, audi, nike, adidas, walgreens, cvs,
rite aid, home depot, lowes, lowe's, best buy, apple music, apple, samsung, microsoft, skype, zoom, slack,
dropbox, paypal, venmo, zelle, audible, kindle, npr, bbc, cnn, espn, fox news,
itunes, lastfm, last fm, deezer, shazam, vimeo, zvooq, soundcloud, imax, loews, cineplex, cineplex odeon, arclight,
kerasotes, harkins, santikos, alamo drafthouse, dipson, plitt, macy's, macys
""".replace("\n", " ").split(","))
# Sports teams people ask about ("did the yankees win", "how did manchester united do"): a team is no person,
# and a city before it is its town ("the new york yankees"). Hand-written: the major North American leagues'
# team names and Europe's best-known football clubs; not those that are a first name's plural ("bills",
# "rays": "to bills house").
SPORTS_TEAMS = frozenset(phrase.strip() for phrase in """
yankees, red sox, mets, dodgers, giants, cubs, white sox, cardinals, braves, astros, phillies, padres, mariners,
rangers, blue jays, orioles, twins, guardians, indians, tigers, royals, angels, athletics, a's, brewers,
pirates, reds, rockies, diamondbacks, marlins, nationals, patriots, cowboys, packers, steelers, eagles, 49ers,
forty niners, niners, chiefs, dolphins, jets, ravens, bengals, browns, texans, colts, jaguars, titans,
broncos, raiders, chargers, bears, lions, vikings, falcons, panthers, saints, buccaneers, bucs, seahawks, rams,
commanders, redskins, lakers, clippers, warriors, celtics, knicks, nets, sixers, seventy sixers, raptors, bulls,
cavaliers, cavs, pistons, pacers, bucks, hawks, hornets, heat, magic, wizards, nuggets, timberwolves, thunder,
trail blazers, blazers, jazz, suns, kings, mavericks, mavs, rockets, grizzlies, pelicans, spurs, maple leafs,
canadiens, habs, bruins, blackhawks, red wings, penguins, flyers, capitals, caps, islanders, devils, oilers,
flames, canucks, jets, senators, sabres, lightning, hurricanes, predators, blues, wild, avalanche, stars, coyotes,
ducks, sharks, golden knights, kraken, blue jackets, galaxy, sounders, timbers, manchester united, man united,
man u, manchester city, man city, arsenal, chelsea, liverpool, tottenham, spurs, everton, newcastle united,
aston villa, west ham, leeds united, real madrid, barcelona, barca, bayern munich, juventus, ac milan,
inter milan, paris saint germain, psg, celtic, rangers, ajax, borussia dortmund
""".replace("\n", " ").split(","))
# Places people say by a short name that the gazetteer (GeoNames) does not list.
PLACE_NICKNAMES = frozenset(phrase.strip() for phrase in """
vegas, philly, san fran, frisco, nola, chi town, big apple, the bay area, bay area, socal, norcal,
martha's vineyard, cape cod, the hamptons, hamptons, lake tahoe, key west, death valley
""".split(","))
# Schools people say by a short name that the list of schools (school_names.txt) does not hold.
SCHOOL_NICKNAMES = frozenset(phrase.strip() for phrase in """
penn state, m i t, u c l a, n y u, u s c, u c berkeley, uc berkeley, caltech, cal tech, georgia tech, virginia tech,
texas a and m, ole miss, u penn, upenn, notre dame, u dub, cal poly, u conn, uconn, u mass, umass
""".split(","))
# Words that are never a person's name though no word list knows them: music genres and moods, words of
# technology and listings, "born" ("when was my son born"), and "everyone" and its kin. A name the tagger
# has never seen is not a name by default (issue 23).
# Days, holidays and short forms of months, units and days ("snooze for twenty mins",
# "a reminder for sunday", "santa claus locations"): calendar words, never a person, even after a person's cue.
# (Weekdays stay among EVERYDAY_NAMES too: the tagger's features read that list as it was trained.)
CALENDAR_WORDS = frozenset("""
monday tuesday wednesday thursday friday saturday sunday mondays tuesdays wednesdays thursdays fridays saturdays
sundays weekday weekdays weekend weekends tues weds thur thurs
feb sept oct nov dec
christmas xmas easter halloween thanksgiving hanukkah chanukah kwanzaa diwali ramadan passover valentines
valentine's santa mins hrs secs juneteenth eid oktoberfest coachella lollapalooza bonnaroo sxsw
""".split())
# Whether someone is free ("is may free on friday"): never part of a name ("is [john] free").
AVAILABILITY = frozenset("free available busy".split())
NOT_NAMES = CALENDAR_WORDS | frozenset("""
indie reggaeton hipster gothic bossa nova electro edm lofi kpop jpop synthpop synthwave dubstep techno trance
grunge emo punk hiphop rnb acapella afrobeat afrobeats dancehall bachata cumbia merengue salsa flamenco
wifi wi fi bpm showtimes showtime playlist playlists podcast podcasts livestream music
stock stocks shares
born
everyone everybody anyone anybody someone somebody nobody rsvp
celsius celcius fahrenheit farenheit centigrade
oscars grammys emmys tonys
""".split()) | AVAILABILITY | frozenset(w.replace("'", "") for w in CONTRACTIONS) | frozenset("""
havent hasnt hadnt shouldnt wouldnt couldnt mustnt neednt werent aint yall thatll itll whos whats wheres hows
whens whys heres theres thats
thx tyvm pls plz tix tkts tickts okey okie alrighty lol omg btw idk tbh np yea yeh nah naw wanna gonna gotta
kinda sorta lemme gimme dunno cuz coz tonite nite tmrw tmr tomorow tommorow thankyou thanx thnx yessir nvm
dokie brb mmhmm cya ttyl
romcom scifi sci dolby atmos rpx screenx
mam maam wifey hubby bf gf bestie fam sis bro
ya hola gracias merci beaucoup bonjour danke arigato sayonara adios ciao toodles tootles buhbye byebye cheerio
shh shhh shhhh yep yup yeap nope pto gps
""".split())  # typed words no list knows that are no names: contractions without their apostrophe, chat, films
# (not "hun" or "bff": contacts are saved under them, as "honey")
# Words after a name that make it a company's ("is ibm stock up", "call comcast customer service"): a person
# has no share price and no customer service.
COMPANY_AFTER = frozenset("stock stocks shares".split())
COMPANY_AFTER_TWO = frozenset(("share price", "stock price", "customer service", "customer support",
                               "customer care", "help desk", "tech support"))
# Words that make a request a cooking request: a name the lists do not know in it is a dish
# ("a recipe for veg pulav", "how long do i cook chicken tikka masala"; issue 23).
# What cooks do: a name just before one is the cook's ("will [X] bake"), not a dish.
COOKING_VERBS = frozenset("""
cook cooking cooked bake baking baked roast roasting roasted fry frying fried grill grilling grilled marinate
simmer boil boiling boiled steam steaming steamed poach poaching poached braise braising braised broil broiling
broiled saute sauteing sauteed sear searing seared
""".split())
COOKING_WORDS = COOKING_VERBS | frozenset("""
recipe recipes ingredients ingredient calories dish dishes cuisine marinade sauce stew soup salad curry
beef pork chicken lamb tofu shrimp
""".split())
# A request about words in a language ("how do you say pasta al dente in italian"): a name the lists do
# not know in it is a foreign word (issue 23).
WORD_REQUEST_WORDS = frozenset("say translate translation translated mean means meaning pronounce spell".split())
LANGUAGES = frozenset("""
english spanish french italian german portuguese chinese mandarin cantonese japanese korean russian arabic
hindi urdu bengali punjabi tamil telugu hebrew greek latin dutch swedish norwegian danish finnish polish
czech turkish vietnamese thai indonesian malay tagalog filipino swahili irish welsh gaelic persian farsi
ukrainian romanian hungarian
""".split())
# US states and Canadian provinces of one word: after a town they are its state, never a surname ("denver colorado").
STATES = frozenset("""
alabama alaska arizona arkansas california colorado connecticut delaware florida georgia hawaii idaho illinois
indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota mississippi missouri montana
nebraska nevada ohio oklahoma oregon pennsylvania tennessee texas utah vermont virginia washington wisconsin wyoming
ontario quebec alberta manitoba saskatchewan
""".split())
PLACE_WORDS = frozenset("in near to from at weather forecast street avenue road city town".split())

STREET_TYPES = frozenset("""
street st avenue ave road rd lane ln drive dr court ct boulevard blvd way place pl terrace circle
parkway highway hwy route trail square loop crescent close row alley plaza pike
""".split())
UNIT_WORDS = frozenset("apartment apt unit suite number floor building flat room".split())

EMAIL_PROVIDERS = frozenset("""
gmail yahoo hotmail outlook icloud aol proton protonmail live msn me mac comcast verizon att gmx mail zoho
""".split())
TLDS = frozenset("com org net edu gov io co uk us de fr ca au info biz me tv dev app".split())
EMAIL_JOINERS = frozenset("dot underscore dash hyphen period".split())

MONTHS = {m: i + 1 for i, m in enumerate(
    "january february march april may june july august september october november december".split())}

# Cues that say what the next identifier is. Phrases are matched as token tuples.
CUES: dict[str, tuple[str, ...]] = {
    "CARD": ("card", "credit card", "debit card", "visa", "mastercard", "amex", "american express",
             "discover card", "card number"),
    "CARD_EXTRA": ("expires", "expiry", "expiration", "expiration date", "exp", "security code", "cvv", "cvc",
                   "cvv code", "valid thru", "valid through", "valid until", "valid till", "valid to", "expiring",
                   "expiry date", "runs out", "end date"),
    "SSN": ("social security", "social security number", "social", "ssn", "s s n", "social security no",
            # National identifiers beyond the US: UK, Ireland, India, Australia, Canada.
            "national insurance", "national insurance number", "ni number", "n i number", "pps", "pps number",
            "p p s number", "ppsn", "aadhaar", "aadhar", "aadhaar number", "aadhar number", "pan", "pan number",
            "pan card", "pan card number", "tax file number", "tfn", "t f n", "social insurance number", "sin",
            "s i n", "sin number", "national id", "national id number"),
    "DATE_OF_BIRTH": ("born", "birthday", "birth date", "date of birth", "dob", "d o b", "birthdate"),
    "ACCOUNT": ("account", "account number", "member", "member id", "membership", "customer", "customer id",
                "order", "order number", "policy", "policy number", "tracking", "tracking number", "serial",
                "serial number", "device id", "license plate", "plate", "plate number", "username", "user name",
                "user id", "login", "handle", "routing", "routing number", "reference", "reference number",
                "confirmation", "confirmation number", "confirmation code", "invoice", "ticket", "case number",
                "claim", "claim number", "passport", "driver's license", "drivers license", "license number",
                "employee id", "student id", "patient id", "id number", "iban", "booking", "booking reference",
                "frequent flyer", "loyalty", "rewards number", "vin", "imei", "mac address", "ip address",
                "badge", "badge number", "voter id", "tax id", "registration"),
    "PIN": ("pin", "pin number", "pin code", "passcode", "pass code", "password", "door code", "alarm code",
            "gate code", "garage code", "lock code", "access code", "entry code", "combination", "safe code",
            "wifi password", "unlock code", "keypad code", "passphrase"),
    "PHONE": ("phone", "phone number", "number", "cell", "mobile", "call", "text", "dial", "reach me at",
              "telephone", "fax", "landline", "extension", "whatsapp"),
    "ZIP": ("zip", "zip code", "zipcode", "postal code", "postcode"),
}

# Currencies, some of them surnames too ("yen", "yuan", "rand"): kept in a question about exchange.
CURRENCIES = frozenset("""
dollar dollars euro euros pound pounds yen yuan renminbi rupee rupees peso pesos franc francs won rand real reais
lira dinar dinars dirham dirhams riyal riyals ruble rubles rouble roubles krona kronor krone kroner zloty
forint baht dong ringgit rupiah shekel shekels naira cedi cedis kwacha shilling shillings lev leu lek kuna
koruna taka bitcoin bitcoins
""".split())
# A number followed by one of these is a quantity, not an identifier.
QUANTITY_UNITS = frozenset("""
minute minutes second seconds hour hours day days week weeks month months year years degree degrees
percent dollars dollar bucks cents euros pounds pound miles mile meters meter metres kilometers km feet foot
inches inch calories grams gram kilos kilograms ounces ounce cups cup liters litres gallons times plus
minus divided multiplied over am pm o'clock oclock fahrenheit celsius watts volts steps pages people
points bpm rpm mph kph squared cubed mins min secs sec hrs hr
""".split())
# Commands whose numbers are settings, sums or times, never identifiers.
HARMLESS_CONTEXT = frozenset("""
timer alarm thermostat temperature volume oven heat cool brightness times plus minus divided multiplied
percent calculate convert what's whats square root equals score tempo speed channel station fm am
squared cubed prime numerals factorial sum total average subtract multiply divisible population
""".split())


# Verbs that take a person as object ("drive X to ...", "promise X a lift", "thanks to X"), each in
# every form Vosk writes (base, -s, -ing, past): the tagger reads "the word before is such a verb"
# as one feature, so a verb it never saw in training still says "a person may follow".
_PERSON_TAKING = """
call ring text message email phone ping page dial tell ask remind invite thank meet visit help find fetch bring take
drive collect drop pick wake warn forgive hug kiss trust promise give send show teach pay owe lend offer
introduce recommend hire fire interview pay thank congratulate greet welcome follow join accompany contact notify
alert tag mention host babysit mind watch feed bathe dress blame praise thank trust believe answer reply write
ask text forward cc copy email invite include exclude remind nag bother phone visit tell beg let leave meet
marry date divorce love miss like hate know see hear ask support sponsor cover replace relieve swap seat
sign tip fine charge bill refund reimburse rename name nominate elect appoint assign book schedule
sue visit treat nurse cure teach coach tutor train mentor text message assist serve invite update inform
say wish talk speak chat wait vote care worry look pray hear
"""
_IRREGULAR_PAST = {"bring": "brought", "take": "took taken", "drive": "drove driven", "give": "gave given",
                   "send": "sent", "show": "showed shown", "teach": "taught", "pay": "paid", "lend": "lent",
                   "find": "found", "tell": "told", "meet": "met", "wake": "woke woken", "forgive": "forgave forgiven",
                   "leave": "left", "know": "knew known", "see": "saw seen", "hear": "heard", "write": "wrote written",
                   "let": "let", "ring": "rang rung", "feed": "fed", "mind": "minded", "swap": "swapped",
                   "seat": "seated", "say": "said", "speak": "spoke spoken", "chat": "chatted",
                   "buy": "bought", "hug": "hugged", "tag": "tagged", "nag": "nagged",
                   "drop": "dropped", "date": "dated", "like": "liked", "love": "loved", "hate": "hated"}


def verb_forms(verb: str) -> dict[str, list[str]]:
    """A verb's forms by kind (base, third, ing, past), regular unless listed above."""
    stem = verb[:-1] if verb.endswith("e") and not verb.endswith("ee") else verb
    if verb in ("swap", "hug", "tag", "nag", "drop", "beg", "babysit", "chat", "ship"):
        stem = verb + verb[-1]
    third = verb + "es" if verb.endswith(("s", "sh", "ch", "x")) else verb[:-1] + "ies" if verb.endswith(
        "y") and verb[-2] not in "aeiou" else verb + "s"
    past = _IRREGULAR_PAST.get(verb, "").split() or [
        verb[:-1] + "ied" if verb.endswith("y") and verb[-2] not in "aeiou" else stem + "ed"]
    return {"base": [verb], "third": [third], "ing": [stem + "ing"], "past": past}


PERSON_TAKING_BASES = tuple(sorted(set(_PERSON_TAKING.split())))
PERSON_TAKING_VERBS = frozenset(f for v in PERSON_TAKING_BASES for forms in verb_forms(v).values() for f in forms)
# What joins such a verb to its person: "drove her to", "talk to X", "signed for by X", "thanks to X".
PERSON_LINKS = frozenset("to for with from by about up off in on at".split())


def _entries(*names: str) -> list[str]:
    """The lines of these data files, each without its first line (the header saying what made it)."""
    return [line for name in names for line in (DATA / name).read_text().splitlines()[1:]]


@cache
def keep_titles() -> dict[str, list[tuple[str, ...]]]:
    """Titles, venues and businesses that real requests the tagger was trained on say must stay
    (scripts/train-redactor writes the list from their KEEP slots), by first word, as place_names()."""
    return _by_first_word(_entries("keep_titles.txt"))


@cache
def possessive_titles() -> frozenset[str]:
    """The one-word kept titles said as a possessive ("spencer's", a restaurant; "adele's" playlist), less the
    "'s": as a bare word they are likelier someone's name, unless in a media request."""
    return frozenset(w[:-2] for w in _entries("keep_titles.txt") if " " not in w and w.endswith("'s"))


@cache
def film_titles() -> dict[str, list[tuple[str, ...]]]:
    """Titles of American films, 1970-2023, from Wikipedia (scripts/make-public-lists), by first word."""
    return _by_first_word(_entries("film_titles.txt"))


@cache
def keep_artists() -> dict[str, list[tuple[str, ...]]]:
    """Artists' full names from the same slots, and actors' full names from Wikipedia's lists of films
    (scripts/make-public-lists): kept in a media request only."""
    return _by_first_word(_entries("keep_artists.txt", "film_actors.txt"))


@cache
def longest_title() -> int:
    """Words in the longest title, venue, artist or film the redactor keeps by name: how far ahead of a
    person's word a look-up needs to start."""
    return max(len(p) for names in (keep_titles(), keep_artists(), film_titles())
               for phrases in names.values() for p in phrases)


@cache
def longest_thing() -> int:
    """The same for thing_names()."""
    return max(len(p) for phrases in thing_names().values() for p in phrases)


@cache
def thing_names() -> dict[str, list[tuple[str, ...]]]:
    """Dishes, foods, drinks, companies, car makers and newspapers (scripts/make-thing-names), by first word."""
    return _by_first_word(_entries("things.txt"))


@cache
def film_actors() -> dict[str, list[tuple[str, ...]]]:
    """The actors' full names alone (two words or more), by first word."""
    return _by_first_word(line for line in _entries("film_actors.txt") if len(line.split()) >= 2)


@cache
def cinema_chains() -> dict[str, list[tuple[str, ...]]]:
    """CINEMA_CHAINS by first word, as brand_names()."""
    return _by_first_word(CINEMA_CHAINS)


@cache
def public_figures() -> dict[str, list[tuple[str, ...]]]:
    """Well-known people by full name: Pantheon 1.0's (scripts/make-public-lists), the actors and the artists
    above. Kept in a question about them only under [redact] keep_public_figures (off by default)."""
    return _by_first_word(line for line in _entries("public_figures.txt", "film_actors.txt", "keep_artists.txt")
                          if len(line.split()) >= 2)


# Words that open a question about someone ("how old is X", "tell me about X", "is X married").
QUESTION_OPENINGS = frozenset("""
who whose what whats what's when where why how which is was are were did does do has have can could tell show
""".split())
# Words after a well-known name that make it someone the speaker deals with, not the subject of a question:
# "did tom hanks call me", "is tom hanks home yet", "has tom hanks replied".
DEALINGS = frozenset("""
call calls called text texted send sent reply replied respond responded message messaged email emailed come
coming came arrive arrived arriving pick picking bring brought leave leaving left home ready awake asleep owe owes
pay paid remember forget visit visiting back
""".split()) | AVAILABILITY


# Words that make a request a media request: an artist named in it may stay (docs/redaction.md: public names).
MEDIA_REQUEST_WORDS = frozenset("""
play playing played listen listening hear song songs music album albums track tracks playlist band bands singer
singers artist artists
concert concerts gig tour touring station stations movie movies film films watch watching director directed starring
actor actress
performing performs perform performance show shows theater theatre cinema theaters theatres cinemas
""".split())
# Words after a name that make it an artist's or a title's in a media request ("bebe rexha songs").
MEDIA_AFTER = frozenset("""
song songs album albums track tracks music concert concerts tour band movie movies film films tune tunes
record records ep eps single singles
""".split())
# Words before a name that make it a title in a media request ("watch X", "tickets for X", "showtimes of X"):
# not for a run of names only ("tickets for john" are john's), and words after it that make it a venue.
TITLE_BEFORE = frozenset("watch watching see seeing showtimes showtime showings screenings".split())
TITLE_BEFORE_TWO = frozenset(("tickets for", "tickets to", "ticket for", "ticket to", "times for", "times of",
                              "playing at", "showing at", "showtimes for", "showtimes of", "the movie", "the film",
                              "movie called", "film called", "movie named", "showings of", "showing of",
                              "screenings of", "screening of", "trailer for", "trailers for", "trailer of"))
# Words that make a request about films: a film title in it may stay (FILM_WORDS), and the title cues
# above that say a title follows even when every word of it is a name ("showtimes for [judy]", "the movie
# [john wick]"): not "tickets for X" or "watch X", which may be for a person ("tickets for mary and me").
FILM_WORDS = MEDIA_REQUEST_WORDS | frozenset("""
ticket tickets showtime showtimes showing showings screening screenings trailer trailers imax matinee matinees
""".split())
FILM_AFTER = frozenset("showtimes showtime showings screenings trailer trailers".split())  # "[peter pan] showtimes"
FILM_CUES = TITLE_BEFORE - {"watch", "watching", "see", "seeing"}
FILM_CUES_TWO = TITLE_BEFORE_TWO - {"tickets for", "tickets to", "ticket for", "ticket to", "times for", "times of",
                                    "playing at", "showing at"} | {"film named"}
# Cinema chains: in a request about films, a name just after one is where the cinema is ("at the amc
# mercado", "at regal edwards"), not a person.
CINEMA_CHAINS = frozenset(phrase.strip() for phrase in """
amc, regal, cinemark, alamo drafthouse, harkins, marcus, landmark, century, showcase, cinepolis, emagine,
arclight, loews, cineplex, odeon, vue, cineworld, picturehouse, kerasotes, santikos, dipson, plitt, malco,
studio movie grill, reading cinemas, megaplex, galaxy, bow tie, pacific theatres, edwards, cinelux, cinearts,
angelika, ipic, cmx, showplace
""".replace("\n", " ").split(","))
VENUE_AFTER = frozenset("theater theaters theatre theatres cinema cinemas cineplex multiplex imax".split())
# Words after a name that make it a landmark's, in any request ("yosemite national park", "o'hare airport").
# Not the ones that are common surnames too ("park", "hill", "church", "hall", "field", "lake").
LANDMARK_AFTER = frozenset("airport museum stadium zoo aquarium university mall cathedral arena speedway".split())
LANDMARK_AFTER_TWO = frozenset(("national park", "state park", "national forest", "national monument",
                                "international airport", "state university", "national seashore"))
# Words before a name that make it a performer's ("music from X"), even a run of names.
ARTIST_BEFORE_TWO = frozenset(("music from", "songs from", "song from", "album from", "record from", "tracks from",
                               "track from", "similar to", "sounds like", "music like", "songs like", "bands like",
                               "artists like", "singers like", "directed by", "movies starring", "movie starring",
                               "film starring", "films starring", "show starring", "shows starring",
                               "soundtrack from", "soundtrack of", "soundtrack to", "latest from", "newest from",
                               "who plays", "who played"))

# Words the redactor's rules for people and for what stays both read.
PLACE_CONTEXT = frozenset("""
in near around weather forecast visit visiting flights flight fly flying trip drive driving directions train trains
bus buses downtown temperature rain snow
""".split())
# "leaving from X", "flying to X": a one-word place after these is a place, not a person ("emails from X" is).
TRAVEL_WORDS = frozenset("""
leave leaving left depart departing departure go going went travel traveling travelling traveled fly flying
flight flights head heading headed drive driving return returning trip trips ticket tickets train trains bus
buses move moving ride cab taxi coming come get getting way
""".split())
# Words after which a place's name ends a route, a few words on ("how many miles is it to X", "traffic between
# X and Y").
ROUTE_WORDS = frozenset("""
miles mile kilometers kilometres km far distance route routes traffic commute navigate navigation directions drive
driving flight flights fly flying train trains bus trip
""".split())
DETERMINERS = frozenset("the a an this that these those my your our his her their its".split())
WHEN_AFTER = frozenset("""
at on for next this tomorrow today tonight every from in about monday tuesday wednesday thursday friday saturday
sunday mondays tuesdays wednesdays thursdays fridays saturdays sundays
""".split())
