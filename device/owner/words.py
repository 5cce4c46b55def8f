"""Words for what the owner's tools print."""


def counted(n: int, noun: str, *verb: str) -> str:
    """ "1 utterance", "2 utterances"; with verb forms, "1 utterance was", "2 utterances were"."""
    words = [f"{n} {noun}" if n == 1 else f"{n} {noun}s"]
    if verb:
        words.append(verb[0] if n == 1 else verb[1])
    return " ".join(words)
