"""Helpers shared by tests of several packages."""

PRODUCTION = {"DEBUG": "false", "SECRET_KEY": "a-real-secret-for-this-test-only-0123456789"}
