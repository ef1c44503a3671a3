"""The long-running timer loop: APScheduler polls for due timers every few seconds.

Any number of these may run side by side (timers.run_due claims rows); one that was down fires what
fell due meanwhile on its first poll.
"""
import logging

from apscheduler.schedulers.blocking import BlockingScheduler

from engine import timers

from . import mailer

log = logging.getLogger("egov.scheduler")


def sweep(app):
    with app.app_context():
        try:
            fired = timers.run_due()
            if fired:
                log.info("fired timers of %d instances", fired)
        except Exception:  # keep polling; the next sweep tries again
            log.exception("timer sweep failed")
        try:
            mailer.send_pending()
        except Exception:  # a mail server being away must not stop the timers
            log.exception("sending notification mail failed")


def run_forever(app, interval):
    from .oversight import scheduled_job  # the month's 按月通报 once its 20th deadline passed; sanctions

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per sweep
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(sweep, "interval", seconds=interval, args=[app], max_instances=1, coalesce=True)
    scheduler.add_job(scheduled_job, "interval", minutes=10, args=[app], max_instances=1, coalesce=True)
    sweep(app)  # catch up at once on what fell due while no scheduler ran
    scheduled_job(app)  # and on a bulletin that fell due meanwhile
    log.info("scheduler polling every %.1f s", interval)
    scheduler.start()
