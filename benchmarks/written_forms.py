"""Names, phone numbers and addresses as written, read out the way a converter reads them (issue 23).

Faker's first names and full names (no titles: the redactor leaves "dr" and "mrs" outside the name on purpose),
phone numbers and postal addresses of seven English locales, written ("(01632) 960132",
"417.565.3267", "759 Dean Squares, Mckinneyfurt, AL 49934"), put in spoken form by
benchmarks.real_requests.spoken (the same conversion as the real requests: a group of digits is read as a
number, "nine hundred sixty thousand one hundred thirty two"), in frames written by hand. The generated corpus
(benchmarks/spoken_pii.py) reads identifiers digit by digit; text written by other projects and converted to
words reads them like this. Leak = the share of identifiers with any word outside a redaction.

    python -m benchmarks.written_forms [--n 60] [--seed 1]
"""

import argparse
import random

from benchmarks.real_requests import spoken
from benchmarks.redaction import covered

LOCALES = ("en_US", "en_GB", "en_AU", "en_IN", "en_CA", "en_IE", "en_NZ")
FRAMES = {
    "PERSON": ("my name is {}", "this is {} calling about my order", "please forward the report to {}",
               "{} will join the meeting on monday", "i spoke with {} yesterday", "dear {} thanks for your help",
               "the account is under {}", "can you ask {} to call me back", "{} is my landlord",
               "i'm {} from accounts", "send the contract to {} by friday", "{} moved to a new house last week",
               "remind {} about the rent", "invite {} to the party", "my manager {} approved it",
               "{} and i are going to the game"),
    "PHONE": ("my number is {}", "call me at {}", "you can reach me on {}", "text {} when you land",
              "my mobile is {}", "the office number is {} ask for sam", "please ring {}", "save {} as the plumber"),
    "ADDRESS": ("my address is {}", "send it to {}", "i live at {}", "deliver the parcel to {}", "ship to {}",
                "the party is at {} on saturday", "navigate to {}", "my new address is {} please update it"),
}


def utterance(frame: str, written: str) -> tuple[str, int, int]:
    """The frame with the identifier in spoken form, and where the identifier lies in it."""
    before, after = (spoken(part.strip())[0] if part.strip() else "" for part in frame.split("{}"))
    text = spoken(frame.replace("{}", written))[0]
    start = len(before) + bool(before)
    return text, start, len(text) - len(after) - bool(after)


def main() -> None:
    from faker import Faker

    from device.redact import Redactor

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=60, help="identifiers per locale and kind (default 60)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    redactor, rng = Redactor(), random.Random(args.seed)
    for kind, frames in FRAMES.items():
        leaked_all = 0
        per_locale = []
        for locale in LOCALES:
            fake = Faker(locale)
            fake.seed_instance(rng.randrange(10**6))
            leaked = 0
            for k in range(args.n):
                written = (fake.phone_number() if kind == "PHONE" else fake.address().replace("\n", ", ")
                           if kind == "ADDRESS" else f"{fake.first_name()} {fake.last_name()}" if k % 2
                           else fake.first_name())
                text, start, end = utterance(rng.choice(frames), written)
                leaked += not covered([(s.start, s.end) for s in redactor.redact(text).spans], start, end, text)
            per_locale.append(f"{locale} {leaked}")
            leaked_all += leaked
        total = args.n * len(LOCALES)
        print(f"{kind:8} leak {leaked_all / total:5.1%} ({leaked_all} of {total}; per locale of {args.n}: "
              + ", ".join(per_locale) + ")")


if __name__ == "__main__":
    main()
