"""The 年度建设计划 page follows the year's city-level `city_annual_plan` instance: its open step (a link to the
task in 待办, no publish button of its own), its publications, and the approved projects left out of it."""
from scenarios.test_yearly_rhythm import to_plan_listing

from . import city
from .test_city import client


def test_plan_page_shows_the_city_process_and_the_projects_left_out(users, app):
    a = city.CityProject(1, department="gaj", name="警务数据共享平台", build_year=2026, at="2025-03-02")
    b = city.CityProject(2, department="jyj", name="教育资源公共服务平台", build_year=2026, at="2025-03-02")
    to_plan_listing(a, 2026)
    to_plan_listing(b, 2026)
    with city.at("2025-11-02T10:00"):
        page = client(app, users["sgj"]).get("/oversight/plan?year=2026").get_data(as_text=True)
    assert 'id="btn-publish"' not in page and "审定并发布年度建设计划" in page and "/tasks/" in page
    assert "教育资源公共服务平台" in page.split('id="plan-left-out"')[1]  # approved, not yet in a published plan
    a.publish_plan(2026, at="2025-12-15", excluded_projects="2", exclusion_reason="资金来源未落实")
    with city.at("2025-12-16T10:00"):
        page = client(app, users["sgj"]).get("/oversight/plan?year=2026").get_data(as_text=True)
    assert "已发布 1 次" in page and "当前没有待办步骤" in page
    left_out = page.split('id="plan-left-out"')[1].split("</table>")[0]
    assert "教育资源公共服务平台" in left_out and "警务数据共享平台</a>" not in left_out
    with city.at("2025-12-16T10:00"):  # a department sees its plan lines, not the city process
        assert 'id="plan-process"' not in client(app, users["dept_jyj"]).get("/oversight/plan?year=2026").get_data(as_text=True)
