"""Login security as audited for 等保 2.0 level 3, and token login for scripts."""

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

pytestmark = pytest.mark.django_db
PASSWORD = "Zoufang-Test-1"


def test_token_login_returns_a_token_that_authenticates(api, cast):
    r = api().post("/api/auth/token/", {"username": "t_cadre", "password": PASSWORD}, format="json")
    assert r.status_code == 200
    token = r.json()["token"]
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/users/me/").json()["username"] == "t_cadre"


def test_wrong_password_gets_a_chinese_error(api, cast):
    r = api().post("/api/auth/token/", {"username": "t_cadre", "password": "nope"}, format="json")
    assert r.status_code == 400
    assert r.json() == {"code": "invalid_credentials", "detail": "用户名或密码错误"}


def test_five_failures_lock_the_account_for_thirty_minutes(api, cast, time_machine):
    time_machine.move_to("2026-03-02 10:00:00+08:00", tick=False)
    for _ in range(5):
        api().post("/api/auth/token/", {"username": "t_cadre", "password": "wrong"}, format="json")
    # Even the right password is refused while locked, through the API and the login page.
    r = api().post("/api/auth/token/", {"username": "t_cadre", "password": PASSWORD}, format="json")
    assert r.status_code == 403
    assert r.json()["code"] == "locked_out"
    page = api().post("/accounts/login/", {"username": "t_cadre", "password": PASSWORD})
    assert "账户已锁定" in page.content.decode()
    time_machine.move_to("2026-03-02 10:29:00+08:00", tick=False)
    assert api().post("/api/auth/token/", {"username": "t_cadre", "password": PASSWORD}).status_code == 403
    # A try during the lockout counts as a failure: the 30 minutes start again from 10:29.
    time_machine.move_to("2026-03-02 10:58:00+08:00", tick=False)
    assert api().post("/api/auth/token/", {"username": "t_cadre", "password": PASSWORD}).status_code == 403
    time_machine.move_to("2026-03-02 11:29:00+08:00", tick=False)
    assert api().post("/api/auth/token/", {"username": "t_cadre", "password": PASSWORD}).status_code == 200


def test_lockout_of_one_account_does_not_lock_another(api, cast):
    for _ in range(5):
        api().post("/api/auth/token/", {"username": "t_cadre", "password": "wrong"}, format="json")
    assert api().post("/api/auth/token/", {"username": "t_office", "password": PASSWORD}).status_code == 200


def test_logins_and_failures_are_in_the_audit_trail(client, cast):
    client.post("/accounts/login/", {"username": "t_office", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "t_office", "password": PASSWORD})
    assert response.status_code == 302
    events = list(
        LogEntry.objects.filter(object_pk=str(cast.office.pk), action=LogEntry.Action.ACCESS)
        .order_by("timestamp")
        .values_list("additional_data", flat=True)
    )
    assert [e["event"] for e in events] == ["login_failed", "login"]


def test_idle_sessions_end_after_thirty_minutes(client, cast, time_machine):
    assert settings.SESSION_COOKIE_AGE == 1800
    time_machine.move_to("2026-03-02 09:00:00+08:00", tick=False)
    client.post("/accounts/login/", {"username": "t_office", "password": PASSWORD})
    time_machine.move_to("2026-03-02 09:20:00+08:00", tick=False)
    assert client.get("/").status_code == 200  # activity extends the session
    time_machine.move_to("2026-03-02 09:45:00+08:00", tick=False)
    assert client.get("/").status_code == 200
    time_machine.move_to("2026-03-02 10:16:00+08:00", tick=False)
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("password", ["short1A", "alllowercaseletters", "lower-and-punct", "12345678abc"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_password_mixing_three_kinds_is_accepted():
    validate_password("Visit2026campaign")


def test_login_page_logs_in_and_home_shows_role_card(client, cast):
    response = client.post("/accounts/login/", {"username": "t_office", "password": PASSWORD}, follow=True)
    html = response.content.decode()
    assert "您好，钱主任" in html
    assert "办公室" in html


def test_an_active_session_is_saved_once_a_minute_not_on_every_request(client, cast, time_machine):
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    time_machine.move_to("2026-03-02 09:00:00+08:00", tick=False)
    client.post("/accounts/login/", {"username": "t_office", "password": PASSWORD})
    expiry = Session.objects.get().expire_date
    time_machine.move_to("2026-03-02 09:00:30+08:00", tick=False)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert Session.objects.get().expire_date == expiry
    time_machine.move_to("2026-03-02 09:01:30+08:00", tick=False)
    assert client.get("/").status_code == 200
    assert Session.objects.get().expire_date > expiry  # counted from this request
