"""A campaign's deadline table in the admin: each row's code, label and days agree, and the days
run in the order of the tiers; a refused change names the problem in Chinese and writes nothing."""

import pytest

from campaigns.models import DeadlineTier
from tests.twofactor import verified

pytestmark = pytest.mark.django_db


def _form(campaign, **changes):
    """The campaign's change form with its tier rows, `changes` by code: {code: (label, days)}."""
    data = {
        "name": campaign.name,
        "territory": campaign.territory_id,
        "year": campaign.year,
        "phase": campaign.phase,
        "min_visit_minutes": campaign.min_visit_minutes,
        "allowed_modes": ["in_person"],
        "assessment_weight": campaign.assessment_weight,
    }
    for prefix in ("phases", "checklist"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    tiers = list(campaign.tiers.order_by("id"))
    data.update({"tiers-TOTAL_FORMS": len(tiers), "tiers-INITIAL_FORMS": len(tiers)})
    for i, t in enumerate(tiers):
        label, days = changes.get(t.code, (t.label, t.working_days))
        data.update(
            {
                f"tiers-{i}-id": t.pk,
                f"tiers-{i}-campaign": campaign.pk,
                f"tiers-{i}-code": t.code,
                f"tiers-{i}-label": label,
                f"tiers-{i}-working_days": days,
            }
        )
    return data


def _days(campaign):
    return dict(DeadlineTier.objects.filter(campaign=campaign).values_list("code", "working_days"))


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"on_spot": ("即知即办", 3)}, "即知即办的期限为0个工作日"),
        ({"general": ("一般性问题", 0)}, "期限应在1至250个工作日之间"),
        ({"general": ("较大问题", 15)}, "是“较大问题”的名称"),
        ({"major": ("较大问题（30个工作日）", 20)}, "名称写的是30个工作日，期限却是20个工作日"),
        ({"major": ("较大问题", 10)}, "“较大问题”的期限（10个工作日）应长于“一般问题”（15个工作日）"),
        ({"plan": ("提出解决方案", 20)}, "“一般问题”的期限（15个工作日）应长于“提出解决方案”（20个工作日）"),
    ],
)
def test_a_tier_whose_code_label_and_days_disagree_is_refused(client, cast, campaign, changes, message):
    before = _days(campaign)
    verified(client, cast.admin)
    response = client.post(f"/admin/campaigns/campaign/{campaign.pk}/change/", _form(campaign, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert _days(campaign) == before


def test_consistent_tiers_are_saved(client, cast, campaign):
    verified(client, cast.admin)
    changes = {"general": ("一般问题（20个工作日）", 20), "major": ("较大问题", 40)}
    response = client.post(f"/admin/campaigns/campaign/{campaign.pk}/change/", _form(campaign, **changes))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _days(campaign)["general"] == 20 and _days(campaign)["major"] == 40
