"""A task the process designates to several people (`lane_owners = {"<lane>": [a, b]}`): each named person
sees it in 待办 and its notices and may claim it; the first claim takes it; nobody else, not even another
member of the lane's group, sees or works it."""
from engine import runtime
from engine.runtime import unit_of_work

from tests.engine.test_bpmn_features import files_of


def _start(api, reviewers):
    assert api.as_("analyst").post("/api/models", json={"files": files_of("pair"), "replace": True}).status_code in (200, 201)
    with unit_of_work():
        row = runtime.start_instance("pair", data={"reviewers": reviewers})
    [task] = runtime.open_tasks(row.id)
    return task


def _queue(api, who):
    return [t["id"] for t in api.as_(who).get("/api/tasks").get_json()["items"]]


def test_each_named_person_sees_and_may_claim_a_task_designated_to_several(api, db):
    task = _start(api, ["expert1", "expert3"])
    assert (task.group_code, task.assignee) == ("user:expert1,expert3", None)
    url = f"/api/tasks/{task.id}"
    for who in ("expert1", "expert3"):
        assert _queue(api, who) == [task.id]
        assert api.as_(who).get(url).status_code == 200
    for who in ("expert2", "sgj", "dept_gaj"):  # another expert of the pool and other roles: not theirs
        assert _queue(api, who) == []
        assert api.as_(who).get(url).status_code == 404
        assert api.as_(who).post(f"{url}/claim").status_code in (403, 404)
    assert api.as_("expert3").post(f"{url}/claim").status_code == 200
    taken = api.as_("expert1").post(f"{url}/claim")
    assert taken.status_code == 409 and taken.get_json()["message"] == "任务已被 expert3 签收"
    assert api.as_("expert1").post(f"{url}/complete", json={"data": {"score": 70}}).status_code in (403, 409)
    # back to both of them, then the other one works it
    assert api.as_("expert3").post(f"{url}/unclaim").status_code == 200
    assert api.as_("expert1").post(f"{url}/claim").status_code == 200
    done = api.as_("expert1").post(f"{url}/complete", json={"data": {"score": 70}})
    assert done.status_code == 200, done.get_json()
    assert runtime.get_task(task.id).completed_by == "expert1"


def test_one_name_is_assigned_at_once_and_a_bad_designation_goes_to_the_administrators(api, db):
    task = _start(api, ["expert2"])
    assert (task.group_code, task.assignee) == ("user:expert2", "expert2")
    assert api.as_("expert2").post(f"/api/tasks/{task.id}/unclaim").status_code == 409
    for bad in (["expert1", "expert1"], ["expert1", "not a name"], [f"expert{n}" for n in range(1, 20)]):
        task = _start(api, bad)
        assert (task.group_code, task.assignee) == ("admin", None), bad


def test_an_administrator_gives_a_designated_task_to_one_of_them_or_of_the_lane(api, db):
    task = _start(api, ["expert1", "expert3"])
    url = f"/api/tasks/{task.id}/reassign"
    refused = api.as_("admin").post(url, json={"username": "dept_gaj", "reason": "换人"})
    assert refused.status_code == 422 and refused.get_json()["fields"] == {"username": "不属于办理角色"}
    assert api.as_("admin").post(url, json={"username": "expert3", "reason": "专家一回避"}).status_code == 200
    assert (runtime.get_task(task.id).group_code, runtime.get_task(task.id).assignee) == ("user:expert3", "expert3")
    assert _queue(api, "expert1") == [] and _queue(api, "expert3") == [task.id]
    assert api.as_("admin").post(url, json={"username": "expert2", "reason": "专家三回避"}).status_code == 200
    assert _queue(api, "expert2") == [task.id] and _queue(api, "expert3") == []
