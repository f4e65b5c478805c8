"""Template tags of the rights holder's portal."""
