"""Log records with the request id, as plain or JSON lines, never with a whole download token."""

from __future__ import annotations

import contextvars
import json
import logging
import re
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# Signed link tokens (delivery) and API bearer tokens: keep a prefix to match log lines.
_TOKEN_IN_PATH = re.compile(r"(/download/[a-z]/)([A-Za-z0-9_\-:.]{8})[A-Za-z0-9_\-:.]+")
_TOKEN_IN_QUERY = re.compile(r"([?&](?:token|key|signature)=)([A-Za-z0-9_\-]{4})[A-Za-z0-9_\-.%]+")
_BEARER = re.compile(r"(Bearer\s+)([A-Za-z0-9_\-.]{4})[A-Za-z0-9_\-.]+", re.IGNORECASE)


def redact(text: str) -> str:
    """Return text with download tokens and bearer tokens cut to their first characters."""
    text = _TOKEN_IN_PATH.sub(r"\1\2…", text)
    text = _TOKEN_IN_QUERY.sub(r"\1\2…", text)
    return _BEARER.sub(r"\1\2…", text)


class ContextFilter(logging.Filter):
    """Add the request id to every record and redact tokens in its message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Attach request_id; rewrite the message once, arguments included."""
        record.request_id = request_id_var.get()
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


class PlainFormatter(logging.Formatter):
    """The plain line format; request_id defaults to '-' for records from before the filter."""

    def format(self, record: logging.LogRecord) -> str:
        """Format the record, with a request id even when no filter set one."""
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, exception."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one JSON line."""
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)
