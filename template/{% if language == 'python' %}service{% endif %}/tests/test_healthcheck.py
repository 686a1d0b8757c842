"""``python -m app.healthcheck`` (the container health check) probes the live endpoint."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.config import LIVE_PATH
from app.healthcheck import main, probe


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == LIVE_PATH else 404)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        return None


@pytest.fixture
def live_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_probe_passes_when_live_answers(live_port: int) -> None:
    assert probe(live_port)


def test_probe_fails_when_nothing_listens(closed_port: int) -> None:
    assert not probe(closed_port, timeout_s=0.5)


def test_main_reads_port(live_port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", str(live_port))
    assert main() == 0


def test_main_fails_on_a_hanging_server(hanging_port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", str(hanging_port))
    assert not probe(hanging_port, timeout_s=0.3)
