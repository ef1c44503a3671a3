"""Operators' area: /healthz, /readyz, /metrics, and the request metrics; JSON request logs come from
the kernel (core/logs.py). Nothing else in the app depends on this area."""
import time

from flask import g, request

from engine import scripting

from . import access, endpoints, metrics


def init_app(app):
    app.config.setdefault("OPS_ALLOW", access.allowed_networks())
    app.register_blueprint(endpoints.bp)
    if metrics.observe_limit_hit not in scripting.limit_listeners:
        scripting.limit_listeners.append(metrics.observe_limit_hit)

    @app.after_request
    def _count(response):
        started = g.get("request_started")
        if started is not None:
            route = request.url_rule.rule if request.url_rule is not None else "(no route)"  # bounded labels
            metrics.observe_request(route, request.method, response.status_code, time.perf_counter() - started)
        return response
