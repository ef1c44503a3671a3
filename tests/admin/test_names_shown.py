"""The cockpit and the project page name processes and states as the diagrams and people do, not by id."""
import lxml.html

from tests.admin.test_pages import login, start  # noqa: F401  (the login fixture)


def cells(html, xpath):
    return [" ".join(e.text_content().split()) for e in lxml.html.fromstring(html).xpath(xpath)]


def test_cockpit_list_and_instance_page_show_process_names_and_states(login, deployed, db):
    a = start("simple", owner_group="dept:gaj", data={"build_year": 2027})
    admin = login("admin")
    html = admin.get("/admin/").get_data(as_text=True)
    [row] = lxml.html.fromstring(html).xpath(f'//table[@id="instance-table"]//tr[@data-id="{a.id}"]')
    texts = [" ".join(td.text_content().split()) for td in row.xpath("./td")]
    assert "测试流程" in texts and "simple" not in texts and "运行中" in texts
    assert "测试流程" in cells(html, '//select[@name="process"]/option')
    page = admin.get(f"/admin/instances/{a.id}").get_data(as_text=True)
    assert cells(page, '//*[@id="instance-process"]') == ["测试流程"]
    assert cells(page, '//*[@id="instance-state"]') == ["运行中"]


def test_status_and_process_filters():
    from webapp.core.templating import status_label

    assert [status_label(s) for s in ("running", "suspended", "completed", "terminated", "incident")] == \
        ["运行中", "已挂起", "已完成", "已终止", "故障"]
