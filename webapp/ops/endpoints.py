"""GET /healthz, /readyz, /metrics for load balancers, orchestrators and Prometheus (README: 运维接口)."""
from flask import Blueprint, Response, current_app, jsonify, request

from engine import clock

from ..core.identity import current_account
from . import access, health, metrics

bp = Blueprint("ops", __name__)


def _is_admin():
    user = current_account()
    return user is not None and "admin" in (user.groups or ())


@bp.before_request
def _only_from_allowed_addresses():
    if access.address_allowed(request.remote_addr, current_app.config["OPS_ALLOW"]) or _is_admin():
        return None
    response = jsonify({"error": "forbidden", "message": "运维接口只对配置的地址（EGOV_OPS_ALLOW）或管理员开放",
                        "fields": {}})
    response.status_code = 403
    return response


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers requests (it does not touch the database)."""
    return jsonify({"status": "ok", "time": clock.now().isoformat(timespec="seconds")})


@bp.get("/readyz")
def readyz():
    checks, ready = health.readiness()
    response = jsonify({"status": "ready" if ready else "not_ready", "checks": checks})
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/metrics")
def metrics_text():
    body, content_type = metrics.render()
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})
