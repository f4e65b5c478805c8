"""Say why a download is refused: not found (404), refunded (403), too many at once (429)."""

from __future__ import annotations


class DownloadDenied(Exception):
    """The link is genuine but its entitlement is revoked or refunded (403)."""


class NotFound(Exception):
    """Nothing this customer owns matches (404)."""


class TooManyDownloads(Exception):
    """The customer already runs the maximum number of downloads (429)."""
