"""The supervision list shows each entry once, with its plan and resolution deadlines, the working
days each is overdue and a link to the entry, on the page and in the API."""

import pytest
from django.utils import timezone

from grievances.models import DeadlineKind, Grievance, NoticeKind, NoticeLog

from .factories import due_on, lighting_entry


def _list(g, deadline, due_at):
    return NoticeLog.objects.create(
        grievance=g, deadline=deadline, kind=NoticeKind.LISTED, due_at=due_at, created_at=timezone.now()
    )


@pytest.fixture
def twice_listed(tree, cast, campaign):
    """An entry without a plan: plan deadline Mon 9 Nov, resolution deadline Wed 11 Nov, both listed."""
    g = lighting_entry(actor=cast.cadre, unit=tree.grid_a1, campaign=campaign)
    due_on(g, "2026-11-11", plan_submitted_at=None)
    due_on(g, "2026-11-09", plan=True)
    g = Grievance.objects.get(pk=g.pk)
    _list(g, DeadlineKind.PLAN, g.plan_due_at)
    _list(g, DeadlineKind.DUE, g.due_at)
    return g


def test_an_entry_listed_for_both_deadlines_is_one_row_with_both_and_its_working_days_overdue(api, cast, twice_listed):
    body = api(cast.office).get("/api/supervision-list/").json()
    assert body["count"] == 1
    (row,) = body["results"]
    assert row["grievance"] == twice_listed.pk
    assert row["plan_due_at"].startswith("2026-11-09")
    assert row["resolution_due_at"].startswith("2026-11-11")
    # Frozen on Wed 18 Nov: Tue 10 … Wed 18 are 7 working days, Thu 12 … Wed 18 are 5.
    assert row["plan_overdue_days"] == 7
    assert row["due_overdue_days"] == 5
    assert row["overdue_working_days"] == 7
    assert row["url"] == f"/grievances/{twice_listed.pk}/"


def test_the_page_shows_the_entry_once_with_both_deadlines_and_a_link(client, cast, twice_listed):
    client.force_login(cast.office)
    html = client.get("/grievances/ops/supervision/").content.decode()
    assert html.count(f'class="card-open" href="/grievances/{twice_listed.pk}/"') == 1
    assert "2026-11-09" in html and "2026-11-11" in html
    assert "超期7个工作日" in html and "超期5个工作日" in html


def test_a_submitted_plan_leaves_only_the_resolution_deadline_overdue(api, cast, twice_listed):
    Grievance.objects.filter(pk=twice_listed.pk).update(plan_submitted_at=timezone.now())
    (row,) = api(cast.office).get("/api/supervision-list/").json()["results"]
    assert row["deadline"] == DeadlineKind.DUE
    assert row["plan_overdue_days"] is None
    assert row["overdue_working_days"] == 5
