"""gunicorn settings for a city's server: `gunicorn -c deploy/gunicorn.conf.py "webapp:create_app()"`.

Every value can be overridden from the environment (shown in brackets) or on the command line.
"""
import multiprocessing
import os

bind = os.environ.get("EGOV_BIND", "127.0.0.1:8000")  # behind the reverse proxy, never open to the world
# Requests mostly wait on PostgreSQL: two processes per core plus one keep the cores busy [WEB_CONCURRENCY].
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "gthread"
threads = int(os.environ.get("EGOV_THREADS", "4"))  # a slow upload does not hold a whole process
timeout = int(os.environ.get("EGOV_TIMEOUT", "60"))
# SIGTERM: stop accepting, let every request in progress finish (up to this many seconds), then exit.
graceful_timeout = int(os.environ.get("EGOV_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
max_requests = 5000  # a worker is replaced now and then, so no slow leak can grow without bound
max_requests_jitter = 500
# The proxy's X-Forwarded-* headers are believed only as the app is told (EGOV_PROXY_HOPS), not by gunicorn.
forwarded_allow_ips = ""
accesslog = os.environ.get("EGOV_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("EGOV_LOG_LEVEL", "info")


def on_starting(server):
    # /metrics adds up every worker's and the scheduler's counters (prometheus_client multiprocess mode) in
    # the directory PROMETHEUS_MULTIPROC_DIR names; it must exist before the first worker counts.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)


def child_exit(server, worker):
    # A worker that exited (max_requests, a crash) must stop counting among the live processes.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
