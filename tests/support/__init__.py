"""Helpers shared by svcforge's tests: rendering variants and finding validators."""
