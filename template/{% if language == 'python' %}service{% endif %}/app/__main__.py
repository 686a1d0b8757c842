"""Entry point: ``python -m app``. Validates the environment, then serves with uvicorn.

SIGTERM (the platform stopping the container): uvicorn stops accepting, lets in-flight
requests finish for up to SHUTDOWN_TIMEOUT_SECONDS, runs the lifespan shutdown (pools
closed), and the process exits 0.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from types import FrameType

import uvicorn

from app.config import DEFAULT_SERVICE_NAME, ConfigError, load_settings
from app.logs import configure_logging
from app.main import create_app

logger = logging.getLogger("app")


def _after_shutdown(signum: int, frame: FrameType | None) -> None:
    """uvicorn re-raises the signal it handled once it has shut down; exit cleanly instead."""
    del signum, frame


def main() -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        # The configuration is invalid, yet the line still names this service and environment.
        configure_logging(
            "INFO",
            os.environ.get("SERVICE_NAME", "").strip() or DEFAULT_SERVICE_NAME,
            os.environ.get("ENVIRONMENT", "").strip() or "local",
        )
        logger.critical(str(exc), extra={"problems": exc.problems})
        return 2
    configure_logging(settings.log_level, settings.service_name, settings.environment)
    signal.signal(signal.SIGTERM, _after_shutdown)
    signal.signal(signal.SIGINT, _after_shutdown)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        server_header=False,
        date_header=False,
        proxy_headers=True,
        forwarded_allow_ips="*",
        timeout_graceful_shutdown=int(settings.shutdown_timeout_s),
        timeout_keep_alive=75,
    )
    logger.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
