"""Extension points: an area plugs into the core and into other areas' pages here, from its init_app,
so that the core imports no area and no two areas import each other both ways.

Points in use (name: what each registered callable does):
- token_user(token) -> User: the user of an API bearer token (accounts)
- actor_principals(username) -> ((principal, groups), ...): whom the user stands in for today (accounts)
- nav_badges(user) -> dict: counts shown in the navigation bar (worklist, notify)
- me_fields(user) -> dict: extra fields of GET /api/me (worklist, notify)
- project_detail(project) -> dict: extra parts of a project's detail (worklist: its open tasks)
- sweep() : run after each timer sweep of the scheduler (notify: mail)
- sweep_stats(stats) : read a sweep's engine.timers.SweepStats (ops: metrics)
- periodic_job: (job(app), minutes), a scheduler job (oversight: the monthly bulletin; core.dbstats: daily statistics)
- demo_seed() -> int: extra demo data of `flask seed-demo`, returns how many rows it added (files)
"""


def _points(app):
    return app.extensions.setdefault("egov.points", {})


def add(app, point, function):
    """Register `function` at `point` for this app (once, however often init_app runs)."""
    functions = _points(app).setdefault(point, [])
    if function not in functions:
        functions.append(function)


def get(point, app):
    """The functions registered at `point`, in registration order (area order of the factory)."""
    return list(_points(app).get(point, ()))


def merged(point, app, *args):
    """The dicts the functions at `point` return for `args`, merged."""
    out = {}
    for function in get(point, app):
        out.update(function(*args))
    return out
