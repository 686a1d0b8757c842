"""Tests of the service; the integration tests need real servers (see README.md)."""
