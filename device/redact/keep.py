"""What is not an identifier (issue 23): cities, states, countries, brands, titles of films and shows, dishes,
companies named after people, currencies, cinemas and, behind a setting, public figures.

These rules run after the recognisers and the tagger. Each takes a PERSON (or ADDRESS) label off a run that
a list or a cue says is no private person. A household name, or a run just after a person's cue ("call X",
"dr X"), always stays redacted.
"""

from __future__ import annotations

from device.redact import lexicon as lx
from device.redact.numbers import is_number_token
from device.redact.tokens import phrase_at, possessive

_PICKED_BY_WHO_IS_IN_IT = frozenset("one ones anything something that this".split())
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
_SHOPPING_LISTS = frozenset("shopping grocery groceries supermarket pantry".split())
_ITEM_BEFORE = frozenset("add put remove delete take cross and some more".split())  # "add [X] to the list"
_ITEM_AFTER = frozenset("to on onto from off and".split())
# Words that join places in one run ("from las vegas to los angeles", "paris france") and words
# before a place that make a name-like one a place ("weather in jackson").
_PLACE_JOINS = frozenset("to and or via in near city state county".split())
_IN_A_TOWN = frozenset("in near".split())
# Weather words before "for" ("the forecast for X") or after a place's possessive ("X's weather").
_WEATHER_WORDS = frozenset("weather forecast temperature temperatures rain snow humidity sunrise sunset".split())
# Words of a request about schooling; not "transfer", "apply", "senior" or "major": money goes to people ("transfer
# fifty dollars to lewis"), and loans, discounts and majors are not only a school's.
_SCHOOLING = frozenset("""
study studies studied studying graduate graduates graduated graduating attend attends attended attending college
university school degree alumni alumnus campus semester enrolled enroll admitted professor freshman sophomore
""".split())
_AT_A_SCHOOL = frozenset("attend attends attended attending".split())  # "he attended [vanderbilt]"
_STREETS_NAMED = frozenset("boulevard blvd avenue ave street road parkway highway expressway".split())
_BEFORE_SOMEONE = frozenset("with to from for and by see meet visit".split())
_IN_CINEMAS = [["in", w] for w in ("theaters", "theatres", "cinemas")]
_CINEMA_WORDS = lx.VENUE_AFTER | {"drive"}  # the venue words, and a drive-in ("the sunset drive in")
_EXCHANGING = frozenset("convert converted conversion exchange rate rates worth".split())
_PAYING_VERBS = frozenset("send sent pay paid transfer transferred give gave owe owes wire venmo zelle".split())
_NEW = frozenset("new latest greatest".split())  # "[artist]'s new song"
_LIST_WORDS = frozenset(("list", "lists"))  # "my costco list": a shopping list named after its shop


class KeepRules:
    """The Redactor's rules for what stays (mixed into device.redact.redactor.Redactor, whose name lists
    first_names, surnames, common and all_places these methods read)."""

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
            brand = phrase_at(lx.brand_names(), norms, i, n) or ()
            whole_brand = len(brand) >= j - i > 0 and brand[:j - i] == tuple(norms[i:j])
            # "drive to [alice]'s" is someone's home; "[mcdonald's]" and "[auckland]'s weather" are not
            someones = possessive(tokens[j - 1]) and not whole_brand and not (j < n and norms[j] in _WEATHER_WORDS)
            street = j + (norms[j:j + 1] in (["junior"], ["jr"]))  # "martin luther king [junior] boulevard"
            # (a first name before a home is someone's, its "'s" unsaid: "get to crystal house")
            homes = j - i == 1 and j < n and norms[j] in ("house", "apartment") and norms[i] in self.first_names \
                and (i == 0 or norms[i - 1] not in lx.DETERMINERS)
            if label in ("PERSON", "ADDRESS") and alone and not any(household[i:j]) and not homes \
                    and self._only_places(norms, i, j) \
                    and not (label == "PERSON" and (self._person_before(norms, i) or someones
                                                    or _after_a_person(tokens, norms, i))):
                labels[i:j] = [None] * (j - i)
            # "navigate to [yosemite] national park": a name before a landmark word is the landmark's
            elif label == "PERSON" and j < n and (norms[j] in lx.LANDMARK_AFTER
                                                  or " ".join(norms[j:j + 2]) in lx.LANDMARK_AFTER_TWO) \
                    and (i == 0 or labels[i - 1] is None) and not any(household[i:j]) \
                    and not self._person_before(norms, i) and not possessive(tokens[j - 1]):
                labels[i:j] = [None] * (j - i)
            # "is [ibm] stock up", "call [comcast] customer service": a company's name, unless only names
            elif label == "PERSON" and j < n and (norms[j] in lx.COMPANY_AFTER
                                                  or " ".join(norms[j:j + 2]) in lx.COMPANY_AFTER_TWO) \
                    and (i == 0 or labels[i - 1] is None) and not any(household[i:j]) \
                    and not possessive(tokens[j - 1]) and not self._only_names(norms[i:j]) \
                    and not self._person_before(norms, i):
                labels[i:j] = [None] * (j - i)
            # "a recipe for [veg pulav]": in a cooking request a run the name lists do not know is a dish (in a
            # request about a language's words, a foreign word: "how do you say pasta al [dente] in italian"),
            # unless a person's cue is beside it ("dinner for X", "did X cook", "X will bake")
            elif label == "PERSON" and dishes_or_words and alone and not any(household[i:j]) \
                    and not self._only_names(norms[i:j]) and not possessive(tokens[j - 1]) \
                    and not self._person_before(norms, i) and not (i and norms[i - 1] in lx.HELPER_VERBS
                                                                   and norms[j:j + 1] not in (["mean"], ["means"])) \
                    and not (i and norms[i - 1] in lx.PERSON_LINKS
                             and not (norms[i - 1] == "for" and i > 1 and norms[i - 2] in lx.COOKING_WORDS)) \
                    and not (j < n and (norms[j] in lx.PERSON_ACTIONS or norms[j] in lx.HELPER_VERBS
                                        or norms[j] in lx.COOKING_VERBS)):
                labels[i:j] = [None] * (j - i)
            # "directions to [martin luther king] junior boulevard": a street named after someone (with no
            # house number no address either)
            elif label == "PERSON" and alone and not any(household[i:j]) and not possessive(tokens[j - 1]) \
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
                    and not any(possessive(t) for t in tokens[i:j]):
                labels[i:j] = [None] * (j - i)
            # "the next episode of [ted] lasso": what has episodes and seasons is a show (not "of john's show")
            elif label == "PERSON" and alone and i > 1 and norms[i - 1] == "of" and norms[i - 2] in _SHOW_PARTS \
                    and not any(household[i:j]) and not any(possessive(t) for t in tokens[i:j]):
                labels[i:j] = [None] * (j - i)
            # "open [duolingo]", "launch [peloton] and start a ride": what a request opens first is an app, when no
            # list of names knows it
            elif label == "PERSON" and alone and i == 1 and norms[0] in ("open", "launch") \
                    and (j == n or norms[j] in ("app", "and", "on", "please")) and not any(household[i:j]) \
                    and self._no_name_in(norms[i:j]) \
                    and not possessive(tokens[j - 1]):
                labels[i:j] = [None] * (j - i)
            # "is trader [joe]'s open on sunday", "is [dave]'s hot chicken open": a name's "'s" before a shop's
            # opening hours is the shop's (not "is mark's office open": what follows is a person's)
            elif label == "PERSON" and alone and possessive(tokens[j - 1]) and _opening_hours(norms, i, j) \
                    and not any(household[i:j]) and not self._person_before(norms, i):
                labels[i:j] = [None] * (j - i)
            # "add [tahini] and gochujang to the shopping list": what goes on a shopping list is a thing, when
            # no list of names knows any word of it ("add rosa to the shopping list" stays redacted)
            elif label == "PERSON" and alone and _on_a_shopping_list(norms, i, j) and not any(household[i:j]) \
                    and self._no_name_in(norms[i:j]) \
                    and not any(possessive(t) for t in tokens[i:j]):
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
            return not possessive(tokens[j - 1]) and self._unlabel_person(norms, labels, household, i, j)

        # a cinema chain that is no word and no name ("amc burbank sixteen") says it too, and so does one
        # that is a name said as a place in a town ("the marcus in lincoln")
        films = not lx.FILM_WORDS.isdisjoint(norms) or any(w in self._plain_chains for w in norms) \
            or any(self._chain_in_a_town(norms, k) for k in range(1, n))
        i = 0
        while i < n:
            if "PERSON" not in labels[i:i + lx.longest_title()]:  # (the lists are long: look only near a person)
                i += 1
                continue
            found = phrase_at(lx.keep_titles(), norms, i, n)
            if found and len(found) == 1 and found[0] in lx.possessive_titles() and not media:
                found = None  # "a reminder for spencer to ...": no "spencer's" restaurant
            artist = phrase_at(lx.keep_artists(), norms, i, n) if media else None
            if artist and any(possessive(t) for t in tokens[i:i + len(artist) - 1]):
                artist = None  # "[rachel]'s house" is no rachel house: a possessive ends a person's name
            film = phrase_at(lx.film_titles(), norms, i, n)
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
                if j > i and labels[i] == "PERSON" and possessive(tokens[j - 1]) \
                        and (phrase_at(lx.keep_artists(), norms, i, j) == tuple(norms[i:j])
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
            thing = phrase_at(lx.thing_names(), norms, i, n)
            j = i + len(thing or ())
            # a name on its own is not enough: some word of the thing is no name, or was not taken for one
            if thing and "PERSON" in labels[i:j] \
                    and (not self._only_names(list(thing)) or labels[i:j].count("PERSON") < len(thing)) \
                    and not possessive(tokens[j - 1]) and not _acts_next(norms, j, lx.PERSON_ACTIONS) \
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
                chain = phrase_at(lx.cinema_chains(), norms, k, j)
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
        chain = norms[k - 1] == "the" and phrase_at(lx.cinema_chains(), norms, k, len(norms))
        j = k + len(chain or ())
        return bool(chain) and norms[j:j + 1] == ["in"] and j + 1 < len(norms) \
            and (norms[j + 1] in self.all_places or phrase_at(lx.place_names(), norms, j + 1, len(norms)) is not None)

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
            name = phrase_at(lx.public_figures(), norms, i, n)
            j = i + len(name or ())
            # "[rachel]'s house" is no rachel house: a possessive ends a name
            if name and not any(possessive(t) for t in tokens[i:j - 1]) and not _acts_next(norms, j, lx.DEALINGS) \
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
                or j + 1 < n and norms[j] == "with" and phrase_at(lx.film_actors(), norms, j + 1, n) is not None:
            return True
        if self._only_names(named):
            before = f"{norms[i - 2]} {norms[i - 1]}" if i > 1 else ""
            # "something like [john wick]" (a title of one name is likelier a person's: "like harriet would");
            # "what time is [harriet] showing", "where is [judy] showing tonight" (not "playing": a game)
            shown = norms[j:j + 1] == ["showing"] and (j + 1 == n or norms[j + 1] in lx.WHEN_AFTER) \
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
        return k < len(norms) and (phrase_at(lx.cinema_chains(), norms, k, len(norms)) is not None
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
        if phrase_at(lx.school_short_names(), norms, i, j) == tuple(norms[i:j]) and (
                (prev in _AT_A_SCHOOL or prev in ("at", "from", "to", "into")) and not _SCHOOLING.isdisjoint(norms)
                or prev == "to" and prev2 in ("go", "goes", "went", "going") and (j == n or norms[j] in lx.STOPWORDS)
                or (prev2, prev) == ("still", "at")):  # "is lorna still at stanford"
            return True
        places, lone_places, k = 0, 0, i
        while k < j:
            place = phrase_at(lx.place_names(), norms, k, j)
            brand = phrase_at(lx.brand_names(), norms, k, j)
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
        return (places > 1 and not full_name or not lone_places or prev in lx.PLACE_CONTEXT
                or prev in ("from", "to") and prev2 in lx.TRAVEL_WORDS
                or prev in ("for", "of") and prev2 in _WEATHER_WORDS  # "the forecast for leeds"
                # "how many miles is it to savannah", "traffic between columbus and ...": a route's ends
                or prev in ("from", "to", "between") and not lx.ROUTE_WORDS.isdisjoint(norms[max(0, i - 5):i - 1])
                or prev in ("to", "and", "or") and self._place_ends_at(norms, i - 1)  # "virginia beach and X"
                # (not "[george] and me": "me" is Maine's code, but here it is the speaker)
                or j + 1 < n and norms[j] in ("to", "and", "or") and norms[j + 1] not in lx.STOPWORDS
                and phrase_at(lx.place_names(), norms, j + 1, n)
                or j - i == 1 and self._only_a_place(norms[i]) and prev not in lx.HELPER_VERBS
                and (j == n or norms[j] not in lx.PERSON_ACTIONS and norms[j] not in lx.PERSONAL_NOUNS)
                or j < n and phrase_at(lx.place_names(), norms, j, n) is not None  # "[beaumont] tx"
                # "a restaurant in fort gates [florida]": after a town's name that follows "in"
                or any(norms[k] in _IN_A_TOWN and all(w.isalpha() and w not in lx.STOPWORDS for w in norms[k + 1:i])
                       for k in range(max(0, i - 4), i - 1)))

    @staticmethod
    def _place_ends_at(norms, end: int) -> bool:
        """Whether a place's name ends just before token `end` ("virginia beach and [richmond]")."""
        return any(k + len(place) == end for k in range(max(0, end - 4), end)
                   if (place := phrase_at(lx.place_names(), norms, k, end)))

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


def _acts_next(norms: list[str], j: int, actions: frozenset[str]) -> bool:
    """Whether token j is one of `actions`, or a helper verb before one ("X will pick up"; not "will be")."""
    return j < len(norms) and (norms[j] in actions or norms[j] in lx.HELPER_VERBS and j + 1 < len(norms)
                               and norms[j + 1] in actions and norms[j + 1] not in ("be", "been"))


def _after_a_person(tokens, norms: list[str], i: int) -> bool:
    """Whether token i follows "[PERSON] and": one person named after another ("with [PERSON] and sandy
    covington" is no pair of towns)."""
    return i > 1 and norms[i - 1] == "and" and tokens[i - 2].raw == "[PERSON]"


def _asks_for_an_actor(norms: list[str]) -> bool:
    """A film actor's whole name said the way film-goers pick a film by who is in it, with no film word
    around: "the one with daniel craig", "anything with adam sandler", "which one has brad pitt in it",
    "hustlers with jennifer lopez" (a listed film just before "with"), "is joaquin phoenix in joker" (a listed
    film just after "in"). Not "lunch with ...": a person's."""
    n = len(norms)
    for i in range(n):
        actor = phrase_at(lx.film_actors(), norms, i, n)
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
                and len(phrase_at(lx.film_titles(), norms, j + 1, n) or ()) == n - j - 1 \
                or i > 1 and norms[i - 1] == "with" and norms[i - 2] in _PICKED_BY_WHO_IS_IN_IT \
                or i > 1 and norms[i - 1] == "with" and any(
                    len(phrase_at(lx.film_titles(), norms, k, i - 1) or ()) == i - 1 - k for k in range(i - 1)):
            return True
    return False


def _been_in_films(norms: list[str], j: int) -> bool:
    """Whether "been in" at token j asks what films someone was in: "what else has adam driver been in", "has
    X been in anything lately" (not "been in the hospital", "been in touch")."""
    return norms[j:j + 2] == ["been", "in"] and norms[j + 2:j + 3] in ([], ["anything"], ["lately"], ["recently"])


def _opening_hours(norms, i: int, j: int) -> bool:
    """Whether the possessive name at i..j is asked about as a shop: its opening hours follow in a question,
    at once ("when does [kohl]'s open") or after what it sells ("is [dave]'s hot chicken open", "is [joe]'s
    pizza open"; not "is ximena's door open"), or "hours for" come before it."""
    for k in range(j, min(len(norms), j + 3)):
        if norms[k] in _OPENING_HOURS:
            sells = all(w in _SHOP_WORDS for w in norms[j:k]) or phrase_at(lx.thing_names(), norms, j, k) \
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
