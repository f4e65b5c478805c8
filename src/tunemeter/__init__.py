"""Tunemeter: a self-hosted music store that sells by the megabyte."""
