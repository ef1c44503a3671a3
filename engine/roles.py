"""Lanes of the diagrams and the role groups of SPEC §4 they stand for."""
import re

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


# A task the process designates to named people (an expert of a panel; the reviewers of a joint step) belongs to
# their own group `user:<name>[,<name>…]`: only they see it in 待办 and may work it (with several names, each
# may claim it, and the first claim takes it); an administrator may reassign it to someone else.
PERSON_PREFIX = "user:"
LANE_OWNERS = "lane_owners"  # SpiffArena's task variable: {lane name: [username, …]}
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,58}")
GROUP_CODE_LENGTH = 64  # TaskIndex.group_code


def person_group(*usernames):
    return PERSON_PREFIX + ",".join(usernames)


def named_in(group_code):
    """The users a designated task's group names ([] for a role's group)."""
    if not (group_code or "").startswith(PERSON_PREFIX):
        return []
    return group_code[len(PERSON_PREFIX):].split(",")


def reaches(group_code, username):
    """Whether `group_code` is the group of a task designated to `username` (alone or among others)."""
    return username in named_in(group_code)


def designating(column, username):
    """SQL conditions on a group-code column matching the groups of tasks designated to `username` (alone or
    among others); the caller ORs them."""
    name = username.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return [column == person_group(username)] + [
        column.like(f"{PERSON_PREFIX}{pattern}", escape="\\")
        for pattern in (f"{name},%", f"%,{name}", f"%,{name},%")]


def designated_users(lane, data):
    """The users the task's data designates for its lane (SpiffArena's `lane_owners`), in order, else None.

    Returns False when `lane_owners` names the lane but not a list of valid, distinct user names whose group
    code fits the task index (about six names); the task then goes to the administrators to assign.
    """
    owners = data.get(LANE_OWNERS) if isinstance(data, dict) else None
    if not isinstance(owners, dict) or lane not in owners:
        return None
    users = owners[lane]
    users = [users] if isinstance(users, str) else users
    if (isinstance(users, (list, tuple)) and users and all(isinstance(u, str) and _NAME.fullmatch(u) for u in users)
            and len(set(users)) == len(users) and len(person_group(*users)) <= GROUP_CODE_LENGTH):
        return list(users)
    return False


def dept_group(code):
    return f"dept:{code}"
