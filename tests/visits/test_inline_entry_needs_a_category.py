"""A problem raised in a visit's body names its category: without one the request is a 400 that
names the field, before anything is written."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from grievances.models import Grievance
from tests.grievances.factories import category
from visits.models import AssignmentKind, Visit

from .factories import AssignmentFactory, HouseholdFactory


@pytest.fixture
def home(tree, campaign, cast):
    h = HouseholdFactory(grid=tree.grid_a1)
    AssignmentFactory(campaign=campaign, household=h, visitor=cast.cadre, kind=AssignmentKind.GRID)
    return h


def _visit(home, **kw):
    return {
        "household": home.pk,
        "client_id": str(uuid.uuid4()),
        "visited_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "duration_minutes": 40,
        "notes": "家中老人希望村里修一下路灯。",
        **kw,
    }


@pytest.mark.parametrize("entry", [{"content": "路灯坏了"}, {"content": "路灯坏了", "category": None}])
def test_an_inline_entry_without_a_category_is_a_400_naming_the_field(api, cast, campaign, home, entry):
    r = api(cast.cadre).post("/api/visits/", _visit(home, grievances=[entry]), format="json")
    assert r.status_code == 400, r.content
    assert r.json()["errors"] == {"grievances": {"0": {"category": ["请选择问题类别"]}}}
    assert Visit.objects.count() == 0 and Grievance.objects.count() == 0


def test_the_second_of_two_inline_entries_is_named_by_its_place(api, cast, campaign, home):
    entries = [{"content": "路灯坏了", "category": category().pk}, {"content": "水渠堵了"}]
    r = api(cast.cadre).post("/api/visits/", _visit(home, grievances=entries), format="json")
    assert r.status_code == 400
    assert r.json()["errors"] == {"grievances": {"1": {"category": ["请选择问题类别"]}}}
    assert Visit.objects.count() == 0
