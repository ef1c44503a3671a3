"""The cockpit list searched by business values (建设年度, 类别, 预算/合同金额区间, 当前环节) with paging, API and page."""
from datetime import datetime

from engine import runtime
from engine.db import db as database
from engine.models import Instance
from webapp.core.models import Department, Project


def _projects(db):
    database.session.merge(Department(code="gaj", name="市公安局"))
    made = []
    for i, (category, budget, contract, year) in enumerate((("软件开发类", 300, 280, 2027), ("设备购买类", 900, None, 2027),
                                                            ("软件开发类", 1500, 1400, 2026))):
        with runtime.unit_of_work():
            instance = runtime.start_instance("simple", project_id=300 + i, owner_group="dept:gaj",
                                              data={"build_year": year})
        row = database.session.get(Instance, instance.id)
        row.variables = {"project_category": category, **({"contract_amount_wan": contract} if contract else {})}
        database.session.add(Project(id=300 + i, name=f"检索项目{i}", department_code="gaj", build_year=year,
                                     budget_wan=budget, created_at=datetime(2026, 1, 1), instance_id=instance.id))
        made.append(instance.id)
    database.session.commit()
    return made


def test_cockpit_list_by_business_values_with_paging(api, deployed, db):
    a, b, c = _projects(db)
    sgj = api.as_("sgj")

    def ids(query):
        r = sgj.get(f"/api/cockpit/instances?{query}")
        assert r.status_code == 200, r.get_json()
        return sorted(i["id"] for i in r.get_json()["items"]), r.get_json()["total"]

    assert ids("category=软件开发类") == ([a, c], 2)
    assert ids("year=2027") == ([a, b], 2)
    assert ids("budget_min=500&budget_max=1000") == ([b], 1)
    assert ids("contract_min=1000") == ([c], 1)
    assert ids("category=软件开发类&year=2026") == ([c], 1)
    assert ids("step=审核") == ([], 0)
    assert ids(f"step={runtime.open_tasks(a)[0].name}") == ([a, b, c], 3)
    page2 = sgj.get("/api/cockpit/instances?category=软件开发类&per_page=1&page=2").get_json()
    assert page2["total"] == 2 and [i["id"] for i in page2["items"]] == [a]  # newest first: c, then a
    assert sgj.get("/api/cockpit/instances?category=软件开发类").get_json()["counts"]["total"] == 2
    r = sgj.get("/api/cockpit/instances?budget_min=900&budget_max=100")
    assert r.status_code == 422 and "预算下限不能大于上限" in str(r.get_json()), r.get_json()
    assert sgj.get("/api/cockpit/instances?year=明年").status_code == 422
    assert sgj.get("/api/cockpit/instances?contract_min=很多").status_code == 422


def test_cockpit_page_has_the_business_search_form(app, users, deployed, db):
    a, b, c = _projects(db)
    client = app.test_client()
    assert client.post("/login", data={"username": "admin", "password": "demo-pass-2026"}).status_code in (302, 303)
    page = client.get("/admin/instances?category=设备购买类&year=2027").get_data(as_text=True)
    for name in ("year", "category", "budget_min", "budget_max", "contract_min", "contract_max", "step"):
        assert f'name="{name}"' in page, name
    assert f'data-id="{b}"' in page and f'data-id="{a}"' not in page and f'data-id="{c}"' not in page
