"""Hold what a customer owns: entitlements to download a track in a format, forever."""
