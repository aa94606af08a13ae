"""Sweeps cover the whole tree: their runs are seen and started by an admin of all of it, not by
the admin of one street (who still gets the operations page for their own campaigns)."""

import pytest

from campaigns.models import Role
from grievances.models import SweepRun
from grievances.sweep import sweep_deadlines
from tests.factories import UserFactory, member
from tests.twofactor import verified


@pytest.fixture
def street_admin(tree):
    return member(UserFactory(username="t_street_admin", full_name="韩管理"), tree.street_a, Role.ADMIN)


@pytest.fixture
def district_admin(tree):
    return member(UserFactory(username="t_district_admin", full_name="秦管理"), tree.district, Role.ADMIN)


def test_street_admin_neither_lists_nor_starts_sweep_runs(api, street_admin, tree):
    sweep_deadlines()
    client = api(street_admin)
    assert client.get("/api/sweep-runs/").status_code == 403
    assert client.post("/api/sweep-runs/run/", {}, format="json").status_code == 403
    assert SweepRun.objects.count() == 1


def test_street_admin_cannot_start_a_sweep_or_the_phase_sync_from_the_page(client, street_admin, tree):
    verified(client, street_admin)
    page = client.get("/grievances/ops/")
    assert page.status_code == 200 and "运行期限扫描" not in page.content.decode()
    for action in ("sweep", "phases"):
        assert client.post("/grievances/ops/", {"action": action}).status_code == 403
    assert not SweepRun.objects.exists()


def test_district_admin_lists_and_starts_sweep_runs(api, district_admin, tree):
    client = api(district_admin)
    assert client.post("/api/sweep-runs/run/", {}, format="json").status_code == 202
    assert client.get("/api/sweep-runs/").json()["count"] == 1


def test_people_who_are_no_admin_get_403_on_the_operations_page(client, cast):
    client.force_login(cast.office)
    assert client.get("/grievances/ops/").status_code == 403
    assert client.post("/grievances/ops/", {"action": "sweep"}).status_code == 403
