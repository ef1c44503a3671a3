"""The long-running timer loop: APScheduler polls for due timers every few seconds.

Any number of these may run side by side (timers.run_due claims rows); one that was down fires what
fell due meanwhile on its first poll. The areas add work through extension points: `sweep` runs after
each timer sweep (notify: mail), `periodic_job` adds a job of its own (oversight: the monthly bulletin).
"""
import logging

from apscheduler.schedulers.blocking import BlockingScheduler

from engine import timers

from . import extensions

log = logging.getLogger("egov.scheduler")


def sweep(app):
    with app.app_context():
        try:
            fired = timers.run_due()
            if fired:
                log.info("fired timers of %d instances", fired)
        except Exception:  # keep polling; the next sweep tries again
            log.exception("timer sweep failed")
        for step in extensions.get("sweep", app):
            try:
                step()
            except Exception:  # a mail server being away must not stop the timers
                log.exception("%s failed after the timer sweep", getattr(step, "__qualname__", step))


def run_forever(app, interval):
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per sweep
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(sweep, "interval", seconds=interval, args=[app], max_instances=1, coalesce=True)
    jobs = extensions.get("periodic_job", app)
    for job, minutes in jobs:
        scheduler.add_job(job, "interval", minutes=minutes, args=[app], max_instances=1, coalesce=True)
    sweep(app)  # catch up at once on what fell due while no scheduler ran
    for job, _ in jobs:  # and on what the areas' jobs would have done meanwhile (e.g. a due bulletin)
        job(app)
    log.info("scheduler polling every %.1f s", interval)
    scheduler.start()
