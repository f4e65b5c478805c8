"""Tell higher floors what happened in rights, without rights importing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside mandate_register's transaction with mandate=; a receiver that raises
# rolls the mandate back. Royalties connects escrow release to it (royalties/apps.py).
mandate_registered = Signal()
