import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from device.redact import LABELS, Redactor, mute_words
from device.redact.numbers import luhn_ok, runs, to_digits


@pytest.fixture(scope="module")
def redactor():
    return Redactor()


@pytest.mark.parametrize("text, expected", [
    ("call john smith at five five five one two three four", "call [PERSON] at [PHONE]"),
    ("my card is four one one one one one one one one one one one one one one one", "my card is [CARD]"),
    ("i live at one twenty three maple street apartment four b", "i live at [ADDRESS]"),
    ("my email is jane dot doe at gmail dot com", "my email is [EMAIL]"),
    ("i was born on march third nineteen eighty five", "i was born on [DATE_OF_BIRTH]"),
    ("two oh six five five five oh one nine nine", "[PHONE]"),
    ("call five five five twelve thirty four", "call [PHONE]"),
    ("call one eight hundred five five five one two one two", "call [PHONE]"),
    ("call plus four four seven nine double one one two three four five six", "call [PHONE]"),
    ("my social security number is one two three four five six seven eight nine", "my social security number is [SSN]"),
    ("my account number is a b c one two three", "my account number is [ACCOUNT]"),
    ("my pin is four four two one", "my pin is [PIN]"),
    ("the alarm code is nine nine one one", "the alarm code is [PIN]"),
    ("my password is sunshine twenty three", "my password is [PIN]"),
    ("is olivia coming to dinner", "is [PERSON] coming to dinner"),
    ("text my wife sarah that i'm late", "text my wife [PERSON] that i'm late"),
    ("remind me to call doctor patel tomorrow", "remind me to call doctor [PERSON] tomorrow"),
    ("the card expires oh four twenty six", "the card expires [CARD]"),
    ("my zip code is nine eight one oh four", "my zip code is [ADDRESS]"),
    ("write down three eight two nine one", "write down [NUMBER]"),
    ("send it to bob smith seventy two at yahoo dot com", "send it to [EMAIL]"),
    ("license plate seven x y z one two three", "license plate [ACCOUNT]"),
])
def test_identifiers_are_redacted(redactor, text, expected):
    assert redactor.redact(text).text == expected


@pytest.mark.parametrize("text", [
    "set a timer for twenty five minutes", "what is twelve times four",
    "set the thermostat to seventy two degrees", "set the oven to three hundred fifty degrees",
    "play taylor swift", "volume seven", "what's the weather in boston", "will it rain",
    "pay the electric bill", "mark this as done", "summer is my favorite season", "how many days until may",
    "what's on my calendar for june third", "call mom", "set an alarm for twelve forty five",
    "who won the world cup in nineteen ninety eight", "what is two thousand four hundred divided by six",
    "oh no the milk", "rock and roll", "play miles davis", "add a meeting on friday at ten thirty",
])
def test_ordinary_commands_stay_intact(redactor, text):
    result = redactor.redact(text)
    assert result.text == text and result.spans == [] and result.counts == {}


# Kinds the rules alone missed: whole postal addresses in other countries' shapes, names from outside
# the census lists, surnames after titles, national identifiers, spelled passwords, recogniser slips.
@pytest.mark.parametrize("text, expected", [
    ("ring oksana pellegrino", "ring [PERSON]"),
    ("ask mister okafor about the boiler", "ask mister [PERSON] about the boiler"),
    ("follow up with nkechi adebayo", "follow up with [PERSON]"),
    ("pick up chidi at five", "pick up [PERSON] at five"),
    ("forty two acacia avenue reading r g one four a b", "[ADDRESS]"),
    ("send it to nine o'connell road galway h nine one x two y three", "send it to [ADDRESS]"),
    ("i was born on the ninth of july nineteen seventy one", "i was born on the [DATE_OF_BIRTH]"),
    ("my birthday is june sixth two thousand and four", "my birthday is [DATE_OF_BIRTH]"),
    ("my national insurance number is q r one two double three four five c", "my national insurance number is [SSN]"),
    ("my pps number is one two three four five six seven t", "my pps number is [SSN]"),
    ("my pan is a b c d e one two three four f", "my pan is [SSN]"),
    ("my tax file number is one two three four five six seven eight nine", "my tax file number is [SSN]"),
    ("call the office extension two seven one", "call the office extension [PHONE]"),
    ("my email is jo dot bloggs at yahoo dot co dot u k", "my email is [EMAIL]"),
    ("my password is t r five g h k", "my password is [PIN]"),
    ("my card is for one one one one one one one one one one one one one one won", "my card is [CARD]"),
    ("call oh two oh seven nine four six for one two three", "call [PHONE]"),
    # a birth date or a card's expiry keeps the year said after it
    ("the expiration date is the end of february two thousand thirty one and call mom",
     "the expiration date is [CARD] and call mom"),
    # a cue with a word the recogniser wrote twice
    ("my date of of birth is the eighth of june two thousand and two", "my date of of birth is the [DATE_OF_BIRTH]"),
    ("my date date of birth birth is june twenty second", "my date date of birth birth is [DATE_OF_BIRTH]"),
    # phone numbers read out in groups (a written "07700 900123", "+44141 4960857", "417.565.3267")
    ("my mobile is oh seven seven oh oh nine hundred thousand one hundred twenty three", "my mobile is [PHONE]"),
    ("please ring plus forty four thousand one hundred forty one four nine six oh eight five seven",
     "please ring [PHONE]"),
    ("text two hundred eighty five point six one seven fifty seven ninety four when you land",
     "text [PHONE] when you land"),
    # an address's house number and ZIP read as sums, a street named after someone, a postcode's last letters
    ("send it to seven hundred fifty nine dean squares mckinneyfurt alabama forty nine thousand nine hundred "
     "thirty four", "send it to [ADDRESS]"),
    ("deliver the parcel to twenty seven thousand two hundred seventy james rapids richardport new york sixty "
     "seven thousand eight hundred seventy seven", "deliver the parcel to [ADDRESS]"),
    ("navigate to eighty nine green pass lake brett t w seven v zero yd", "navigate to [ADDRESS]"),
    ("my address is forty two main street and i get home at five", "my address is [ADDRESS] and i get home at five"),
    ("change the timer to forty five seconds", "change the timer to forty five seconds"),
    ("my pin is one two three won", "my pin is [PIN]"),
])
def test_identifiers_the_tagger_finds(redactor, text, expected):
    assert redactor.redact(text).text == expected


@pytest.mark.parametrize("text", [
    "what is six hundred and seventy six thousand five hundred and forty three squared",
    "what's four hundred million plus twelve thousand", "the castle was built in ten sixty six",
    "what's four plus forty four thousand one hundred", "text mom that we raised twenty five thousand dollars",
    "i am danish but i live in slovenia", "translate hello into german", "ask alexa to stop",
    "play taylor swift", "songs by adele", "set an alarm for five fifteen pm", "call [PHONE] for me",
    # a number with a decimal point is a radio station or a measure, not an address
    "tune to one oh one point one the fox", "tune to one oh one point one fm", "what's two point five times four",
    "\uc548\ub155\ud558\uc138\uc694 \uc11c\uc6b8 \ub0a0\uc528 \uc54c\ub824\uc918",  # Korean words
])
def test_sums_years_nationalities_and_artists_stay(redactor, text):
    assert redactor.redact(text).text == text


@pytest.mark.parametrize("text, expected", [
    # Names after a verb that takes a person, in any form, and agents of a passive (not artists).
    ("the parcel was picked up by oyelaran adeyemi", "the parcel was picked up by [PERSON]"),
    ("i promised chidinma a lift on sunday", "i promised [PERSON] a lift on sunday"),
    ("we are driving thandiwe mbeki to the station", "we are driving [PERSON] to the station"),
])
def test_names_where_a_person_fits(redactor, text, expected):
    assert redactor.redact(text).text == expected


@pytest.mark.parametrize("text", [
    "i am driving the car to work", "i promised the kids a film", "she books the vet for friday",
    "play something by adele", "summer is my favorite season",
])
def test_the_same_verbs_with_things_stay(redactor, text):
    assert redactor.redact(text).text == text


@pytest.mark.parametrize("text", [
    # Issue 23: cities, states, countries and brands are not identifiers, whatever the tagger thinks.
    "book my train ticket from las vegas to los angeles", "forecast for new york city",
    "train times for beaumont tx", "weather in austin", "order from walmart", "open youtube",
    "i want to go to mcdonald's", "salt and pepper", "play some rock and roll",
    # A one-word place no list of names knows, a city after a travel word or another place, a short name for
    # a city, a brand longer than the place it starts with, genres and words of technology.
    "i'm leaving from seattle on the tenth", "i am leaving from atlanta to vegas", "chicago",
    "find alamo drafthouse cinema with animated movies", "book a restaurant with wifi",
    "add this song to my indie playlist", "play it on deezer",
    # A name just before a landmark word is the landmark's.
    "navigate to yosemite national park", "is the getty museum open today", "how far is o'hare airport",
    # A list named after its shop.
    "add paper towels to my costco list",
    # A smaller town is a place too, but only where a place is meant.
    "how long is the drive from flagstaff to sedona",
])
def test_places_and_brands_stay(redactor, text):
    assert redactor.redact(text).text == text


@pytest.mark.parametrize("text, expected", [
    # Issue 23, kinds read in the trained-on real requests (TOPv2 and SGD train): a time said with a.m. or
    # p.m. is a time whatever cue is near, days and holidays are no people, a place at the end of a route or
    # before its weather is a place, an artist after "similar to", an app after a person's cue.
    ("set alarm for three forty seven p m", None), ("remind me to check bank account at seven a m", None),
    ("i'd like to get a bus ticket for eight thirty a m", None), ("at seven a m i have a meeting", None),
    ("set reminder for sunday at nine", None), ("create a reminder for august six that says store meeting", None),
    ("snooze the alarm for twenty mins", None), ("set an alarm that repeats on mondays and fridays", None),
    ("what's the forecast for leeds", None), ("i want to know auckland's weather", None),
    ("how many miles is it to savannah from home", None),
    ("what is the traffic between virginia beach and richmond", None),
    ("tell me about the traffic between columbus and phenix city", None),
    ("find bands similar to radiohead", None), ("i want to hear the latest kesha song", None),
    ("tell spotify to play i'm yours", None), ("can you show me my new message from facebook", None),
    # and what is a person's or a code's still goes
    ("the router password is eight w five q one p m o g", "the router password is [PIN]"),
    ("call five five five one two three four at five p m", "call [PHONE] at five p m"),
    ("set a reminder for april to call the dentist", "set a reminder for [PERSON] to call the dentist"),
    ("message april and say hi", "message [PERSON] and say hi"),
    ("text sarah at seven p m", "text [PERSON] at seven p m"),
    ("how many miles is it to jackson's house", "how many miles is it to [PERSON]'s house"),
    ("send a message to savannah about the flight", "send a message to [PERSON] about the flight"),
    # an everyday word the tagger takes for a name, just after a person's cue or before a person's things
    ("message red and tell him the job is done", "message [PERSON] and tell him the job is done"),
    ("how long will it take me to get to ally's school", "how long will it take me to get to [PERSON]'s school"),
    ("call back later", None), ("tell time", None), ("is the dog's food in the car", None),
    ("drive to the children's museum", None),
    # the calls people make, and a listed name that is also a word between a helper verb and what people do
    # (requests written by hand for the kinds of MTOP's calling and people domains; MTOP itself is not read)
    ("add ray to the call", "add [PERSON] to the call"), ("hang up on bill", "hang up on [PERSON]"),
    ("call back drew", "call back [PERSON]"), ("get chase on the phone", "get [PERSON] on the phone"),
    ("return maria's call", "return [PERSON]'s call"),
    ("what does hope do for a living", "what does [PERSON] do for a living"),
    ("did faith comment on my photo", "did [PERSON] comment on my photo"), ("is frank online", "is [PERSON] online"),
    ("message everyone that i am late", None), ("add milk to the chat", None), ("is march coming", None),
    ("remind everyone in the group about the chat", None),
    ("message t i n a and let her know", "message [PERSON] and let her know"),  # "a" is a letter of it
    ("unblock mark", "unblock [PERSON]"), ("delete tyler from my contacts", "delete [PERSON] from my contacts"),
    ("what is the birthday of ivy", "what is the birthday of [PERSON]"), ("unmute the call", None),
    ("block this number", None), ("a picture of paris", None), ("remove milk from my list", None),
    ("send a video message to my grandson max", "send a video message to my grandson [PERSON]"),
    ("please leave madison a reminder", "please leave [PERSON] a reminder"),
    ("see if mike wants to go", "see if [PERSON] wants to go"), ("see if it works", None),
    ("send hi to sarah and mark", "send hi to [PERSON] and [PERSON]"),
    # an actor or a director in a media request is an artist (the policy); going to a movie with someone is not
    ("show me movies starring meryl streep", None),
    ("i'm going to a movie with john tonight", "i'm going to a movie with [PERSON] tonight"),
    # the people of plans: "for X and me", "share ... with X", "that X owes"
    ("set up a meeting for grant and me", "set up a meeting for [PERSON] and me"),
    ("share my location with hunter", "share my location with [PERSON]"),
    ("remind me that drew owes me money", "remind me that [PERSON] owes me money"),
    ("a table for four and me", None), ("remind me that summer is coming", None),
    ("share this photo with my mom", None),
    # a possessive a few words before a person's things; a message, an answer, an invitation to a reminder
    ("please change all of ray's chore reminders", "please change all of [PERSON]'s chore reminders"),
    ("thumbs down on mark's most recent message", "thumbs down on [PERSON]'s most recent message"),
    ("did jack message me last night", "did [PERSON] message me last night"),
    ("reach out to june and let her know", "reach out to [PERSON] and let her know"),
    ("add chuck to the surprise party reminder", "add [PERSON] to the surprise party reminder"),
    ("what is the children's museum phone number", None), ("go out to dinner", None),
    ("cancel the reminder about golf with sandy", "cancel the reminder about golf with [PERSON]"),
    ("golf with the kids", None),
    # round 10: everyday-word names in the shapes fresh_people.txt's misses had (read after its first run)
    ("has sky replied yet", "has [PERSON] replied yet"), ("put chase on speaker", "put [PERSON] on speaker"),
    ("when did hunter last call", "when did [PERSON] last call"),
    ("send bill twenty dollars", "send [PERSON] twenty dollars"),
    ("has the sky cleared", None), ("put it on speaker", None), ("send mom twenty dollars", None),
    ("pay rent fifty dollars", None), ("is spring here yet", None),
    # a clause's subject: fresh_people_c.txt's two misses (read after its first run)
    ("remind me that ravi is allergic to peanuts", "remind me that [PERSON] is allergic to peanuts"),
    ("wake me up before lachlan leaves", "wake me up before [PERSON] leaves"),
    ("remind me that rent is due", None),
    # round 11: fresh_people_d.txt's misses (read after its first run), and what must stay beside them
    ("who is olive dating", "who is [PERSON] dating"),
    ("when did cliff start at his new job", "when did [PERSON] start at his new job"),
    ("did summer like my post", "did [PERSON] like my post"), ("is summer coming", None),
    ("has winter finished", None), ("did spring start early this year", None),
    ("did austin call me", "did [PERSON] call me"), ("is jordan coming", "is [PERSON] coming"),
    ("remind me to wish tom good luck", "remind me to wish [PERSON] good luck"),
    ("remind me to wish ambrose luck on his exam", "remind me to wish [PERSON] luck on his exam"),
    ("wish mary jones well", "wish [PERSON] well"), ("add it to my wish list", None),
    # fresh_movies_e.txt's misses: a title after "the trailer for" (newer than the film list), a listed
    # title that is a name before "in theaters"
    ("play the trailer for nosferatu", None), ("is barbie still in theaters", None),
    ("is barbie coming to dinner", "is [PERSON] coming to dinner"),
    # first names far more often names than words (lexicon.NAMES_BEFORE_WORDS) need no cue
    ("show me what tom wrote in the group chat", "show me what [PERSON] wrote in the group chat"),
    ("like the message that ken just sent", "like the message that [PERSON] just sent"),
    ("john is leaving work at twelve", "[PERSON] is leaving work at twelve"),
    ("send tom good morning", "send [PERSON] good morning"),
    ("turn up the mike", None), ("peter pan showtimes", None), ("play bob marley", None),
    ("add this john tesh tune to the road trip playlist", None),
    # a person verb in any form but "called" ("a song called X"); a person's playlist; "sent by X"
    ("find out by messaging anoushka if she is coming", "find out by messaging [PERSON] if she is coming"),
    ("send a message asking tony for directions", "send a message asking [PERSON] for directions"),
    ("i texted priya last night", "i texted [PERSON] last night"),
    ("any new texts sent by linda warren", "any new texts sent by [PERSON]"),
    ("add this album to holly's road trip playlist", "add this album to [PERSON]'s road trip playlist"),
    ("i'll be visiting vancouver", None), ("asking for directions to the mall", None),
    # a state after a town no list knows ("in fort gates florida"); a name after other words still goes
    ("book a restaurant in fort gates florida", None),
    # a well-known actor's whole name goes (outside a media request), not just its first word
    ("my son has ryan gosling posters", "my son has [PERSON] posters"), ("play songs by ryan gosling", None),
    ("how much traffic is on the way to rachel's house", "how much traffic is on the way to [PERSON]'s house"),
    # a cinema chain that is no word makes a request about films, and the town after it is no person
    ("amc burbank sixteen please", None), ("tickets for marcus smith", "tickets for [PERSON]"),
    # after a possessive relation comes a thing ("my sister's house"), after a plain one a name
    ("drive to my sister's house", None), ("how long to my mom's house from here", None),
    ("my sister jane is coming", "my sister [PERSON] is coming"),
    # a 24-hour time after "at" is no number to hide; a cued one still is
    ("meet at twenty one forty nine", None), ("the train at twenty two fifteen", None),
    ("my pin is twenty one forty nine", "my pin is [PIN]"),
    # two everyday words written as one are no unknown name; a name no list knows after a cue still goes
    ("tell my carpool group that i don't need a ride", None), ("standup comedy near me", None),
    ("tell siobhan i am late", "tell [PERSON] i am late"), ("is ashwood coming", "is [PERSON] coming"),
    # a dish, a drink or a company said whole stays, though a name is in it; the name alone does not
    ("how do i make eggs benedict", None), ("how many calories in a big mac", None),
    ("make me a bloody mary", None), ("is the aston martin dealership open", None),
    ("a brasserie that serves souvlaki", None), ("ask benedict to buy eggs", "ask [PERSON] to buy eggs"),
    ("remind me that mary jane is coming", "remind me that [PERSON] is coming"),
    # in a request about a language's words, a word no list knows is a foreign word; a name is a name
    ("how do you say pasta al dente in italian", None), ("what does schadenfreude mean in german", None),
    ("translate my name is john into spanish", "translate my name is [PERSON] into spanish"),
    # one person after another ("[PERSON] and sandy covington"); what is sent to a person; "via skype";
    # his or her things after "when"
    ("the rehearsal with jim and sandy covington", "the rehearsal with [PERSON] and [PERSON]"),
    ("weather in paris and london", None),
    ("remind me to send mark a copy of the policy", "remind me to send [PERSON] a copy of the policy"),
    ("send the kids a photo", None),
    ("what messages did i get from max via skype", "what messages did i get from [PERSON] via skype"),
    ("remind me when jade takes her pills", "remind me when [PERSON] takes her pills"),
    # fresh_people_g.txt's misses: "under X" after saving or booking, what a person posts; no address
    # without "dot" or an address's own part ("customer service at comcast")
    ("save this number under dev", "save this number under [PERSON]"), ("put it under the sofa", None),
    ("book a table under the name of lopez", "book a table under the name of [PERSON]"),
    ("what has rusty posted lately", "what has [PERSON] posted lately"),
    ("did mary post a photo", "did [PERSON] post a photo"),
    ("send an email to customer service at comcast", None),
    ("my email is john at gmail", "my email is [EMAIL]"),
    # fresh_people_h.txt's misses: a word that is no name, called "she" right after a person verb; a
    # possessive name before a party of hers
    ("ask marigold whether she needs a lift", "ask [PERSON] whether she needs a lift"),
    ("send jill a message asking her how late she'll be", "send [PERSON] a message asking her how late she'll be"),
    ("tell mom she is late", None), ("ask google if he knows", None),
    ("who is coming to rufus's barbecue", "who is coming to [PERSON]'s barbecue"),
    # fresh_people_i.txt's misses: clergy and a principal are titles; what is borrowed is someone's; a
    # lesson is a person's; fresh_untouched_j.txt's: a news agency and a temperature scale are no names
    ("remind me to thank pastor dale for the flowers", "remind me to thank pastor [PERSON] for the flowers"),
    ("email principal hooper", "email principal [PERSON]"),
    ("remind me to return hunter's drill", "remind me to return [PERSON]'s drill"),
    ("return the library books", None), ("return to the main menu", None),
    ("add violet's piano lesson to the calendar", "add [PERSON]'s piano lesson to the calendar"),
    ("give me the headlines from reuters", None), ("convert three hundred fifty fahrenheit to celsius", None),
    # fresh_tickets_l.txt's misses: a film actor's whole name, picking a film by who is in it, with no
    # film word around; never after a meeting
    ("the one with daniel craig", None), ("which one has brad pitt in it", None),
    ("hustlers with jennifer lopez", None), ("lunch with jennifer lopez", "lunch with [PERSON]"),
    ("the one with daniel", "the one with [PERSON]"),
    # fresh_movies_o.txt's misses: a title, whatever its name, where a cinema follows it or a film actor
    # is said to be in it; a child playing at the park is a child
    ("when is emma playing at the landmark", None), ("is judy showing at the amc", None),
    ("is dolittle with robert downey junior good for kids", None),
    ("is emma playing at the park", "is [PERSON] playing at the park"),
    # fresh_untouched_n.txt's misses: a meat, a sauce or a soup makes a request about cooking; a dish is
    # no cook, but a name before what cooks do is one
    ("what goes in a beef bulgogi marinade", None), ("what's a good side for pork carnitas", None),
    ("will xiomara bake the cake", "will [PERSON] bake the cake"),
    # fresh_people_m.txt's leaks: a name asked where it still is, or whether it is on a social network; not
    # a season, a month or a bank
    ("is grant still at google", "is [PERSON] still at google"), ("is hazel on facebook", "is [PERSON] on facebook"),
    ("is summer still at its peak", None), ("is chase still open", None), ("is the grant still at review", None),
    # a name's possessive inside a listed title, thing or venue is part of it ("charlie's angels" was never
    # found: the lists kept the "'s" the tokens leave off)
    ("tickets for charlie's angels", None), ("directions to dick's sporting goods", None),
    ("add quicksand to my valentine's day love playlist", None), ("go to mark's house", "go to [PERSON]'s house"),
    # fresh_people_p.txt's leaks: a season's or the weather's name that comes to a gathering or leaves a
    # message; two initials after a person's cue; more things sent to someone
    ("did storm leave a message", "did [PERSON] leave a message"),
    ("is autumn coming to the sleepover", "is [PERSON] coming to the sleepover"),
    ("is summer coming", None), ("did the storm leave damage", None),
    ("send c j the address", "send [PERSON] the address"),
    ("send page the grocery list", "send [PERSON] the grocery list"),
    ("send a reminder to j d on friday", "send a reminder to [PERSON] on friday"),
    ("call a b c news", None), ("text v i love you", "text [PERSON] i love you"), ("send me the list", None),
    # whole names whose surname is a word too: after a verb for reaching someone ("will" and "may" too),
    # owning a person's things, or doing what a person does after a helper verb
    ("call will smith", "call [PERSON]"), ("email will smith the report", "email [PERSON] the report"),
    ("tell will to call me", "tell [PERSON] to call me"), ("tell my son will cook dinner", None),
    ("what is grace park's number", "what is [PERSON]'s number"), ("did grace park call", "did [PERSON] call"),
    ("is grace park open today", None), ("what is rose gold's price", None), ("did the rose garden open", None),
    ("play the latest from khalid", None), ("read the latest from mary", "read the latest from [PERSON]"),
    # a possessive typed without "'s" or its apostrophe, even where the name with an s is a word
    ("which way is faster to marks house", "which way is faster to [PERSON] house"),
    ("when is jacks birthday", "when is [PERSON] birthday"), ("leave tylers place", "leave [PERSON] place"),
    ("how long to get to miles house from here", "how long to get to [PERSON] house from here"),
    ("i want to see doctor lee", "i want to see doctor [PERSON]"), ("pay the bills house", None),
    ("take me to the white house", None), ("i'd like to see friends in portland", None),
    # a battery of requests about the people one plans with, shares with and asks after
    ("remind me to buy grace a gift", "remind me to buy [PERSON] a gift"),
    ("add hope to the event", "add [PERSON] to the event"),
    ("remove jack from the group", "remove [PERSON] from the group"),
    ("is dawn invited", "is [PERSON] invited"), ("send faith my eta", "send [PERSON] my eta"),
    ("has joy seen my message", "has [PERSON] seen my message"),
    ("has mabel read my message", "has [PERSON] read my message"), ("what's rose doing", "what's [PERSON] doing"),
    ("show me pictures of noa", "show me pictures of [PERSON]"),
    ("play the video noa sent me", "play the video [PERSON] sent me"),
    ("add milk to the list", None), ("add rose to the shopping list", None), ("photos of paris", None),
    ("show me a picture of love", None), ("our mail lady left us a note", None), ("buy me a gift", None),
    # everyday words after a determiner are a group or a role, not a name, whatever the tagger learned
    ("message the soccer team about saturday", None), ("message my yoga teacher i can't come", None),
    ("text the driver to wait", None), ("text the hendersons", "text the [PERSON]"),
    # more ways to reach someone: contact, dm, hit up, get in touch with, check in with, catch up with
    ("contact hope", "contact [PERSON]"), ("hit up chase", "hit up [PERSON]"),
    ("get in touch with faith", "get in touch with [PERSON]"), ("check in with dawn", "check in with [PERSON]"),
    ("video chat grace", "video chat [PERSON]"), ("check in with the doctor", None), ("contact support", None),
    # a listed first name owns the everyday thing after it, not a venue or a day
    ("what is she bringing to kelly's potluck", "what is she bringing to [PERSON]'s potluck"),
    ("remind me to pack jimmy's lunch", "remind me to pack [PERSON]'s lunch"),
    ("book a table at harry's bar", None), ("a reservation at lulu's kitchen", None),
    ("happy saint patrick's day", None), ("what's on at the theater tonight", None),
    # fresh_people_m.txt's misses: what a relation does is no name; a verb after a name is no surname
    ("where does my sister work", None), ("where does my brother live", None),
    ("when did moira start her new job", "when did [PERSON] start her new job"),
    ("text my brother mark", "text my brother [PERSON]"),
    # a first name's possessive typed without its apostrophe, before a person's thing or relation
    ("how far is it to karens house", "how far is it to [PERSON] house"),
    ("remind me of dans birthday", "remind me of [PERSON] birthday"),
    ("when is my parents anniversary", None), ("oscars party near me", None),
    ("add this to my bajo las estrellas playlist", None),
    # "will" and "may" where they cannot be helper verbs (issue 23's list of leaks after strong cues)
    ("emails from will", "emails from [PERSON]"), ("add may to my contacts", "add [PERSON] to my contacts"),
    ("what is will's phone number", "what is [PERSON]'s phone number"),
    ("did may respond", "did [PERSON] respond"), ("call will back", "call [PERSON] back"),
    ("is will coming tonight", "is [PERSON] coming tonight"),
    ("edit the reminder for will to do the laundry", "edit the reminder for [PERSON] to do the laundry"),
    ("a reminder for may", None), ("a reminder for may the fourth", None),
    ("what will the weather be", None), ("may i have some water", None), ("did you call me back", None),
    # an everyday-word name on no census list is a name after a person's cue too; a month is not
    ("tell sky i love her", "tell [PERSON] i love her"), ("emails from chip", "emails from [PERSON]"),
    ("list all reminders for october", None), ("skip this song", None),
    # a first name that is also a word, as the subject of what a person does at the start or after a
    # wh-word, or asked after; the word itself stays
    ("mark is leaving work at five", "[PERSON] is leaving work at five"),
    ("show me what tony wrote", "show me what [PERSON] wrote"), ("what did mark say", "what did [PERSON] say"),
    ("where is mark right now", "where is [PERSON] right now"),
    ("bill is due tomorrow", None), ("mark as read", None), ("summer is coming", None),
    ("where is chad right now", None), ("grant is approved", None),
    ("mark wants pizza tonight", "[PERSON] wants pizza tonight"), ("rose needs water", None),
    ("book a table for george and me", "book a table for [PERSON] and me"),  # "me" is Maine's code too
    ("tyler is leaving work at five", "[PERSON] is leaving work at five"), ("georgia is going to vote", None),
    ("june said she would call", "[PERSON] said she would call"), ("march is coming", None),
    ("mark and i are going out", "[PERSON] and i are going out"),
    ("i will be moving soon and i need a flight", None), ("four people and i", None),
    ("how is mark doing", "how is [PERSON] doing"), ("who is mark", "who is [PERSON]"),
    ("give tony a call", "give [PERSON] a call"), ("drop jack off at the station", "drop [PERSON] off at the station"),
    ("i'm meeting dale for coffee", "i'm meeting [PERSON] for coffee"),
    ("buy a gift for ray", "buy a gift for [PERSON]"),
    ("put mark on the list for saturday", "put [PERSON] on the list for saturday"),
    ("is it bill's turn to cook", "is it [PERSON]'s turn to cook"),
    ("how is the stock doing", None), ("give me a call", None), ("i'm meeting the team", None),
    ("who is summer", None), ("show me what bill said", "show me what [PERSON] said"),
    # after "visit" a place no list knows, not a person ("visit yosemite"); "the soundtrack from X"
    ("what's the best time to visit yosemite", None), ("the next time we visit san jose", None),
    ("remind me to visit mark", "remind me to visit [PERSON]"), ("play the soundtrack from hamilton", None),
    ("when summer gets here book a trip", None),
    ("is it raining in caplinger mills florida", None),
    ("when you get in text florida that the car is ready", "when you get in text [PERSON] that the car is ready"),
    # round 13, fresh_people_s.txt's leaks: "pay X back", an event with people, someone who landed
    ("set a reminder to pay will back", "set a reminder to pay [PERSON] back"),
    ("create an event with june and ray", "create an event with [PERSON] and [PERSON]"),
    ("message the family group that holly landed", "message the family group that [PERSON] landed"),
    ("when does the plane land", None), ("a reminder for june fifth", None),
    # fresh_tickets_r.txt's: a cinema chain that is a name, said as a place in a town; a film like another
    ("does the marcus in lincoln have matinees", None), ("let's go with the marcus in milwaukee", None),
    ("call marcus in lincoln", "call [PERSON] in lincoln"),
    ("something like john wick but funnier", None),
    ("get something like harriet would wear", "get something like [PERSON] would wear"),
    # an artist's own work: a listed artist's possessive, or one word no list of names knows, before a
    # song, an album or a concert; a first name's possessive stays a private person's
    ("when is mariah carey's concert", None), ("i want to listen to beyonce's latest album", None),
    ("play siobhan's songs", "play [PERSON]'s songs"),
    ("call mariah carey's agent about the concert", "call [PERSON]'s agent about the concert"),
    # universities and colleges are places (device/redact/data/school_names.txt): a whole name anywhere, the
    # one word people say for one ("stanford", mostly a first name or a surname too) only about schooling
    ("did lorna go to stanford", "did [PERSON] go to stanford"), ("she studies at emory", None),
    ("take me to stanford university", None), ("is ohio state playing today", None),
    ("when did ezra graduate from cornell", "when did [PERSON] graduate from cornell"),
    ("call stanford", "call [PERSON]"), ("how long to get to andrews house", "how long to get to [PERSON] house"),
    ("transfer fifty dollars to lewis", "transfer fifty dollars to [PERSON]"),
    # what a person does after a helper verb ends the name the tagger found, a first name too ("major")
    ("what did noor major in", "what did [PERSON] major in"),
    ("did jennifer love hewitt call", "did [PERSON] call"),
    # a battery of everyday-word names put in the people's slots of TOPv2 train's and SGD train's requests:
    # who a message goes to, who owns the message reacted to, who money goes to, a home's owner, "my X is Y"
    ("send a message back to hope", "send a message back to [PERSON]"),
    ("send happy birthday to ivy", "send happy birthday to [PERSON]"),
    ("shoot a text over to sunny on whatsapp", "shoot a text over to [PERSON] on whatsapp"),
    ("send the package to austin", None), ("drive to summer", None),
    ("love jack text", "love [PERSON] text"), ("thumbs up ray message", "thumbs up [PERSON] message"),
    ("haha reaction john's gif message", "haha reaction [PERSON]'s gif message"), ("love the sky text", None),
    ("transfer ninety bucks from my savings to price", "transfer ninety bucks from my savings to [PERSON]"),
    ("transfer fifty dollars to savings", None), ("transfer fifty dollars to paypal", None),
    ("are the roads to crystal house clear", "are the roads to [PERSON] house clear"),
    ("go to the white house", None), ("my dentist is olive", "my dentist is [PERSON]"), ("the doctor is in", None),
    ("get this video message over to drew", "get this video message over to [PERSON]"),
    ("send s m s to iris", "send s m s to [PERSON]"), ("imessage bill about it", "imessage [PERSON] about it"),
    ("write dale a text", "write [PERSON] a text"), ("open conversation with miles", "open conversation with [PERSON]"),
    ("how long to get to jasmine", None),
    # "will" and "may" before what no helper verb is followed by, or sent a message; who a reminder is for;
    # an owner whose "'s" is unsaid; a message from someone, or a reaction to someone
    ("message will can you fix the door", "message [PERSON] can you fix the door"),
    ("send will a message about the trip", "send [PERSON] a message about the trip"),
    ("start a video message for may", "start a video message for [PERSON]"), ("set a reminder for may", None),
    ("a weekly reminder for may to weed the flowerbed", "a weekly reminder for [PERSON] to weed the flowerbed"),
    ("create a daily reminder for spencer to walk the dog", "create a daily reminder for [PERSON] to walk the dog"),
    ("set a reminder for ten to call mom", None),
    ("show me all of jade reminders", "show me all of [PERSON] reminders"),
    ("when is faith birthday", "when is [PERSON] birthday"), ("when is easter", None),
    ("react with a laugh to hope", "react with a laugh to [PERSON]"),
    ("what messages do i have from drew", "what messages do i have from [PERSON]"),
    ("message andrew to pick up the baby from daycare", "message [PERSON] to pick up the baby from daycare"),
    ("i'd like to see that", None), ("add adele onto funtime activity playlist", None),
    # who something is planned with, in a reminder or a plan, when or nothing following
    ("remind me to work out with rich next saturday", "remind me to work out with [PERSON] next saturday"),
    ("give me all reminders that i have with pat", "give me all reminders that i have with [PERSON]"),
    ("remind me to go shopping with my sister on friday", None),
    ("remind me to pick up coffee with milk tomorrow", None),
    # replies and emails sent to someone; "will" and "may" before a question or "i'll"; who sent the messages
    # read; "find out from X"; who texted or answered the speaker; an app between an owner and the message
    ("send a response to will", "send a response to [PERSON]"),
    ("send emails to grace about the reunion", "send emails to [PERSON] about the reunion"),
    ("message may did you pass the test", "message [PERSON] did you pass the test"),
    ("read me the messages rose sent me today", "read me the messages [PERSON] sent me today"),
    ("our mail lady left us a note", None),
    ("find out from ginger when the race is", "find out from [PERSON] when the race is"),
    ("may texted me yesterday", "[PERSON] texted me yesterday"), ("did mark txt me back", "did [PERSON] txt me back"),
    ("check if summer has answered me", "check if [PERSON] has answered me"), ("the storm called me back", None),
    ("react with a smile to heather whatsapp message", "react with a smile to [PERSON] whatsapp message"),
    ("send a response to gramma mildred", "send a response to gramma [PERSON]"),
    ("a table at papa ray's restaurant", None),
    # "may" and "will" after a name, where no helper verb goes on, are its surname
    ("text enola may to pick up the dog", "text [PERSON] to pick up the dog"),
    ("send it to arnoldo may", "send it to [PERSON]"),
    ("call john and he may answer", "call [PERSON] and he may answer"),
    ("ask sarah if she will", "ask [PERSON] if she will"),
    # fresh_tickets_v.txt's: an actor asked about in a listed film; a film of names asked when it shows
    ("is joaquin phoenix in joker", None), ("is tom hanks in the hospital", "is [PERSON] in the hospital"),
    ("what time is harriet showing", None), ("when is harriet playing tomorrow", "when is [PERSON] playing tomorrow"),
    # a tour and a radio station are media: an artist there stays
    ("is taylor swift touring this year", None), ("start a kendrick lamar station on pandora", None),
    # sports teams are no people, and a brand's first word alone is the brand's; places and a dish by nickname
    ("did the yankees win last night", None), ("how did manchester united do", None),
    ("seahawks versus cardinals has got a good rating", None), ("call chelsea", "call [PERSON]"),
    ("how long to get to bills house", "how long to get to [PERSON] house"),
    ("weather for martha's vineyard", None), ("how to make baba ganoush", None),
    # a street named after someone, with no house number, is no address and no person
    ("directions to martin luther king junior boulevard", None), ("is there traffic on cesar chavez avenue", None),
    ("call john street", "call [PERSON]"), ("text mark avenue", "text [PERSON] avenue"),
    ("send the package to two twenty one baker street", "send the package to [ADDRESS]"),
    # typed words no list knows are no names: contractions without their apostrophe, chat words, film formats
    ("i dont want that one", None), ("thx that sounds good", None), ("i want tix please", None),
    ("fine thats right", None), ("the romcom in dolby please", None), ("call ty", "call [PERSON]"),
    ("thankyou", None), ("okie dokie", None), ("ttyl", None),
    ("message hun to pick up the pizza", "message [PERSON] to pick up the pizza"),
    # frames of calls and contacts of my own with everyday-word names: merged into a call, saved as, running
    # late, arriving, coming over, asked where
    ("merge ray into the call", "merge [PERSON] into the call"),
    ("save this number as hope", "save this number as [PERSON]"),
    ("jack is running late", "[PERSON] is running late"),
    ("message chris running late", "message [PERSON] running late"),
    ("wake me up before jack arrives", "wake me up before [PERSON] arrives"),
    ("remind me that rose is coming over", "remind me that [PERSON] is coming over"),
    ("wake me before summer arrives", None), ("remind me that may is over", None), ("wake me up before dawn", None),
    ("where is mark", "where is [PERSON]"), ("where is summer", None), ("where is target", None),
    ("show me photos of jack", "show me photos of [PERSON]"), ("show me photos of daisy", None),
    ("photos of summer", None),
    # a cinema named after its chain, its number and its place: no person, no address, no e-mail
    ("i'll go to amc mercado twenty", None), ("century sixteen eastridge please", None),
    ("regal edwards please", None), ("cinearts at santana row please", None),
    ("what's playing at amc cupertino square sixteen", None),
    ("tickets for marcus smith", "tickets for [PERSON]"), ("call regal edwards", "call regal [PERSON]"),
    ("meet jane at the amc", "meet [PERSON] at the amc"),
    ("send the invoice to amc billing at amc dot com", "send the invoice to [EMAIL]"),
    ("ship it to amc at twelve main street", "ship it to amc at [ADDRESS]"),
    # a listed film of one word no list of names knows stays where no person could be meant
    ("is godzilla any good", None), ("tetris at seven thirty", None),
    ("get the reminders i have shared with tex", "get the reminders i have shared with [PERSON]"),
    ("i want to see juno", "i want to see [PERSON]"), ("did tex call", "did [PERSON] call"),
    ("is me and earl and the dying girl any good", None),
    # an actor said to be good in a film, starring in one, or picked by who is in it
    ("i heard keanu reeves is great in that", None), ("the one that stars margot robbie", None),
    ("which one has ryan gosling", None), ("tell brad pitt i'm in it", "tell [PERSON] i'm in it"),
    # festivals and holidays, a department store's parade, a talk
    ("when is coachella this year", None), ("events for mardi gras in new orleans", None),
    ("remind me about the macy's parade", None), ("set a reminder for the ted talk tomorrow", None),
    ("text ted about the talk", "text [PERSON] about the talk"),
    # film talk: who plays a part, what an actor has been in, the one where or with an actor
    ("who plays harley quinn in it", None), ("what else has adam driver been in", None),
    ("has adam sandler been in the hospital", "has [PERSON] been in the hospital"),
    ("i want the one with the rock and kevin hart", None),
    ("lunch with mark and kevin hart", "lunch with [PERSON] and [PERSON]"),
    ("is it the one where ryan reynolds plays deadpool", None),
    ("has mark been in touch", "has [PERSON] been in touch"),
])
def test_times_days_routes_and_apps_stay_people_go(redactor, text, expected):
    assert redactor.redact(text).text == (expected or text)


@pytest.mark.parametrize("text, expected", [
    # Issue 23: titles, venues and artists the real requests trained on say must stay (device/redact/data/keep_*),
    # and media cues for a title or a performer; a person's cue, a household's action and a possessive still win.
    ("hellboy is great", None), ("i would like to see dumbo in daly city", None),
    ("i like bebe rexha songs", None), ("add ricky nelson to my classical playlist", None),
    ("two tickets for hellboy please", None), ("play music from dorothy ashby", None),
    ("add john to my contacts", "add [PERSON] to my contacts"), ("text dumbo", "text [PERSON]"),
    ("call aaron lewis", "call [PERSON]"), ("is aaron lewis home", "is [PERSON] home"),
    ("sappho will pick up the kids", "[PERSON] will pick up the kids"),
    ("i want tickets for mary smith", "i want tickets for [PERSON]"),
])
def test_titles_venues_and_artists_stay_people_go(redactor, text, expected):
    assert redactor.redact(text).text == (expected or text)


@pytest.mark.parametrize("text, expected", [
    # Issue 23: film titles from Wikipedia's lists (device/redact/data/film_titles.txt). A title stays; one
    # whose caught words are all names needs a film's cue, and a person's cue before it still wins.
    ("two tickets for the rise of skywalker at seven", None), ("i want to see ford v ferrari tomorrow", None),
    ("four tickets to once upon a time in hollywood", None), ("tickets for meet joe black", None),
    ("showtimes for john wick", None), ("showtimes for judy", None),
    ("remind me to meet joe black at noon", "remind me to meet [PERSON] at noon"),
    ("book three tickets for judy at the amc", "book three tickets for [PERSON] at the amc"),
    ("call jerry maguire", "call [PERSON]"), ("tell annie hall dinner is ready", "tell [PERSON] dinner is ready"),
    # actors in five listed films or more are artists: kept in a media request only
    ("find movies starring meryl streep", None), ("play the new movie with samuel l jackson", None),
    ("how old is tom hanks", "how old is [PERSON]"),
    ("watch a movie at rachel's house", "watch a movie at [PERSON]'s house"),
    # a cinema's place after its chain, in a request about films
    ("is joker playing at regal edwards tonight", None), ("what's playing at the alamo drafthouse mueller", None),
    ("tickets for marcus smith at seven", "tickets for [PERSON] at seven"),
    ("text chris evans about the movie", "text [PERSON] about the movie"),
])
def test_film_titles_stay_people_go(redactor, text, expected):
    assert redactor.redact(text).text == (expected or text)


@pytest.mark.parametrize("text, expected", [
    # Issue 23: dishes in a cooking request, companies before "stock" or "customer service", a brand after
    # "call"; a person's cue, a possessive or a person's action beside the name still win.
    ("give me a recipe for veg pulav", None), ("how do i make pasta al dente", None),
    ("recipe for spaghetti carbonara please", None), ("is ibm stock up today", None),
    ("call comcast customer service", None), ("call target", None), ("play super mario music", None),
    ("cook dinner for ximena tonight", "cook dinner for [PERSON] tonight"),
    ("what did ximena cook", "what did [PERSON] cook"), ("ximena will bake a cake", "[PERSON] will bake a cake"),
    ("send the recipe to ximena", "send the recipe to [PERSON]"),
    ("ask ximena for her curry recipe", "ask [PERSON] for her curry recipe"),
    ("find a recipe for ximena's birthday cake", "find a recipe for [PERSON]'s birthday cake"),
    ("tell ximena customer service called", "tell [PERSON] customer service called"),
    ("what is ximena's stock pick", "what is [PERSON]'s stock pick"),
    # what is added to a shopping list is a thing; who the list goes to, or who adds to it, is a person
    ("add tahini and gochujang to the shopping list", None), ("put halloumi on my grocery list", None),
    ("send the shopping list to oyelaran", "send the shopping list to [PERSON]"),
    ("ask kwame to add milk to the shopping list", "ask [PERSON] to add milk to the shopping list"),
    ("add rosa to the shopping list", "add [PERSON] to the shopping list"),
    # a shop asked after by its opening hours, an app a request opens
    ("is trader joe's open on sunday", None), ("is dave's hot chicken open", None), ("when does kohl's open", None),
    ("is ximena's door open", "is [PERSON]'s door open"),
    ("is mark's office open today", "is [PERSON]'s office open today"),
    ("open duolingo", None), ("launch peloton and start a ride", None),
    ("open the chat with oyelaran", "open the chat with [PERSON]"), ("open john", "open [PERSON]"),
    # a word asked after is a word; a cook's verb makes a cooking request
    ("what does hygge mean", None), ("define schadenfreude", None), ("what is the meaning of hygge", None),
    ("what does john mean by that", "what does [PERSON] mean by that"),
    ("how long do i steam dim sum", None), ("will ximena steam the buns", "will [PERSON] steam the buns"),
    # what has episodes is a show
    ("when is the next episode of ted lasso", None),
    ("play the latest episode of john's podcast", "play the latest episode of [PERSON]'s podcast"),
    # a currency asked about in an exchange is money; money sent to someone goes to a person
    ("what's the exchange rate from euros to yen", None), ("convert fifty dollars to yuan", None),
    ("send fifty dollars to yuan", "send fifty dollars to [PERSON]"),
    ("call yen about the exchange rate", "call [PERSON] about the exchange rate"),
    # words the tagger took for a number's part, with no number in them: sums, amounts, times, units
    ("how much is fifty plus seven hundred fifty six", None),
    ("can i increase my credit limit to five hundred dollars", None),
    ("set an alarm for five forty five a m and another for six", None), ("change the timer to forty five mins", None),
    ("try plus four four seven seven zero zero nine zero zero one two three", "try [PHONE]"),
    # what people call an assistant, greetings and farewells in other tongues, chat words
    ("ai find my phone", None), ("are you a real person or an ai", None), ("see ya later", None),
    ("gracias", None), ("how many pto days do i have left", None), ("tell me my gps coordinates", None),
    # "phone" after "my" or "cell" is the thing, not the verb
    ("pay my phone bill", None), ("what is the minimum payment on my cell phone bill", None),
    ("phone bill and tell him", "phone [PERSON] and tell him"),
])
def test_dishes_and_companies_stay_people_go(redactor, text, expected):
    assert redactor.redact(text).text == (expected or text)


@pytest.mark.parametrize("text, expected", [
    # Issue 23: cues for the people of messages, reminders, calls and questions about contacts (kinds from
    # TOPv2's training requests and from requests written by hand, not from any held-out set).
    ("send my location to dale", "send my location to [PERSON]"), ("send the pdf to sandy", "send the pdf to [PERSON]"),
    ("send the directions to austin", None),
    # two towns that are a first name and a surname; a country that is a first name before a surname
    ("please forward the report to tracy mitchell", "please forward the report to [PERSON]"),
    ("this is gary parker calling about my order", "this is [PERSON] calling about my order"),
    ("weather in gary indiana", None), ("drive from tracy to mitchell", None),
    ("jordan rodriguez will join the meeting", "[PERSON] will join the meeting"), ("flights to jordan", None),
    # who someone is to the speaker, who joins a meeting, what is sent to someone, what is under a name
    ("finbar is my landlord", "[PERSON] is my landlord"), ("this is my sister", None),
    ("jack will join the meeting on monday", "[PERSON] will join the meeting on monday"),
    ("the team will join the call", None),
    ("is john free on friday", "is [PERSON] free on friday"), ("is may free on friday", "is [PERSON] free on friday"),
    ("is parking free on sundays", None), ("what else is available", None),
    ("send the contract to heather by friday", "send the contract to [PERSON] by friday"),
    ("the account is under kent", "the account is under [PERSON]"),
    ("the table is under the name faith thanks", "the table is under the name [PERSON] thanks"),
    ("under the name tag", None),
    ("is joy and oyelaran on the way", "is [PERSON] and [PERSON] on the way"), ("weather in austin and dallas", None),
    # a company named after people, said as one
    ("how do i cancel my williams p l c subscription", None), ("call smith and sons customer service", None),
    ("is arroyo ltd hiring", None), ("is hernandez tyler and armstrong hiring", None),
    ("text mark and company", "text [PERSON] and company"), ("call mark and sons", "call [PERSON] and sons"),
    ("i work at harris gibson and jefferies", "i work at [PERSON] and [PERSON]"),
    ("love mark's text", "love [PERSON]'s text"), ("show me imessages from jack", "show me imessages from [PERSON]"),
    ("send austin a voice message", "send [PERSON] a voice message"),
    ("begin a video message for sue", "begin a video message for [PERSON]"),
    ("set a reminder for tyler to feed the cat", "set a reminder for [PERSON] to feed the cat"),
    ("delete my dinner date reminder with max", "delete my dinner date reminder with [PERSON]"),
    ("say bye to jack", "say bye to [PERSON]"),
    ("can you forward that link to jasmine", "can you forward that link to [PERSON]"),
    ("tell may to avoid the expressway", "tell [PERSON] to avoid the expressway"),
    ("reply max", "reply [PERSON]"), ("whatsapp april i read it", "whatsapp [PERSON] i read it"),
    ("if i leave now will i get to jack's by eight", "if i leave now will i get to [PERSON]'s by eight"),
    ("how long is the drive to mary's", "how long is the drive to [PERSON]'s"),
    ("i need to get to alice's party by eight", "i need to get to [PERSON]'s party by eight"),
    ("message zara about dinner", "message [PERSON] about dinner"),
    ("who is john's boss", "who is [PERSON]'s boss"), ("where does tom live", "where does [PERSON] live"),
    ("when did max graduate", "when did [PERSON] graduate"),
    # the word after a possessive name is hers, a word a person does is no surname
    ("what is mary's job title", "what is [PERSON]'s job title"),
    ("who is the ceo where kim works", "who is the ceo where [PERSON] works"),
    ("where does kate work", "where does [PERSON] work"),
    # and what is no person stays
    ("set a reminder for tomorrow to call the bank", None), ("send a link to the article", None),
    ("i want to go to mcdonald's", None), ("remind me to call will later", None),
])
def test_people_of_messages_reminders_and_calls(redactor, text, expected):
    assert redactor.redact(text).text == (expected or text)


@pytest.mark.parametrize("text, expected", [
    # Issue 23: cues for people, even when the name is also a word or a city.
    ("emails from john", "emails from [PERSON]"), ("meeting with mark tomorrow", "meeting with [PERSON] tomorrow"),
    ("add tom to my contacts", "add [PERSON] to my contacts"), ("call uncle bob", "call uncle [PERSON]"),
    ("pick up lily tomorrow", "pick up [PERSON] tomorrow"), ("call austin", "call [PERSON]"),
    ("send a text to paris", "send a text to [PERSON]"), ("call vegas", "call [PERSON]"),
    ("emails from atlanta", "emails from [PERSON]"),
    ("call john park", "call [PERSON]"), ("call dr smith museum", "call dr [PERSON] museum"),
    ("did emma's university email", "did [PERSON]'s university email"),
    ("add milk to john's list", "add milk to [PERSON]'s list"), ("what's on sarah's list", "what's on [PERSON]'s list"),
    ("when was barack obama born", "when was [PERSON] born"), ("where was the house built", None),
    ("where was lily born", "where was [PERSON] born"), ("when was my son born", None),
    ("send the parcel to jalna seven seven six seven nine one", "send the parcel to [ADDRESS] [NUMBER]"),
    ("book a table for me violet and dianne", "book a table for me [PERSON] and [PERSON]"),
    ("holly and brittany need a reservation", "[PERSON] and [PERSON] need a reservation"),
    # An extension belongs to its phone number, whatever its numbers look like.
    ("call the office at five five five one two three four five six seven extension twelve",
     "call the office at [PHONE] extension [PHONE]"),
    ("dial five five five one two three four extension one hundred and two", "dial [PHONE] extension [PHONE]"),
])
def test_people_cued_and_places_in_addresses_still_go(redactor, text, expected):
    assert redactor.redact(text).text == (expected or text)


@pytest.mark.parametrize("text, expected", [
    # Names that are helper verbs ("may", "will") after a title, a kin title, a relation or "reply to", or
    # before a listed surname; the helper verb itself stays a helper verb.
    ("did aunt may call", "did aunt [PERSON] call"), ("book an appointment with dr may", None),
    ("reply to will", "reply to [PERSON]"), ("set up a meeting with may tomorrow", None),
    ("text my son will that i'm late", "text my son [PERSON] that i'm late"), ("call may peterson", None),
    ("send fifty dollars to grandma rose", "send fifty dollars to grandma [PERSON]"),
    ("transfer two hundred dollars to jack", "transfer two hundred dollars to [PERSON]"),
    ("my son will be late", "my son will be late"), ("my aunt may come tomorrow", "my aunt may come tomorrow"),
    ("what did grandma say", "what did grandma say"),
    ("my grandma will visit on sunday", "my grandma will visit on sunday"),
    ("you may go", "you may go"), ("how many days until may", "how many days until may"),
    ("reply to it later", "reply to it later"),
])
def test_names_that_are_helper_verbs(redactor, text, expected):
    got = redactor.redact(text).text
    if expected is None:  # the name goes, the rest stays
        assert "[PERSON]" in got and not ({"may", "will"} & set(got.split())), got
    else:
        assert got == expected


@pytest.mark.parametrize("text, expected", [
    ("how old is anneli now", "how old is [PERSON] now"), ("how old was oskari", "how old was [PERSON]"),
    ("how old is the eiffel tower", "how old is the eiffel tower"), ("how old is earth", "how old is earth"),
])
def test_how_old_is_a_person(redactor, text, expected):
    assert redactor.redact(text).text == expected


def test_person_taking_verbs_in_every_form():
    from device.redact import lexicon as lx

    assert lx.verb_forms("drive") == {"base": ["drive"], "third": ["drives"], "ing": ["driving"],
                                      "past": ["drove", "driven"]}
    assert {"promised", "promising", "signed", "carried"} - lx.PERSON_TAKING_VERBS == {"carried"}


def test_slow_paths_are_gone(redactor):
    # Once quadratic in the number of street words; the benchmark prints the times.
    text = "1 main street " * 3000
    r = redactor.redact(text)
    assert r.spans and all(0 <= s.start < s.end <= len(text) for s in r.spans)
    words = [{"word": w, "start": i * 0.1, "end": i * 0.1 + 0.05} for i, w in enumerate(text.split())]
    assert len(redactor.redact(words).word_times) == len(words)


def test_spans_counts_and_indices(redactor):
    text = "call john at five five five one two three four and tell mary"
    r = redactor.redact(text)
    assert [(text[s.start : s.end], s.label) for s in r.spans] == [
        ("john", "PERSON"), ("five five five one two three four", "PHONE"), ("mary", "PERSON")]
    assert r.counts == {"PERSON": 2, "PHONE": 1}
    assert r.word_indices == [1, 3, 4, 5, 6, 7, 8, 9, 12]
    assert r.word_times == []


def test_vosk_words_in_times_out(redactor):
    words = [{"word": w, "start": i * 0.5, "end": i * 0.5 + 0.4, "conf": 1.0}
             for i, w in enumerate("my pin is one two three four".split())]
    r = redactor.redact(words)
    assert r.text == "my pin is [PIN]"
    assert r.word_indices == [3, 4, 5, 6]
    assert r.word_times == [(1.5, 1.9), (2.0, 2.4), (2.5, 2.9), (3.0, 3.4)]


def test_generic_digit_rule_is_configurable():
    # The rule alone: the tagger may still take a run it has learnt is an identifier.
    assert Redactor(generic_digits=0, tagger=False).redact("write down three eight two nine one").spans == []
    assert Redactor(generic_digits=6, tagger=False).redact("write down three eight two nine one").spans == []
    assert Redactor(generic_digits=5, tagger=False).redact("write down three eight two nine one").text == \
        "write down [NUMBER]"


def test_spoken_numbers():
    def digits(text):
        tokens = text.split()
        return [to_digits(tokens[a:b]) for a, b in runs(tokens)]

    assert digits("nineteen eighty five") == ["1985"]
    assert digits("three hundred fifty") == ["350"]
    assert digits("one eight hundred five five five") == ["1800555"]
    assert digits("double five oh one") == ["5501"]
    assert digits("two thousand and five") == ["2005"]
    assert digits("555-1234 and 42") == ["5551234", "42"]
    assert digits("oh no") == [] and digits("rock and roll") == []
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")


WORDS = ("call text my name is pin code account number card born on at dot com gmail street apartment "
         "one two three four five six seven eight nine oh zero double hundred thousand twenty twelve "
         "john mary olivia smith will may june third the a b c and plus [PHONE] [PERSON] email password "
         "social security zip code expires doctor wife").split()


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=200), st.lists(st.sampled_from(WORDS), max_size=30).map(" ".join)))
def test_never_crashes_spans_in_range_no_overlap_idempotent(text):
    redactor = _shared()
    r = redactor.redact(text)
    last_end = -1
    for span in r.spans:
        assert 0 <= span.start < span.end <= len(text)
        assert span.start >= last_end
        assert span.label in LABELS
        last_end = span.end
    assert sum(r.counts.values()) == len(r.spans)
    again = redactor.redact(r.text)
    assert again.text == r.text


_REDACTOR = []


def _shared() -> Redactor:
    if not _REDACTOR:
        _REDACTOR.append(Redactor())
    return _REDACTOR[0]


def test_mute_words_silence_and_beep():
    audio = np.full(16000, 1000, np.int16)
    out = mute_words(audio, [(0.25, 0.5)], pad_s=0.05)
    assert (out[int(0.2 * 16000) : int(0.55 * 16000)] == 0).all()
    assert out[int(0.19 * 16000)] == 1000 and out[int(0.56 * 16000)] == 1000
    assert (audio == 1000).all()  # the input is not changed
    beep = mute_words(audio, [(0.9, 2.0)], mode="beep")
    assert beep[-1] != 1000 and np.abs(beep[int(0.86 * 16000) :]).max() > 5000 and len(beep) == 16000
    with pytest.raises(ValueError):
        mute_words(audio, [], mode="bleep")


def run_redact(stdin: bytes, *args):
    return subprocess.run([sys.executable, "-m", "device", "redact", *args], input=stdin,
                          capture_output=True, timeout=60)


def test_redact_command_one_line_out_per_line_in():
    lines = ["call john at five five five one two three four", "", "set a timer for ten minutes",
             "my pin is one two\rthree four", "\u00e9t\u00e9 \U0001f600"]
    proc = run_redact(("\n".join(lines) + "\n").encode())
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert len(out) == len(lines)
    assert out[0]["text"] == "call [PERSON] at [PHONE]"
    assert out[0]["spans"][0] == {"start": 5, "end": 9, "label": "PERSON"}
    assert out[1] == {"text": "", "spans": []}
    assert out[2] == {"text": lines[2], "spans": []}
    assert out[3]["text"] == "my pin is [PIN]"


def test_redact_words_command():
    item = {"file": "a.wav", "text": "call olivia", "words": [
        {"word": "call", "start": 0.1, "end": 0.3, "conf": 1.0}, {"word": "olivia", "start": 0.3, "end": 0.8,
                                                                   "conf": 0.9}]}
    proc = run_redact((json.dumps(item) + "\nnot json\n\n").encode(), "--words")
    assert proc.returncode == 1 and b"line 2" in proc.stderr
    out = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert len(out) == 3
    assert out[0] == {"file": "a.wav", "text": "call [PERSON]", "spans": [{"start": 5, "end": 11, "label": "PERSON"}],
                      "redacted_words": [{"index": 1, "start": 0.3, "end": 0.8}]}
    assert "error" in out[1] and out[2]["text"] == ""


def test_corpus_generator_covers_every_label():
    from benchmarks.redaction_corpus import corpus

    utterances = corpus(1500)
    labels = {label for u in utterances for _, _, label in u.spans}
    assert labels == set(LABELS)
    assert sum(not u.spans for u in utterances) >= 500
    for u in utterances:
        for s, e, _ in u.spans:
            assert u.text[s:e].strip() == u.text[s:e] and s < e


def test_training_corpus_keeps_its_held_out_part_apart():
    from benchmarks.spoken_pii import CLEAN_TEMPLATES, TEMPLATES, corpus, names, split_list

    train_first, train_last = names("train")
    held_first, held_last = names("heldout")
    assert not set(train_first) & set(held_first) and not set(train_last) & set(held_last)
    for spec in TEMPLATES.values():
        train, held = split_list(spec, "train"), split_list(spec, "heldout")
        assert train and held and not set(train) & set(held)
    samples = corpus(600, "heldout", slips=0.05)
    assert {label for s in samples for _, _, label in s.spans} == set(TEMPLATES)
    # The training-only sentences put together from parts never reach the held-out split.
    held_templates = {t for spec in [*TEMPLATES.values(), CLEAN_TEMPLATES] for t in split_list(spec, "heldout")}
    assert {s.template for s in samples} <= held_templates
    for s in samples:
        assert len(s.tokens) == len(s.labels)
        for start, end, _ in s.spans:
            assert s.text[start:end].strip() == s.text[start:end] and start < end


def test_fresh_set_b_is_well_formed():
    from benchmarks.redaction import fresh_b

    written = fresh_b()
    assert len(written) >= 90 and sum(not w.spans for w in written) >= 20
    assert {label for w in written for _, _, label in w.spans} == set(LABELS)
    for w in written:
        assert "{" not in w.text and "}" not in w.text
        for start, end, _ in w.spans:
            assert w.text[start:end].strip() == w.text[start:end] and start < end


def test_fresh_people_set_is_well_formed():
    from benchmarks.redaction import FRESH_PEOPLE, fresh_b

    written = fresh_b(FRESH_PEOPLE)
    assert len(written) == 69 and sum(not w.spans for w in written) == 10
    assert {label for w in written for _, _, label in w.spans} == {"PERSON"}
    for w in written:
        assert "{" not in w.text and "}" not in w.text
        for start, end, _ in w.spans:
            assert w.text[start:end].strip() == w.text[start:end] and start < end


def test_fresh_people_d_set_is_well_formed():
    from benchmarks.redaction import FRESH_PEOPLE_D, fresh_b

    written = fresh_b(FRESH_PEOPLE_D)
    assert len(written) == 65 and sum(not w.spans for w in written) == 20
    assert {label for w in written for _, _, label in w.spans} == {"PERSON"}


def test_fresh_movies_e_set_is_well_formed():
    from benchmarks.redaction import FRESH_MOVIES_E, fresh_b

    written = fresh_b(FRESH_MOVIES_E)
    assert len(written) == 42 and sum(not w.spans for w in written) == 30


def test_fresh_tickets_f_set_is_well_formed():
    from benchmarks.redaction import FRESH_TICKETS_F, fresh_b

    written = fresh_b(FRESH_TICKETS_F)
    assert len(written) == 34 and sum(not w.spans for w in written) == 27


def test_fresh_people_g_set_is_well_formed():
    from benchmarks.redaction import FRESH_PEOPLE_G, fresh_b

    written = fresh_b(FRESH_PEOPLE_G)
    assert len(written) == 50 and sum(not w.spans for w in written) == 19


def test_fresh_people_h_set_is_well_formed():
    from benchmarks.redaction import FRESH_PEOPLE_H, fresh_b

    written = fresh_b(FRESH_PEOPLE_H)
    assert sum(bool(w.spans) for w in written) == 28 and sum(not w.spans for w in written) == 15


def test_round_12_fresh_sets_are_well_formed():
    from benchmarks.redaction import (
        FRESH_MOVIES_O,
        FRESH_PEOPLE_I,
        FRESH_PEOPLE_K,
        FRESH_PEOPLE_M,
        FRESH_PEOPLE_P,
        FRESH_Q,
        FRESH_TICKETS_L,
        FRESH_UNTOUCHED_J,
        FRESH_UNTOUCHED_N,
        fresh_b,
    )

    counts = [(sum(len(w.spans) for w in written), sum(not w.spans for w in written))
              for written in map(fresh_b, (FRESH_PEOPLE_I, FRESH_UNTOUCHED_J, FRESH_PEOPLE_K))]
    assert counts == [(37, 15), (0, 46), (31, 12)]
    assert [len(w.spans) for w in fresh_b(FRESH_TICKETS_L)] == [0] * 39
    assert [len(w.spans) for w in fresh_b(FRESH_UNTOUCHED_N)] == [0] * 41
    assert [len(w.spans) for w in fresh_b(FRESH_MOVIES_O)] == [0] * 34
    written = fresh_b(FRESH_Q)
    assert sum(len(w.spans) for w in written) == 31 and sum(not w.spans for w in written) == 25
    written = fresh_b(FRESH_PEOPLE_P)
    assert sum(len(w.spans) for w in written) == 31 and sum(not w.spans for w in written) == 11
    written = fresh_b(FRESH_PEOPLE_M)
    assert sum(len(w.spans) for w in written) == 28 and sum(not w.spans for w in written) == 14
    assert all(label == "PERSON" for w in fresh_b(FRESH_PEOPLE_I) for _, _, label in w.spans)


def test_round_13_fresh_sets_are_well_formed():
    from benchmarks.redaction import (
        FRESH_DOMAINS_T,
        FRESH_PEOPLE_S,
        FRESH_TICKETS_R,
        FRESH_TICKETS_V,
        FRESH_W,
        fresh_b,
    )

    counts = [(sum(len(w.spans) for w in written), sum(not w.spans for w in written))
              for written in map(fresh_b, (FRESH_TICKETS_R, FRESH_PEOPLE_S, FRESH_DOMAINS_T, FRESH_TICKETS_V, FRESH_W))]
    assert counts == [(0, 40), (33, 15), (21, 24), (0, 40), (32, 20)]
    # titles stay outside the name they go with, as in every other set ("dr {PERSON: chen}")
    for written in map(fresh_b, (FRESH_PEOPLE_S, FRESH_DOMAINS_T, FRESH_W)):
        for w in written:
            assert all(w.text[s:e].split()[0] not in ("dr", "mr", "mrs", "aunt", "uncle", "grandma", "grandpa")
                       for s, e, _ in w.spans), w.text


def test_round_14_fresh_sets_are_well_formed():
    from benchmarks.redaction import FRESH_X, FRESH_Y, FRESH_Z, fresh_b

    for path, counts in ((FRESH_X, (30, 55)), (FRESH_Y, (29, 48)), (FRESH_Z, (33, 33))):
        written = fresh_b(path)
        assert (sum(len(w.spans) for w in written), sum(not w.spans for w in written)) == counts
        for w in written:
            assert all(w.text[s:e].split()[0] not in ("dr", "mr", "mrs", "ms", "aunt", "uncle")
                       for s, e, _ in w.spans), w.text


def test_round_15_fresh_sets_are_well_formed():
    from benchmarks.redaction import FRESH_AA, FRESH_AB, fresh_b

    for path, counts, labels in ((FRESH_AA, (26, 74), {"PERSON", "EMAIL", "PHONE"}), (FRESH_AB, (32, 21), {"PERSON"})):
        written = fresh_b(path)
        assert (sum(len(w.spans) for w in written), sum(not w.spans for w in written)) == counts
        assert {label for w in written for *_, label in w.spans} == labels


def test_a_digit_left_in_a_word_is_a_number():
    # A recogniser that writes digits ("[5]" from the Korean test model): the uplink refuses any text
    # holding one, so the listener must not hand it over: the utterance would be lost.
    from device.redact import Redactor

    assert Redactor().redact("제 [5] 개 처지 이다").text == "제 [NUMBER] 개 처지 이다"
    assert Redactor().redact("[PERSON] called").text == "[PERSON] called"
