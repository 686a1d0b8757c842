"""Tests of the service; integration tests need TEST_DATABASE_URL / TEST_REDIS_URL."""
