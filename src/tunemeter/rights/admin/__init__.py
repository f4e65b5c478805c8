"""Rights in the admin: holders, mandates, deals, splits and takedowns, written through services.

Mandates, deals and takedowns are records: staff add them (through the services, so a
new mandate releases escrow and a deal is checked as the services check it) and then
only look. A deal changes only by the actions "End-date…" and "Replace with new terms…".
A split is edited as a whole (all co-owners of one right) and saved through `split_set`.
"""

from __future__ import annotations

from tunemeter.rights.admin import deals, holders, splits  # noqa: F401 - they register
from tunemeter.rights.admin.base import RecordAdmin, adopt, service_check

__all__ = ["RecordAdmin", "adopt", "service_check"]
