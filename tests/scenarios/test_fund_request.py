"""资金拨付: during 实施 the application sends `fund_request`; each request is a small fund_request instance.

The paid total never goes above the contract: the form refuses a request above what is left, the
read-only contract figures come from the workflow (not from what the browser sends), and 数管局's
approval cannot approve past the contract either.
"""
from .driver import Project, contract, declare, establish, plan, precheck, review

DEPT = "dept:gaj"
CONTRACT = 460


def fund(p, paid_total):
    """The application's message: contract amount and the total paid so far (kept by the application)."""
    [started] = p.send("fund_request", {"project_name": p.name, "contract_amount_wan": CONTRACT,
                                        "paid_total_wan": paid_total})
    return started


def request(p, amount, at, **extra):
    p.complete("task_fund_request", "dept", at=at, request_date=at, request_amount_wan=amount,
               contract_amount_wan=CONTRACT, **extra)


def approve(p, amount, paid_total, at, **extra):
    p.complete("task_fund_approval", "sgj", at=at, approval_date=at, request_amount_wan=amount,
               approved_amount_wan=amount, contract_amount_wan=CONTRACT, paid_total_wan=paid_total, **extra)


def test_fund_requests_never_pay_above_the_contract(real_model):
    p = Project(build_year=2026, at="2025-03-02")
    plan(p, 2026)
    declare(p, 2026)
    precheck(p, 2026)
    review(p, 2026)
    establish(p, 2026)
    contract(p, 2026, amount=CONTRACT)
    assert p.instance.stage == "实施"

    first = fund(p, 0)
    row = p.instances("fund_request")[0]
    assert (row.id, row.owner_group, row.stage, row.parent_id) == (first, DEPT, "实施", None)
    # 带入合同与已拨付 is the request form's preScript: the listed contract amount (the cockpit searches by
    # it) is there while the department has not submitted yet
    assert row.variables["contract_amount_wan"] == CONTRACT
    task = p.task("task_fund_request")
    assert (task.lane, task.group_code, task.instance_id) == ("项目建设主管部门", DEPT, first)
    request(p, 300, "2026-05-25", paid_total_wan=0)
    assert p.task("task_fund_approval").group_code == "sgj"
    approve(p, 300, 0, "2026-05-28")
    assert p.instance.status == "running"  # the lifecycle is untouched
    row = p.instances("fund_request")[0]
    assert row.status == "completed" and p.reached("end_fund_paid", first)
    assert p.variables(first)["paid_total_wan"] == 300

    second = fund(p, 300)
    # 300 + 200 > 460: refused on the field, nothing changes
    errors = p.submit_invalid("task_fund_request", "dept", request_amount_wan=200, paid_total_wan=300,
                              contract_amount_wan=CONTRACT)
    assert errors == {"request_amount_wan": "已拨付与本次申请合计不得超过合同金额"}
    # the contract and paid figures are read-only: a forged contract amount does not get through
    errors = p.submit_invalid("task_fund_request", "dept", request_amount_wan=200, paid_total_wan=0,
                              contract_amount_wan=10000)
    assert set(errors) == {"request_amount_wan"}
    assert p.task("task_fund_request").instance_id == second
    request(p, 100, "2026-07-25", paid_total_wan=300)
    approve(p, 100, 300, "2026-07-28", fund_approved=False, approval_opinion="进度未达合同约定的付款节点")
    assert p.reached("end_fund_rejected", second) and not p.reached("end_fund_paid", second)
    assert p.notes(group=DEPT)[-1].task_bpmn_id == "task_fund_approval"  # its postScript tells the department
    assert p.variables(second)["paid_total_wan"] == 300

    third = fund(p, 300)
    request(p, 160, "2026-08-25", paid_total_wan=300)
    # 数管局 cannot approve more than asked (300 + 200 would pass the contract), nor forge the figures
    errors = p.submit_invalid("task_fund_approval", "sgj", request_amount_wan=200, approved_amount_wan=200,
                              contract_amount_wan=CONTRACT, paid_total_wan=0)
    assert set(errors) == {"approved_amount_wan"}
    approve(p, 160, 300, "2026-08-28")
    assert p.variables(third)["paid_total_wan"] == CONTRACT

    fourth = fund(p, CONTRACT)  # the whole contract is paid: nothing more can be asked for
    errors = p.submit_invalid("task_fund_request", "dept", request_amount_wan=1, paid_total_wan=0)
    assert set(errors) == {"request_amount_wan"}
    assert p.task("task_fund_request").instance_id == fourth

    rows = p.instances("fund_request")
    assert [r.status for r in rows] == ["completed", "completed", "completed", "running"]
    paid = [p.variables(r.id).get("paid_total_wan") for r in rows]
    assert paid == [300, 300, CONTRACT, CONTRACT] and max(paid) <= CONTRACT
    assert p.instance.stage == "实施" and p.instance.status == "running"
