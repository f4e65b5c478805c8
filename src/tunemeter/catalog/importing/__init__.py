"""Import lossless masters from a folder: scan, probe, tags, store, upsert."""
