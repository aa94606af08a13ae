"""签收, 退单 and 终审: a routed entry is signed for within the campaign's sign-for time; a unit
returns it only within that time; the office re-routes it or sends it back with a ruling; the
resolution clock never moves; returns beyond the allowed count go to the level above."""

import time_machine

from campaigns.calendar import local_date
from grievances.models import Grievance, HandlingRules, NoticeLog
from grievances.sweep import sweep_deadlines
from notifications.models import Notification

from .factories import at, lighting_entry, run


def _routed(tree, cast, campaign, unit=None):
    g = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    return run(cast.office, g, "assign", handling_unit=(unit or tree.department).pk)


def _post(api, user, g, **body):
    return api(user).post(f"/api/grievances/{g.pk}/transitions/", body)


def test_routing_sets_a_sign_for_time_of_one_working_day_by_default(tree, cast, campaign, api):
    g = _routed(tree, cast, campaign)  # Wed 18 Nov
    assert (local_date(g.sign_for_due_at).isoformat(), g.dispatched_by) == ("2026-11-19", cast.office)
    r = _post(api, cast.handler, g, name="sign_for")
    assert r.status_code == 200 and r.json()["signed_for_at"] is not None
    assert Grievance.objects.get(pk=g.pk).due_at == g.due_at  # the clock runs from dispatch


def test_the_sign_for_time_is_the_campaigns(tree, cast, campaign):
    HandlingRules.objects.create(campaign=campaign, sign_for_days=3)
    g = _routed(tree, cast, campaign)
    assert local_date(g.sign_for_due_at).isoformat() == "2026-11-23"  # Thu, Fri, Mon


def test_a_return_after_the_sign_for_time_is_refused(tree, cast, campaign, api):
    g = _routed(tree, cast, campaign)
    with time_machine.travel(at("2026-11-20"), tick=False):
        r = _post(api, cast.handler, g, name="return", note="不属于教育局职责")
    assert r.status_code == 409
    assert r.json()["detail"] == "签收时限（2026-11-19 23:59）已过，不能退单，请按期办理"
    after = Grievance.objects.get(pk=g.pk)
    assert (after.returned_at, after.return_count, after.version) == (None, 0, g.version)


def test_a_return_in_time_goes_to_the_dispatcher_who_rules_on_it(tree, cast, campaign, api):
    g = _routed(tree, cast, campaign)
    r = _post(api, cast.handler, g, name="return", note="属社区物业管理范围")
    assert r.status_code == 200, r.json()
    assert (r.json()["return_count"], r.json()["return_reason"]) == (1, "属社区物业管理范围")
    told = Notification.objects.get(recipient=cast.office, kind="handling")
    assert "退单" in told.title and told.grievance_id == g.pk
    # The handler cannot sign for it while the ruling is pending; the office re-routes.
    assert _post(api, cast.handler, g, name="sign_for").status_code == 409
    r = _post(api, cast.office, g, name="arbitrate", note="属社区职责，改派幸福社区", handling_unit=tree.community_a.pk)
    assert r.status_code == 200, r.json()
    g2 = Grievance.objects.get(pk=g.pk)
    assert (g2.handling_unit, g2.returned_at, g2.due_at) == (tree.community_a, None, g.due_at)
    assert g2.events.get(action="arbitrate").data["ruling"] == "reroute"


def test_a_return_sent_back_with_a_ruling_stays_with_the_unit(tree, cast, campaign, api):
    g = _routed(tree, cast, campaign)
    run(cast.handler, g, "return", note="不是我们的事")
    r = _post(api, cast.office, g, name="arbitrate", note="校舍安全属教育局职责，退单不成立")
    assert r.status_code == 200, r.json()
    g2 = Grievance.objects.get(pk=g.pk)
    assert (g2.handling_unit, g2.returned_at is None, g2.signed_for_at is not None) == (tree.department, True, True)
    assert Notification.objects.filter(recipient=cast.handler, title__contains="退单不成立").count() == 1
    # Held by the unit now: no second return.
    assert _post(api, cast.handler, g, name="return", note="再退").status_code == 409


def test_returns_beyond_the_allowed_count_go_to_the_level_above(tree, cast, campaign):
    from tests.factories import UserFactory, member

    HandlingRules.objects.create(campaign=campaign, max_returns=1)
    district_office = member(UserFactory(username="t_d_office", full_name="区活动办"), tree.district, "office")
    g = _routed(tree, cast, campaign)
    run(cast.handler, g, "return", note="不属本局")
    run(cast.office, g, "arbitrate", note="改派社区", handling_unit=tree.community_a.pk)
    g = run(cast.office, g, "return", note="社区也无法处理")  # the second return: beyond the one allowed
    event = g.events.filter(action="return").latest("id")
    assert event.data == {"unit": tree.community_a.pk, "count": 2, "escalated": True}
    assert Notification.objects.filter(recipient=district_office, title__contains="退单报上级").count() == 1


def test_an_entry_not_signed_for_in_time_is_flagged_and_its_dispatcher_told_once(tree, cast, campaign, api):
    g = _routed(tree, cast, campaign)
    signed = _routed(tree, cast, campaign)
    run(cast.handler, signed, "sign_for")
    sweep_deadlines(now=at("2026-11-19", 18))  # still within the time
    assert not NoticeLog.objects.filter(kind="unsigned").exists()
    for hour in (9, 10):
        sweep_deadlines(now=at("2026-11-20", hour))
    assert list(NoticeLog.objects.filter(kind="unsigned").values_list("grievance_id", flat=True)) == [g.pk]
    assert Notification.objects.filter(kind="unsigned", recipient=cast.office).count() == 1
    assert Notification.objects.filter(kind="unsigned", recipient=cast.handler).count() == 1
    with time_machine.travel(at("2026-11-20"), tick=False):
        assert api(cast.office).get(f"/api/grievances/{g.pk}/").json()["sign_for_overdue"] is True
        assert api(cast.office).get(f"/api/grievances/{signed.pk}/").json()["sign_for_overdue"] is False


def test_the_detail_page_shows_sign_for_and_pause_and_runs_them(tree, cast, campaign, client):
    g = _routed(tree, cast, campaign)
    client.force_login(cast.handler)
    page = client.get(f"/grievances/{g.pk}/").content.decode()
    assert "待签收，期限 2026-11-19" in page and 'data-name="sign_for"' in page and 'type="date"' in page
    r = client.post(
        f"/grievances/{g.pk}/transition/",
        {"name": "request_pause", "version": g.version, "note": "等待鉴定", "until": "2026-11-30"},
    )
    assert r.status_code == 302, r.content.decode()[:500]
    client.force_login(cast.office)
    g.refresh_from_db()
    r = client.post(f"/grievances/{g.pk}/transition/", {"name": "approve_pause", "version": g.version})
    assert r.status_code == 302
    page = client.get(f"/grievances/{g.pk}/").content.decode()
    assert "中止计时中" in page and "累计中止8个工作日" in page
