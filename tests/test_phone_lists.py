"""At 390 px the lists people use read as cards: no sideways scrolling, the deadline with its
remaining working days visible on each card, and a tap anywhere on a card opens it.

Set ZOUFANG_SHOTS to a directory to keep the screenshots."""

import os
from pathlib import Path

from playwright.sync_api import expect

from tests.conftest import login
from tests.grievances.factories import GrievanceFactory
from tests.visits.factories import HouseholdFactory


def _shot(page, name):
    target = os.environ.get("ZOUFANG_SHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / f"{name}.png"), full_page=True)


def _fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for box in page.locator("table.cards tbody tr").evaluate_all("rows => rows.map(r => r.getBoundingClientRect())"):
        assert box["width"] <= 390 and box["height"] < 300


def test_the_ledger_reads_as_cards_with_deadlines_and_opens_with_one_tap(browser_page, cast, tree, campaign):
    page, base = browser_page
    entries = [
        GrievanceFactory(
            actor=cast.office, unit=tree.grid_a1, campaign=campaign, content=f"第{i}号楼下水道堵塞，污水外溢影响出行"
        )
        for i in range(8)
    ]
    GrievanceFactory(actor=cast.office, unit=tree.grid_a2, campaign=campaign, content="路口红绿灯坏了", overdue=True)
    login(page, base, "t_office")
    page.goto(f"{base}/grievances/")
    cards = page.locator("table.ledger tbody tr")
    expect(cards).to_have_count(9)
    expect(page.locator("table.ledger thead")).to_be_hidden()
    _fits_the_phone(page)
    expect(cards.first).to_contain_text("个工作日")
    _shot(page, "ledger-390")
    # A tap on the card's lower part (not on its title) opens the entry.
    cards.nth(1).scroll_into_view_if_needed()
    box = cards.nth(1).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] - 8)
    expect(page).to_have_url(f"{base}/grievances/{entries[6].pk}/")  # newest first


def test_the_household_list_reads_as_cards_and_opens_with_one_tap(browser_page, cast, tree, campaign):
    page, base = browser_page
    households = [HouseholdFactory(grid=tree.grid_a1) for _ in range(8)]
    login(page, base, "t_office")
    page.goto(f"{base}/visits/households/")
    cards = page.locator("table.cards tbody tr")
    expect(cards).to_have_count(8)
    _fits_the_phone(page)
    expect(cards.first).to_contain_text("未走访")
    _shot(page, "households-390")
    cards.first.scroll_into_view_if_needed()
    box = cards.first.bounding_box()
    page.mouse.click(box["x"] + box["width"] - 20, box["y"] + box["height"] - 8)
    first = sorted(households, key=lambda h: (h.grid_id, h.address))[0]
    expect(page).to_have_url(f"{base}/visits/households/{first.pk}/")
