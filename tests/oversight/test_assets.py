"""The asset register: assets come from the 资产登记 step of a project walked to the end of 验收; a department
asks to move or scrap one, 市数管局 decides, and the register shows where each asset is now and its history."""
import html as html_lib
import re

import pytest

from engine.db import db
from engine.models import AuditEvent
from scenarios import driver
from webapp.oversight.models import AssetChange

from . import city
from .test_city import client

WHEN = "2026-12-15T10:00"


FLASH = re.compile(r'<div class="flash flash-(\w+)" role="status">(.*?)</div>', re.S)


def flashes(html):
    """The flashed messages alone, as "category:message" (the pages also quote rules in their own text)."""
    return " | ".join(f"{category}:{html_lib.unescape(message)}" for category, message in FLASH.findall(html))


@pytest.fixture
def registered(users):
    p = city.CityProject(1, department="gaj", name="公安视频云平台", build_year=2026, at="2025-03-02")
    city.to_contract(p, 2026, approved=500, amount=460, signed="2026-03-10", plan_start="2026-03-01",
                     plan_end="2026-12-31", quarters=[("2026-Q1", 50)], principle="共享优先")
    driver.side_reports(p)
    driver.report(p, "2026-03", at="2026-03-18", percent=40, last_percent=0)
    p.fire("2026-04-01")
    driver.report(p, "2026-04", at="2026-04-15", percent=100, last_percent=40, complete=True)
    driver.accept(p, initial="2026-07-01", applied="2026-07-20", accepted="2026-08-31")
    db.session.expire_all()
    return users


def post(app, user, path, data):
    with city.at(WHEN):
        return flashes(client(app, user).post(path, data=data, follow_redirects=True).get_data(as_text=True))


def assets():
    from webapp.oversight.services import reports

    db.session.expire_all()
    return {a["name"]: a for a in reports.assets()}


def test_move_and_scrap_requested_decided_and_reported(registered, app):
    users = registered
    register = assets()
    assert set(register) == {"警务数据共享平台软件", "前置服务器"}
    server = register["前置服务器"]
    assert (server["location"], server["on_gov_cloud"], server["status"], server["quantity"], server["amount_wan"]) \
        == ("市公安局机房", False, "在用", 2, 40)
    assert server["department"] == "gaj" and [h["kind"] for h in server["history"]] == ["register"]
    key, software = server["key"], register["警务数据共享平台软件"]["key"]

    # refusals: no reason, a move without a place, an unknown kind, another department's asset
    assert "请填写申请理由" in post(app, users["dept_gaj"], f"/oversight/assets/{key}/changes", {"kind": "move",
                                                                                          "new_location": "市政务云"})
    assert "请填写新的存放地点" in post(app, users["dept_gaj"], f"/oversight/assets/{key}/changes",
                                  {"kind": "move", "reason": "上云"})
    assert "须为迁移（move）或报废（scrap）" in post(app, users["dept_gaj"], f"/oversight/assets/{key}/changes",
                                              {"kind": "sell", "reason": "x"})
    assert "资产不存在或无权查看" in post(app, users["dept_jyj"], f"/oversight/assets/{key}/changes",
                                   {"kind": "scrap", "reason": "x"})
    assert db.session.query(AssetChange).count() == 0

    # the department asks to move the servers onto the government cloud; a second request waits for the first
    page = post(app, users["dept_gaj"], f"/oversight/assets/{key}/changes",
                {"kind": "move", "reason": "统一上云", "new_location": "市政务云", "new_on_gov_cloud": "1",
                 "new_managing_unit": "市数管局"})
    assert "资产变更申请已提交，待市数管局审批" in page
    assert "该资产已有待审批的变更申请" in post(app, users["dept_gaj"], f"/oversight/assets/{key}/changes",
                                        {"kind": "scrap", "reason": "老化"})
    [change] = db.session.query(AssetChange).all()
    assert assets()["前置服务器"]["pending_change"] == change.id
    assert assets()["前置服务器"]["location"] == "市公安局机房"  # nothing moves before the decision

    # only 市数管局 decides; it approves; the register shows the new place
    assert "只有市数管局可以执行此操作" in post(app, users["dept_gaj"], f"/oversight/asset-changes/{change.id}/decide",
                                         {"approve": "1"})
    assert "已审批资产变更申请" in post(app, users["sgj"], f"/oversight/asset-changes/{change.id}/decide",
                                  {"approve": "1", "note": "同意迁移"})
    assert "该申请已处理" in post(app, users["sgj"], f"/oversight/asset-changes/{change.id}/decide", {"approve": "0"})
    moved = assets()["前置服务器"]
    assert (moved["location"], moved["on_gov_cloud"], moved["managing_unit"], moved["pending_change"]) \
        == ("市政务云", True, "市数管局", None)
    assert [(h["kind"], h["status"]) for h in moved["history"]] == [("register", "approved"), ("move", "approved")]

    # a scrapping rejected changes nothing; approved, the asset is 已报废 and takes no further request
    post(app, users["dept_gaj"], f"/oversight/assets/{software}/changes", {"kind": "scrap", "reason": "已被替代"})
    rejected = db.session.query(AssetChange).filter_by(kind="scrap").one()
    post(app, users["sgj"], f"/oversight/asset-changes/{rejected.id}/decide", {"approve": "0", "note": "仍在使用"})
    assert assets()["警务数据共享平台软件"]["status"] == "在用"
    post(app, users["dept_gaj"], f"/oversight/assets/{software}/changes", {"kind": "scrap", "reason": "已被替代"})
    approved = db.session.query(AssetChange).filter_by(kind="scrap", status="pending").one()
    post(app, users["sgj"], f"/oversight/asset-changes/{approved.id}/decide", {"approve": "1"})
    assert assets()["警务数据共享平台软件"]["status"] == "已报废"
    assert "资产已报废" in post(app, users["dept_gaj"], f"/oversight/assets/{software}/changes",
                             {"kind": "move", "reason": "x", "new_location": "y"})
    assert db.session.query(AuditEvent).filter_by(kind="asset_change_decide").count() == 3

    # the assets report page shows the register with its data, to the department and to 市数管局
    with city.at(WHEN):
        for who in ("dept_gaj", "sgj"):
            page = client(app, users[who]).get("/oversight/assets").get_data(as_text=True)
            assert "前置服务器" in page and "市政务云" in page and "已报废" in page
        other = client(app, users["dept_jyj"]).get("/oversight/assets").get_data(as_text=True)
        assert "前置服务器" not in other
