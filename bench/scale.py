"""Scenarios of a city's scale (issue 14), kept apart from the other scenarios so each can grow on its own."""
import os

from . import decade, statements


def _locust(app, quick):
    from . import locust_day

    return locust_day.scenario_locust(app, quick)


SCENARIOS = {"statements": statements.scenario_statements, "decade": decade.scenario_decade}
if os.environ.get("BENCH_LOCUST") == "1":  # minutes long: `python -m bench --locust`
    SCENARIOS["locust"] = _locust
