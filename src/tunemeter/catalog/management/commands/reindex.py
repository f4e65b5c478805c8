"""Rebuild the catalog search index: `tunemeter reindex`."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from tunemeter.catalog.search import search_index_rebuild


class Command(BaseCommand):
    help = "Rebuild the catalog search index from the catalog."

    def handle(self, *args, **options) -> None:
        count = search_index_rebuild()
        self.stdout.write(f"indexed {count} artists, releases and tracks")
