"""A cadre on a 390×844 phone: open an assigned household, record a visit with the checklist and
a grievance, and see coverage change."""

import re

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
    page.select_option("#id_g1_category >> xpath=preceding-sibling::select[1]", label=lights.parent.name)
    page.select_option("#id_g1_category", str(lights.pk))
    page.click("button:has-text('保存走访记录')")
    page.wait_for_url(re.compile(rf"/visits/households/{home.pk}/(\?saved=[0-9a-f-]+)?$"))
    assert "走访记录已保存" in page.content()

    visit = Visit.objects.get()
    assert visit.answers == {str(item.pk): "两人务工，收入稳定"} and visit.visitor == cast.cadre
    assert Grievance.objects.get().visit == visit

    page.goto(f"{base}/visits/coverage/")
    assert page.text_content("#cov-visited").strip() == "1"
    assert page.text_content("#cov-rate").strip() == "50.0%"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_category_picker_asks_for_the_parent_then_offers_only_its_leaves(browser_page, cast, campaign, tree):
    home = HouseholdFactory(grid=tree.grid_a1, head_name="孙桂英")
    AssignmentFactory(campaign=campaign, household=home, visitor=cast.cadre)
    lights = category()
    leaves = set(lights.parent.children.filter(is_active=True).values_list("name", flat=True))
    page, base = browser_page
    login(page, base, "t_cadre")
    page.goto(f"{base}/visits/households/{home.pk}/visit/")
    parent = page.locator("#id_g1_category >> xpath=preceding-sibling::select[1]")
    parents = [t.strip() for t in parent.locator("option").all_text_contents()][1:]
    assert lights.parent.name in parents and len(parents) < 20
    assert page.is_disabled("#id_g1_category")
    parent.select_option(label=lights.parent.name)
    offered = [t.strip() for t in page.locator("#id_g1_category option").all_text_contents()][1:]
    assert set(offered) == leaves
    page.select_option("#id_g1_category", str(lights.pk))
    page.fill("#id_g1_content", "楼前路灯坏了")
    page.fill("#id_notes", "入户了解近况。")
    # A reload restores the draft, the parent included.
    page.wait_for_selector("#draft-state:has-text('草稿')")
    page.reload()
    page.wait_for_function("document.querySelector('#id_g1_category').value !== ''")
    assert page.input_value("#id_g1_category") == str(lights.pk)
    assert parent.evaluate("el => el.options[el.selectedIndex].text") == lights.parent.name
    page.click("button:has-text('保存走访记录')")
    page.wait_for_url(re.compile(rf"/visits/households/{home.pk}/(\?saved=[0-9a-f-]+)?$"))
    assert Grievance.objects.get().category == lights


def test_without_script_the_category_picker_is_one_list_grouped_by_parent(client, cast, campaign, tree):
    home = HouseholdFactory(grid=tree.grid_a1, head_name="孙桂英")
    AssignmentFactory(campaign=campaign, household=home, visitor=cast.cadre)
    lights = category()
    client.force_login(cast.cadre)
    html = client.get(f"/visits/households/{home.pk}/visit/").content.decode()
    select = re.search(r'<select name="g1_category".*?</select>', html, re.S).group(0)
    assert "data-category-picker" in select
    group = re.search(rf'<optgroup label="{lights.parent.name}">(.*?)</optgroup>', select, re.S).group(1)
    assert f'<option value="{lights.pk}">{lights.name}</option>' in group
    assert " / " not in select
    create = client.get("/grievances/new/").content.decode()
    assert f'<optgroup label="{lights.parent.name}">' in create and "data-category-picker" in create
