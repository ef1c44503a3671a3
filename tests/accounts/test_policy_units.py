"""Password policy, atomic failure counting, TOTP, the captcha, text-only Excel cells, audit archiving."""
import gzip
import json
import threading
import time
from datetime import datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa

from webapp.accounts import audit_log, lockout, passwords, totp
from webapp.accounts.credentials import AccountSecurity


def test_password_rules(db, make_user):
    user = make_user("wangwu", "Initial-pass-1")
    assert passwords.problems(user, "Ab1!") == ["密码至少 8 位"]
    assert "三类" in passwords.problems(user, "abcdefgh1")[0]
    assert passwords.problems(user, "Abcdefgh1") == []
    assert passwords.problems(user, "Abcdefg!") == []
    assert "用户名" in passwords.problems(user, "WangWu-2026x")[0]
    assert "最近 5 次" in passwords.problems(user, "Initial-pass-1")[0]


def test_last_five_passwords_cannot_come_back(db, make_user):
    user = make_user("lisi", "Initial-pass-0")
    for i in range(1, 6):
        passwords.set_password(user, f"Changed-pass-{i}")
        db.session.commit()
    for i in range(1, 6):  # the current one and the four before it
        assert passwords.problems(user, f"Changed-pass-{i}"), i
    assert passwords.problems(user, "Initial-pass-0") == []  # the sixth back may come again


def test_forced_change_and_expiry_only_when_the_rules_are_on(app, db, make_user, rules_on, time_machine):
    user = make_user("zhaoliu")
    assert passwords.change_required(user) == "首次登录，请先修改初始密码"
    passwords.set_password(user, "Own-choice-77")
    db.session.commit()
    assert passwords.change_required(user) is None
    time_machine.move_to(datetime.now() + timedelta(days=91))
    assert "90 天" in passwords.change_required(user)
    passwords.set_password(user, "Admin-reset-88", by_admin=True)
    assert "重置" in passwords.change_required(user)
    app.config["ACCOUNT_RULES"] = False
    assert passwords.change_required(user) is None


def test_sixteen_concurrent_failures_are_all_counted(app, db, make_user):
    user = make_user("race")
    uid, start = user.id, threading.Barrier(16)
    results = []

    def fail():
        with app.app_context():
            start.wait()
            results.append(lockout.count_failure(uid))
            db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=fail) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(n for n, _ in results) == list(range(1, 17))
    db.session.expire_all()
    assert db.session.execute(sa.text("SELECT failed_logins FROM \"user\" WHERE id = :i"), {"i": uid}).scalar() == 16
    assert lockout.lock_remaining(db.session.get(type(user), uid)) > 0


def test_totp_codes_work_once(app, db, make_user, rules_on):
    user = make_user("secadmin1", groups=("secadmin",))
    assert totp.required(user)
    secret, svg = totp.begin(user)
    assert svg.startswith("data:image/svg+xml")
    now = time.time()
    code = pyotp.TOTP(secret).at(now)
    assert not totp.check(user, "000000" if code != "000000" else "111111", at=now)
    assert totp.check(user, code, at=now)
    assert not totp.check(user, code, at=now)  # replay
    assert db.session.get(AccountSecurity, user.id).totp_enabled
    assert not totp.required(make_user("plain", groups=("dept:gaj",)))


def test_captcha_answer_is_not_in_the_cookie_and_is_used_once(app, db):
    from webapp.accounts import captcha_image
    from webapp.accounts.credentials import LoginChallenge

    with app.test_request_context("/login"):
        from flask import session

        png = captcha_image.new_image()
        assert png[:4] == b"\x89PNG"
        token = session["login_captcha"]
        answer = db.session.execute(db.select(LoginChallenge.answer)).scalar_one()
        assert answer not in json.dumps(dict(session))  # the cookie names the challenge, nothing more
        assert not captcha_image.passes("WRONG")
        assert "login_captcha" not in session  # a wrong answer spends the challenge
        assert db.session.query(LoginChallenge).count() == 0
        session["login_captcha"] = token
        assert not captcha_image.passes(answer)  # and the right one cannot bring it back
        captcha_image.new_image()
        captcha_image.new_image()
        assert db.session.query(LoginChallenge).count() == 1  # a new image replaces the browser's last one


def test_excel_cells_stay_text(db):
    from openpyxl import Workbook, load_workbook
    import io

    from webapp.core.xlsx import as_text_cells

    book = Workbook()
    book.active.append(["=HYPERLINK(\"http://x\",\"y\")", "+1", "-1", "@SUM(A1)", 3])
    buf = io.BytesIO()
    as_text_cells(book).save(buf)
    cells = list(load_workbook(io.BytesIO(buf.getvalue())).active.iter_rows(values_only=False))[0]
    assert [c.data_type for c in cells] == ["s", "s", "s", "s", "n"]


def test_archive_moves_old_rows_to_a_file_and_the_chain_still_verifies(app, db, tmp_path, monkeypatch):
    from engine import audit

    monkeypatch.setitem(app.config, "AUDIT_ARCHIVE_DIR", str(tmp_path))
    for i in range(3):
        audit.record("login", "old", payload={"i": i})
    db.session.commit()
    db.session.execute(sa.text("UPDATE audit_event SET at = :at"), {"at": datetime(2020, 1, 1)})
    db.session.commit()
    # the update above broke the chain on purpose: re-seal it the way an honest history would be
    db.session.execute(sa.text("DELETE FROM audit_event"))
    db.session.execute(sa.text("DELETE FROM audit_chain"))
    db.session.commit()
    for i in range(3):
        row = audit.record("login", "old", payload={"i": i})
        row.at = datetime(2020, 1, 1, 0, 0, i)
    audit.record("login", "new")
    db.session.commit()
    entry = audit_log.archive(actor="auditor")
    assert entry is not None and entry.rows == 3 and (entry.first_seq, entry.last_seq) == (1, 3)
    with gzip.open(entry.path, "rt", encoding="utf-8") as f:
        assert [json.loads(line)["seq"] for line in f] == [1, 2, 3]
    assert db.session.execute(sa.text("SELECT count(*) FROM audit_event WHERE seq <= 3")).scalar() == 0
    assert audit.verify() == []
    assert audit_log.verify_archive(entry) == []
    with open(entry.path, "ab") as f:
        f.write(b"x")
    assert "校验和" in audit_log.verify_archive(entry)[0]
    assert audit_log.archive() is None  # nothing older is left


def test_retention_below_180_days_is_refused(app, monkeypatch):
    from flask import Flask

    from webapp.accounts import settings

    monkeypatch.setenv("EGOV_AUDIT_RETENTION_DAYS", "30")
    with pytest.raises(RuntimeError):
        settings.load(Flask("x"))
