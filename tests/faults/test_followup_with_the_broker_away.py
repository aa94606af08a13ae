"""Solving an entry on the spot owes the person a look-back: the follow-up (and its assignee's
notice) is written in the transition's own transaction, so neither a crash right after the commit
nor a broker and cache away loses it, and the committed answer is never a 5xx."""

import pytest

from campaigns.models import OutboxMessage
from grievances.models import FollowUp, Grievance, Status
from notifications.models import Notification
from tests.grievances.factories import lighting_entry

from .processes import free_port


def _solve_on_spot(api, cast, g):
    body = {"name": "solve_on_spot", "result": "走访时当场协调，路灯已修好。"}
    return api(cast.cadre).post(f"/api/grievances/{g.pk}/transitions/", body, format="json")


def test_the_followup_commits_with_the_answer_before_any_hook_after_the_commit_runs(tree, cast, campaign, api):
    # Under the test's transaction nothing registered to run on commit ever runs: as if the
    # process died right after the commit.
    g = lighting_entry(actor=cast.cadre, unit=tree.grid_a1, campaign=campaign)
    r = _solve_on_spot(api, cast, g)
    assert r.status_code == 200, r.content
    assert r.json()["status"] == Status.CLOSED
    fu = FollowUp.objects.get(grievance=g)
    assert fu.status == "pending" and fu.assignee == cast.office
    assert Notification.objects.filter(kind="followup", recipient=cast.office, grievance=g).count() == 1


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_and_cache_away_the_answer_is_200_and_the_followup_is_kept(
    tree, cast, campaign, api, publish_to, settings
):
    away = f"redis://127.0.0.1:{free_port()}/0"  # nobody listens here
    publish_to(away)
    settings.CACHES = {
        "default": {
            "BACKEND": "campaigns.lib.cache.ForgivingRedisCache",
            "LOCATION": away,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
    cast.office.email, cast.office.phone = "qian@example.com", "13900001111"
    cast.office.save()
    g = lighting_entry(actor=cast.cadre, unit=tree.grid_a1, campaign=campaign)

    r = _solve_on_spot(api, cast, g)

    assert r.status_code == 200, r.content
    assert Grievance.objects.get(pk=g.pk).status == Status.CLOSED
    fu = FollowUp.objects.get(grievance=g)
    assert fu.assignee == cast.office
    notice = Notification.objects.get(kind="followup", grievance=g)
    # Its e-mail and SMS wait in the outbox for the broker, each refused once.
    waiting = [m for m in OutboxMessage.objects.waiting() if notice.pk in m.kwargs.get("notification_ids", [])]
    assert sorted(m.kwargs["channel"] for m in waiting) == ["email", "sms"]
    assert all(m.last_error for m in waiting)
    # Asked again (a retry of the same answer) it is refused and nothing doubles.
    assert _solve_on_spot(api, cast, g).status_code in (400, 409)
    assert FollowUp.objects.filter(grievance=g).count() == 1
    assert Notification.objects.filter(kind="followup", grievance=g).count() == 1
