"""委托/代理 periods, 批注 with @mentions, saved 待办 filters: the services under the pages."""
from datetime import date, timedelta

import pytest

from engine import clock, runtime
from engine.db import db as database
from engine.errors import Conflict, Invalid, NotFound
from engine.models import AuditEvent, Notification
from webapp.accounts import delegation
from webapp.accounts.models import User
from webapp.core.models import Department, Project
from webapp.notify import delivery
from webapp.notify.records import NotifyDelivery
from webapp.projects import comments
from webapp.worklist import saved_filters


def _user(name, display, groups, email=None):
    user = User(username=name, display_name=display, email=email, department_code=None)
    user.set_password("x")
    database.session.add(user)
    database.session.flush()
    user.set_groups(groups)
    database.session.commit()
    return user


@pytest.fixture
def people(db):
    return {"wang": _user("wang", "王科员", ["dept:gaj"]), "li": _user("li", "李科员", ["dept:czj"], "li@czj.example"),
            "zhao": _user("zhao", "赵处长", ["sgj"])}


def test_delegation_period_gives_the_deputy_the_principals_groups(people):
    today = clock.today()
    with pytest.raises(Invalid):
        delegation.create(people["wang"], "wang", today, today)
    with pytest.raises(Invalid):
        delegation.create(people["wang"], "li", today, today - timedelta(days=1))
    with pytest.raises(Invalid):
        delegation.create(people["wang"], "nobody", today, today)
    row = delegation.create(people["wang"], "li", today, today + timedelta(days=6), "休年假")
    with pytest.raises(Conflict):
        delegation.create(people["wang"], "zhao", today + timedelta(days=3), today + timedelta(days=9))
    assert delegation.principals_of("li") == (("wang", frozenset({"dept:gaj"})),)
    assert delegation.principals_of("li", today + timedelta(days=7)) == ()
    assert delegation.principals_of("zhao") == ()
    shown = delegation.listing(people["li"])["received"]
    assert shown[0]["principal_name"] == "王科员" and shown[0]["state"] == "生效中"
    delegation.revoke(people["wang"], row.id)
    assert delegation.principals_of("li") == ()
    assert [e.kind for e in database.session.query(AuditEvent).order_by(AuditEvent.id)] == ["delegate",
                                                                                           "delegate_revoke"]


def test_comment_mentions_notify_the_person_on_their_channels(people, app, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")  # e-mail is a channel only where a server is set
    database.session.add(Department(code="gaj", name="市公安局"))
    project = Project(name="智慧警务", department_code="gaj", build_year=2027, created_at=date(2026, 1, 1))
    database.session.add(project)
    database.session.commit()
    with pytest.raises(Invalid):
        comments.add(people["wang"], project, "   ")
    comment = comments.add(people["wang"], project, "请 @李科员 和 @zhao 看一下预算表，@不存在 无效")
    assert comment.mentions == "li,zhao"
    notes = database.session.query(Notification).filter_by(kind="mention").order_by(Notification.group_code).all()
    assert [n.group_code for n in notes] == ["user:li", "user:zhao"]
    assert notes[0].message.startswith("王科员 在“智慧警务”的批注中提到了您")
    [shown] = comments.listing(project.id)
    assert shown["author_name"] == "王科员" and "@李科员" in shown["body"]
    assert database.session.query(AuditEvent).filter_by(kind="comment").one().payload["mentions"] == ["li", "zhao"]
    delivery.plan_pending()
    [mail] = database.session.query(NotifyDelivery).all()
    assert (mail.channel, mail.target, mail.usernames) == ("email", "li@czj.example", "li")


def test_saved_filters_per_user_with_one_default(people):
    first = saved_filters.save("wang", "逾期未签收", {"deadline": "overdue", "claim": "unassigned", "evil": "x"},
                               make_default=True)
    assert first.filters == {"deadline": "overdue", "claim": "unassigned"}
    second = saved_filters.save("wang", "本人", {"claim": "mine"}, sort="created", make_default=True)
    assert saved_filters.default_of("wang").id == second.id
    assert [f.name for f in saved_filters.mine("wang")] == ["本人", "逾期未签收"]
    with pytest.raises(Invalid):
        saved_filters.save("wang", "", {})
    with pytest.raises(Invalid):
        saved_filters.save("wang", "x", {}, sort="random")
    with pytest.raises(NotFound):
        saved_filters.delete("li", first.id)
    saved_filters.set_default("wang", None)
    assert saved_filters.default_of("wang") is None
    saved_filters.delete("wang", first.id)
    assert [f.name for f in saved_filters.mine("wang")] == ["本人"]


def test_stand_in_actor_from_the_delegation_works_the_principals_task(people, deployed):
    delegation.create(people["wang"], "li", clock.today(), clock.today())
    with runtime.unit_of_work():
        row = runtime.start_instance("simple", project_id=7, owner_group="dept:gaj", data={"build_year": 2027})
    task = runtime.open_tasks(row.id)[0]
    stand_in = runtime.Actor("li", frozenset(people["li"].groups), principals=delegation.principals_of("li"))
    runtime.complete_task(task.id, {"amount_wan": 10, "own_funds_wan": 10, "other_funds_wan": 0}, stand_in)
    done = database.session.query(AuditEvent).filter_by(kind="complete").one()
    assert (done.actor, done.payload["on_behalf_of"]) == ("li", "wang")


def test_project_search_by_business_values(people, deployed):
    from engine.models import Instance
    from webapp.projects.services import list_projects

    database.session.add(Department(code="gaj", name="市公安局"))
    rows = []
    for i, (category, budget, contract) in enumerate((("软件开发类", 300, 280), ("设备购买类", 900, None),
                                                      ("软件开发类", 1500, 1400))):
        with runtime.unit_of_work():
            instance = runtime.start_instance("simple", project_id=100 + i, owner_group="dept:gaj",
                                              data={"build_year": 2027})
        variables = {"project_category": category, **({"contract_amount_wan": contract} if contract else {})}
        database.session.get(Instance, instance.id).variables = variables
        project = Project(id=100 + i, name=f"项目{i}", department_code="gaj", build_year=2027, budget_wan=budget,
                          created_at=date(2026, 1, 1), instance_id=instance.id)
        database.session.add(project)
        rows.append(project)
    database.session.commit()
    admin = _user("boss", "管理员", ["admin"])
    names = lambda f: sorted(p.name for p in list_projects(admin, f)[0])  # noqa: E731
    assert names({"category": "软件开发类"}) == ["项目0", "项目2"]
    assert names({"budget_min": "500", "budget_max": "1000"}) == ["项目1"]
    assert names({"contract_min": "1000"}) == ["项目2"]
    assert names({"step": "填报"}) == ["项目0", "项目1", "项目2"]
    assert names({"step": "审核"}) == []
    with pytest.raises(Invalid):
        list_projects(admin, {"budget_min": "900", "budget_max": "100"})
    with pytest.raises(Invalid):
        list_projects(admin, {"contract_min": "很多"})


def test_suspend_needs_a_reason_and_the_task_is_marked(people, deployed):
    from webapp.worklist.services import list_tasks, task_dicts

    admin = runtime.Actor("boss", frozenset({"admin"}))
    with runtime.unit_of_work():
        row = runtime.start_instance("simple", project_id=7, owner_group="dept:gaj", data={"build_year": 2027})
    with pytest.raises(Invalid):
        runtime.suspend(row.id, admin, "  ")
    runtime.suspend(row.id, admin, "核查申报材料")
    [task] = task_dicts(list_tasks(people["wang"], {})[0])
    assert task["suspended"] is True


def test_restart_after_a_browser_deploy_says_which_version_is_live(app, real_model):
    from engine import registry
    from tests.conftest import ROOT

    files = registry.read_model_dir(ROOT)
    name = "bpmn/establishment-route.dmn"
    changed = {**files, name: files[name].replace('name="立项方式判定"', 'name="立项方式判定（新）"', 1)}
    with runtime.unit_of_work():
        live, created = registry.deploy(changed, actor="analyst")
    assert created
    result = app.test_cli_runner().invoke(args=["models", "deploy"])
    assert result.exit_code == 0, result.output
    assert f"当前生效的是版本 {live.id}" in result.output and "由 analyst 部署" in result.output
    assert "沿用版本" not in result.output
