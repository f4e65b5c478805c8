"""Keep download tokens out of logs: cut them to their first 8 characters.

Importable from the settings' LOGGING (no models), for Django's and uvicorn's loggers.
"""

from __future__ import annotations

import logging
import re

_TOKEN_IN_PATH = re.compile(r"(/download/[tz]/)([^/\s?]{8})[^/\s?]*")


class LinkRedactingFilter(logging.Filter):
    """Cut download tokens in log lines to their first 8 characters."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/download/" in message:
            record.msg, record.args = _TOKEN_IN_PATH.sub(r"\1\2…", message), None
        return True
