"""Race fixtures: the app served on loopback with threads, and a barrier that sends N requests at once."""
import threading

import pytest
import requests

from tests.api.conftest import PASSWORD, users  # noqa: F401  (the demo users, fast hashes)


@pytest.fixture
def served(app, users, live_server, monkeypatch):  # noqa: F811
    """(base URL, token(username)) over the threaded live server; the API needs no CSRF token."""
    tokens = {}

    def token(username):
        if username not in tokens:
            r = requests.post(f"{live_server}/api/auth/token", json={"username": username, "password": PASSWORD},
                              timeout=30)
            assert r.status_code == 200, r.text
            tokens[username] = r.json()["token"]
        return tokens[username]

    return live_server, token


def at_once(n, call):
    """Run call(i) in n threads released together; returns the results (or exceptions) in order."""
    barrier = threading.Barrier(n, timeout=30)
    results = [None] * n

    def run(i):
        barrier.wait()
        try:
            results[i] = call(i)
        except Exception as exc:  # noqa: BLE001 - reported to the test, which names it
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results
