"""A cadre on a 390×844 phone: open an assigned household, record a visit with the checklist and
a grievance, and see coverage change."""

from grievances.models import Grievance
from tests.conftest import login
from tests.grievances.factories import category
from visits.models import Visit

from .factories import AssignmentFactory, HouseholdFactory


def test_cadre_records_a_visit_with_checklist_and_grievance_on_a_phone(browser_page, cast, campaign, tree):
    home = HouseholdFactory(grid=tree.grid_a1, categories=["hardship"], head_name="孙桂英")
    other = HouseholdFactory(grid=tree.grid_a1, head_name="周建军")
    for h in (home, other):
        AssignmentFactory(campaign=campaign, household=h, visitor=cast.cadre)
    lights = category()
    item = campaign.checklist.first()
    page, base = browser_page
    login(page, base, "t_cadre")

    page.goto(f"{base}/visits/coverage/")
    assert page.text_content("#cov-visited").strip() == "0"

    page.goto(f"{base}/visits/")
    assert page.locator(".hh").first.text_content().count("未走访") == 1
    page.click("text=孙桂英")
    page.click("text=开始走访")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill(f"#id_answer_{item.pk}", "两人务工，收入稳定")
    page.fill("#id_notes", "老人身体尚好。")
    page.fill("#id_g1_content", "楼前路灯坏了半个多月")
    page.select_option("#id_g1_category", str(lights.pk))
    page.click("button:has-text('保存走访记录')")
    page.wait_for_url(f"{base}/visits/households/{home.pk}/")
    assert "走访记录已保存" in page.content()

    visit = Visit.objects.get()
    assert visit.answers == {str(item.pk): "两人务工，收入稳定"} and visit.visitor == cast.cadre
    assert Grievance.objects.get().visit == visit

    page.goto(f"{base}/visits/coverage/")
    assert page.text_content("#cov-visited").strip() == "1"
    assert page.text_content("#cov-rate").strip() == "50.0%"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
