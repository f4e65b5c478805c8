"""Compile the store's translations (.po → .mo) without gettext tools."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from tunemeter.storefront.po import po_compile


class Command(BaseCommand):
    help = "Compile every .po under LOCALE_PATHS into its .mo, in pure Python (no msgfmt)."

    def handle(self, *args, **options) -> None:
        for root in settings.LOCALE_PATHS:
            for po_path in sorted(root.glob("*/LC_MESSAGES/*.po")):
                mo_path = po_compile(po_path)
                self.stdout.write(f"compiled {mo_path.relative_to(root)}")
