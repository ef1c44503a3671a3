"""Excel exports (openpyxl): the monthly bulletin and the annual construction plan."""
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from ...core.xlsx import as_text_cells
from .common import RAG_LABELS

HEAD = Font(bold=True)
TITLE = Font(bold=True, size=14)
FILL = {"red": PatternFill("solid", fgColor="F8CBAD"), "amber": PatternFill("solid", fgColor="FFE699"),
        "green": PatternFill("solid", fgColor="C6EFCE")}
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

BULLETIN_COLUMNS = [
    ("序号", None), ("项目名称", "project_name"), ("主管部门", "department_name"), ("形象进度(%)", "progress_percent"),
    ("计划进度(%)", "expected_percent"), ("落后计划(月)", "months_behind"), ("计划资金至本月(万元)", "planned_funds_wan"),
    ("已拨付(万元)", "paid_wan"), ("预算执行率", "execution_ratio"), ("本月进度表", "report_status"),
    ("逾期未报(份)", "missing_reports"), ("存在问题", "problems"), ("预警", "rag"),
]
DEPT_COLUMNS = [("主管部门", "department_name"), ("项目数", "projects"), ("红", "red"), ("黄", "amber"), ("绿", "green"),
                ("按时报送", "on_time"), ("逾期报送", "late"), ("未报送", "missing"), ("计划资金(万元)", "planned_funds_wan"),
                ("已拨付(万元)", "paid_wan"), ("预算执行率", "execution_ratio")]
SANCTION_COLUMNS = [("主管部门", "department_name"), ("处理措施", "sanction"), ("适用申报轮次", "round_year"),
                    ("截止", "until"), ("状态", "status"), ("说明", "note")]


def _sheet_table(ws, top, columns, rows, numbered=False, rag_fill=False):
    for col, (label, _) in enumerate(columns, 1):
        cell = ws.cell(row=top, column=col, value=label)
        cell.font, cell.border = HEAD, BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for n, item in enumerate(rows, 1):
        for col, (_, key) in enumerate(columns, 1):
            value = n if key is None else item.get(key)
            if key == "rag":
                value = RAG_LABELS.get(value, value)
            cell = ws.cell(row=top + n, column=col, value=value)
            cell.border = BOX
            if key == "execution_ratio" and isinstance(value, (int, float)):
                cell.number_format = "0.0%"
            if rag_fill and key == "rag":
                cell.fill = FILL.get(item.get("rag"), PatternFill())
    return top + len(rows) + 1


def bulletin_xlsx(bulletin):
    wb = Workbook()
    ws = wb.active
    ws.title = "项目进展"
    ws["A1"] = f"六安市电子政务项目建设进展通报（{bulletin['month']}）"
    ws["A1"].font = TITLE
    s = bulletin["summary"]
    ws["A2"] = (f"实施项目 {s['projects']} 个：红 {s['red']}、黄 {s['amber']}、绿 {s['green']}；"
                f"进度表按时 {s['on_time']}、逾期报送 {s['late']}、未报送 {s['missing']}；"
                f"计划资金 {s['planned_funds_wan']} 万元，已拨付 {s['paid_wan']} 万元")
    _sheet_table(ws, 4, BULLETIN_COLUMNS, bulletin["rows"], rag_fill=True)
    widths = [6, 30, 14, 10, 10, 10, 14, 12, 10, 10, 10, 36, 6]
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "C5"
    ws2 = wb.create_sheet("部门汇总")
    ws2["A1"] = f"按主管部门汇总（{bulletin['month']}）"
    ws2["A1"].font = TITLE
    _sheet_table(ws2, 3, DEPT_COLUMNS, bulletin["departments"])
    ws2.column_dimensions["A"].width = 16
    ws3 = wb.create_sheet("处理措施")
    ws3["A1"] = f"督查整改不力的处理（{bulletin['month']}）：暂缓申报、压缩预算"
    ws3["A1"].font = TITLE
    _sheet_table(ws3, 3, SANCTION_COLUMNS, bulletin.get("sanctions", []))
    ws3.column_dimensions["A"].width = 16
    ws3.column_dimensions["C"].width = 40
    return _save(wb)


PLAN_COLUMNS = [("序号", "seq"), ("原则", "principle"), ("项目名称", "project_name"), ("主管部门", "department_name"),
                ("项目类别", "category"), ("批复金额(万元)", "approved_amount_wan"), ("计划安排(万元)", "plan_amount_wan"),
                ("资金来源", "sources"), ("立项方式", "route"), ("批复文号", "approval_no"), ("备注", "note")]


def plan_xlsx(plan):
    wb = Workbook()
    ws = wb.active
    ws.title = "建设计划"
    ws["A1"] = plan["title"] + ("" if plan["status"] == "published" else "（草案）")
    ws["A1"].font = TITLE
    ws["A2"] = f"共 {len(plan['items'])} 个项目，计划安排 {plan['total_plan_amount_wan']} 万元（按共享优先、保障民生、协调发展排序）"
    rows = [{**i, "sources": "；".join(f"{s['source']} {s['amount_wan']:g}" for s in i["funding_sources"])}
            for i in plan["items"]]
    end = _sheet_table(ws, 4, PLAN_COLUMNS, rows)
    ws.cell(row=end, column=1, value="合计").font = HEAD
    ws.cell(row=end, column=6, value=plan["total_approved_amount_wan"]).font = HEAD
    ws.cell(row=end, column=7, value=plan["total_plan_amount_wan"]).font = HEAD
    for i, w in enumerate([6, 10, 30, 14, 10, 12, 12, 30, 14, 22, 20], 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    return _save(wb)


def _save(wb):
    out = BytesIO()
    as_text_cells(wb).save(out)
    return out.getvalue()
