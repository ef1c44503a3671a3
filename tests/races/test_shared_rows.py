"""Requests racing for one shared row: each gets a clean answer (200 or 409), never a 500 (issue 14).

They race through real HTTP on a threaded server, so on PostgreSQL the transactions truly overlap.
"""
from datetime import datetime

import requests

from .conftest import at_once

TABS = 8


def _clean(responses):
    statuses = [r.status_code if isinstance(r, requests.Response) else repr(r) for r in responses]
    assert all(s in (200, 409) for s in statuses), statuses
    return statuses


def test_mark_all_read_from_several_tabs(app, db, served):
    from engine.models import Notification, NotificationRead

    base, token = served
    now = datetime(2026, 11, 2, 1, 0)
    db.session.add_all([Notification(group_code="dept:gaj", kind="reminder", message=f"提醒{i}", created_at=now)
                        for i in range(300)])
    db.session.commit()
    headers = {"Authorization": f"Bearer {token('dept_gaj')}"}

    for _ in range(3):  # the window is small; a few rounds make a lost race show
        responses = at_once(TABS, lambda i: requests.post(f"{base}/api/notifications/read", json={"all": True},
                                                          headers=headers, timeout=60))
        statuses = _clean(responses)
        assert 200 in statuses
        assert all(r.json()["unread"] == 0 for r in responses if r.status_code == 200)
        db.session.add_all([Notification(group_code="dept:gaj", kind="reminder", message=f"又一条{i}",
                                         created_at=now) for i in range(300)])
        db.session.commit()
    db.session.expire_all()
    assert db.session.query(NotificationRead).filter_by(username="dept_gaj").count() == 900
    r = requests.get(f"{base}/api/notifications?unread=1", headers=headers, timeout=30)
    assert r.status_code == 200 and r.json()["total"] == 300


def test_bulletin_refreshed_from_several_tabs(app, db, served):
    from webapp.oversight.models import Bulletin

    base, token = served
    headers = {"Authorization": f"Bearer {token('sgj')}"}
    for month in ("2026-09", "2026-10"):  # first refresh of a month (insert) and again (update)
        for _ in range(2):
            responses = at_once(TABS, lambda i: requests.get(f"{base}/api/reports/monthly",
                                                             params={"month": month, "refresh": "1"},
                                                             headers=headers, timeout=60))
            statuses = _clean(responses)
            assert 200 in statuses
            assert all(r.json()["month"] == month and r.json()["stored"] for r in responses if r.status_code == 200)
    db.session.expire_all()
    assert sorted(b.month for b in db.session.query(Bulletin).all()) == ["2026-09", "2026-10"]
