"""The supervision list follows one rule, on the page and in the API: office staff, leaders,
inspectors and admins over the entry's unit; a cadre is refused on both."""

import pytest
from django.utils import timezone

from grievances.models import DeadlineKind, NoticeKind, NoticeLog

from .factories import due_on, lighting_entry


@pytest.fixture
def listed(tree, cast, campaign):
    """An overdue entry of grid_a1, registered by the cadre, on the supervision list."""
    g = due_on(lighting_entry(actor=cast.cadre, unit=tree.grid_a1, campaign=campaign), "2026-10-09")
    return NoticeLog.objects.create(
        grievance=g, deadline=DeadlineKind.DUE, kind=NoticeKind.LISTED, due_at=g.due_at, created_at=timezone.now()
    )


def test_a_cadre_is_refused_the_supervision_list_on_the_page_and_in_the_api(client, api, cast, listed):
    assert api(cast.cadre).get("/api/supervision-list/").status_code == 403
    assert api(cast.cadre).get(f"/api/supervision-list/{listed.pk}/").status_code == 403
    client.force_login(cast.cadre)
    assert client.get("/grievances/ops/supervision/").status_code == 403


def test_office_sees_the_same_entry_on_the_page_and_in_the_api(client, api, cast, listed):
    body = api(cast.office).get("/api/supervision-list/").json()
    assert [row["id"] for row in body["results"]] == [listed.pk]
    client.force_login(cast.office)
    assert listed.grievance.content in client.get("/grievances/ops/supervision/").content.decode()


def test_another_streets_office_sees_neither(client, api, cast, listed):
    assert api(cast.office_b).get("/api/supervision-list/").json()["count"] == 0
    assert api(cast.office_b).get(f"/api/supervision-list/{listed.pk}/").status_code == 404
    client.force_login(cast.office_b)
    assert listed.grievance.content not in client.get("/grievances/ops/supervision/").content.decode()
