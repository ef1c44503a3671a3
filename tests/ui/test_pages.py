"""Staff pages through the Flask test client: every role's pages render; departments stay apart;
the declaration is filled, rejected with a Chinese error beside the field, fixed, submitted and prechecked."""
import io
import re

import pytest

from .conftest import create_project, open_task_id

ROLES = ["dept_gaj", "dept_jyj", "sgj", "fgw", "czj", "ggj", "sjj", "szf", "expert1", "analyst", "admin"]


def text(r):
    return r.get_data(as_text=True)


def test_login_page_and_errors(app, users):
    client = app.test_client()
    r = client.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    page = text(client.get("/login"))
    assert "六安市电子政务项目全流程管理系统" in page and "用户登录" in page
    r = client.post("/login", data={"username": "sgj", "password": "wrong"})
    assert r.status_code == 401 and "用户名或密码错误" in text(r)
    for _ in range(5):
        r = client.post("/login", data={"username": "czj", "password": "wrong"})
    assert "锁定" in text(r)
    r = client.post("/login", data={"username": "sgj", "password": "demo-pass-2026", "next": "//evil.example/x"})
    assert r.status_code == 302 and r.headers["Location"] == "/"


@pytest.mark.parametrize("user", ROLES)
def test_pages_render_for_every_role(web, model, user):
    client = web.as_(user)
    for path in ["/", "/tasks", "/tasks/done", "/projects", "/notifications"]:
        r = client.get(path)
        assert r.status_code == 200, (path, text(r)[:300])
        page = text(r)
        assert "六安市电子政务项目全流程管理系统" in page and "退出" in page
    page = text(client.get("/"))
    assert "用户管理" not in page  # 三员分立: users are the system and security administrators' part
    assert client.get("/admin/users").status_code == 403
    assert ("新建项目" in text(client.get("/projects"))) == user.startswith("dept_")
    assert (client.get("/projects/new").status_code == 200) == user.startswith("dept_")


def test_logout(web):
    client = web.as_("sgj")
    r = client.post("/logout")
    assert r.status_code == 302
    assert client.get("/tasks").status_code == 302


def _declaration_form(task_page_data=None, amount="100", plan=""):
    data = {
        "contact": "张三", "budget_wan": "300", "months": "12", "project_category": "新建",
        "project_types": ["软件平台", "硬件平台"], "start_date": "2027-01-01", "requirements_clear": "true",
        "content": "建设视频云平台", "plan": plan,
        "funding_sources.0.source": "本级财政", "funding_sources.0.amount": "200",
        "funding_sources.1.source": "自筹", "funding_sources.1.amount": amount,
        "action": "submit",
    }
    return data


def test_declaration_flow(web, model, app, db):
    dept = web.as_("dept_gaj")
    project_id = create_project(web)
    page = text(dept.get(f"/projects/{project_id}"))
    assert "公安视频云平台" in page and "填报申报表" in page and 'class="timeline"' in page

    task_id = open_task_id("dept_gaj", project_id)
    page = text(dept.get("/"))
    assert f"/tasks/{task_id}" in page
    page = text(dept.get(f"/tasks/{task_id}"))
    assert "附件1 申报表（测试）" in page and "<strong>申报表</strong>" in page
    assert "<script>alert(1)</script>" not in page  # instructions are sanitised
    assert "保存草稿" in page and "填写示例" in page and "提 交" in page

    # 填写示例 fills the form from the schema's example without saving anything
    page = text(dept.post(f"/tasks/{task_id}", data={"action": "example", "contact": "李四"}))
    assert 'value="李四"' in page and 'value="张三"' not in page and "建设视频云平台" in page
    assert "00000000-0000" not in page  # the example's placeholder file id is not offered
    # the example's 资金来源 add up to its own 概算 (300): beside a typed 500 they are left blank, and the page says so
    page = text(dept.post(f"/tasks/{task_id}", data={"action": "example", "budget_wan": "500"}))
    assert 'value="500"' in page and "示例中的「资金来源」与已填写的内容不相符" in page
    assert 'value="本级财政" selected' not in page and "建设视频云平台" in page
    page = text(dept.post(f"/tasks/{task_id}", data={"action": "example", "budget_wan": "300"}))
    assert 'value="本级财政" selected' in page and "不相符" not in page

    # upload the plan as the JS does
    r = dept.post("/files", data={"file": (io.BytesIO(b"%PDF-1.4 test"), "建设方案.pdf"), "project_id": project_id},
                  headers={"Accept": "application/json"}, content_type="multipart/form-data")
    assert r.status_code == 201, text(r)
    file_id = r.get_json()["id"]

    # a negative amount: the Chinese error is shown beside that cell, nothing is completed
    r = dept.post(f"/tasks/{task_id}", data=_declaration_form(amount="-5", plan=file_id))
    assert r.status_code == 422
    page = text(r)
    cell = page.split('name="funding_sources.1.amount"')[1].split("</td>")[0]
    assert "不能小于 0" in cell
    [field] = re.findall(r'<input[^>]*name="funding_sources\.1\.amount"[^>]*>', page)
    assert 'value="-5"' in field  # the refused value is kept in its own cell for correction

    # a sum that does not match: the cross-field rule's message
    r = dept.post(f"/tasks/{task_id}", data=_declaration_form(amount="50", plan=file_id))
    assert r.status_code == 422 and "资金来源合计须等于概算" in text(r)

    # save a draft; it comes back on the next visit
    form = _declaration_form(amount="77", plan=file_id)
    form["action"] = "draft"
    r = dept.post(f"/tasks/{task_id}", data=form)
    assert r.status_code == 302
    assert 'value="77"' in text(dept.get(f"/tasks/{task_id}"))

    r = dept.post(f"/tasks/{task_id}", data=_declaration_form(amount="100", plan=file_id))
    assert r.status_code == 200, text(r)[:3000]
    page = text(r)
    assert "已提交" in page and "完整性规范性预审" in page and "市数管局" in page

    # 数管局 sees it in 待办, claims and completes 预审
    sgj = web.as_("sgj")
    check_id = open_task_id("sgj", project_id)
    assert f"/tasks/{check_id}" in text(sgj.get("/tasks"))
    page = text(sgj.get(f"/tasks/{check_id}"))
    assert "附件1 申报表（测试）" in page and "建设方案.pdf" in page  # the earlier form, read-only
    assert sgj.post(f"/tasks/{check_id}/claim").status_code == 302
    page = text(sgj.get("/tasks"))
    assert "退回签收" in page
    r = sgj.post(f"/tasks/{check_id}", data={"precheck_passed": "true", "opinion": "材料齐全", "action": "submit"})
    assert r.status_code == 200 and "已提交" in text(r)

    # the department sees the project done, with both forms and the history
    page = text(dept.get(f"/projects/{project_id}"))
    assert "已完成" in page and "预审结论" in page and "办结任务" in page
    sub_id = _submission_id(db, project_id)
    page = text(dept.get(f"/projects/{project_id}/submissions/{sub_id}/print"))
    assert "附件1 申报表（测试）" in page and "单位负责人（签字）" in page
    assert dept.get(f"/files/{file_id}").status_code == 200
    page = text(dept.get("/tasks/done"))
    assert "填报申报表" in page, page[page.find("<table"):]

    # diagram data: the user tasks are marked completed
    data = dept.get(f"/projects/{project_id}/diagram.json").get_json()
    assert "<bpmn:definitions" in data["xml"] and {"declare", "precheck"} <= set(data["completed"])


def _submission_id(db, project_id):
    from engine.models import Submission

    return db.session.execute(db.select(Submission.id).filter_by(project_id=project_id, draft=False)
                              .order_by(Submission.id)).scalars().first()


def test_claimed_by_colleague(web, model, app, db):
    from engine.runtime import unit_of_work
    from webapp.accounts.models import User

    with unit_of_work():
        colleague = User(username="sgj2", display_name="市数管局 二", password_hash="x")
        db.session.add(colleague)
        db.session.flush()
        colleague.set_groups(["sgj"])
    project_id = create_project(web)
    dept = web.as_("dept_gaj")
    task_id = open_task_id("dept_gaj", project_id)
    dept.post(f"/tasks/{task_id}/claim")
    from engine.models import TaskIndex

    db.session.expire_all()
    assert db.session.get(TaskIndex, task_id).assignee == "dept_gaj"
    # another member of the same group sees who claimed it and gets no submit button
    with unit_of_work():
        other = User(username="gaj2", display_name="公安 二", department_code="gaj", password_hash=web_hash())
        db.session.add(other)
        db.session.flush()
        other.set_groups(["dept:gaj"])
    client = web.as_("gaj2")
    page = text(client.get("/tasks"))
    assert "市公安局 项目联络员 已签收" in page  # names, not login ids
    page = text(client.get(f"/tasks/{task_id}"))
    assert "已由同事 市公安局 项目联络员 签收" in page and 'id="btn-submit"' not in page


def web_hash():
    from .conftest import _HASH

    return _HASH["h"]


def test_departments_stay_apart(web, model):
    project_id = create_project(web)
    task_id = open_task_id("dept_gaj", project_id)
    other = web.as_("dept_jyj")
    for path in [f"/projects/{project_id}", f"/tasks/{task_id}", f"/projects/{project_id}/diagram.json"]:
        r = other.get(path)
        assert r.status_code in (403, 404), path
        assert "Traceback" not in text(r)
    assert other.post(f"/tasks/{task_id}/claim").status_code in (403, 404)
    assert other.post(f"/tasks/{task_id}", data={"action": "submit"}).status_code in (403, 404)
    assert "公安视频云平台" not in text(other.get("/projects"))
    r = other.get(f"/projects/{project_id}")
    assert r.status_code == 404 and "项目不存在或无权查看" in text(r)  # no hint that the project exists
    assert web.as_("sgj").get(f"/projects/{project_id}").status_code == 200
    assert web.as_("dept_gaj").get("/admin/users").status_code == 403
    assert other.get("/projects/999999").status_code == 404


def test_new_project_errors_and_excel(web, model):
    dept = web.as_("dept_gaj")
    r = dept.post("/projects/new", data={"name": "", "build_year": "abc"})
    assert r.status_code == 422 and "请填写项目名称" in text(r)
    create_project(web, name="教育城域网升级", user="dept_jyj", year="2028")
    create_project(web, name="公安视频云平台")
    r = web.as_("sgj").get("/projects.xlsx?year=2028")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(r.data)).active
    names = [row[1].value for row in sheet.iter_rows(min_row=2)]
    assert names == ["教育城域网升级"]
    assert sheet["A1"].value == "序号"
    page = text(web.as_("sgj").get("/projects?department=gaj"))
    assert "公安视频云平台" in page and "教育城域网升级" not in page


def test_notifications_mark_read(web, model, db):
    from engine.models import Notification
    from engine.runtime import unit_of_work
    from webapp.core.timefmt import now_naive

    with unit_of_work():
        db.session.add(Notification(group_code="sgj", kind="supervise", message="某项目进度表逾期，请督办",
                                    created_at=now_naive()))
    sgj = web.as_("sgj")
    page = text(sgj.get("/"))
    assert 'id="nav-unread">1<' in page
    page = text(sgj.get("/notifications"))
    assert "某项目进度表逾期，请督办" in page and "督办" in page
    notice_id = db.session.execute(db.select(Notification.id)).scalar()
    assert sgj.post("/notifications/read", data={"ids": str(notice_id)}).status_code == 302
    assert 'id="nav-unread"' not in text(sgj.get("/"))


def test_system_and_security_administrators_manage_users(web, model, db):
    sysadmin, secadmin = web.as_("sysadmin"), web.as_("secadmin")
    page = text(sysadmin.get("/admin/users"))
    assert "dept_gaj" in page and "市公安局" in page and "用户管理" in page
    r = sysadmin.post("/admin/users/new", data={"username": "gaj_li", "display_name": "李四", "department_code": "gaj",
                                                "password": "short", "active": "1"})
    assert r.status_code == 422 and "至少 8 位" in text(r)
    r = sysadmin.post("/admin/users/new", data={"username": "gaj_li", "display_name": "李四",
                                                "department_code": "gaj", "password": "long-enough-1", "active": "1"})
    assert r.status_code == 302
    from webapp.accounts.models import User

    user = db.session.execute(db.select(User).filter_by(username="gaj_li")).scalar()
    assert user.groups == frozenset()  # roles are the security administrator's to give
    r = secadmin.post(f"/admin/users/{user.id}/roles", data={"groups": ["dept:gaj", "expert"]})
    assert r.status_code == 302
    r = sysadmin.post(f"/admin/users/{user.id}/edit", data={"display_name": "李四", "department_code": "gaj",
                                                            "specialty": "数据治理"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).groups == {"dept:gaj", "expert"} and not db.session.get(User, user.id).active
    assert db.session.get(User, user.id).specialty == "数据治理"  # the expert pool offers them by it
    assert secadmin.post(f"/admin/users/{user.id}/edit", data={"display_name": "x"}).status_code == 403
    assert sysadmin.post(f"/admin/users/{user.id}/roles", data={"groups": ["admin"]}).status_code == 403
    r = sysadmin.post("/admin/departments", data={"code": "sfj", "name": "市司法局"})
    assert r.status_code == 302 and "市司法局" in text(sysadmin.get("/admin/users"))



def test_file_posted_with_the_form_without_js(web, model, db):
    from engine.models import Submission
    from webapp.files.models import StoredFile

    project_id = create_project(web)
    dept = web.as_("dept_gaj")
    task_id = open_task_id("dept_gaj", project_id)
    form = _declaration_form(plan="")
    form["plan"] = (io.BytesIO(b"%PDF-1.4 no js"), "方案.pdf")
    r = dept.post(f"/tasks/{task_id}", data=form, content_type="multipart/form-data")
    assert r.status_code == 200 and "已提交" in text(r), text(r)[:2000]
    stored = db.session.execute(db.select(StoredFile)).scalar()
    assert stored.filename == "方案.pdf" and stored.project_id == project_id
    sub = db.session.execute(db.select(Submission).filter_by(task_id=task_id, draft=False)).scalar()
    assert sub.data["plan"] == stored.id
    # the project page links only the tasks this user may open
    page = text(web.as_("dept_gaj").get(f"/projects/{project_id}"))
    assert "完整性规范性预审" in page and "/tasks/" not in page.split('id="open-tasks"')[1].split("</table>")[0]
