"""The LED ring that cannot lie, and the privacy button."""
