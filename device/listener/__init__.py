"""The listener process: microphone -> wake word -> Vosk -> redactor -> link. It has no network."""
