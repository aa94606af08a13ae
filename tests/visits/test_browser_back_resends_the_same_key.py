"""In a phone's browser: a 十必报 sent, then Back to its form and sent again, is the same report
(the page keeps the form's key for the tab and puts it back when reached by Back)."""

import re

from tests.conftest import login
from visits.models import AssignmentKind, EventReport

from .factories import AssignmentFactory, HouseholdFactory


def test_back_to_a_sent_form_and_sending_it_again_keeps_one_report(browser_page, cast, campaign, tree):
    home = HouseholdFactory(grid=tree.grid_a1, head_name="孙桂英")
    AssignmentFactory(campaign=campaign, household=home, visitor=cast.cadre, kind=AssignmentKind.GRID)
    page, base = browser_page
    login(page, base, "t_cadre")
    page.goto(f"{base}/visits/households/{home.pk}/event/")
    key = page.input_value("input[name=client_id]")
    assert re.fullmatch(r"[0-9a-f-]{36}", key)
    page.select_option("#id_kind", "serious_illness")
    page.fill("#id_description", "户主住院")
    page.click("button:has-text('上报')")
    page.wait_for_url(re.compile(rf"/visits/households/{home.pk}/$"))
    assert "十必报已上报" in page.content()

    page.go_back()
    page.wait_for_selector("input[name=client_id]", state="attached")
    assert page.input_value("input[name=client_id]") == key
    page.select_option("#id_kind", "serious_illness")
    page.fill("#id_description", "户主住院")
    page.click("button:has-text('上报')")
    page.wait_for_url(re.compile(rf"/visits/households/{home.pk}/$"))
    assert "已上报过" in page.content()
    assert EventReport.objects.count() == 1
