"""Identifier redaction for spoken-form transcripts, in text and in audio."""

from device.redact.redactor import LABELS, Redaction, Redactor, Span, summarize

__all__ = ["LABELS", "Redaction", "Redactor", "Span", "mute_words", "summarize"]


def __getattr__(name: str):
    # mute_words needs NumPy; the uplink, which re-checks text only, should not load it.
    if name == "mute_words":
        from device.redact.audio import mute_words

        return mute_words
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
