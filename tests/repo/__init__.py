"""Tests of the generated repository's runbook, hygiene files and cross-artifact names."""
