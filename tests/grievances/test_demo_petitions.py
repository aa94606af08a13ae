"""The demo shows the petition cycle: a reception day with its register, an appointment, a visit
taking a case down, and entries watched as 积案 and 越级 on the supervision pages."""

from django.test import Client

from campaigns.models import User
from grievances.models import Grievance, Reception


def test_demo_has_a_reception_day_an_appointment_a_visit_down_and_watched_cases(demo_district):
    kinds = {r.kind: r for r in Reception.objects.prefetch_related("visitors")}
    assert set(kinds) == {"reception", "appointment", "visit_down"}
    assert kinds["reception"].visitors.count() == 3
    assert kinds["reception"].visitors.filter(grievance__isnull=False).exists()
    assert kinds["appointment"].visitors.get().grievance.skipped_level
    assert kinds["visit_down"].visitors.get().grievance.is_backlog
    assert Grievance.objects.filter(petition_settled_at__isnull=False).exists()

    client = Client()
    client.force_login(User.objects.get(username="leader"))
    page = client.get("/grievances/ops/supervision/").content.decode()
    for g in Grievance.objects.filter(is_backlog=True) | Grievance.objects.filter(skipped_level=True):
        assert f"#{g.pk}" in page
    assert "每周三领导接访日" in client.get("/grievances/petitions/").content.decode()
