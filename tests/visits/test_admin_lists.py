"""An admin (superuser) sees every visit, assignment and 十必报 report, not only their own."""

from datetime import timedelta

from django.utils import timezone

from visits.models import AssignmentKind, EventReport

from .factories import AssignmentFactory, HouseholdFactory, VisitFactory


def test_admin_lists_every_visit_assignment_and_event_report(api, cast, tree, campaign):
    h = HouseholdFactory(grid=tree.grid_c1)
    AssignmentFactory(campaign=campaign, household=h, visitor=cast.cadre_c, kind=AssignmentKind.GRID)
    VisitFactory(
        campaign=campaign,
        household=h,
        visitor=cast.cadre_c,
        visited_at=timezone.now() - timedelta(hours=1),
        duration_minutes=40,
    )
    EventReport.objects.create(campaign=campaign, household=h, reporter=cast.cadre_c, kind="pregnancy", description="x")
    client = api(cast.admin)
    for url in ("/api/visits/", "/api/assignments/", "/api/event-reports/"):
        assert client.get(url).json()["count"] == 1, url
