"""资产台账: the registered assets of every project, and moving or scrapping one (三(四)4)."""
from collections import defaultdict

from sqlalchemy import select

from engine import runtime
from engine.audit import record
from engine.db import db
from engine.errors import Conflict, Invalid, NotFound
from engine.models import Submission

from ..models import AssetChange
from .common import FORM_ASSETS, _num, _projects, now_naive, require_sgj, scope


def assets(departments=None, project_id=None):
    """Every asset registered at 资产登记, with its current place after approved moves, and its history."""
    query = (select(Submission.id, Submission.project_id, Submission.data, Submission.submitted_at)
             .where(Submission.form == FORM_ASSETS, Submission.draft.is_(False)).order_by(Submission.id))
    if project_id is not None:
        query = query.where(Submission.project_id == project_id)
    subs = db.session.execute(query).all()
    projects = _projects({s[1] for s in subs}) if subs else {}
    changes = defaultdict(list)
    if subs:
        for change in db.session.execute(select(AssetChange).where(AssetChange.submission_id.in_([s[0] for s in subs]))
                                         .order_by(AssetChange.id)).scalars():
            changes[(change.submission_id, change.asset_index)].append(change)
    items = []
    for sub_id, pid, data, at in subs:
        project = projects.get(pid)
        if project is None or (departments is not None and project[2] not in departments):
            continue
        for index, asset in enumerate(data.get("assets") or []):
            current = {"location": asset.get("location"), "on_gov_cloud": bool(asset.get("on_gov_cloud")),
                       "managing_unit": asset.get("managing_unit"), "status": "在用"}
            history = [{"kind": "register", "label": "资产登记", "at": at.isoformat(), "status": "approved",
                        "location": asset.get("location"), "managing_unit": asset.get("managing_unit")}]
            pending = None
            for change in changes.get((sub_id, index), []):
                history.append({"id": change.id, "kind": change.kind, "label": "迁移" if change.kind == "move" else "报废",
                                "at": change.requested_at.isoformat(), "status": change.status,
                                "requested_by": change.requested_by, "reason": change.reason,
                                "location": change.new_location, "managing_unit": change.new_managing_unit,
                                "decided_by": change.decided_by,
                                "decided_at": change.decided_at.isoformat() if change.decided_at else None,
                                "decision_note": change.decision_note})
                if change.status == "pending":
                    pending = change.id
                if change.status != "approved":
                    continue
                if change.kind == "scrap":
                    current["status"] = "已报废"
                else:
                    current.update(location=change.new_location or current["location"],
                                   on_gov_cloud=bool(change.new_on_gov_cloud),
                                   managing_unit=change.new_managing_unit or current["managing_unit"])
            items.append({"key": f"{sub_id}-{index}", "submission_id": sub_id, "asset_index": index,
                          "project_id": pid, "project_name": project[1], "department": project[2],
                          "department_name": project[3], "name": asset.get("name"), "category": asset.get("category"),
                          "quantity": asset.get("quantity"), "amount_wan": _num(asset.get("amount_wan")),
                          **current, "pending_change": pending, "history": history})
    return items


def request_asset_change(user, key, kind, reason, new_location=None, new_on_gov_cloud=None, new_managing_unit=None):
    """A department (or 市数管局) asks to move or scrap an asset; 市数管局 decides."""
    depts = scope(user)
    try:
        submission_id, index = (int(x) for x in str(key).split("-", 1))
    except ValueError:
        raise NotFound("资产不存在")
    items = {a["key"]: a for a in assets(depts)}
    asset = items.get(f"{submission_id}-{index}")
    if asset is None:
        raise NotFound("资产不存在或无权查看")
    fields = {}
    if kind not in ("move", "scrap"):
        fields["kind"] = "须为迁移（move）或报废（scrap）"
    if not (reason or "").strip():
        fields["reason"] = "请填写申请理由"
    if kind == "move" and not (new_location or "").strip():
        fields["new_location"] = "请填写新的存放地点"
    if fields:
        raise Invalid("资产变更申请填写有误", fields=fields)
    if asset["status"] == "已报废":
        raise Conflict("资产已报废")
    if asset["pending_change"]:
        raise Conflict("该资产已有待审批的变更申请")
    with runtime.unit_of_work():
        change = AssetChange(submission_id=submission_id, asset_index=index, project_id=asset["project_id"], kind=kind,
                             new_location=(new_location or "").strip() or None,
                             new_on_gov_cloud=bool(new_on_gov_cloud) if kind == "move" else None,
                             new_managing_unit=(new_managing_unit or "").strip() or None, reason=reason.strip(),
                             status="pending", requested_by=user.username, requested_at=now_naive())
        db.session.add(change)
        db.session.flush()
        record("asset_change_request", user.username, project_id=asset["project_id"],
               payload={"change": change.id, "asset": asset["key"], "kind": kind})
    return change


def decide_asset_change(user, change_id, approve, note=""):
    require_sgj(user)
    with runtime.unit_of_work():
        change = db.session.get(AssetChange, change_id)
        if change is None:
            raise NotFound("变更申请不存在")
        if change.status != "pending":
            raise Conflict("该申请已处理")
        change.status = "approved" if approve else "rejected"
        change.decided_by, change.decided_at, change.decision_note = user.username, now_naive(), note or ""
        record("asset_change_decide", user.username, project_id=change.project_id,
               payload={"change": change.id, "approved": bool(approve)})
    return change
