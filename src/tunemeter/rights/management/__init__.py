"""Management commands of the rights app."""
