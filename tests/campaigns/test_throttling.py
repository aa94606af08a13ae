"""Rate limits: failed logins per address, successful logins untouched at office scale, PDFs per user."""

from rest_framework.test import APIClient

from tests.factories import UserFactory


def test_40_failed_token_logins_for_40_names_from_one_address_meet_a_429_before_the_last(db):
    client = APIClient(REMOTE_ADDR="10.1.2.3")
    codes = [
        client.post("/api/auth/token/", {"username": f"spray{i}", "password": "Wrong-pass-1"}).status_code
        for i in range(40)
    ]
    assert 429 in codes and codes.index(429) < 39 and codes[-1] == 429
    last = client.post("/api/auth/token/", {"username": "spray99", "password": "Wrong-pass-1"})
    assert last.status_code == 429 and int(last["Retry-After"]) > 0
    assert last.json()["code"] == "throttled" and "请求过于频繁" in last.json()["detail"]
    # Another address is not held back.
    other = APIClient(REMOTE_ADDR="10.9.9.9").post("/api/auth/token/", {"username": "x", "password": "y"})
    assert other.status_code == 400


def test_60_successful_logins_a_minute_from_one_address_are_never_throttled(db):
    users = [UserFactory(username=f"cadre{i}") for i in range(60)]
    client = APIClient(REMOTE_ADDR="10.1.2.4")
    for u in users:
        r = client.post("/api/auth/token/", {"username": u.username, "password": "Zoufang-Test-1"})
        assert r.status_code == 200, (u.username, r.status_code)


def test_the_login_page_is_throttled_by_failed_attempts_too(client, db):
    codes = [
        client.post("/accounts/login/", {"username": f"p{i}", "password": "bad"}, REMOTE_ADDR="10.3.3.3").status_code
        for i in range(35)
    ]
    assert codes[0] == 200 and codes[-1] == 429
    r = client.post("/accounts/login/", {"username": "q", "password": "bad"}, REMOTE_ADDR="10.3.3.3")
    assert r.status_code == 429 and r["Retry-After"] and "请求过于频繁" in r.content.decode()


def test_card_sheets_in_a_row_meet_a_429(api, cast, tree, campaign, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # queued only: the rate is what is tested here
    from unittest import mock

    with mock.patch("reports.tasks.generate_summary.delay"):
        codes = [
            api(cast.office)
            .post("/api/cards/sheet/", {"campaign": campaign.pk, "org_unit": tree.grid_a1.pk})
            .status_code
            for _ in range(10)
        ]
    assert codes[:5] == [202] * 5 and codes[-1] == 429
