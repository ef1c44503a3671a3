"""Run the benchmark: `python -m bench [--quick]`. Prints a table and writes bench/results/latest.json.

SQLite in a temp directory by default; DATABASE_URL=postgresql://... measures PostgreSQL (a scratch
database of its own is created beside it and dropped afterwards).
"""
import argparse
import json
import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def admin_engine(url):
    """An autocommit engine on the PostgreSQL server of `url`, connected to its maintenance database: a database
    can be created from a template, or dropped, only while nobody is connected to it."""
    import sqlalchemy as sa

    url = url.rsplit("/", 1)[0] + "/postgres"
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")


@contextmanager
def scratch_database():
    url = os.environ.get("DATABASE_URL")
    if not (url and url.startswith("postgres")):
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.sqlite3"
        return
    import sqlalchemy as sa

    admin = admin_engine(url)
    name = f"egov_bench_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def main(argv=None):
    parser = argparse.ArgumentParser(description="电子政务流程引擎基准测试")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--only", action="append", help="run only these scenarios (by key)")
    parser.add_argument("--locust", action="store_true",
                        help="also run the Locust working day (minutes: 1, 2, 4 workers on PostgreSQL, 1 on SQLite)")
    args = parser.parse_args(argv)
    if args.locust:
        os.environ["BENCH_LOCUST"] = "1"
    with scratch_database() as url:
        os.environ["DATABASE_URL"] = url
        from flask_migrate import upgrade

        from webapp import create_app

        from . import scenarios

        app = create_app({"TESTING": True})
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            results = scenarios.run_all(app, quick=args.quick, only=args.only)
            dialect = app.extensions["sqlalchemy"].engine.dialect.name
            from engine.db import db

            db.session.remove()
            db.engine.dispose()
    report = {"database": dialect, "quick": args.quick, "results": results}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print_table(report)
    return 1 if any(r.get("ok") is False for r in results) else 0


def verdict(result):
    """达标/未达标 from the measured figure against its target; a figure without a target is only reported."""
    if result.get("ok") is None:
        return "（仅报告）"
    return "达标" if result["ok"] else "未达标"


def print_table(report):
    print(f"\n数据库：{report['database']}{'（快速模式）' if report['quick'] else ''}")
    header = f"{'指标':<44} {'测得':>14} {'基线':>14} {'比值':>8} {'95% 区间':>13} {'目标':>10}  结论"
    print(header)
    print("-" * len(header.encode("gbk", "replace")))
    for r in report["results"]:
        ratio = f"{r['ratio']:.2f}×" if r.get("ratio") is not None else ""
        print(f"{r['name']:<44} {r['value']:>14} {r.get('baseline') or '':>14} {ratio:>8} "
              f"{r.get('raw', {}).get('spread') or '':>13} {r.get('target') or '':>10}  {verdict(r)}")
        if r.get("note"):
            print(f"    {r['note']}")


if __name__ == "__main__":
    sys.exit(main())
