"""Delivery: signed links, HTTP ranges, streaming downloads, release zips, nginx hand-off."""
