"""Lanes of the diagrams and the role groups of SPEC §4 they stand for."""

OWNER_LANE = "项目建设主管部门"

LANE_GROUPS = {
    "市数管局": "sgj",
    "市发改委": "fgw",
    "市财政局": "czj",
    "市公管局": "ggj",
    "市审计局": "sjj",
    "市政府": "szf",
    "专家": "expert",
}

GROUP_NAMES = {
    "sgj": "市数管局",
    "fgw": "市发改委",
    "czj": "市财政局",
    "ggj": "市公管局",
    "sjj": "市审计局",
    "szf": "市政府",
    "expert": "专家",
    "analyst": "业务分析员",
    "admin": "流程监控管理员",
    # 三员分立 (等保 2.0): no account holds two of these three, and they hold no business role's rights.
    "sysadmin": "系统管理员",
    "secadmin": "安全管理员",
    "auditor": "安全审计员",
}

# Groups that see every project (SPEC §4).
OVERSIGHT_GROUPS = {"sgj", "admin"}

STAGES = ["谋划", "申报", "实施", "验收", "运维"]
ENDED = "已结束"


def is_known_lane(name):
    return name == OWNER_LANE or name in LANE_GROUPS


def lane_group(lane, owner_group):
    """The group that works a task of `lane` in an instance owned by `owner_group`."""
    if lane == OWNER_LANE:
        return owner_group
    return LANE_GROUPS.get(lane)


# A task the process designates to one person (an expert of a panel) belongs to that person's own group:
# only they see it in 待办 and may work it; an administrator may reassign it to someone else.
PERSON_PREFIX = "user:"
LANE_OWNERS = "lane_owners"  # SpiffArena's task variable: {lane name: [username]}


def person_group(username):
    return f"{PERSON_PREFIX}{username}"


def designated_user(lane, data):
    """The one user the task's data designates for its lane (SpiffArena's `lane_owners`), else None.

    Returns False when `lane_owners` names the lane but not exactly one valid user name.
    """
    owners = data.get(LANE_OWNERS) if isinstance(data, dict) else None
    if not isinstance(owners, dict) or lane not in owners:
        return None
    users = owners[lane]
    users = [users] if isinstance(users, str) else users
    if isinstance(users, (list, tuple)) and len(users) == 1 and isinstance(users[0], str) and 0 < len(users[0]) <= 58:
        return users[0]
    return False


def dept_group(code):
    return f"dept:{code}"
