"""The uplink process: the only part of earmuff that talks to the outside.

It never has audio devices or GPIO. The listener hands it redacted
utterances over a Unix socket; it checks each payload again (gate.py),
asks the listener to light "sending" and waits for that before the first
byte leaves, sends to the configured sinks (sinks.py), spools what cannot be
delivered (spool.py) and writes down everything that left (audit.py).
"""
