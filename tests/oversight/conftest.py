"""Oversight fixtures: the real model deployed, departments and users of every role."""
import pytest


@pytest.fixture
def users(real_model):
    from .city import seed_departments_and_users

    return seed_departments_and_users()
