"""委托/代理: a user names a stand-in for a period (e.g. leave). While it runs, the stand-in sees and works the
user's tasks and their groups' tasks; the engine records each such action as "X 代 Y" (on_behalf_of).

三员分立: a delegation carries business groups only. The administrative duties (sysadmin, secadmin, auditor,
admin) never pass to a stand-in; none of the three administrators may delegate or stand in, and a
delegation made before someone became one of them carries nothing from then on.
"""
from datetime import date

from sqlalchemy import select

from engine import clock
from engine.audit import record
from engine.db import db
from engine.errors import Conflict, Forbidden, Invalid, NotFound

from . import duties

MAX_DAYS = 366
MAX_NOTE = 200


class Delegation(db.Model):
    """Principal's work goes to the deputy from starts_on to ends_on (Beijing dates, both days included)."""

    __tablename__ = "delegation"
    id = db.Column(db.Integer, primary_key=True)
    principal = db.Column(db.String(64), nullable=False, index=True)
    deputy = db.Column(db.String(64), nullable=False, index=True)
    starts_on = db.Column(db.Date, nullable=False)
    ends_on = db.Column(db.Date, nullable=False)
    note = db.Column(db.String(MAX_NOTE))
    created_at = db.Column(db.DateTime, nullable=False)
    revoked_at = db.Column(db.DateTime)


def _day(value, label):
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise Invalid(f"{label}须为日期，如 2026-12-01", fields={label: "日期格式不正确"}) from None


def _running(on_day):
    return (Delegation.revoked_at.is_(None), Delegation.starts_on <= on_day, Delegation.ends_on >= on_day)


def create(principal, deputy_username, starts_on, ends_on, note=""):
    """principal: the User delegating. Returns the new Delegation; Invalid/Conflict with a Chinese reason."""
    from .models import User

    role = duties.one_of_three(principal.groups)
    if role:
        raise Forbidden(f"三员分立：{role}的职责不能委托他人")
    starts, ends = _day(starts_on, "开始日期"), _day(ends_on, "结束日期")
    note = (note or "").strip()
    deputy = db.session.execute(select(User).where(User.username == (deputy_username or "").strip())).scalar()
    if deputy is None or not deputy.active:
        raise Invalid("请选择一位在用的同事作为代理人", fields={"deputy": "无此用户"})
    role = duties.one_of_three(deputy.groups)
    if role:
        raise Invalid(f"三员分立：{role}不能担任代理人", fields={"deputy": f"{role}不能代理业务"})
    if deputy.username == principal.username:
        raise Invalid("不能委托给自己", fields={"deputy": "须为他人"})
    if ends < starts:
        raise Invalid("结束日期不能早于开始日期", fields={"ends_on": "早于开始日期"})
    if ends < clock.today():
        raise Invalid("结束日期已过", fields={"ends_on": "已过"})
    if (ends - starts).days >= MAX_DAYS:
        raise Invalid(f"委托期限最长 {MAX_DAYS} 天", fields={"ends_on": "期限过长"})
    if len(note) > MAX_NOTE:
        raise Invalid(f"说明不能超过 {MAX_NOTE} 个字", fields={"note": "过长"})
    overlapping = db.session.execute(select(Delegation.id).where(
        Delegation.principal == principal.username, Delegation.revoked_at.is_(None),
        Delegation.starts_on <= ends, Delegation.ends_on >= starts)).first()
    if overlapping:
        raise Conflict("该期间已有委托，请先撤销原委托")
    row = Delegation(principal=principal.username, deputy=deputy.username, starts_on=starts, ends_on=ends,
                     note=note or None, created_at=clock.now().replace(tzinfo=None))
    db.session.add(row)
    db.session.flush()
    record("delegate", principal.username, payload={"deputy": deputy.username, "from": starts.isoformat(),
                                                    "to": ends.isoformat(), "note": note})
    db.session.commit()
    return row


def revoke(user, delegation_id):
    row = db.session.get(Delegation, delegation_id)
    if row is None:
        raise NotFound("委托不存在")
    if row.principal != user.username and "admin" not in user.groups:
        raise Forbidden("只能撤销自己的委托")
    if row.revoked_at is not None:
        raise Conflict("该委托已撤销")
    row.revoked_at = clock.now().replace(tzinfo=None)
    record("delegate_revoke", user.username, payload={"delegation_id": row.id, "deputy": row.deputy})
    db.session.commit()


def principals_of(username, on_day=None):
    """((principal username, their business groups), ...) the user stands in for today: for the engine's Actor.

    Administrative groups are left out; a principal or a stand-in holding one of the three administrators'
    roles today gives or gets nothing (the rule holds also for delegations made before a role change)."""
    from .models import User, user_groups

    on_day = on_day or clock.today()
    names = db.session.execute(select(Delegation.principal).where(
        Delegation.deputy == username, *_running(on_day))).scalars().all()
    if not names:
        return ()
    rows = db.session.execute(select(User.username, user_groups.c.group_code)
                              .join(user_groups, user_groups.c.user_id == User.id)
                              .where(User.username.in_(sorted({*names, username})), User.active.is_(True))).all()
    groups = {name: set() for name in {*names, username}}
    for name, group in rows:
        groups[name].add(group)
    if duties.one_of_three(groups.pop(username)):
        return ()
    return tuple((name, frozenset(g - duties.ADMINISTRATIVE)) for name, g in sorted(groups.items())
                 if not duties.one_of_three(g))


def listing(user):
    """{"given": [...], "received": [...]}: the user's delegations both ways, newest first, with names."""
    from .models import User

    rows = db.session.execute(select(Delegation).where(
        (Delegation.principal == user.username) | (Delegation.deputy == user.username))
        .order_by(Delegation.starts_on.desc(), Delegation.id.desc()).limit(100)).scalars().all()
    people = {r.principal for r in rows} | {r.deputy for r in rows}
    names = dict(db.session.execute(select(User.username, User.display_name)
                                    .where(User.username.in_(sorted(people)))).all()) if people else {}
    today = clock.today()

    def item(r):
        state = ("已撤销" if r.revoked_at else "已结束" if r.ends_on < today else
                 "生效中" if r.starts_on <= today else "未开始")
        return {"id": r.id, "principal": r.principal, "principal_name": names.get(r.principal, r.principal),
                "deputy": r.deputy, "deputy_name": names.get(r.deputy, r.deputy), "starts_on": r.starts_on.isoformat(),
                "ends_on": r.ends_on.isoformat(), "note": r.note or "", "state": state,
                "revocable": r.revoked_at is None and r.ends_on >= today}

    return {"given": [item(r) for r in rows if r.principal == user.username],
            "received": [item(r) for r in rows if r.deputy == user.username]}
