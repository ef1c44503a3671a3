"""Users for the accounts tests, made directly in the database."""
import pytest


@pytest.fixture
def make_user(db):
    from webapp.models import User

    def make(username="zhang3", password="Initial-pass-1", groups=("dept:gaj",), **fields):
        user = User(username=username, display_name=fields.pop("display_name", username), **fields)
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
        user.set_groups(groups)
        db.session.commit()
        return user

    return make


@pytest.fixture
def rules_on(app, monkeypatch):
    """The production rules of item 2 switched on for one test (outside production they are off)."""
    monkeypatch.setitem(app.config, "ACCOUNT_RULES", True)
    return app.config
