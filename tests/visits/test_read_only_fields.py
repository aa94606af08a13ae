"""Fields a client may not set are read-only: who reported or visited, when, in which campaign,
which job a roster belongs to. Sent anyway, they are ignored and the actor's own values stand."""

import uuid
from datetime import timedelta

from django.utils import timezone

from tests.factories import make_campaign
from visits.models import Assignment, AssignmentKind, EventReport, ImportJob, Visit

from .factories import AssignmentFactory, HouseholdFactory


def test_an_event_report_is_the_reporters_own_in_the_households_campaign(api, cast, tree, campaign):
    h = HouseholdFactory(grid=tree.grid_a1)
    AssignmentFactory(campaign=campaign, household=h, visitor=cast.cadre, kind=AssignmentKind.GRID)
    other = make_campaign(tree.street_b, name="西城街道2026年大走访")
    body = {
        "household": h.pk,
        "kind": "serious_illness",
        "description": "户主住院",
        "reporter": cast.office.pk,
        "campaign": other.pk,
        "reported_at": "2020-01-01T00:00:00+08:00",
        "id": 424242,
    }
    response = api(cast.cadre).post("/api/event-reports/", body, format="json")
    assert response.status_code == 201
    report = EventReport.objects.get()
    assert (report.reporter_id, report.campaign_id) == (cast.cadre.pk, campaign.pk)
    assert report.pk != 424242 and report.reported_at.year == timezone.now().year


def test_a_visit_is_the_actors_own(api, cast, tree, campaign):
    h = HouseholdFactory(grid=tree.grid_a1)
    AssignmentFactory(campaign=campaign, household=h, visitor=cast.cadre, kind=AssignmentKind.GRID)
    body = {
        "household": h.pk,
        "client_id": str(uuid.uuid4()),
        "visited_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "duration_minutes": 10,
        "notes": "入户了解家庭近况。",
        "visitor": cast.office.pk,
        "too_short": False,
        "is_followup": True,
    }
    assert api(cast.cadre).post("/api/visits/", body, format="json").status_code == 201
    visit = Visit.objects.get()
    assert (visit.visitor_id, visit.too_short, visit.is_followup) == (cast.cadre.pk, True, False)


def test_an_assignment_records_only_what_its_body_may_say(api, cast, tree, campaign):
    h = HouseholdFactory(grid=tree.grid_a1)
    body = {
        "campaign": campaign.pk,
        "household": h.pk,
        "visitor": cast.cadre.pk,
        "kind": "grid",
        "created_at": "2020-01-01T00:00:00+08:00",
    }
    response = api(cast.office).post("/api/assignments/", body, format="json")
    assert response.status_code == 201
    assert Assignment.objects.get().created_at.year == timezone.now().year


def test_a_roster_job_belongs_to_its_uploader(api, cast, tree):
    from .factories import roster_xlsx
    from .test_roster_import import good_rows

    buf = roster_xlsx(good_rows(tree, 1))
    response = api(cast.office).post(
        "/api/households/import/", {"file": buf, "created_by": cast.admin.pk, "status": "imported"}, format="multipart"
    )
    assert response.status_code == 202
    job = ImportJob.objects.get()
    assert (job.created_by_id, job.status) == (cast.office.pk, "preview")
