"""Visits logged with no signal on a 390×844 phone: queued in IndexedDB by the service-worker app,
kept across a reload and a lost session, uploaded once each when the network comes back."""

import io
import os
import re
import time
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import login
from visits.models import Visit, VisitPhoto

from .factories import AssignmentFactory, HouseholdFactory

NAMES = ("孙桂英", "周建军", "陈秀兰")


@pytest.fixture
def homes(tree, cast, campaign):
    rows = [HouseholdFactory(grid=tree.grid_a1, head_name=name) for name in NAMES]
    for h in rows:
        AssignmentFactory(campaign=campaign, household=h, visitor=cast.cadre)
    return rows


def _photo():
    buf = io.BytesIO()
    Image.new("RGB", (3000, 2000), (40, 120, 200)).save(buf, "PNG")
    return {"name": "门口.png", "mimeType": "image/png", "buffer": buf.getvalue()}


def _shot(page, name):
    """Screenshots for a person to look at, when ZF_SHOTS_DIR names where (outside the repository)."""
    where = os.environ.get("ZF_SHOTS_DIR")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(where) / name), full_page=True)


def _ready_offline(page, base):
    page.goto(f"{base}/visits/")
    page.wait_for_selector("html[data-offline-ready='1']")


def _wait_uploaded(page, timeout=30.0):
    """Until the phone's queue is empty: every visit uploaded (a fresh page's banner starts hidden,
    so the banner alone cannot tell whether the upload has run yet)."""
    deadline = time.monotonic() + timeout
    while page.evaluate("window.zoufang.field.queued().then(function (items) { return items.length; })"):
        assert time.monotonic() < deadline, page.text_content("#upload-banner")
        page.wait_for_timeout(200)
    page.wait_for_function("document.getElementById('upload-banner').hidden", timeout=timeout * 1000)


def _log_offline_visits(page, base, homes):
    for i, h in enumerate(homes):
        page.goto(f"{base}/visits/")
        page.click(f"text={h.head_name}")
        page.click("text=开始走访")
        page.wait_for_url(f"**/visits/households/{h.pk}/visit/")
        page.fill("#id_notes", f"离线走访第{i + 1}户，家中情况稳定。")
        if i == 0:
            page.set_input_files("#id_photos", files=[_photo()])
            page.wait_for_selector("#photo-list img")
        page.click("button:has-text('保存走访记录')")
        page.wait_for_url(f"**/visits/households/{h.pk}/")
        page.wait_for_selector(f"#upload-count:has-text('{i + 1} 条待上传')")


def test_three_visits_logged_offline_survive_a_reload_and_upload_once(browser_page, homes):
    page, base = browser_page
    context = page.context
    login(page, base, "t_cadre")
    _ready_offline(page, base)
    _shot(page, "my-households-390.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    context.set_offline(True)
    _log_offline_visits(page, base, homes)
    page.reload()
    page.wait_for_selector("#upload-count:has-text('3 条待上传')")
    assert page.locator("#upload-banner li").count() == 3
    assert Visit.objects.count() == 0

    context.set_offline(False)
    _wait_uploaded(page)
    assert page.text_content("#upload-banner").strip() == ""
    assert sorted(Visit.objects.values_list("household__head_name", flat=True)) == sorted(NAMES)
    assert VisitPhoto.objects.count() == 1
    assert Visit.objects.get(household=homes[0]).photos.count() == 1


def test_visits_queued_offline_go_through_after_the_session_is_lost_and_the_cadre_logs_in(browser_page, homes):
    page, base = browser_page
    context = page.context
    login(page, base, "t_cadre")
    _ready_offline(page, base)
    context.set_offline(True)
    _log_offline_visits(page, base, homes)
    page.reload()
    page.wait_for_selector("#upload-count:has-text('3 条待上传')")

    context.clear_cookies()  # the session ended while the cadre was in the stairwell
    context.set_offline(False)
    page.wait_for_selector("#upload-banner li[data-state='auth']", timeout=30000)
    assert "登录已过期，请重新登录" in page.text_content("#upload-banner")
    assert Visit.objects.count() == 0

    login(page, base, "t_cadre")
    _wait_uploaded(page)
    assert Visit.objects.count() == 3


def test_an_expired_session_on_submit_keeps_the_form_and_sends_it_after_login(browser_page, homes):
    page, base = browser_page
    h = homes[0]
    login(page, base, "t_cadre")
    page.goto(f"{base}/visits/households/{h.pk}/visit/")
    page.fill("#id_notes", "会话过期前写下的民情日记")
    page.wait_for_selector("#draft-state:has-text('草稿已保存')")
    page.context.clear_cookies()
    page.click("button:has-text('保存走访记录')")
    page.wait_for_selector("#error-summary:has-text('登录已过期，请重新登录')")
    assert Visit.objects.count() == 0

    page.click("#error-summary a:has-text('去登录')")
    page.fill("#id_username", "t_cadre")
    page.fill("#id_password", "Zoufang-Test-1")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(rf"/visits/households/{h.pk}/\?saved="), timeout=30000)
    assert "走访记录已保存" in page.text_content("#visit-saved")
    assert Visit.objects.get().notes == "会话过期前写下的民情日记"


def test_back_and_resubmit_keeps_one_visit(browser_page, homes):
    page, base = browser_page
    h = homes[0]
    login(page, base, "t_cadre")
    page.goto(f"{base}/visits/households/{h.pk}/visit/")
    page.fill("#id_notes", "只走访了一次")
    page.click("button:has-text('保存走访记录')")
    page.wait_for_url(re.compile(rf"/visits/households/{h.pk}/\?saved="))
    first = Visit.objects.get()
    page.go_back()
    page.wait_for_url(f"**/visits/households/{h.pk}/visit/")
    page.wait_for_function("document.getElementById('id_notes').value === '只走访了一次'")
    page.click("button:has-text('保存走访记录')")
    page.wait_for_url(re.compile(rf"/visits/households/{h.pk}/\?saved="))
    assert list(Visit.objects.values_list("pk", flat=True)) == [first.pk]


def test_errors_show_a_summary_with_links_and_keep_the_photo(browser_page, homes, campaign):
    page, base = browser_page
    h = homes[0]
    campaign.visit_content = ["answers", "notes"]
    campaign.save(update_fields=["visit_content"])
    login(page, base, "t_cadre")
    page.goto(f"{base}/visits/households/{h.pk}/visit/")
    page.set_input_files("#id_photos", files=[_photo()])
    page.wait_for_selector("#photo-list img")
    page.fill("#id_duration_minutes", "0")
    _shot(page, "visit-form-390.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("button:has-text('保存走访记录')")
    summary = page.locator("#error-summary")
    summary.wait_for()
    text = summary.text_content()
    assert "走访时长应在1到600分钟之间" in text and "走访记录不能为空" in text
    assert summary.locator("a[href='#id_duration_minutes']").count() == 1
    assert page.locator("#photo-list img").count() == 1  # the photo is still attached
    assert page.evaluate("document.getElementById('error-summary').getBoundingClientRect().top") < 844
    _shot(page, "visit-form-errors-390.png")
    assert Visit.objects.count() == 0
