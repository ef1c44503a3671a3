"""A scheduler told to stop (SIGTERM, as systemd and gunicorn-style supervisors do) finishes and commits the
step it is in, starts no other, and exits cleanly (issue 14)."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from datetime import timedelta

from engine import clock, runtime
from engine.settings import set_setting
from engine.models import AuditEvent, Instance

ROOT = Path(__file__).resolve().parents[2]
MANY = 300


def test_sigterm_lets_the_current_step_finish(app, db, deployed):
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    with runtime.unit_of_work():
        for i in range(MANY):
            runtime.start_instance("timed", project_id=500 + i, owner_group="dept:gaj", data={"wake_on": tomorrow})
        set_setting("clock_offset_seconds", str(3 * 86400))  # 演练模式: for the scheduler all MANY are due
    before = dict(db.session.query(Instance.id, Instance.lock_version).filter_by(process_id="timed").all())
    scheduler = subprocess.Popen([sys.executable, "-m", "flask", "--app", "webapp", "scheduler", "--interval", "0.5"],
                                 cwd=ROOT, env={**os.environ}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # until the sweep is under way
            db.session.rollback()
            if db.session.query(AuditEvent).filter_by(kind="timer").count() >= 3:
                break
            time.sleep(0.05)
        scheduler.send_signal(signal.SIGTERM)
        output, _ = scheduler.communicate(timeout=60)
    finally:
        if scheduler.poll() is None:
            scheduler.kill()
            scheduler.wait()
    assert scheduler.returncode == 0, output
    assert "停止" in output and "Traceback" not in output, output
    db.session.rollback()
    fired = db.session.query(AuditEvent).filter_by(kind="timer").count()
    after = dict(db.session.query(Instance.id, Instance.lock_version).filter_by(process_id="timed").all())
    moved = sum(1 for i, version in after.items() if version != before[i])
    assert 0 < fired < MANY  # it stopped in the middle of the sweep…
    assert moved == fired  # …and every step it began was saved whole (state, index and audit together)
