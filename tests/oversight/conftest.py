"""Oversight fixtures: the real model deployed, departments and users of every role."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def model(db):
    from engine import registry
    from engine.runtime import unit_of_work

    with unit_of_work():
        version, _ = registry.deploy(registry.read_model_dir(ROOT), actor="test")
    return version


@pytest.fixture
def users(model):
    from .city import seed_departments_and_users

    return seed_departments_and_users()
