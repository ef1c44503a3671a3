"""Fixtures of the cockpit and modeler tests: the API tests' demo users and token client."""
from tests.api.conftest import Api, PASSWORD, api, simple, users  # noqa: F401  (fixtures reused as they are)
