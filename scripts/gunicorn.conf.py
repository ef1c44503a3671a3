"""gunicorn settings for scripts/start.sh (production)."""
import os


def child_exit(server, worker):
    # With PROMETHEUS_MULTIPROC_DIR, a worker that exited must stop counting among the live processes.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
