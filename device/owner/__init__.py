"""What a person runs: the earmuff command, the demo, the doctor, the configuration check."""
