"""In the browser: office staff filter the overdue entries and assign one; the handling unit
resolves it with evidence; the timeline shows every step."""

import re

from playwright.sync_api import expect

from tests.conftest import login

from .factories import GrievanceFactory


def test_office_assigns_an_overdue_entry_and_the_handling_unit_resolves_it_with_evidence(
    browser_page, cast, tree, campaign
):
    page, base = browser_page
    late = GrievanceFactory(
        actor=cast.office,
        unit=tree.grid_a1,
        campaign=campaign,
        content="学校门口路口没有红绿灯，孩子过马路很危险",
        overdue=True,
        reporter_name="陈桂芳",
    )
    GrievanceFactory(actor=cast.office, unit=tree.grid_a2, campaign=campaign, content="刚登记的新问题，还没到期")

    login(page, base, "t_office")
    page.goto(f"{base}/grievances/")
    expect(page.locator("table.ledger tbody tr")).to_have_count(2)
    page.check("#f-overdue")
    page.click("#filters button[type=submit]")
    rows = page.locator("table.ledger tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("红绿灯")
    expect(rows.first).to_contain_text("已超期")
    rows.first.locator("a.content").click()
    expect(page.locator("h1")).to_contain_text(f"#{late.pk}")
    page.click("details[data-name=assign] summary")
    page.select_option("#assign-handling_unit", str(tree.department.pk))
    page.fill("#assign-note", "请教育局牵头协调交警设置信号灯")
    page.click("details[data-name=assign] button[type=submit]")
    expect(page.locator("#status")).to_have_text("已交办")
    expect(page.locator("#handling-unit")).to_have_text("区教育局")

    page.context.clear_cookies()
    login(page, base, "t_handler")
    page.goto(f"{base}/grievances/routed/")
    page.locator("table.ledger a.content").first.click()
    page.click("details[data-name=resolve] summary")
    page.fill("#resolve-result", "已协调交警部门在路口设置信号灯并安排护学岗")
    page.set_input_files(
        "#resolve-evidence", files=[{"name": "信号灯.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff\xe0x"}]
    )
    page.click("details[data-name=resolve] button[type=submit]")
    expect(page.locator("#status")).to_have_text("已办结")
    expect(page.locator("#result")).to_contain_text("信号灯")
    timeline = page.locator("#timeline li")
    expect(timeline).to_have_count(3)
    expect(timeline.nth(0)).to_contain_text("登记")
    expect(timeline.nth(1)).to_contain_text("交办责任单位")
    expect(timeline.nth(1)).to_contain_text("钱主任")
    expect(timeline.nth(2)).to_contain_text("办结")
    expect(timeline.nth(2)).to_contain_text("吴科员")
    expect(page.get_by_role("link", name=re.compile("信号灯"))).to_be_visible()
