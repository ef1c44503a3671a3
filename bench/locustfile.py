"""A city's working day for Locust (run headless by bench/locust_day.py, which prepares the accounts).

Each simulated person takes one of the prepared accounts (200, of every role) and works as that role
does: departments open 待办, forms and their projects and complete tasks (uploading the form's file
first); 市数管局 and the leaders read the bulletin, the plan and the dashboard; administrators the cockpit.
Request names are the kinds the bench reports p50/p95 for.
"""
import itertools
import json
import os
import random
import threading

from locust import HttpUser, between, task

ACCOUNTS = json.loads(open(os.environ["BENCH_ACCOUNTS"], encoding="utf-8").read())
_next = itertools.count()
_lock = threading.Lock()
PDF = b"%PDF-1.4\n% bench stub\n"


# The reports each role may open (the others answer 403, which the day would count as failures).
_ALL_REPORTS = [("/api/reports/monthly", "按月通报"), ("/api/reports/plan", "年度计划"), ("/api/reports/dashboard", "驾驶舱看板")]
REPORTS = {"sgj": _ALL_REPORTS, "szf": _ALL_REPORTS, "admin": _ALL_REPORTS,
           "fgw": [("/api/reports/plan", "年度计划")], "czj": [("/api/reports/plan", "年度计划")]}


class CityUser(HttpUser):
    wait_time = between(0.5, 2.0)  # a person reads before the next click

    def on_start(self):
        self._take_account()

    def _take_account(self):
        """The next of the 200 accounts: 50 at once, each for a while, so all of them work during the day."""
        with _lock:
            self.account = ACCOUNTS["users"][next(_next) % len(ACCOUNTS["users"])]
            self.ready = self.account["tasks"]  # the person's own projects' open 项目准备 (shared list: no task twice)
        self.client.headers["Authorization"] = f"Bearer {self.account['token']}"
        self.role = self.account["role"]

    def _dept(self):
        return self.role == "dept"

    @task(1)
    def change_shift(self):  # about every 20 clicks another person sits down
        self._take_account()

    @task(6)
    def worklist(self):
        self.client.get("/api/tasks?per_page=20", name="待办")

    @task(3)
    def form(self):
        if not self.ready:
            return self.worklist()
        self.client.get(f"/api/tasks/{random.choice(self.ready)}", name="表单")

    @task(3)
    def project_page(self):
        ids = self.account.get("projects") or self._visible_projects()
        if ids:
            self.client.get(f"/api/projects/{random.choice(ids)}", name="项目页")

    def _visible_projects(self):
        """Projects this person may open: 市数管局 and administrators every one; 发改委, 财政局 and 市政府 those at
        their steps, as their 项目库 lists them (read once per person)."""
        if self.role in ("sgj", "admin"):
            return ACCOUNTS["projects"]
        if "visible" not in self.account:
            r = self.client.get("/api/projects", params={"per_page": 100}, name="项目库检索")
            self.account["visible"] = [p["id"] for p in r.json()["items"]] if r.ok else []
        return self.account["visible"]

    @task(2)
    def project_search(self):
        self.client.get("/api/projects", params={"q": random.choice(ACCOUNTS["words"]), "per_page": 20},
                        name="项目库检索")

    @task(2)
    def reports(self):
        if self.role in REPORTS:
            path, name = random.choice(REPORTS[self.role])
            self.client.get(path, name=name)
        elif self.role == "dept":
            self.client.get("/api/notifications?per_page=20", name="通知")

    @task(1)
    def cockpit(self):
        if self.role == "admin":
            self.client.get("/api/cockpit/instances?per_page=20", name="驾驶舱实例列表")

    @task(3)
    def complete(self):
        if not self._dept():
            return
        if not self.ready:
            return
        task_id = self.ready.pop()
        up = self.client.post("/api/files", files={"file": ("调研报告.pdf", PDF, "application/pdf")}, name="上传附件")
        if not up.ok:
            return
        data = dict(ACCOUNTS["form"])
        for key in ACCOUNTS["file_fields"]:
            data[key] = up.json()["id"]
        for key in ACCOUNTS["file_list_fields"]:
            data[key] = [up.json()["id"]]
        # A 409 (a colleague of the same department completed it first) counts as a failure, not a completion.
        self.client.post(f"/api/tasks/{task_id}/complete", json={"data": data}, name="办理（完成任务）")
