"""A month turn raced against a user's step of the same project: the side that goes first, once it has loaded
the instance it steps, holds it for HOLD seconds while the other side starts; then later sweeps run."""
import threading
import time

import time_machine

from engine import runtime, timers
from tests.scenarios.driver import instant

HOLD = 1.5  # seconds the first side stays inside its step, holding what it locked
AT = "2024-03-01T10:00"


def race(app, monkeypatch, first, holds, step, later=()):
    """Run the scheduler's sweep at AT against `step` (the user's side, named by the other key of `holds`).

    `holds` maps each side's name ("scheduler" and the user's side) to the instance id at which it holds when
    it goes first. Returns {side: exception} of the sides that raised; `later` are instants swept afterwards.
    """
    user = next(name for name in holds if name != "scheduler")
    real_workflow = runtime.state._workflow
    holding = threading.Event()

    def held(row):
        wf = real_workflow(row)
        side = threading.current_thread().name
        if side == first and not holding.is_set() and row.id == holds[side]:
            holding.set()
            time.sleep(HOLD)
        return wf

    for module in (runtime.messages, runtime.tasks):  # timers step through messages, users through tasks
        monkeypatch.setattr(module, "_workflow", held)
    errors = {}

    def side(name, work):
        def run():
            with app.app_context():
                try:
                    work()
                except Exception as exc:  # noqa: BLE001
                    errors[name] = exc
        return threading.Thread(target=run, name=name)

    with time_machine.travel(instant(AT), tick=False):
        sides = {"scheduler": side("scheduler", lambda: timers.run_due(instant(AT))), user: side(user, step)}
        sides[first].start()
        assert holding.wait(30)
        sides[user if first == "scheduler" else "scheduler"].start()
        for t in sides.values():
            t.join(60)
        monkeypatch.undo()
        with app.app_context():
            for when in (AT, *later):  # whatever the scheduler skipped, a later sweep fires
                timers.run_due(instant(when))
    return errors
