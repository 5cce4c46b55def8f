"""Identifier redaction for spoken-form transcripts, in text and in audio."""

from device.redact.audio import mute_words
from device.redact.redactor import LABELS, Redaction, Redactor, Span, summarize

__all__ = ["LABELS", "Redaction", "Redactor", "Span", "mute_words", "summarize"]
