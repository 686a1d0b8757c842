"""JSON logs on stdout, one object per line, for CloudWatch Logs Insights."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else was passed with ``extra=`` and is logged.
_RESERVED = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}
_QUIET_PATHS = ("/health",)


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object with the ``extra`` fields at the top level."""

    def __init__(self, service: str, environment: str) -> None:
        super().__init__()
        self._static = {"service": service, "environment": environment}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **self._static,
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class QuietHealthAccessFilter(logging.Filter):
    """Keep health probes (every ALB node, every few seconds) out of the access log."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            return not args[2].startswith(_QUIET_PATHS)
        return True


def configure_logging(level: str, service: str, environment: str) -> None:
    """Send every logger (ours, uvicorn's, the libraries') through one JSON handler."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service, environment))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").addFilter(QuietHealthAccessFilter())
    # botocore logs request details at DEBUG; keep it at INFO even when the service debugs.
    logging.getLogger("botocore").setLevel(max(logging.INFO, root.level))
