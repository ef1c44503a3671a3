"""Operators' area: /healthz, /readyz, /metrics and what feeds them; JSON request logs with request ids
come from the kernel (core/logs.py). No other area depends on this one."""
import time

from flask import g, request

from engine import scripting
from engine.sandbox.pool import pool

from ..core import extensions
from . import access, endpoints, metrics


def init_app(app):
    app.config.setdefault("OPS_ALLOW", access.allowed_networks())
    app.register_blueprint(endpoints.bp)
    extensions.add(app, "sweep_stats", metrics.observe_sweep)
    if not app.testing:
        pool.warm()  # the first script of this process need not wait for a worker to start
    if metrics.observe_limit_hit not in scripting.limit_listeners:
        scripting.limit_listeners.append(metrics.observe_limit_hit)

    @app.after_request
    def _count(response):
        started = g.get("request_started")
        if started is not None:
            route = request.url_rule.rule if request.url_rule is not None else "(no route)"  # bounded labels
            metrics.observe_request(route, request.method, response.status_code, time.perf_counter() - started)
        return response
