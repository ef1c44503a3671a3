"""Configuration from the environment. SQLite under instance/ unless DATABASE_URL says otherwise."""
import os
import secrets
from pathlib import Path


def load(app, overrides=None):
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'egov.sqlite3'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    production = os.environ.get("EGOV_ENV", "development") == "production"
    app.config.update(
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(url),
        SECRET_KEY=os.environ.get("SECRET_KEY") or _instance_secret(instance),
        PRODUCTION=production,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,
        REMEMBER_COOKIE_SECURE=production,
        REMEMBER_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=int(os.environ.get("EGOV_MAX_UPLOAD_MB", "20")) * 1024 * 1024,
        DEMO_PASSWORD=os.environ.get("EGOV_DEMO_PASSWORD", "demo-pass-2026"),
        SMTP_HOST=os.environ.get("EGOV_SMTP_HOST"),
        SMTP_PORT=int(os.environ.get("EGOV_SMTP_PORT", "25")),
        SMTP_FROM=os.environ.get("EGOV_SMTP_FROM", "egov@localhost"),
        # An idle sweep costs well under a millisecond: poll often so a timer runs within a second of its due time.
        SCHEDULER_INTERVAL=float(os.environ.get("EGOV_SCHEDULER_INTERVAL", "0.5")),
        # How many reverse proxies stand in front: their X-Forwarded-* headers are believed only then.
        PROXY_HOPS=int(os.environ.get("EGOV_PROXY_HOPS", "0") or 0),
        MODEL_ROOT=str(Path(app.root_path).parent),
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False
    if overrides:
        app.config.update(overrides)


def _engine_options(url):
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    # A thread holds one connection at a time: the audit seal after a commit runs once the session has given
    # its connection back, and takes that same one again (last in, first out), so the pool's defaults serve as
    # many threads as a process runs (gunicorn: 4 per worker) and several workers stay well within the
    # server's max_connections. Idle connections are pinged before use (app.ping_when_idle), busy ones are not.
    return {"pool_size": 5, "max_overflow": 10, "pool_use_lifo": True}


def _instance_secret(instance):
    """A per-installation secret kept under instance/, made on first start."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()
