"""一户一策 review dates and history: office staff schedule reviews and record them, in the API and
on the plan page; the deadline sweep reminds of each review date once, however often it runs; every
change of the plan is in its history (who, when, from what to what) and in the audit trail."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.management import call_command

from audit.models import Record
from notifications.models import Notification
from tests.conftest import FROZEN_NOW
from visits.models import HardshipPlan, PlanChange, PlanReview

from .factories import HouseholdFactory

PLAN = {"situation": "老伴瘫痪在床，儿子残疾", "measures": "申请低保，安排居家养老上门服务", "responsible": "钱主任"}
TODAY = FROZEN_NOW.date()  # Wednesday 2026-11-18


@pytest.fixture
def home(tree):
    return HouseholdFactory(grid=tree.grid_a1, head_name="孙桂英")


def url(h):
    return f"/api/households/{h.pk}/hardship-plan/"


def reminders(user):
    return list(Notification.objects.filter(recipient=user, title__startswith="【一户一策复核】"))


def sweep(when):
    call_command("sweep_deadlines", "--now", when.isoformat())


def test_review_dates_and_every_change_show_in_the_api(api, cast, home):
    office = api(cast.office)
    r = office.put(url(home), {**PLAN, "review_dates": ["2026-12-18", "2027-03-18"]}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["next_review_date"] == "2026-12-18"
    assert [x["due_date"] for x in body["reviews"]] == ["2026-12-18", "2027-03-18"]
    assert [h["kind"] for h in body["history"]] == ["review_added", "review_added", "created"]

    changed = {**PLAN, "measures": "申请低保，每周两次居家养老上门服务", "review_dates": ["2027-01-08", "2027-03-18"]}
    body = office.put(url(home), changed, format="json").json()
    kinds = [h["kind"] for h in body["history"]]
    assert kinds[:3] == ["review_added", "review_removed", "updated"]
    update = next(h for h in body["history"] if h["kind"] == "updated")
    assert update["changes"] == {"measures": [PLAN["measures"], changed["measures"]]}
    assert update["actor"] == "钱主任" and update["kind_display"] == "修改"
    assert [x["due_date"] for x in body["reviews"]] == ["2027-01-08", "2027-03-18"]

    review = body["reviews"][0]["id"]
    r = office.post(url(home) + "review/", {"review": review, "outcome": "低保已发放，措施落实"}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["reviews"][0]["done_by"] == "钱主任" and body["next_review_date"] == "2027-03-18"
    assert body["history"][0]["kind"] == "review_done"
    again = office.post(url(home) + "review/", {"review": review, "outcome": "再次"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "review_done"

    # A done review stays when the schedule is rewritten without it; saving the same plan adds nothing.
    before = PlanChange.objects.count()
    body = office.put(url(home), {**changed, "review_dates": ["2027-03-18"]}, format="json").json()
    assert [x["due_date"] for x in body["reviews"]] == ["2027-01-08", "2027-03-18"]
    assert PlanChange.objects.count() == before
    # Readers see the history; the plan's and its reviews' writes are in the audit chain.
    assert len(api(cast.leader).get(url(home)).json()["history"]) == len(body["history"])
    types = set(Record.objects.values_list("object_type", flat=True))
    assert {"visits.hardshipplan", "visits.planreview"} <= types


def test_only_the_households_office_schedules_and_records_reviews(api, cast, tree, home):
    assert api(cast.office).put(url(home), {**PLAN, "review_dates": ["2026-12-18"]}, format="json").status_code == 200
    review = PlanReview.objects.get()
    assert api(cast.cadre).put(url(home), {**PLAN, "review_dates": []}, format="json").status_code == 403
    done = {"review": review.pk, "outcome": "x"}
    assert api(cast.cadre).post(url(home) + "review/", done, format="json").status_code == 403
    assert api(cast.office_b).post(url(home) + "review/", done, format="json").status_code == 404
    assert api(cast.office_b).get(url(home)).status_code == 404
    other = HouseholdFactory(grid=tree.grid_a2)
    api(cast.office).put(url(other), PLAN, format="json")
    foreign = {"review": review.pk, "outcome": "x"}
    r = api(cast.office).post(url(other) + "review/", foreign, format="json")
    assert r.status_code == 400 and "复核日期不存在" in r.json()["errors"]["review"][0]
    assert PlanReview.objects.get().done_at is None


@pytest.mark.parametrize(
    "dates, field",
    [
        (["2026-02-30"], "review_dates"),
        (["tomorrow"], "review_dates"),
        ([str(TODAY)] * 30, "review_dates"),
    ],
)
def test_bad_review_dates_are_refused_with_a_field_message(api, cast, home, dates, field):
    r = api(cast.office).put(url(home), {**PLAN, "review_dates": dates}, format="json")
    assert r.status_code == 400
    assert r.json()["errors"][field]
    assert not HardshipPlan.objects.exists() and not PlanChange.objects.exists()


def test_the_sweep_reminds_of_each_review_date_once(api, cast, home):
    # Friday 20 Nov is within three working days; 18 Dec is not yet.
    body = {**PLAN, "responsible_user": cast.cadre.pk, "review_dates": ["2026-11-20", "2026-12-18"]}
    assert api(cast.office).put(url(home), body, format="json").status_code == 200
    sweep(FROZEN_NOW)
    sweep(FROZEN_NOW + timedelta(hours=2))
    got = reminders(cast.cadre)
    assert len(got) == 1 and "2026年11月20日" in got[0].title and "孙桂英" in got[0].title
    assert got[0].url == f"/visits/households/{home.pk}/plan/"
    assert not reminders(cast.office)  # the responsible account is reminded, not the whole office
    assert PlanReview.objects.get(due_date=date(2026, 11, 20)).reminded_at is not None
    # Moving the date makes it a new review date: it is reminded again, once.
    moved = {**body, "review_dates": ["2026-11-23", "2026-12-18"]}
    api(cast.office).put(url(home), moved, format="json")
    sweep(FROZEN_NOW + timedelta(hours=3))
    sweep(FROZEN_NOW + timedelta(hours=4))
    assert len(reminders(cast.cadre)) == 2
    # A review done before its reminder is not reminded; the next comes when its date nears.
    later = PlanReview.objects.get(due_date=date(2026, 12, 18))
    with time_machine.travel(FROZEN_NOW + timedelta(days=27), tick=False):
        api(cast.office).post(url(home) + "review/", {"review": later.pk, "outcome": "已复核"}, format="json")
        sweep(FROZEN_NOW + timedelta(days=27))
    assert len(reminders(cast.cadre)) == 2


def test_without_a_responsible_account_the_office_over_the_household_is_reminded(api, cast, home):
    api(cast.office).put(url(home), {**PLAN, "review_dates": ["2026-11-10"]}, format="json")  # already past
    sweep(FROZEN_NOW)
    sweep(FROZEN_NOW)
    got = reminders(cast.office)
    assert len(got) == 1 and "已过复核日期" in got[0].title
    assert not reminders(cast.office_b)


def test_the_plan_page_schedules_reviews_records_them_and_shows_the_history(client, cast, home):
    client.force_login(cast.office)
    page = f"/visits/households/{home.pk}/plan/"
    assert "制定一户一策" in client.get(page).content.decode()
    form = {"action": "save", **PLAN, "responsible_user": "", "review_dates": "2026-12-18\n2027-03-18"}
    r = client.post(page, form)
    assert r.status_code == 302, r.content.decode()[:500]
    html = client.get(page).content.decode()
    assert "2026-12-18" in html and "待复核" in html and "新增复核日期" in html and "制定" in html
    bad = client.post(page, {**form, "measures": "改了", "review_dates": "2026-02-30\n明天"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "日期格式不正确" in text and "2026-02-30" in text
    assert HardshipPlan.objects.get().measures == PLAN["measures"]
    client.post(page, {**form, "measures": "申请低保和医疗救助"})
    review = PlanReview.objects.get(due_date=date(2026, 12, 18))
    assert client.post(page, {"action": "review", "review": review.pk, "outcome": "已落实"}).status_code == 302
    html = client.get(page).content.decode()
    assert "已复核" in html and "已落实" in html and "帮扶措施：" + PLAN["measures"] + " → 申请低保和医疗救助" in html
    assert "下次复核：2027-03-18" in client.get(f"/visits/households/{home.pk}/").content.decode()
    empty = client.post(page, {"action": "review", "review": review.pk, "outcome": ""})
    assert empty.status_code == 400 and "复核情况" in empty.content.decode()

    client.force_login(cast.cadre)
    html = client.get(page).content.decode()
    assert "已落实" in html and 'id="plan-form"' not in html
    assert client.post(page, form).status_code == 403
    client.force_login(cast.office_b)
    assert client.get(page).status_code == 404
