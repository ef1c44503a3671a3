"""Who may use the cockpit (管理监控) and the modeler (流程建模).

数管局 and administrators read the cockpit; only administrators act on instances, tasks and incidents
(and only they use /api/instances and /api/incidents, SPEC §1); analysts and administrators model.
"""
from engine.errors import Forbidden

MONITORS = {"admin", "sgj"}
MODELLERS = {"admin", "analyst"}


def may_monitor(user):
    return bool(MONITORS & set(user.groups))


def may_act(user):
    return "admin" in user.groups


def may_model(user):
    return bool(MODELLERS & set(user.groups))


def require_monitor(user):
    if not may_monitor(user):
        raise Forbidden("只有市数管局和系统管理员可以查看流程监控")


def require_admin(user):
    if not may_act(user):
        raise Forbidden("只有系统管理员可以执行此操作")


def require_modeller(user):
    if not may_model(user):
        raise Forbidden("只有业务分析员和系统管理员可以使用流程建模")
