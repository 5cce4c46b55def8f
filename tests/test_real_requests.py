"""The real-request corpora (benchmarks/data/real): well-formed spans in spoken form, and the extraction
code that made them, on small samples written like the sources."""

import json
import re

import pytest

from benchmarks import real_requests as rr

CORPORA = rr.corpora()


def spans_said(record: dict) -> list[tuple[str, str]]:
    """An extracted record's spans as (the words they cover, label)."""
    return [(record["text"][a:b], label) for a, b, label in record["spans"]]


def test_the_corpora_are_there_with_their_licences():
    assert {"snips", "sgd"} <= set(CORPORA)
    with open(f"{rr.DATA}/LICENCES.md", encoding="utf-8") as f:
        licences = f.read()
    for corpus in CORPORA:
        assert f"## {corpus}.jsonl.gz" in licences


@pytest.mark.parametrize("corpus", CORPORA)
def test_spans_are_in_range_apart_labelled_and_on_words(corpus):
    requests = rr.load(corpus)
    assert 1000 <= len(requests) <= 20000
    assert len({r.id for r in requests}) == len(requests)
    assert len({r.text for r in requests}) == len(requests)
    for r in requests:
        assert r.corpus == corpus and r.domain
        assert re.fullmatch(r"[a-z']+( [a-z']+)*", r.text), r.text  # spoken form: no digits, no punctuation
        end = 0
        for start, stop, label in sorted(r.spans):
            assert label in rr.LABELS, (r.id, label)
            assert end <= start < stop <= len(r.text), (r.id, r.spans)
            assert r.text[start:stop].strip() == r.text[start:stop], (r.id, r.text[start:stop])
            assert start == 0 or r.text[start - 1] == " ", (r.id, r.text, start)
            assert stop == len(r.text) or r.text[stop] == " ", (r.id, r.text, stop)
            end = stop


@pytest.mark.parametrize("corpus,least", [("snips", {"PERSON": 300, "KEEP": 10000}),
                                          ("sgd", {"PERSON": 500, "ADDRESS": 300, "KEEP": 2000})])
def test_each_corpus_has_the_spans_it_should(corpus, least):
    summary = rr.summary(corpus)
    for label, n in least.items():
        assert summary["spans"][label] >= n, summary
    assert 0 < summary["identifier_free"] < summary["utterances"]


def test_taskmaster3_is_held_out_whole_and_marks_what_must_stay():
    summary = rr.summary("taskmaster3")
    assert summary["spans"]["KEEP"] >= 1500
    assert summary["identifier_free"] == summary["utterances"]  # no argument names a private person


def test_taskmaster3_extraction(tmp_path):
    path = tmp_path / "train-zz.tsv"
    first = ("<PR>find_movies<PRAN>name.movie<PRAV>Mulan<C><U>Is Mulan on in Spring Hills, Kansas?"
             "<PN>find_movies<PAN>name.movie<PAV>Mulan<PAN>location<PAV>Spring Hills, Kansas")
    second = (first + "<A>Yes, at AMC Mercado 24.<U>Two at the amc mercado 24 near me please, with Dana"
              "<PN>book_tickets<PAN>name.theater<PAV>AMC Mercado 24<PAN>location<PAV>near me"
              "<PAN>num.tickets<PAV>Two")
    path.write_text(f"{first}\t[A]Yes.\tdlg-1\n{second}\t[A]Done.\tdlg-1\n"
                    "<C><U>Movies in 90210?<PN>find_movies<PAN>location<PAV>90210\t[A]Sure.\tdlg-2\n")
    records = rr.extract_taskmaster3([str(path)])
    marked = {r["text"]: spans_said(r) for r in records}
    assert marked == {
        "is mulan on in spring hills kansas": [("mulan", "KEEP"), ("spring hills kansas", "KEEP")],
        "two at the amc mercado twenty four near me please with dana": [("amc mercado twenty four", "KEEP")],
        "movies in ninety thousand two hundred ten": [],  # as SNIPS and SGD say numbers
    }
    assert records[0]["id"] == "train/dlg-1/0" and records[1]["id"] == "train/dlg-1/1"


def test_clinc150_extraction(tmp_path):
    path = tmp_path / "data_full.json"
    path.write_text(json.dumps({
        "train": [["How many dollars is 50 euros?", "exchange_rate"], ["call Dana at work", "make_call"],
                  ["how many dollars is 50 euros", "exchange_rate"]],
        "val": [["what's the weather", "weather"]], "test": [["Set a timer for 5 min", "timer"]],
        "oos_train": [["how do i get a library card", "oos"]]}))
    records = rr.extract_clinc150(str(path))
    assert [(r["id"], r["text"], spans_said(r)) for r in records] == [
        ("train/exchange_rate/0", "how many dollars is fifty euros", []),  # identifier-free: must stay
        ("train/make_call/1", "call dana at work", [("call dana at work", "UNMARKED")]),  # may name: not judged
        ("test/timer/0", "set a timer for five min", []),
    ]  # repeated texts once; validation and out-of-scope requests left out


def test_clinc150_is_never_trained_on_and_its_test_split_is_held_out():
    from benchmarks import redaction

    assert redaction.HELD_OUT_SPLITS["clinc150"] == ("test",) and "clinc150 train" not in redaction.TRAINED_ON
    summary = rr.summary("clinc150")
    assert summary["domains"] == 150 and summary["spans"]["UNMARKED"] < summary["utterances"] / 3


def test_mtop_is_held_out_whole_and_names_people():
    summary = rr.summary("mtop")
    assert summary["spans"]["PERSON"] >= 1000 and summary["spans"]["KEEP"] >= 1000


def test_top_parses_give_the_innermost_slots():
    raw = "I need to text Nicquana tonight at 7pm. Can you remind me?"
    parse = ("[IN:CREATE_REMINDER I need to [SL:TODO [IN:SEND_MESSAGE text [SL:RECIPIENT Nicquana ] "
             "[SL:DATE_TIME tonight at 7 pm ] ] ] . Can you remind [SL:PERSON_REMINDED me ] ? ]")
    slots = rr.top_slots(raw, parse)
    assert [(raw[a:b], rule) for a, b, rule in slots] == [
        ("Nicquana", "NAMES"), ("tonight at 7pm", None), ("me", "NAMES")]
    assert rr.top_slots("call Bob", "[IN:CREATE_CALL call [SL:CONTACT Robert ] ]") is None  # not in the text


def test_topv2_and_mtop_extraction(tmp_path):
    topv2 = tmp_path / "messaging_train.tsv"
    topv2.write_text(
        "domain\tutterance\tsemantic_parse\n"
        "messaging\tMessage John's wife that dinner is at 8\t[IN:SEND_MESSAGE Message [SL:RECIPIENT [IN:GET_CONTACT "
        "[SL:CONTACT_RELATED John ] 's [SL:TYPE_RELATION wife ] ] ] that [SL:CONTENT_EXACT dinner is at 8 ] ]\n"
        "messaging\ttext mom and Ana\t[IN:SEND_MESSAGE text [SL:RECIPIENT mom ] and [SL:RECIPIENT Ana ] ]\n"
        "messaging\tdrive to 1 Main Street\t[IN:GET_DIRECTIONS drive to [SL:DESTINATION 1 Main Street ] ]\n"
        "messaging\tread my messages\t[IN:GET_MESSAGE read my messages ]\n")
    records = rr.extract_topv2([str(topv2)])
    marked = {r["text"]: spans_said(r) for r in records}
    assert marked == {
        "message john's wife that dinner is at eight": [("john's", "PERSON"), ("dinner is at eight", "UNMARKED")],
        "text mom and ana": [("ana", "PERSON")],
        "drive to one main street": [("one main street", "ADDRESS")],
        "read my messages": [],
    }
    assert records[0]["id"] == "train/messaging/0" and records[0]["domain"] == "messaging"
    mtop = tmp_path / "test.txt"
    mtop.write_text("3232\tIN:CREATE_CALL\t5:13:SL:CONTACT\tcall Nicholas at Walmart\tcalling\ten_XX\t"
                    "[IN:CREATE_CALL [SL:CONTACT Nicholas ] [SL:LOCATION Walmart ] ]\t{}\n"
                    "3233\tIN:CREATE_CALL\t5:13:SL:CONTACT\tllama a Nicolas\tcalling\tes_XX\t"
                    "[IN:CREATE_CALL [SL:CONTACT Nicolas ] ]\t{}\n")
    records = rr.extract_mtop([str(mtop)])
    assert [(r["id"], r["text"], r["spans"]) for r in records] == [
        ("test/3232", "call nicholas at walmart", [[5, 13, "PERSON"], [17, 24, "KEEP"]])]


def test_private_people_and_public_names_are_told_apart():
    snips = {r.text: r for r in rr.load("snips")}
    people = [r.text[a:b] for r in snips.values() for a, b, label in r.spans if label == "PERSON"]
    assert "me" not in people and "i" not in people and "my mom" not in people
    sgd = rr.load("sgd")
    person = {r.text[a:b] for r in sgd for a, b, label in r.spans if label == "PERSON"}
    assert not any(p.startswith(("doctor ", "dr ", "aunt ")) for p in person)


def test_spoken_form():
    assert rr.spoken("Book it at 7:30 PM for 2, on Aug. the 3rd")[0] == \
        "book it at seven thirty p m for two on august the third"
    assert rr.spoken("Send $20 to Mom's account")[0] == "send twenty dollars to mom's account"
    assert rr.spoken("Play 70's hits from 1995 in Sacramento, CA")[0] == \
        "play seventies hits from nineteen ninety five in sacramento california"
    assert rr.spoken("Fly from NYC at 08:45")[0] == "fly from n y c at eight forty five"
    assert rr.spoken("Rate it 4.5 of 6; Cita Romántica")[0] == "rate it four point five of six cita romantica"
    assert rr.spoken("See Dr. Lee at 2505 Samaritan Dr")[0] == "see doctor lee at twenty five oh five samaritan drive"
    text, spans = rr.spoken("go to 353 Columbus Ave now", [(6, 23, "ADDRESS")])
    assert text == "go to three fifty three columbus avenue now"
    assert [text[a:b] for a, b, _ in spans] == ["three fifty three columbus avenue"]


def test_snips_extraction(tmp_path):
    path = tmp_path / "train_BookRestaurant_full.json"
    path.write_text(json.dumps({"BookRestaurant": [
        {"data": [{"text": "Book a table for "}, {"text": "me, alma and olga ruiz", "entity": "party_size_description"},
                  {"text": " at "}, {"text": "7:30", "entity": "timeRange"}, {"text": " in "},
                  {"text": "IN", "entity": "state"}, {"text": " near "},
                  {"text": "pauline's place", "entity": "poi"}]},
        {"data": [{"text": "book "}, {"text": "T-Rex", "entity": "restaurant_name"}, {"text": " for "},
                  {"text": "my mom and I", "entity": "party_size_description"}]},
    ]}))
    records = rr.snips_records(str(path), "BookRestaurant", "train")
    marked = [spans_said(r) for r in records]
    assert records[0]["text"] == \
        "book a table for me alma and olga ruiz at seven thirty in indiana near pauline's place"
    assert marked[0] == [("alma", "PERSON"), ("olga ruiz", "PERSON"), ("indiana", "KEEP"), ("pauline's", "PERSON")]
    assert marked[1] == [("t rex", "KEEP")]
    assert records[1]["id"] == "BookRestaurant/train/1"


def test_sgd_extraction(tmp_path):
    def turn(utterance, service, *slots):
        spans = [{"slot": slot, "start": utterance.index(value), "exclusive_end": utterance.index(value) + len(value)}
                 for slot, value in slots]
        return {"speaker": "USER", "utterance": utterance, "frames": [{"service": service, "slots": spans}]}

    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "dialogues_001.json").write_text(json.dumps([{"dialogue_id": "1_00000", "turns": [
        turn("Send $1,200 to Aunt Jenny please", "Banks_2", ("recipient_name", "Aunt Jenny"),
             ("transfer_amount", "$1,200")),
        {"speaker": "SYSTEM", "utterance": "Sure.", "frames": []},
        turn("Get a cab to 2500 Hospital Dr # 5D", "RideSharing_1", ("destination", "2500 Hospital Dr # 5D")),
        turn("I want to see Dr. Thomas Stodgel in SF.", "Services_3", ("doctor_name", "Dr. Thomas Stodgel"),
             ("city", "SF")),
        turn("Take me to Le Petit Bistro", "RideSharing_2", ("destination", "Le Petit Bistro")),
        turn("Thanks!", "Banks_2"),
        turn("thanks", "Banks_2"),
    ]}]))
    records = rr.extract_sgd(str(tmp_path), size=10)
    marked = {r["text"]: spans_said(r) for r in records}
    assert marked == {
        "send one thousand two hundred dollars to aunt jenny please": [("jenny", "PERSON")],
        "get a cab to twenty five hundred hospital drive number five d": [
            ("twenty five hundred hospital drive number five d", "ADDRESS")],
        "i want to see doctor thomas stodgel in s f": [("thomas stodgel", "PERSON"), ("s f", "KEEP")],
        "take me to le petit bistro": [("le petit bistro", "KEEP")],
        "thanks": [],
    }
    assert records[0]["id"] == "train/1_00000/0" and records[0]["domain"] == "Banks_2"
    assert len(rr.extract_sgd(str(tmp_path), size=4)) == 4  # every turn with an identifier, then a sample


def test_main_prints_a_line_per_corpus(capsys):
    assert rr.main([]) == 0
    out = capsys.readouterr().out
    for corpus in CORPORA:
        assert f"{corpus}: " in out and "identifier-free" in out


def train_redactor():
    """scripts/train-redactor (a script without .py) as a module."""
    import importlib.machinery
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "scripts" / "train-redactor"
    loader = importlib.machinery.SourceFileLoader("train_redactor", str(path))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("train_redactor", loader))
    loader.exec_module(module)
    return module


def test_training_reads_sgd_train_only_with_generated_identifiers():
    """scripts/train-redactor: SGD's dev and test splits stay out of training (benchmarks/redaction.py holds them
    out), and a request's identifiers come back as generated ones, labelled, the rest of its words as they were."""
    pytest.importorskip("faker")
    import random

    from benchmarks import redaction

    train = train_redactor()
    assert {r.id.split("/")[0] for r in train.real_requests_of("sgd:train")} == {"train"}
    assert set(redaction.HELD_OUT_SPLITS["sgd"]) == {"dev", "test"}
    assert "sgd:train" in train.REAL_DEFAULT and "sgd" not in train.REAL_DEFAULT
    for corpus in redaction.HELD_OUT_WHOLE:
        assert not any(spec.split(":")[0] == corpus for spec in train.REAL_DEFAULT)
        with pytest.raises(SystemExit, match="held out whole"):
            train.real_requests_of(corpus)
    # TOPv2: its train split only, without a text MTOP (held out whole) has word for word, without numbers
    topv2 = train.real_requests_of("topv2:train")
    assert {r.id.split("/")[0] for r in topv2} == {"train"}
    assert set(redaction.HELD_OUT_SPLITS["topv2"]) == {"eval", "test"}
    assert not {r.text for r in topv2} & {r.text for r in rr.load("mtop")}
    numberless = train.real_samples(["topv2:train"], 1, random.Random(1))
    assert 5000 < len(numberless) and not any(w in ("one", "two", "five") for s in numberless for w in s.text.split())
    samples = train.real_samples(["sgd:train"], 1, random.Random(1))
    with_names = [s for s in samples if "PERSON" in s.labels]
    assert len(with_names) >= 4 * 400  # each request with a name, and three copies with generated names
    texts = {r.text for r in rr.load("sgd")}
    copies = [s for s in with_names if s.text not in texts]
    assert len(copies) >= 3 * 400
    for s in samples[:2000]:
        assert len(s.tokens) == len(s.labels)
        norms, labels = train.as_sequence(s, random.Random(2))
        assert len(norms) == len(labels)


def test_must_stay_lists_come_from_the_trained_on_corpora_only(tmp_path):
    """scripts/train-redactor --keep-lists-only rebuilds device/redact/data/keep_*.txt byte for byte from SNIPS,
    SGD's train split and TOPv2's, whatever --real says: nothing of a held-out split or corpus goes into them."""
    pytest.importorskip("faker")
    from device.redact import lexicon

    train = train_redactor()
    assert train.REAL_DEFAULT_FOR_LISTS == ("snips", "sgd:train", "topv2:train")
    shipped = {name: (lexicon.DATA / name).read_bytes() for name in ("keep_titles.txt", "keep_artists.txt")}
    train.write_keep_lists(out=tmp_path)
    for name, data in shipped.items():
        assert (tmp_path / name).read_bytes() == data
        assert len(data) < 200_000
    lexicon.keep_titles.cache_clear()
    lexicon.keep_artists.cache_clear()


def test_text_nobody_annotated_is_not_judged():
    """benchmarks/redaction.score: a todo or a message text (UNMARKED) may hold names nobody annotated, so a
    redaction inside it is neither damage nor a catch, and its request does not count for "untouched"."""
    from benchmarks import redaction

    text = "remind me to call ximena tomorrow"
    todo = redaction.Real(text, [], [], [(text.index("call"), text.index(" tomorrow"))])
    clean = redaction.Real("set an alarm for seven", [], [], [])
    redact = lambda t: [(t.index("ximena"), t.index("ximena") + 6)] if "ximena" in t else []  # noqa: E731
    r = redaction.score([todo, clean], redact)
    assert r["clean_utts"] == 1 and r["untouched"] == 1.0 and r["over"] == 0.0
    assert redaction.score([redaction.Real(text, [], [], [])], redact)["untouched"] == 0.0  # as counted before


def test_written_forms_places_the_identifier_where_its_words_are():
    # benchmarks/written_forms.py judges only the identifier's words: its span must hold exactly them
    from benchmarks.real_requests import spoken
    from benchmarks.written_forms import utterance

    for frame, written in (("call me at {}", "(555) 555-0199"), ("{} is my number", "417.565.3267"),
                           ("my address is {} please update it", "759 Dean Squares, Mckinneyfurt, AL 49934")):
        text, start, end = utterance(frame, written)
        assert text[start:end] == spoken(written)[0], (text, start, end)
