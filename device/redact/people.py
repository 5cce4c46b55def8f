"""Finding people: names after cues ("call X", "meeting with X", "X's birthday"), whole names (a first name
and the surname after it), and the CRF tagger's PERSON labels where no rule spoke, weighed by how sure the
tagger is and where the word stands.
"""

from __future__ import annotations

from device.redact import lexicon as lx
from device.redact.numbers import ORDINAL_WORDS, TEENS, TENS, UNITS, is_number_token
from device.redact.tagger import HOMOPHONES, person_slot
from device.redact.tokens import FAMILY, phrase_at, possessive

MIN_CONFIDENCE = 0.5  # the tagger's marginal probability for its label, below which it is ignored
UNKNOWN_WORD_PERSON = 0.3  # a word on no list is a name from this probability on
SLOT_PERSON = 0.1  # the same just after a verb that takes a person ("driving X", "messages from X")
SURNAME_PERSON = 0.05  # the same just after a name, and a listed first name just before one
LONE_WORD_CONFIDENCE = 0.9  # an everyday word alone is a name only from this confidence on
CUED_WORD_CONFIDENCE = 0.5  # the same just after a person's cue or as the owner of a person's things
LISTED_SURNAME_PERSON = 0.15  # a listed surname that is also a word ("knight", "flood") just after a name
DISPUTED_CONFIDENCE = 0.8  # the same where the rules labelled part of the tagger's run otherwise

_FUNCTION_WORDS = frozenset(w for w in lx.STOPWORDS if not is_number_token(w) and len(w) > 1) - HOMOPHONES
_UNITS = lx.QUANTITY_UNITS - {"plus"}  # "plus four four ..." begins a phone number
_NUMBERS_ONLY = frozenset("PHONE CARD PIN SSN NUMBER".split())  # said with digits, never with words alone
_HALF_OF_DAY = (("a", "m"), ("p", "m"), ("am",), ("pm",))
_KINDS_OF_PHONE = frozenset("cell mobile home work office landline smart".split())
_FOREIGN_ARTICLES = frozenset("las los el la les le der die das".split())  # "bajo las estrellas playlist"
# In no name ("a" is: a spelled name's letter, a middle initial)
_JOINING_WORDS = lx.DETERMINERS - {"a", "an"} | frozenset("in on at of to for from with and or".split())
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
# Everyday-word names that are also what people photograph: flowers, plants, stones, the sky and the sea.
_PHOTOGRAPHED = frozenset("""
rose daisy lily violet iris jasmine poppy fern holly ivy hazel heather olive ginger pearl ruby amber crystal jade
sky river brook dawn sunny rocky cherry honey candy angel
""".split())
_REMINDING = frozenset("reminder reminders remind alert".split())
_PLANS = lx.MEETING_NOUNS | frozenset("plans plan schedule calendar event appointment appt".split())
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
_WH_WORDS = frozenset("what who where when why how whatever".split())
_OBJECT_STARTS = lx.DETERMINERS | frozenset("me him them us it".split())  # "post [a photo]", "like [it]"
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
_STARTING = frozenset("start starts started begin begins began".split())  # surnames too, but verbs after a name
# A home, and a celebration, that a possessive without its "'s" names as someone's.
_SOMEONES_PLACE = frozenset("house place apartment home parents kids children folks grandparents".split())
_CELEBRATIONS = frozenset("birthday party wedding graduation funeral shower anniversary".split())
_TO_SOMEONES = frozenset("to from at leave leaving".split())
_BORROWING = frozenset("return returning borrow borrowing borrowed lend lent".split())
_NEVER_A_NAME = lx.TITLES | lx.RELATIONS | lx.ASSISTANTS | lx.CONTRACTIONS


class PeopleRules:
    """The Redactor's rules for people (mixed into device.redact.redactor.Redactor, whose name lists
    first_names, surnames, common and the tagger these methods read)."""

    def _tagged(self, tokens, norms, labels, cues) -> None:
        """Add the tagger's labels where the rules found nothing and know no better."""
        tags, confidence, person = self._tagger.tag(norms)
        before = list(labels)
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
            owner = possessive(tokens[k]) and k + 1 < len(norms) and norms[k + 1] in lx.PERSONAL_NOUNS \
                and (k == 0 or norms[k - 1] not in lx.DETERMINERS)
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
                disputed = any(labels[k] is not None and FAMILY.get(labels[k]) != FAMILY.get(tag)
                               for k in range(i, j))
                agreed = any(labels[k] is not None and FAMILY.get(labels[k]) == FAMILY.get(tag)
                             for k in range(max(0, i - 1), min(len(labels), j + 1)))
                for k in range(i, j):
                    # "what is [mary]'s job": the word after a possessive name is hers, not her surname
                    if tag == "PERSON" and k > i and (possessive(tokens[k - 1]) or _wished(norms, k)):
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
                            or media_before(i) and not possessive(tokens[k])
                            # "message [the soccer team]": everyday words after a determiner are a group
                            # or a thing, not a person's name
                            or i > 0 and norms[i - 1] in lx.DETERMINERS and all(
                                w in self.common and w not in self.first_names for w in norms[i:j])):
                        continue
                    # A run that carries on what a rule found ("expires [CARD] two thousand and thirty")
                    # is judged by that rule's cue, not as a number on its own.
                    if tag != "PERSON" and not agreed and (k in quantities or k in times and tag != "ADDRESS"):
                        continue
                    if tag not in FAMILY and norms[k] in _UNITS:  # "five fifteen pm": the unit is no digit
                        continue
                    if tag == "DATE_OF_BIRTH" and not birth_cued:
                        continue
                    # "customer service at comcast": no address is said without "dot" or an address's own part
                    if tag == "EMAIL" and "dot" not in norms[i:j] and "at" in norms[i:j] \
                            and not self._own_address(norms[i:norms.index("at", i)]):
                        continue
                    labels[k] = tag
            i = j
        _no_number_no_code(norms, labels, before, {label for _, _, label in cues})
        self._whole_names(tokens, norms, labels, person)

    def _whole_names(self, tokens, norms, labels, person) -> None:
        """A name found is often half a name: take the word after it if no list knows it and the tagger
        gives it some chance of being a name ("okafor" after "grace"), and a listed first name just before
        it ("oksana [PERSON]"). Within one pass only: a placeholder's label is not known to the next."""
        n = len(norms)
        for k in range(n - 1):
            w = norms[k + 1].rstrip("'")  # "okafors'"
            # not after a possessive ("mary's job"), nor a word a person does ("kate work")
            if labels[k] == "PERSON" and labels[k + 1] is None and w.isascii() and not possessive(tokens[k]) \
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
                    and (k + 2 == n or norms[k + 2] in _NOT_AFTER_A_HELPER_NAME or possessive(tokens[k + 1])):
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
        return norms[k] in self.surnames and (k < 2 or norms[k - 2] not in lx.PLACE_CONTEXT
                                              and norms[k - 2] not in ("to", "from"))

    @staticmethod
    def _whole_listed_names(tokens, norms, labels) -> None:
        """A person found by the start of a well-known name ("which one has [ryan] gosling") is that
        whole name: a surname that is also a word ("gosling", "holland") would otherwise be left behind.
        Whether the name then stays (an artist in a media request) is decided later, for the whole name."""
        n = len(norms)
        for i in range(n):
            if labels[i] == "PERSON" and (i == 0 or labels[i - 1] != "PERSON"):
                name = phrase_at(lx.film_actors(), norms, i, n)
                if name and all(label in (None, "PERSON") for label in labels[i:i + len(name)]) \
                        and not any(possessive(t) for t in tokens[i:i + len(name) - 1]):  # "[rachel]'s house"
                    labels[i:i + len(name)] = ["PERSON"] * len(name)

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
            if i > 0 and possessive(tokens[i - 1]) and prev in _NEVER_A_NAME:
                prev, prev2 = "'s", ""
            # "my phone [bill]", "the phone call": after a determiner or a kind of phone, "phone" is the thing
            if prev == "phone" and (prev2 in lx.DETERMINERS or prev2 in _KINDS_OF_PHONE):
                prev, prev2 = "", ""
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
                         or possessive(tokens[i])
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
            is_possessive = possessive(tokens[i]) or self._unmarked_possessive(norms, i)
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
                    or prev in lx.PERSON_VERBS and prev2 not in lx.DETERMINERS and self._spoken_of(norms, i)):
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
                       and not phrase_at(lx.place_names(), norms, i, n)
                       and (after in lx.PERSON_ACTIONS or after in _BEING and norms[i + 2:i + 3] != []
                            and norms[i + 2] in lx.PERSON_ACTIONS))
                  or prev == "with" and tok not in lx.EVERYDAY_NAMES
                  # "henrik's birthday", "john's boss", "ray's chore reminders", "mark's most recent message"
                  or is_possessive and (after in lx.RELATIONS or any(
                      w in lx.PERSONAL_NOUNS for w in norms[i + 1:i + 4] if w not in lx.STOPWORDS))
                  and prev not in lx.DETERMINERS
                  # "get to jack's by eight", "from joe's to portland": someone's home
                  or is_possessive and prev in ("to", "from", "at", "leave", "leaving")
                  and (after == "" or after in lx.STOPWORDS)
                  # "return hunter's drill", "borrow ella's bike": what is borrowed is someone's
                  or is_possessive and prev in _BORROWING
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
            if is_possessive:  # "sarah's list": what follows is hers, not her surname
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
                    and prev not in lx.DETERMINERS and prev not in _FOREIGN_ARTICLES \
                    and not phrase_at(lx.brand_names(), norms, i, n) \
                    and (not phrase_at(lx.place_names(), norms, i, n)
                         # "get to crystal house": no town of crystal is a house (a town of two words may be)
                         or bare and phrase_at(lx.place_names(), norms, i, n) == (tok,)):
                labels[i] = "PERSON"
        # "what is grace park's number", "did june lake call": a first name and a surname, both everyday
        # words, owning a person's things or doing what a person does after a helper verb
        for i in range(n - 2):
            first, last, then = norms[i:i + 3]
            owns = possessive(tokens[i + 1]) and then in lx.PERSONAL_NOUNS  # ("will smith's number" too)
            if labels[i] is None and labels[i + 1] is None and first in self.first_names \
                    and (first not in lx.STOPWORDS or owns and first in lx.EVERYDAY_NAMES) \
                    and first not in _WEATHER_NAMES and first not in lx.MONTHS \
                    and last in self.surnames and last not in lx.STOPWORDS and last not in lx.PERSON_ACTIONS \
                    and (owns or i > 0 and norms[i - 1] in lx.HELPER_VERBS and then in lx.PERSON_ACTIONS
                         and not possessive(tokens[i + 1])):
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
            and (i == 0 or norms[i - 1] not in lx.DETERMINERS and norms[i - 1] not in _FOREIGN_ARTICLES)

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
                and not phrase_at(lx.place_names(), norms, i, len(norms))
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
            and (i == 0 or norms[i - 1] not in lx.DETERMINERS)  # "the storm called me back"

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
                and not (self._only_a_place(tok) or len(phrase_at(lx.place_names(), norms, i, n) or ()) > 1)
                # "is joy and [PERSON] on the way": a first name paired with a person found
                or after == "and" and i + 2 < n and tokens[i + 2].raw == "[PERSON]" and tok in self.first_names
                and tok not in lx.STOPWORDS and not self._only_a_place(tok) and tok not in _WEATHER_NAMES
                and not phrase_at(lx.place_names(), norms, i, n)
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
            and tok not in self.all_places and not phrase_at(lx.place_names(), norms, i, i + 1)
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
        place = tok in self.all_places or phrase_at(lx.place_names(), norms, i, i + 1)
        if _season_doing(tok, action) or (tok in lx.MONTHS or place) and action in _WHAT_PLACES_DO:
            return False
        acts = action in lx.PERSON_ACTIONS and action not in ("be", "been", "have", "has", "do", "get", "got") \
            and not (tok in lx.EVERYDAY_NAMES and action in ("need", "needs"))  # "rose needs water"
        return acts and (i == 0 or prev in _WH_WORDS) \
            or (prev2, prev) == ("where", "is") and (norms[i + 1:i + 3] == ["right", "now"] or i + 1 == n
                                                     and tok not in _WEATHER_NAMES and tok not in lx.MONTHS) \
            and not place and not phrase_at(lx.brand_names(), norms, i, n) \
            or prev2 in _WH_WORDS and prev in ("is", "was") and after == "doing" and not place \
            or (prev2, prev) == ("who", "is") and after == "" and not place and tok not in _WEATHER_NAMES

    def _owns(self, tokens, norms, i: int, prev: str) -> bool:
        """Whether the listed first name at i, possessive, is a person owning the common thing after it."""
        n = len(norms)
        return possessive(tokens[i]) and norms[i] in self.first_names and i + 1 < n \
            and prev not in lx.DETERMINERS and prev not in ("saint", "st") \
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
            and tok not in self.all_places and not phrase_at(lx.brand_names(), norms, i, i + 1) \
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


def _media_slot(norms: list[str], i: int, before, cues: frozenset[str]) -> bool:
    """True if a name at i follows a media cue: "play X", "songs by X"; but not the agent of a
    passive ("it was signed for by X", "picked up by X")."""
    words = {norms[k] for k in before} & cues
    if words == {"by"} and i > 1 and norms[i - 1] == "by":
        return not (norms[i - 2] in lx.PERSON_TAKING_VERBS or norms[i - 2] in lx.PERSON_LINKS)
    return bool(words)


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
        return ends and not lx.MESSAGE_NOUNS.isdisjoint(before) and lx.ROUTE_WORDS.isdisjoint(before) \
            and norms[0] not in lx.PERSON_VERBS and "send" not in norms[:i]
    # "react with a laugh to hope", "give a smile reaction to ivy"
    said = not _MESSAGING.isdisjoint(before) or "s m s" in " ".join(before) \
        or not _REACTING.isdisjoint(before)  # (not "like": "i'd like to see that")
    return said and ends and norms[i - 2] not in lx.TRAVEL_WORDS and lx.ROUTE_WORDS.isdisjoint(before)


def _paid(norms: list[str], i: int) -> bool:
    """Whether token i is who money goes to, after "to" in a request to send or transfer it, at its end or
    before the account or how it goes: "transfer ninety dollars from my savings to X", "send money from my
    checking account to X for the loan". Not on a way somewhere."""
    if i < 2 or norms[i - 1] != "to":
        return False
    before = norms[max(0, i - 12):i - 1]
    return not _PAYING.isdisjoint(before) and lx.TRAVEL_WORDS.isdisjoint(before) and lx.ROUTE_WORDS.isdisjoint(before) \
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
    return i > 1 and norms[i - 1] == "with" and (i + 1 == len(norms) or norms[i + 1] in lx.WHEN_AFTER) \
        and not (_REMINDING | _PLANS).isdisjoint(norms[:i - 1]) and lx.COOKING_WORDS.isdisjoint(norms) \
        and phrase_at(lx.thing_names(), norms, i, len(norms)) is None  # "with basil", "with ginger"


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


def _no_number_no_code(norms: list[str], labels: list[str | None], before: list[str | None], cued: set[str]) -> None:
    """Undo the tagger's number labels on runs of words that hold no number and no letter of a code, where
    no cue asked for one ("fifty [plus] seven", "five hundred [dollars]", "five forty five [a m]"): a phone,
    card or PIN is said with digits. Not where a number follows that the run may begin ("try [plus] four four
    ...": the next pass reads the rest), nor on an account's, a password's or a street's words ("sign me in
    as wderrig", "[elm street]"); but a unit after a sum is no street ("forty five [mins]")."""
    if "CARD_EXTRA" in cued:  # "the expiration date is [the end of september] ..."
        cued = cued | {"CARD"}
    n, i = len(norms), 0

    def number(k: int) -> bool:
        return 0 <= k < n and (is_number_token(norms[k]) or norms[k] in HOMOPHONES)

    while i < n:
        label = labels[i]
        if label == before[i] or label not in _NUMBERS_ONLY and label != "ADDRESS" or label in cued:
            i += 1
            continue
        j = i
        while j < n and labels[j] == label and labels[j] != before[j]:
            j += 1
        words = norms[i:j]
        beside = {labels[k] for k in (i - 1, j) if 0 <= k < n} - {None, "PERSON", "EMAIL"}
        half_of_day = tuple(words) in _HALF_OF_DAY and number(i - 1)
        if not beside and (half_of_day or not any(number(k) or len(norms[k]) == 1 for k in range(i, j))
                           and (not number(j) or number(i - 1))
                           and (label != "ADDRESS" or all(w in lx.QUANTITY_UNITS for w in words))):
            labels[i:j] = before[i:j]
        i = j
