"""On a phone (390 px), a cadre sees the inbox badge and records a look-back from 我的回头看."""

import pytest
from django.utils import timezone

from grievances.followups import ensure_followup_for
from grievances.models import Grievance, Status
from tests.conftest import login

from .factories import household_with_phone, lighting_entry, set_status, visit


@pytest.mark.django_db(transaction=True)
def test_cadre_records_a_followup_on_the_phone(browser_page, tree, cast, campaign):
    page, base = browser_page
    hh = household_with_phone(tree.grid_a1, "王大妈")
    g = lighting_entry(
        actor=cast.office, household_=hh, campaign=campaign, visit=visit(campaign, hh, cast.cadre, timezone.now())
    )
    set_status(g, Status.RESOLVED, result="已更换楼道灯")
    ensure_followup_for(grievance_id=g.pk)  # tells the cadre (committed: this test is transactional)

    login(page, base, "t_cadre")
    assert page.locator("nav .badge").first.inner_text() == "1"
    page.goto(f"{base}/grievances/notifications/")
    assert "【回头看】新增 1 项回访任务" in page.content()
    page.goto(f"{base}/grievances/followups/")
    assert page.locator("h1").inner_text() == "我的回头看"
    page.click("text=记录回访")
    page.select_option("#id_mode", "in_person")
    page.check("input[name=solved][value=yes]")
    page.check("input[name=satisfaction][value=satisfied]")
    page.fill("#id_notes", "路灯已修好，群众满意")
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{base}/grievances/followups/")
    assert "回访已记录" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    assert Grievance.objects.get(pk=g.pk).status == Status.CLOSED
