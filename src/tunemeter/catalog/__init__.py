"""Catalog: artists, releases, tracks and their lossless masters."""
