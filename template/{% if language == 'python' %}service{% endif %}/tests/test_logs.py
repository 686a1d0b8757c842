"""Logs are JSON lines; health probes stay out of the access log; botocore never logs bodies."""

from __future__ import annotations

import json
import logging

from app.logs import JsonFormatter, QuietHealthAccessFilter, configure_logging


def test_json_line_carries_extra_fields() -> None:
    record = logging.makeLogRecord(
        {"name": "app", "levelname": "INFO", "msg": "hello %s", "args": ("world",), "check": "db"}
    )
    entry = json.loads(JsonFormatter("svc", "test").format(record))
    assert entry["message"] == "hello world"
    assert entry["check"] == "db"
    assert (entry["service"], entry["environment"]) == ("svc", "test")


def test_health_requests_are_not_access_logged() -> None:
    quiet = QuietHealthAccessFilter()
    args = ("127.0.0.1:5000", "GET", "/health/live", "1.1", 200)
    assert not quiet.filter(logging.makeLogRecord({"msg": "%s %s %s %s %d", "args": args}))
    other = ("127.0.0.1:5000", "GET", "/orders", "1.1", 200)
    assert quiet.filter(logging.makeLogRecord({"msg": "%s %s %s %s %d", "args": other}))


def test_debug_level_keeps_botocore_at_info() -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("DEBUG", "svc", "test")
        assert logging.getLogger("botocore").getEffectiveLevel() == logging.INFO
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        logging.getLogger("botocore").setLevel(logging.NOTSET)
