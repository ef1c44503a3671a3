"""Each project's budget figures in one row (models.ProjectBudget), so the 驾驶舱's budget execution costs one row
per project however many years of 立项批复, 合同 and 资金拨付 lie behind it.

`keep` runs as each submission is inserted (hooks.py), in the completion's transaction. The latest 立项批复 or
合同 wins by submission id, so two completions committing in the other order still leave the later one; a
资金拨付审核 adds its amount in the same statement that reads the sum, so none is lost to a concurrent one.
`rebuild` computes every row from the submissions with the reports' own queries: the migration that added the
table runs it on the data already there, and so does a bulk load that writes submissions without the ORM.
"""
from sqlalchemy import delete, insert, select

from engine.db import insert_or_merge
from engine.models import Submission

from ..models import ProjectBudget
from .common import FORM_APPROVAL, FORM_CONTRACT, FORM_FUND_APPROVAL, _num, latest_ids, paid_query

# form: (its amount field, the row's column for that amount, the row's column naming the submission it came from)
AMOUNTS = {FORM_APPROVAL: ("approved_amount_wan", "approved_amount_wan", "approval_id"),
           FORM_CONTRACT: ("contract_amount_wan", "contract_amount_wan", "contract_id")}
FORMS = {*AMOUNTS, FORM_FUND_APPROVAL}


def keep(connection, submission):
    """Bring the project's row up to date with `submission`, just inserted (so it has its id)."""
    if submission.draft or submission.project_id is None or submission.form not in FORMS:
        return
    data = submission.data or {}
    table = ProjectBudget.__table__
    statement = insert_or_merge(ProjectBudget)
    if submission.form == FORM_FUND_APPROVAL:
        # paid_query's sum: the approved amount of a payment agreed to (the form makes fund_approved a boolean)
        paid = _num(data.get("approved_amount_wan")) if data.get("fund_approved") is True else 0.0
        statement = statement.values(project_id=submission.project_id, paid_wan=paid)
        statement = statement.on_conflict_do_update(index_elements=[table.c.project_id],
                                                    set_={"paid_wan": table.c.paid_wan + statement.excluded.paid_wan})
    else:
        field, column, source = AMOUNTS[submission.form]
        statement = statement.values(project_id=submission.project_id, paid_wan=0.0,
                                     **{column: _num(data.get(field), None), source: submission.id})
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.project_id],
            set_={column: statement.excluded[column], source: statement.excluded[source]},
            where=table.c[source].is_(None) | (table.c[source] < statement.excluded[source]))
    connection.execute(statement)


def computed(connection):
    """{project_id: row} of every project with a 立项批复, 合同 or 资金拨付审核, computed from the submissions."""
    rows = {}

    def row(pid):
        return rows.setdefault(pid, {"project_id": pid, "approval_id": None, "approved_amount_wan": None,
                                     "contract_id": None, "contract_amount_wan": None, "paid_wan": 0.0})

    for form, (field, column, source) in AMOUNTS.items():
        for sid, pid, value in connection.execute(select(Submission.id, Submission.project_id, Submission.data[field])
                                                  .where(Submission.id.in_(latest_ids(form)))):
            row(pid).update({column: _num(value, None), source: sid})
    for pid, total in connection.execute(paid_query()):
        if pid is not None:
            row(pid)["paid_wan"] = float(total or 0)
    return rows


def rebuild(connection):
    """Replace every row by what the submissions give."""
    rows = computed(connection)
    connection.execute(delete(ProjectBudget.__table__))
    if rows:
        connection.execute(insert(ProjectBudget.__table__), list(rows.values()))
