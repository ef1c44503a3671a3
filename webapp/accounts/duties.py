"""三员分立 (等保 8.1.4.2 c–e): system, security and audit administrators, each with only their own part.

- 系统管理员 `sysadmin`: users' accounts (create, name, department, enable/disable), departments, configuration.
- 安全管理员 `secadmin`: roles and group membership, unlocking, password resets, second-factor resets,
  the password policy.
- 安全审计员 `auditor`: reads and exports the audit log, nothing else.
`admin` stays the 流程监控 role (instances, incidents, model deployment), a business role beside `analyst`.
"""
SYSADMIN, SECADMIN, AUDITOR = "sysadmin", "secadmin", "auditor"
THREE = (SYSADMIN, SECADMIN, AUDITOR)
NAMES = {SYSADMIN: "系统管理员", SECADMIN: "安全管理员", AUDITOR: "安全审计员"}
# Duties that never pass to a stand-in (委托/代理 carries business groups only): the three and 流程监控.
ADMINISTRATIVE = frozenset({*THREE, "admin"})


def conflict(groups):
    """A Chinese refusal when `groups` hold two or more of the three administrators' roles, else None."""
    held = [NAMES[g] for g in THREE if g in set(groups)]
    if len(held) > 1:
        return f"三员分立：同一账户不能同时担任{'、'.join(held)}"
    return None


def one_of_three(groups):
    """The Chinese name of the first of the three administrators' roles among `groups`, or None."""
    return next((NAMES[g] for g in THREE if g in set(groups)), None)


def holds(user, role):
    return user is not None and role in set(user.groups)
