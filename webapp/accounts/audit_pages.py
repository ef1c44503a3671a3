"""审计日志 for the 安全审计员 (and only them): filters by who, what, when and address; Excel export."""
import io
from datetime import date

from flask import Blueprint, abort, render_template, request, send_file
from flask_login import current_user

from engine import clock
from engine.audit import record
from engine.db import db

from ..core.auditwords import KIND_LABELS, task_names

from . import audit_log, duties

bp = Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates")
EXPORT_LIMIT = 50000  # rows in one workbook; narrow the filters for more


def _guard():
    from flask import redirect, url_for

    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if not duties.holds(current_user, duties.AUDITOR):
        abort(403)
    return None


bp.before_request(_guard)


def _filters():
    """The page's filters; a bad date is a Chinese error, not a 500."""
    args = request.args
    filters, errors = {}, {}
    for key in ("actor", "kind", "address"):
        value = (args.get(key) or "").strip()[:64]
        if value:
            filters[key] = value
    for key in ("since", "until"):
        raw = (args.get(key) or "").strip()
        if raw:
            try:
                filters[key] = date.fromisoformat(raw)
            except ValueError:
                errors[key] = "日期应写成“2026-11-30”这样的年-月-日"
    return filters, errors


@bp.get("")
def index():
    from ..core.paging import page_args

    filters, errors = _filters()
    page, per_page = page_args(50)
    query = audit_log.query(filters)
    total = db.session.execute(db.select(db.func.count()).select_from(query.subquery())).scalar()
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).scalars().all()
    return render_template("accounts/audit.html", rows=rows, total=total, page=page, per_page=per_page,
                           filters=request.args, errors=errors, kinds=KIND_LABELS,
                           task_names=task_names(r.task_id for r in rows),
                           to_beijing=lambda at: clock.as_utc(at).astimezone(clock.BEIJING)), (422 if errors else 200)


@bp.get("/export.xlsx")
def export():
    filters, errors = _filters()
    if errors:
        abort(422)
    rows = db.session.execute(audit_log.query(filters).limit(EXPORT_LIMIT)).scalars().all()
    book = audit_log.workbook(rows)
    record("export", current_user.username, payload={"what": "audit_log", "rows": len(rows),
                                                      "filters": {k: str(v) for k, v in filters.items()}})
    db.session.commit()
    buf = io.BytesIO()
    book.save(buf)
    buf.seek(0)
    return send_file(buf, as_attachment=True, download_name="审计日志.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
