"""市数管局 oversight across projects (issue 6): 按月通报, 督查整改, 年度建设计划, funds, assets, 绩效, 驾驶舱.

- models.py: the tables (Bulletin, Inspection, AnnualPlan(Entry), AssetChange, SanctionApplied)
- reports.py: the figures, read from indexed rows (Instance, TaskIndex, Submission), never from workflow state
- actions.py: the writes (generate a bulletin, open a 督查, edit and publish the plan, asset changes, rules)
- hooks.py: effects of submitted forms in the same transaction (督查 outcome → Department.sanction; 申报 check)
- views.py + templates/oversight/: the pages under /oversight; webapp/api/routes_reports.py: the JSON API
"""


def register(app):
    """Called by webapp.web for each area package."""
    from . import views

    app.register_blueprint(views.bp)


def scheduled_job(app):
    """The scheduler's periodic job: the due month's bulletin (once) and sanction propagation."""
    import logging

    from .actions import scheduled_bulletin

    with app.app_context():
        try:
            created = scheduled_bulletin()
            if created is not None:
                logging.getLogger("egov.scheduler").info("generated the bulletin of %s", created.month)
        except Exception:  # keep the scheduler alive; the next run tries again
            logging.getLogger("egov.scheduler").exception("monthly bulletin job failed")
