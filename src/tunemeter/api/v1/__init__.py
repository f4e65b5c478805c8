"""The public API, version 1: tokens or sessions, the catalog, buying, the library, holders."""
