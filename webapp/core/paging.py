"""Paging: (page, per_page) from a request, capped; one page of a query with its total."""
from flask import request
from sqlalchemy import func, select

from .errors import BadRequest
from .records import db_int

MAX_PER_PAGE = 100
MAX_PAGE = 2**31 - 1  # the offset of a larger page would not fit the database's integers


def page_of(query, page, per_page, session, total=None):
    """(rows, total) of one page of a select; page and per_page are already checked. A caller that already
    knows how many rows the query selects passes `total`, and they are not counted again."""
    if total is None:
        total = session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar()
    rows = session.execute(query.limit(per_page).offset((page - 1) * per_page)).scalars().all()
    return rows, total


def paging():
    """(page, per_page) from the query string; per_page is capped at 100."""
    out = []
    for name, default in (("page", 1), ("per_page", 20)):
        raw = request.args.get(name, default)
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise BadRequest(f"{name} 须为正整数", fields={name: "须为正整数"})
        if value < 1:
            raise BadRequest(f"{name} 须为正整数", fields={name: "须为正整数"})
        if value > MAX_PAGE:  # the offset of a larger page would not fit the database's integers
            raise BadRequest(f"{name} 过大", fields={name: f"不能超过 {MAX_PAGE}"})
        out.append(value)
    return out[0], min(out[1], MAX_PER_PAGE)


def listing(items, total):
    return {"items": items, "total": total}


def page_args(default_per_page=20):
    """(page, per_page) of a list page: page ≥ 1 and within the database's integers, per_page 1–100."""
    page = db_int(request.args.get("page", "")) or 1
    per_page = db_int(request.args.get("per_page", "")) or default_per_page
    return min(max(page, 1), MAX_PAGE), min(max(per_page, 1), MAX_PER_PAGE)
