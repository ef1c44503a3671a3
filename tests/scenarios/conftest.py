"""Scenario fixtures: the real model under bpmn/ and forms/, deployed as the latest version."""
import pytest

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def model(db):
    from engine import registry
    from engine.runtime import unit_of_work

    with unit_of_work():
        version, _ = registry.deploy(registry.read_model_dir(ROOT), actor="test")
    return version
