"""X-Forwarded-* headers are believed only when EGOV_PROXY_HOPS says a proxy stands in front (issue 14)."""
from flask import Flask, request

from webapp.core.app import trust_proxies

FORGED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "egov.example"}


def _seen(hops):
    app = Flask(__name__)
    app.config["PROXY_HOPS"] = hops
    trust_proxies(app)
    app.add_url_rule("/who", "who", lambda: {"addr": request.remote_addr, "scheme": request.scheme,
                                             "host": request.host})
    return app.test_client().get("/who", headers=FORGED, environ_base={"REMOTE_ADDR": "10.0.0.2"}).get_json()


def test_headers_ignored_by_default():
    assert _seen(0) == {"addr": "10.0.0.2", "scheme": "http", "host": "localhost"}


def test_headers_of_one_configured_proxy_believed():
    assert _seen(1) == {"addr": "203.0.113.9", "scheme": "https", "host": "egov.example"}


def test_setting_comes_from_the_environment(monkeypatch):
    from webapp.core import config

    monkeypatch.setenv("EGOV_PROXY_HOPS", "2")
    app = Flask(__name__)
    config.load(app)
    assert app.config["PROXY_HOPS"] == 2
