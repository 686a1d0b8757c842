"""The HTTP service: configuration, secrets, dependencies and health endpoints."""
