"""Container health check: ``python -m app.healthcheck`` probes the live endpoint on PORT.

The runtime image has no shell or curl, so the container health check runs this module.
Exit 0 when the endpoint answers 200 within two seconds, else 1.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

from app.config import DEFAULT_PORT, LIVE_PATH


def probe(port: int, timeout_s: float = 2.0) -> bool:
    url = f"http://127.0.0.1:{port}{LIVE_PATH}"
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def main() -> int:
    raw = os.environ.get("PORT", "").strip()
    port = int(raw) if raw.isdigit() else DEFAULT_PORT
    return 0 if probe(port) else 1


if __name__ == "__main__":
    sys.exit(main())
