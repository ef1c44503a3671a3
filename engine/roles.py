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
    "admin": "系统管理员",
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


def dept_group(code):
    return f"dept:{code}"
