"""The yearly 监理 / 等保测评 / 第三方测评 units (x-options "units:<kind>"), as 市数管局's yearly selection
process submitted them: a submission whose data has `build_year`, `service_kind` and `units` [{name,
qualification}]. The latest submission for a (year, kind) is the selection in force."""
from sqlalchemy import select

from engine.db import db
from engine.models import Submission

KINDS = ("监理", "等保测评", "第三方测评")
SCAN = 500  # city-level submissions (no project) are few: the newest SCAN are read


def selected_units(kind, year):
    """[(name, qualification)] selected for `kind` in `year`, from the newest matching submission."""
    if kind not in KINDS or isinstance(year, bool) or not isinstance(year, int):
        return []
    rows = db.session.execute(
        select(Submission.data).where(Submission.project_id.is_(None), Submission.draft.is_(False))
        .order_by(Submission.id.desc()).limit(SCAN)).scalars()
    for data in rows:
        if isinstance(data, dict) and data.get("service_kind") == kind and data.get("build_year") == year:
            units = data.get("units") if isinstance(data.get("units"), list) else []
            return [(u["name"], u.get("qualification") or "") for u in units
                    if isinstance(u, dict) and isinstance(u.get("name"), str) and u["name"]]
    return []


def unit_choices(kind, context):
    """x-options source: the units of `kind` selected for the task's build year, as (name, label)."""
    return [(name, f"{name}（{grade}）" if grade else name)
            for name, grade in selected_units(kind, (context or {}).get("build_year"))]


def paid_total(arg, context):
    """x-value-from "paid_total": 万元 paid so far on the task's project, the sum of the approved 资金拨付
    (never typed: 累计支付 is computed from the payments). "paid_total:since_last_report": what was paid
    since the last 进度表, i.e. that sum less the task's `last_cumulative_paid_wan` (本月支付)."""
    from .common import paid_by_project

    context = context or {}
    project_id = context.get("project_id")
    if isinstance(project_id, bool) or not isinstance(project_id, int):
        return 0.0
    total = paid_by_project(project_ids=[project_id]).get(project_id, 0.0)
    if arg == "since_last_report":
        last = context.get("last_cumulative_paid_wan")
        last = last if isinstance(last, (int, float)) and not isinstance(last, bool) else 0.0
        return round(max(total - last, 0.0), 4)
    return total
