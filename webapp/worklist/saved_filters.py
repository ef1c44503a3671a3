"""Saved 待办 filters: per user, a name, the filter values and the sort; one of them may be the default."""
from sqlalchemy import select, update

from engine import clock
from engine.db import db
from engine.errors import Conflict, Invalid, NotFound

# The 待办 list's query arguments a filter may hold, and the sorts it offers.
FILTER_KEYS = ("project_id", "stage", "deadline", "form", "claim", "q")
SORTS = {"deadline": "按截止时间", "created": "按到达时间（新的在前）", "project": "按项目"}
MAX_FILTERS = 30
MAX_NAME = 40


class SavedFilter(db.Model):
    __tablename__ = "saved_filter"
    __table_args__ = (db.UniqueConstraint("username", "name", name="uq_saved_filter_name"),)
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(64), nullable=False, index=True)
    name = db.Column(db.String(MAX_NAME), nullable=False)
    filters = db.Column(db.JSON, nullable=False, default=dict)
    sort = db.Column(db.String(16), nullable=False, default="deadline")
    is_default = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(db.DateTime, nullable=False)


def clean(values):
    """Only the known keys, as short strings; anything else is dropped."""
    out = {}
    for key in FILTER_KEYS:
        value = values.get(key) if isinstance(values, dict) else None
        if isinstance(value, (int, str)) and str(value).strip():
            out[key] = str(value).strip()[:100]
    return out


def mine(username):
    return db.session.execute(select(SavedFilter).where(SavedFilter.username == username)
                              .order_by(SavedFilter.is_default.desc(), SavedFilter.name)).scalars().all()


def default_of(username):
    return db.session.execute(select(SavedFilter).where(
        SavedFilter.username == username, SavedFilter.is_default.is_(True))).scalar()


def save(username, name, values, sort="deadline", make_default=False):
    """Create or overwrite the user's filter called `name`."""
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name:
        raise Invalid("请为筛选条件起个名字", fields={"name": "必填"})
    if len(name) > MAX_NAME:
        raise Invalid(f"名称不能超过 {MAX_NAME} 个字", fields={"name": "过长"})
    if sort not in SORTS:
        raise Invalid("排序方式无效", fields={"sort": "无效"})
    row = db.session.execute(select(SavedFilter).where(SavedFilter.username == username,
                                                       SavedFilter.name == name)).scalar()
    if row is None:
        if len(mine(username)) >= MAX_FILTERS:
            raise Conflict(f"最多保存 {MAX_FILTERS} 个筛选条件，请先删除不用的")
        row = SavedFilter(username=username, name=name, created_at=clock.now().replace(tzinfo=None))
        db.session.add(row)
    row.filters, row.sort = clean(values), sort
    if make_default:
        db.session.execute(update(SavedFilter).where(SavedFilter.username == username).values(is_default=False))
        row.is_default = True
    db.session.commit()
    return row


def _own(username, filter_id):
    row = db.session.get(SavedFilter, filter_id)
    if row is None or row.username != username:
        raise NotFound("筛选条件不存在")
    return row


def set_default(username, filter_id):
    """Make one filter the default (None: no default)."""
    if filter_id is not None:
        _own(username, filter_id)
    db.session.execute(update(SavedFilter).where(SavedFilter.username == username).values(is_default=False))
    if filter_id is not None:
        db.session.execute(update(SavedFilter).where(SavedFilter.id == filter_id).values(is_default=True))
    db.session.commit()


def delete(username, filter_id):
    db.session.delete(_own(username, filter_id))
    db.session.commit()
