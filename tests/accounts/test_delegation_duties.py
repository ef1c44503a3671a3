"""委托/代理 × 三员分立: a stand-in gets a principal's business groups only, never sysadmin/secadmin/auditor/admin
duties; none of the three administrators may delegate or stand in, also after a later role change."""
import pytest

from engine import clock
from engine.errors import Forbidden, Invalid


@pytest.fixture
def people(make_user):
    return {"wang": make_user("wang", groups=("dept:gaj", "admin")), "li": make_user("li", groups=("dept:czj",)),
            "zhao": make_user("zhao", groups=("dept:fgw",))}


def _delegate(principal, deputy):
    from webapp.accounts import delegation

    return delegation.create(principal, deputy, clock.today(), clock.today())


def test_a_stand_in_gets_business_groups_only(app, db, people):
    from webapp.accounts import delegation
    from webapp.accounts.models import User
    from webapp.core.identity import actor_of

    _delegate(people["wang"], "li")
    assert delegation.principals_of("li") == (("wang", frozenset({"dept:gaj"})),)
    li = db.session.execute(db.select(User).filter_by(username="li")).scalar_one()
    actor = actor_of(li)
    assert not actor.is_admin and not actor.may_work("admin") and actor.may_work("dept:gaj")
    assert actor.on_behalf_of("dept:gaj") == "wang"


@pytest.mark.parametrize("role", ["sysadmin", "secadmin", "auditor"])
def test_the_three_cannot_delegate(app, db, make_user, people, role):
    from webapp.accounts.delegation import Delegation

    account = make_user(f"{role}1", groups=(role, "dept:gaj"))
    with pytest.raises(Forbidden, match="三员分立"):
        _delegate(account, "li")
    client = app.test_client()
    client.post("/login", data={"username": f"{role}1", "password": "Initial-pass-1"})
    today = clock.today().isoformat()
    r = client.post("/delegation", data={"deputy": "li", "starts_on": today, "ends_on": today})
    assert r.status_code == 403
    assert db.session.query(Delegation).count() == 0


@pytest.mark.parametrize("role", ["sysadmin", "secadmin", "auditor"])
def test_the_three_cannot_stand_in(app, db, make_user, people, role):
    from webapp.accounts.delegation import Delegation

    make_user(f"{role}1", groups=(role,))
    with pytest.raises(Invalid, match="三员分立") as refused:
        _delegate(people["zhao"], f"{role}1")
    assert "不能担任代理人" in refused.value.message
    assert db.session.query(Delegation).count() == 0


def test_a_later_role_change_ends_what_the_delegation_carries(app, db, people):
    from webapp.accounts import delegation

    _delegate(people["zhao"], "li")
    _delegate(people["wang"], "li")
    assert [name for name, _ in delegation.principals_of("li")] == ["wang", "zhao"]
    people["zhao"].set_groups(["dept:fgw", "secadmin"])  # the principal became 安全管理员
    db.session.commit()
    assert [name for name, _ in delegation.principals_of("li")] == ["wang"]
    people["li"].set_groups(["auditor"])  # the stand-in became 安全审计员
    db.session.commit()
    assert delegation.principals_of("li") == ()


def test_the_page_offers_none_of_the_three_as_stand_in(app, db, make_user, people):
    make_user("sysadmin1", groups=("sysadmin",))
    client = app.test_client()
    client.post("/login", data={"username": "zhao", "password": "Initial-pass-1"})
    page = client.get("/delegation").get_data(as_text=True)
    assert 'value="li"' in page and 'value="sysadmin1"' not in page
