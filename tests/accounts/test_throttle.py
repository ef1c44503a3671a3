"""The per-address sign-in limit is counted in the application database, so separate web processes (gunicorn
workers) count one address's attempts together, atomically."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# One web process: its own app on the shared database, trying to get tokens from one address.
WORKER = """
import json, sys
from webapp import create_app
app = create_app({"TESTING": True, "ACCOUNT_RULES": True, "LOGIN_RATE_LIMIT": "8 per minute"})
client = app.test_client()
sys.stdin.readline()  # start together
codes = [client.post("/api/auth/token", json={"username": "nobody", "password": "x"},
                     environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code for _ in range(6)]
print(json.dumps(codes))
"""


def _two_processes():
    procs = [subprocess.Popen([sys.executable, "-c", WORKER], cwd=ROOT, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(2)]
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def test_two_processes_share_one_count_per_address(app, db):
    a, b = _two_processes()
    codes = a + b
    assert set(codes) <= {401, 429}
    # 12 attempts against "8 per minute": exactly 8 reach the password check, whichever process took them
    assert codes.count(401) == 8 and codes.count(429) == 4, (a, b)
    from webapp.accounts.credentials import RateCounter

    db.session.rollback()
    assert db.session.query(RateCounter).count() >= 1


def test_the_counter_restarts_after_its_window(app, db, monkeypatch):
    import time

    from webapp.accounts.throttle_store import DatabaseStorage

    storage, now = DatabaseStorage("egov-db://"), [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("k") == 3 and storage.get_expiry("k") == 1_000_060.0
    now[0] += 61
    assert storage.get("k") == 0
    assert storage.incr("k", 60) == 1 and storage.get_expiry("k") == 1_000_121.0
    storage.clear("k")
    assert storage.get("k") == 0
