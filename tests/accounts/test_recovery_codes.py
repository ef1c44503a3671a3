"""Recovery codes of the second factor: ten at enrolment, stored hashed, each usable once instead of a TOTP
code (page and API), regenerable for a current TOTP code, void after an administrator's reset; audited."""
import hashlib
import re
import time

import pyotp

PASSWORD = "Own-choice-77"


def _codes(page):
    return re.findall(r"<li><code>([A-Z0-9-]+)</code></li>", page)


def _kinds(db):
    from engine.models import AuditEvent

    db.session.rollback()
    return [e.kind for e in db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars()]


def _enrolled(app, db, make_user):
    """secadmin with its own password, bound to TOTP: (secret, the ten codes shown once)."""
    from webapp.accounts import passwords

    user = make_user("secadmin", groups=("secadmin",))
    passwords.set_password(user, PASSWORD)
    db.session.commit()
    client = app.test_client()
    client.post("/login", data={"username": "secadmin", "password": PASSWORD})
    page = client.get("/account/second-factor").get_data(as_text=True)
    secret = page.split('id="totp-secret">')[1].split("<")[0]
    r = client.post("/account/second-factor", data={"code": pyotp.TOTP(secret).at(time.time())})
    assert r.status_code == 200
    codes = _codes(r.get_data(as_text=True))
    return user, secret, codes, client


def _second_sign_in(app, code):
    client = app.test_client()
    r = client.post("/login", data={"username": "secadmin", "password": PASSWORD})
    assert r.headers["Location"].endswith("/account/second-factor")
    return client, client.post("/account/second-factor", data={"code": code})


def test_enrolment_hands_out_ten_codes_stored_only_hashed(app, db, make_user, rules_on):
    from webapp.accounts.credentials import RecoveryCode

    user, _, codes, _ = _enrolled(app, db, make_user)
    assert len(codes) == 10 and len(set(codes)) == 10
    db.session.rollback()
    stored = {r.code_hash for r in db.session.execute(db.select(RecoveryCode)).scalars()}
    assert len(stored) == 10 and not stored & set(codes)
    assert hashlib.sha256(f"{user.id}:{codes[0].replace('-', '')}".encode()).hexdigest() in stored
    assert "recovery_codes" in _kinds(db)


def test_a_code_passes_the_second_factor_once(app, db, make_user, rules_on):
    _, _, codes, _ = _enrolled(app, db, make_user)
    client, r = _second_sign_in(app, codes[0].lower())  # case and dashes do not matter
    assert r.status_code == 302 and client.get("/admin/users").status_code == 200
    assert _kinds(db).count("recovery_code_use") == 1
    client, r = _second_sign_in(app, codes[0])
    assert r.status_code == 401 and "恢复码不正确或已使用" in r.get_data(as_text=True)
    assert client.get("/admin/users").headers["Location"].endswith("/account/second-factor")
    assert _kinds(db).count("recovery_code_use") == 1


def test_the_api_takes_a_code_once_as_otp(app, db, make_user, rules_on):
    _, _, codes, _ = _enrolled(app, db, make_user)
    body = {"username": "secadmin", "password": PASSWORD, "otp": codes[3]}
    assert app.test_client().post("/api/auth/token", json=body).status_code == 200
    r = app.test_client().post("/api/auth/token", json=body)
    assert r.status_code == 401 and r.get_json()["error"] == "otp_required"


def test_regenerating_voids_the_old_codes(app, db, make_user, rules_on):
    _, secret, codes, client = _enrolled(app, db, make_user)
    page = client.get("/account/recovery-codes").get_data(as_text=True)
    assert "尚未使用的恢复码：10 个" in page
    r = client.post("/account/recovery-codes", data={"code": "000000"})
    assert r.status_code == 401
    r = client.post("/account/recovery-codes", data={"code": pyotp.TOTP(secret).at(time.time() + 30)})
    fresh = _codes(r.get_data(as_text=True))
    assert r.status_code == 200 and len(fresh) == 10 and not set(fresh) & set(codes)
    assert _second_sign_in(app, codes[1])[1].status_code == 401
    assert _second_sign_in(app, fresh[1])[1].status_code == 302
    assert _kinds(db).count("recovery_codes") == 3  # enrolment, the refused attempt, the new ones


def test_the_page_needs_the_second_factor_passed(app, db, make_user, rules_on):
    _enrolled(app, db, make_user)
    client = app.test_client()
    client.post("/login", data={"username": "secadmin", "password": PASSWORD})
    r = client.get("/account/recovery-codes")
    assert r.status_code == 302 and r.headers["Location"].endswith("/account/second-factor")


def test_an_administrators_reset_voids_the_codes(app, db, make_user, rules_on):
    from webapp.accounts import totp
    from webapp.accounts.models import User

    _, _, codes, _ = _enrolled(app, db, make_user)
    db.session.rollback()
    totp.reset(db.session.execute(db.select(User).filter_by(username="secadmin")).scalar_one())
    db.session.commit()
    body = {"username": "secadmin", "password": PASSWORD, "otp": codes[0]}
    assert app.test_client().post("/api/auth/token", json=body).status_code == 401
    from webapp.accounts.credentials import RecoveryCode

    assert db.session.query(RecoveryCode).count() == 0
