"""市数管局 oversight across projects: 按月通报, 督查整改, 年度建设计划, funds, assets, 绩效, 驾驶舱.

- models.py: the tables (Bulletin, Inspection, AnnualPlan(Entry), AssetChange, SanctionApplied)
- services/: by resource; the figures are read from indexed rows (Instance, TaskIndex, Submission), never
  from workflow state; `reports` and `actions` gather the read and write side
- hooks.py: effects of submitted forms in the same transaction (督查 outcome → Department.sanction; 申报 check)
- pages.py + templates/oversight/: the pages under /oversight; api.py: /api/reports…, /api/inspections
"""
import logging

from ..core import extensions
from . import api, hooks, models, pages  # noqa: F401  (api adds its routes to the API blueprint)
from .services.bulletins import scheduled_bulletin

log = logging.getLogger("egov.scheduler")
BULLETIN_JOB_MINUTES = 10


def scheduled_job(app):
    """The scheduler's periodic job: the due month's bulletin (once) and sanction propagation."""
    with app.app_context():
        try:
            created = scheduled_bulletin()
            if created is not None:
                log.info("generated the bulletin of %s", created.month)
        except Exception:  # keep the scheduler alive; the next run tries again
            log.exception("monthly bulletin job failed")


def init_app(app):
    from engine import options

    from .services.units import paid_total, unit_choices

    hooks.install()
    options.register("units", unit_choices)  # form fields choosing the year's 监理/测评 units
    options.register_value("paid_total", paid_total)  # 累计支付, from the approved payments
    app.register_blueprint(pages.bp)
    extensions.add(app, "periodic_job", (scheduled_job, BULLETIN_JOB_MINUTES))
