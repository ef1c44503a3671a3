"""/metrics in the Prometheus text format (prometheus_client).

Counted in the process: requests by route, method and status with latency histograms; script limit
hits; timers fired and their lateness (in the scheduler process). Read from the database at each scrape,
so every process agrees: task completions, open incidents, the timer backlog and each scheduler's last
sweep. Under gunicorn (several processes) set PROMETHEUS_MULTIPROC_DIR to an empty directory shared by the
web processes and the scheduler, before they start; the counters of all of them are then added up.
"""
import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import REGISTRY

from engine import clock, heartbeat
from engine.db import db
from engine.models import Incident, SchedulerHeartbeat, TaskIndex

REQUESTS = Counter("egov_http_requests", "HTTP requests answered", ["route", "method", "status"])
LATENCY = Histogram("egov_http_request_seconds", "Time to answer a request", ["route", "method"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10))
LIMIT_HITS = Counter("egov_script_limit_hits", "Scripts stopped at a limit", ["kind"])
TIMERS_FIRED = Counter("egov_timers_fired", "Instances a timer sweep stepped")
TIMER_STEP_FAILURES = Counter("egov_timer_step_failures", "Timer steps that failed and became incidents")
TIMER_LATENESS = Histogram("egov_timer_lateness_seconds", "How late a timer fired after its due time",
                           buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600))


class DatabaseCollector:
    """Figures every process reads alike from the database, at scrape time."""

    def collect(self):
        session = db.session
        completions = session.execute(
            db.select(db.func.count()).select_from(TaskIndex).where(TaskIndex.state == "completed")).scalar()
        yield CounterMetricFamily("egov_task_completions", "User tasks completed (task index)", value=completions)
        open_incidents = session.execute(
            db.select(db.func.count()).select_from(Incident).where(Incident.status == "open")).scalar()
        yield GaugeMetricFamily("egov_incidents_open", "Open incidents", value=open_incidents)
        yield GaugeMetricFamily("egov_scheduler_backlog", "Timers due and not yet fired",
                                value=heartbeat.backlog(clock.now().replace(tzinfo=None)))
        now = heartbeat.wall_now()
        age = GaugeMetricFamily("egov_scheduler_last_sweep_age_seconds", "Seconds since a scheduler's last sweep",
                                labels=["scheduler"])
        late = GaugeMetricFamily("egov_scheduler_lateness_seconds", "Latest timer of a scheduler's last sweep",
                                 labels=["scheduler"])
        # Also without PROMETHEUS_MULTIPROC_DIR, where the scheduler's own counters are not in this process.
        fired = CounterMetricFamily("egov_scheduler_fired", "Instances a scheduler process stepped since it started",
                                    labels=["scheduler"])
        for row in session.execute(db.select(SchedulerHeartbeat)).scalars():
            age.add_metric([row.id], (now - row.last_sweep_at).total_seconds())
            late.add_metric([row.id], row.lateness_ms / 1000)
            fired.add_metric([row.id], row.fired_total)
        yield age
        yield late
        yield fired


_database = CollectorRegistry(auto_describe=False)
_database.register(DatabaseCollector())


def render():
    """(body, content type) of one scrape: the processes' counters, then the database's figures."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY  # this process's own metrics
    return generate_latest(counted) + generate_latest(_database), CONTENT_TYPE_LATEST


def observe_request(route, method, status, seconds):
    REQUESTS.labels(route, method, str(status)).inc()
    LATENCY.labels(route, method).observe(seconds)


def observe_sweep(stats):
    TIMERS_FIRED.inc(stats.fired)
    TIMER_STEP_FAILURES.inc(stats.failures)
    for late in stats.lateness:
        TIMER_LATENESS.observe(late)


def observe_limit_hit(kind):
    LIMIT_HITS.labels(kind).inc()
