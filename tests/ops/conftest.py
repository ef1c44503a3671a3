"""Fixtures of the operators' endpoint tests: the API tests' demo users."""
from tests.api.conftest import users  # noqa: F401  (reused as it is)
