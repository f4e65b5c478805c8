"""Slow checks (crash loops, fuzzing, clusters, load): collected only with ``pytest --slow``."""
