"""Audit events in words: one label for every kind the product records (audit page, cockpit, project
history) and a payload told as 名称：值 pairs, never as raw JSON or developer names."""
from . import varlabels


KIND_LABELS = {
    # sign-in and accounts
    "login": "登录", "logout": "退出", "password_change": "修改密码", "password_reset": "重置密码",
    "unlock": "解锁账户", "lock": "锁定账户", "role_change": "角色变更", "edit_user": "编辑用户",
    "create_department": "新增部门", "totp_enrol": "绑定动态口令", "totp_reset": "重置动态口令",
    "session_revoke": "注销会话", "recovery_codes": "生成恢复码", "recovery_code_use": "使用恢复码",
    "delegate": "设置委托", "delegate_revoke": "撤销委托", "audit_archive": "审计归档", "clock": "时钟调整",
    "calendar": "调整工作日历", "export": "导出",
    # process runs
    "start": "启动流程", "complete": "办结任务", "claim": "签收任务", "unclaim": "退回签收", "reassign": "改派任务",
    "draft": "保存草稿", "timer": "定时器触发", "message": "流程消息", "message_failed": "消息送达失败",
    "suspend": "挂起流程", "resume": "恢复流程",
    "terminate": "终止流程", "retry": "重试故障", "incident": "发生故障", "edit_data": "修改流程数据",
    "migrate": "迁移版本", "complete_instance": "流程结束", "transfer": "转办", "send_back": "退回",
    "decision": "规则判定",
    # projects and files
    "create_project": "创建项目", "upload": "上传文件", "comment": "批注", "build_year": "建设年度顺延",
    "retire": "系统下线",
    # modelling
    "deploy": "部署模型", "draft_model": "保存模型草稿", "discard_draft": "删除模型草稿",
    # oversight
    "inspection_open": "开展督查", "sanction_lift": "解除限制", "sanction_lapse": "限制期满解除",
    "bulletin": "生成通报", "oversight_rules": "修改督查规则", "plan_edit": "修改年度计划",
    "plan_publish": "发布年度计划", "asset_change_request": "申请资产变更", "asset_change_decide": "审批资产变更",
    "notify_resend": "重发通知",
}

KEY_LABELS = {
    "reason": "原因", "note": "说明", "name": "名称", "user": "用户", "via": "方式", "what": "内容", "rows": "行数",
    "file": "文件", "files": "文件", "ok": "成功", "to": "至", "from": "自", "department": "部门", "before": "修改前",
    "after": "修改后", "year": "年度", "version": "模型版本", "version_id": "模型版本", "previous": "原值",
    "filters": "筛选条件", "error": "错误", "draft": "草稿", "deputy": "代理人", "change": "变更单",
    "bpmn_id": "步骤", "form": "表单", "process": "流程", "incident": "故障编号", "resolved": "已解决",
    "notes": "说明", "month": "月份", "mentions": "提及", "comment_id": "批注编号", "inspection": "督查编号",
    "kind": "类别", "channel": "渠道", "delivery_id": "投递编号", "build_year": "建设年度", "at": "时间",
    "asset": "资产", "approved": "同意", "active": "启用", "projects": "项目数", "size": "大小（字节）",
    "problems": "问题数", "hash": "摘要", "sha256": "摘要", "count": "数量", "code": "编码", "day": "日期",
    "workday": "工作日", "on_behalf_of": "代办对象", "to_name": "退回至", "from_name": "退回自",
    "round_year": "轮次年度", "remaining": "剩余", "minutes": "分钟", "offset_seconds": "偏移（秒）",
    "first_seq": "起始序号", "last_seq": "截止序号", "created": "新建", "set": "设置", "reset": "重置",
    "lapsed_after": "期满于", "delegation_id": "委托编号", "retired_on": "下线日期", "roles": "角色",
    "groups": "角色", "username": "用户", "display_name": "姓名", "start": "开始", "end": "结束",
}
HIDDEN = {"to_task_id", "from_bpmn_id", "to_bpmn_id", "bpmn_id", "form", "task_id", "hit_policy", "decision_id",
          "rules", "inputs", "outputs", "task_name", "decision_name"}  # step ids: the 事项 names the step
VALUE_WORDS = {"via": {"session": "网页", "api": "接口", "token": "接口令牌", "totp": "动态口令", "sso": "统一身份认证",
                       "recovery": "恢复码", "password": "密码"},
               "what": {"projects": "项目库", "model_file": "模型文件", "audit": "审计日志"}}
MAX_TEXT = 300


def _value(value):
    if isinstance(value, (list, tuple)):
        return "、".join(_value(v) for v in value) or "—"
    if isinstance(value, dict):
        return "；".join(f"{KEY_LABELS.get(k, k)} {_value(v)}" for k, v in value.items()) or "—"
    return varlabels.text(None if value == "" else value)


def _shown(key, value):
    if key == "files" and isinstance(value, list):
        return f"{len(value)} 个"  # a deployment's every file: their count (the version holds the names)
    if key in VALUE_WORDS and isinstance(value, str):
        return VALUE_WORDS[key].get(value, value)
    if key == "process" and isinstance(value, str):
        from .templating import process_name

        return process_name(value)
    if key == "at" and isinstance(value, str):
        from .timefmt import fmt_dt

        return fmt_dt(value) or value  # stored as UTC ISO text: shown in Beijing time
    return _value(value)


def details(payload, task_name=None):
    """The payload as 名称：值 pairs after the 事项 it concerns (keys the reader need not see left out), at most
    MAX_TEXT characters."""
    pairs = [f"事项：{task_name}"] if task_name else []
    if isinstance(payload, dict):
        pairs += [f"{KEY_LABELS.get(k, k)}：{_shown(k, v)}" for k, v in payload.items() if k not in HIDDEN]
    elif payload:
        pairs.append(_value(payload))
    text = "；".join(pairs)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def task_names(task_ids):
    """{task id: the step's name} of these tasks (those still in the task index)."""
    from engine.db import db
    from engine.models import TaskIndex

    ids = sorted({t for t in task_ids if t})
    if not ids:
        return {}
    return dict(db.session.execute(db.select(TaskIndex.id, TaskIndex.name).where(TaskIndex.id.in_(ids))).all())
