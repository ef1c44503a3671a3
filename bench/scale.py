"""Scenarios of a city's scale (issue 14), kept apart from the other scenarios so each can grow on its own."""
from . import statements

SCENARIOS = {"statements": statements.scenario_statements}
