"""A paused clock (中止): the deadline moves by exactly the working days paused, on the official
calendar (the 2026 Spring Festival and its make-up Saturdays, as `chinesecalendar` ships them),
and a pause that runs out resumes by itself in the deadline sweep."""

from datetime import date

import time_machine

from campaigns import calendar
from grievances.models import Grievance, GrievanceEvent
from grievances.sweep import sweep_deadlines

from .factories import at, lighting_entry, run

# 2026: Spring Festival holidays Sun 15 – Mon 23 Feb; make-up workdays Sat 14 Feb and Sat 28 Feb.
# Working days strictly after Tue 10 Feb up to and including Mon 2 Mar:
#   11, 12, 13, 14 (Sat, make-up) · 24, 25, 26, 27, 28 (Sat, make-up) · 2 Mar  = 10
# (Monday–Friday alone would give 14; the holidays without the make-up days 8.)
PAUSED = 10


def _assigned_in_february(tree, cast, campaign):
    with time_machine.travel(at("2026-02-02"), tick=False):
        g = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
        run(cast.office, g, "assign", handling_unit=tree.department.pk)
    return g


def test_the_official_calendar_is_what_the_count_uses():
    assert calendar.is_working_day(date(2026, 2, 14)) and calendar.is_working_day(date(2026, 2, 28))
    assert not calendar.is_working_day(date(2026, 2, 17))
    assert calendar.working_days_between(date(2026, 2, 10), date(2026, 3, 2)).working_days == PAUSED


def test_a_pause_across_the_spring_festival_moves_due_at_by_the_paused_working_days(tree, cast, campaign, api):
    g = _assigned_in_february(tree, cast, campaign)
    # Registered Mon 2 Feb, 15 working days (14 and 28 Feb count, the holidays do not): Sat 28 Feb.
    assert calendar.local_date(g.due_at) == date(2026, 2, 28)
    with time_machine.travel(at("2026-02-10"), tick=False):
        url = f"/api/grievances/{g.pk}/transitions/"
        r = api(cast.handler).post(url, {"name": "request_pause", "note": "等待司法鉴定结论", "until": "2026-03-02"})
        assert r.status_code == 200, r.json()
        assert r.json()["due_at"] == api(cast.handler).get(f"/api/grievances/{g.pk}/").json()["due_at"]
        before = Grievance.objects.get(pk=g.pk).due_at
        r = api(cast.office).post(url, {"name": "approve_pause", "note": "同意中止"})
    assert r.status_code == 200, r.json()
    body = r.json()
    g.refresh_from_db()
    assert (body["pause_state"], body["paused_working_days"]) == ("active", PAUSED)
    # The answer carries the new deadline: 10 working days after Sat 28 Feb is Fri 13 Mar.
    assert calendar.local_date(g.due_at) == date(2026, 3, 13)
    assert body["due_at"] == api(cast.office).get(f"/api/grievances/{g.pk}/").json()["due_at"]
    assert calendar.working_days_between(before, g.due_at).working_days == PAUSED
    event = GrievanceEvent.objects.filter(grievance=g, action="approve_pause").get()
    assert event.data["days"] == PAUSED and event.actor == cast.office


def test_resumed_early_only_the_days_up_to_the_resume_day_count(tree, cast, campaign, api):
    g = _assigned_in_february(tree, cast, campaign)
    with time_machine.travel(at("2026-02-10"), tick=False):
        run(cast.handler, g, "request_pause", note="等待当事人补充材料", until="2026-03-02")
        run(cast.office, g, "approve_pause")
    with time_machine.travel(at("2026-02-26"), tick=False):
        r = api(cast.handler).post(f"/api/grievances/{g.pk}/transitions/", {"name": "resume", "note": "材料已补齐"})
    assert r.status_code == 200, r.json()
    g.refresh_from_db()
    # 11, 12, 13, 14 Feb and 24, 25, 26 Feb: seven working days; Sat 28 Feb + 7 = Tue 10 Mar.
    assert (g.pause_state, g.paused_working_days) == ("none", 7)
    assert calendar.local_date(g.due_at) == date(2026, 3, 10)
    assert [e.action for e in g.events.order_by("id")][-3:] == ["request_pause", "approve_pause", "resume"]


def test_a_pause_resumes_by_itself_after_until_once(tree, cast, campaign):
    g = _assigned_in_february(tree, cast, campaign)
    with time_machine.travel(at("2026-02-10"), tick=False):
        run(cast.handler, g, "request_pause", note="等待法院判决", until="2026-03-02")
        run(cast.office, g, "approve_pause")
    g.refresh_from_db()
    due = g.due_at
    sweep_deadlines(now=at("2026-03-02", 18))  # still the last paused day
    assert Grievance.objects.get(pk=g.pk).pause_state == "active"
    first = sweep_deadlines(now=at("2026-03-03"))
    second = sweep_deadlines(now=at("2026-03-03", 9, 15))
    g.refresh_from_db()
    assert (first.counts["resumed"], second.counts["resumed"]) == (1, 0)
    assert (g.pause_state, g.paused_working_days, g.due_at) == ("none", PAUSED, due)
    resumed = g.events.filter(action="resume").get()
    assert resumed.actor is None and resumed.data["auto"] is True and "自动恢复计时" in resumed.note


def test_a_pause_needs_a_date_after_today_and_urgent_entries_cannot_pause(tree, cast, campaign, api):
    g = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    run(cast.office, g, "assign", handling_unit=tree.department.pk)
    url = f"/api/grievances/{g.pk}/transitions/"
    r = api(cast.handler).post(url, {"name": "request_pause", "note": "等待", "until": "2026-11-18"})
    assert (r.status_code, r.json()["errors"]["until"]) == (400, ["中止截止日期须晚于今天"])
    r = api(cast.handler).post(url, {"name": "request_pause", "note": "等待", "until": "下周"})
    assert r.status_code == 400 and "until" in r.json()["errors"]
    run(cast.office, g, "mark_urgent")
    r = api(cast.handler).post(url, {"name": "request_pause", "note": "等待", "until": "2026-11-30"})
    assert (r.status_code, r.json()["detail"]) == (409, "急难险重事项不能中止计时")
    assert Grievance.objects.get(pk=g.pk).pause_state == "none"
