"""项目库 / cockpit search by business values: category, budget range, current step, contract amount.

The conditions join nothing new: category and contract amount are small workflow variables kept on the
instance row (engine LIST_VARIABLES), the current step is an open row of the task index.
"""
from decimal import Decimal, InvalidOperation

from sqlalchemy import exists

from engine.errors import Invalid
from engine.models import Instance, TaskIndex

from ..core.models import Project

MAX_TEXT = 100
LIMIT_WAN = Decimal("1e10")


def _amount(filters, key, label):
    value = filters.get(key)
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise Invalid(f"{label}须为数字（万元）", fields={key: "须为数字"}) from None
    if not amount.is_finite() or abs(amount) >= LIMIT_WAN:
        raise Invalid(f"{label}超出范围", fields={key: "超出范围"})
    return amount


def _text(filters, key):
    value = filters.get(key)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()[:MAX_TEXT]


def business_conditions(filters):
    """WHERE clauses over Project (and the outer-joined Instance) for the business-value filters."""
    where = []
    category = _text(filters, "category")
    if category:
        where.append(Instance.variables["project_category"].as_string() == category)
    low, high = _amount(filters, "budget_min", "预算下限"), _amount(filters, "budget_max", "预算上限")
    if low is not None and high is not None and low > high:
        raise Invalid("预算下限不能大于上限", fields={"budget_min": "大于上限"})
    if low is not None:
        where.append(Project.budget_wan >= low)
    if high is not None:
        where.append(Project.budget_wan <= high)
    low, high = _amount(filters, "contract_min", "合同金额下限"), _amount(filters, "contract_max", "合同金额上限")
    if low is not None and high is not None and low > high:
        raise Invalid("合同金额下限不能大于上限", fields={"contract_min": "大于上限"})
    contract = Instance.variables["contract_amount_wan"].as_float()
    if low is not None:
        where.append(contract >= float(low))
    if high is not None:
        where.append(contract <= float(high))
    step = _text(filters, "step")
    if step:
        where.append(exists().where(TaskIndex.project_id == Project.id, TaskIndex.state == "ready",
                                    TaskIndex.name.contains(step)))
    return where


FILTER_KEYS = ("category", "budget_min", "budget_max", "contract_min", "contract_max", "step")
