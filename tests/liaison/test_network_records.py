"""The liaison network's API: groups with their counts, box openings that become ledger entries
(source 意见箱), meetings, the report chain and what is late, the daily opinion summary, the
visit cadence reminders on the deadline sweep, and the network map PDF."""

import io
from datetime import date, timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from audit.models import Event, Record
from campaigns.choices import Role
from grievances.models import Grievance
from grievances.sweep import sweep_deadlines
from liaison import services as liaison
from liaison.models import CadenceReminder, MapJob, VisitCadence
from notifications.models import Notification
from tests.factories import TeamFactory, UserFactory, member
from tests.grievances.factories import category
from tests.visits.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def _rows(data):
    return data["results"] if isinstance(data, dict) else data


@pytest.fixture
def people(tree, cast):
    leader = member(UserFactory(username="t_group_leader", full_name="孔组长"), tree.grid_a1, Role.CADRE)
    resident = UserFactory(username="t_resident", full_name="严成员")
    party = UserFactory(username="t_party", full_name="党员老冯")
    return leader, resident, party


def test_office_builds_a_group_and_the_list_counts_its_households(api, tree, cast, people):
    leader, resident, party = people
    hh = [HouseholdFactory(grid=tree.grid_a1, is_hardship=i == 0) for i in range(3)]
    body = {
        "grid": tree.grid_a1.pk,
        "leader": leader.pk,
        "members": [],
        "party_links": [],
    }
    # A resident without a role is not visible to the office: named by id, refused like a missing one.
    refused = api(cast.office).post("/api/liaison-groups/", {**body, "members": [resident.pk]}, format="json")
    assert refused.status_code == 400
    member(resident, tree.grid_a1, Role.CADRE)
    member(party, tree.grid_a1, Role.CADRE)
    body.update(members=[resident.pk], party_links=[{"member": party.pk, "households": [hh[0].pk, hh[1].pk]}])
    response = api(cast.office).post("/api/liaison-groups/", body, format="json")
    assert response.status_code == 201, response.data
    row = response.data
    assert (row["households_count"], row["hardship_count"], row["party_count"]) == (3, 1, 1)
    assert row["leader"]["name"] == "孔组长"
    assert [m["name"] for m in row["members"]] == ["严成员"]
    # Another street's office neither lists nor opens it; a cadre may not build one.
    assert _rows(api(cast.office_b).get("/api/liaison-groups/").data) == []
    assert api(cast.office_b).get(f"/api/liaison-groups/{row['id']}/").status_code == 404
    assert api(cast.cadre).post("/api/liaison-groups/", body, format="json").status_code == 403


def test_box_opening_slips_become_ledger_entries_from_the_suggestion_box(api, tree, cast, campaign):
    cat = category()
    body = {
        "unit": tree.community_a.pk,
        "opened_at": (timezone.now() - timedelta(hours=2)).isoformat(),
        "opened_by": "村支书刘明",
        "slips": [
            {"content": "村道路灯坏了三盏", "category": cat.pk, "reporter_name": "匿名"},
            {"content": "建议增加垃圾清运次数", "category": cat.pk, "kind": "suggestion"},
        ],
    }
    response = api(cast.cadre).post("/api/box-openings/", body, format="json")
    assert response.status_code == 201, response.data
    assert response.data["slips_count"] == 2
    entries = Grievance.objects.filter(pk__in=response.data["grievances"])
    assert sorted(entries.values_list("source", flat=True)) == ["suggestion_box", "suggestion_box"]
    assert set(entries.values_list("unit_id", flat=True)) == {tree.community_a.pk}
    assert api(cast.cadre_c).post("/api/box-openings/", body, format="json").status_code == 400
    assert _rows(api(cast.office_b).get("/api/box-openings/").data) == []


def test_meeting_records_minutes_and_only_entries_of_its_unit(api, tree, cast, campaign):
    cat = category()
    from grievances.services import register_grievance

    g = register_grievance(actor=cast.office, content="路灯坏了", category=cat, unit=tree.grid_a1, campaign=campaign)
    body = {
        "unit": tree.community_a.pk,
        "kind": "village",
        "held_on": timezone.localdate().isoformat(),
        "minutes": "研究路灯维修，明确责任人。",
        "grievances": [g.pk],
    }
    response = api(cast.cadre).post("/api/meetings/", body, format="json")
    assert response.status_code == 201, response.data
    assert response.data["grievances"] == [g.pk]
    # A town meeting is held by the town, not by a village.
    wrong = api(cast.cadre).post("/api/meetings/", {**body, "kind": "town"}, format="json")
    assert wrong.status_code == 400 and "kind" in wrong.data["errors"]


def test_report_chain_records_who_submitted_and_shows_what_is_late(api, tree, cast):
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    body = {
        "unit": tree.community_a.pk,
        "kind": "station_month",
        "period": last_month.isoformat(),
        "content": "本月情况",
    }
    response = api(cast.cadre).post("/api/liaison-reports/", body, format="json")
    assert response.status_code == 201, response.data
    assert response.data["period_start"] == last_month.replace(day=1).isoformat()
    assert response.data["submitted_by"] == cast.cadre.pk
    # Due three working days after the month: the 18th is well past it.
    assert response.data["is_late"] is True
    assert "standing_visits" in response.data["figures"]
    again = api(cast.cadre).post("/api/liaison-reports/", body, format="json")
    assert again.status_code == 409
    from liaison.selectors import report_chain

    rows = report_chain(cast.office, tree.street_a, timezone.localdate(), months=1)
    states = {(r["unit"].pk, r["kind"]): r["state"] for r in rows}
    assert states[(tree.community_a.pk, "联络站月报")] == "late"
    assert states[(tree.community_b.pk, "联络站月报")] == "missing"
    assert states[(tree.street_a.pk, "乡镇月度统计表")] == "missing"


def test_daily_summary_is_written_by_the_group_and_printed_by_the_office(api, client, tree, cast, campaign):
    team = TeamFactory(campaign=campaign, unit=tree.street_a, paired_unit=tree.community_a, members=[cast.cadre])
    body = {
        "team": team.pk,
        "day": timezone.localdate().isoformat(),
        "summary": "当日收集意见2条",
        "items": [{"reporter": "张大山", "address": "1组", "content": "路灯不亮", "suggestion": "报村建办"}],
    }
    response = api(cast.cadre).post("/api/daily-summaries/", body, format="json")
    assert response.status_code == 201, response.data
    client.force_login(cast.office)
    page = client.get(f"/liaison/summaries/{response.data['id']}/")
    assert page.status_code == 200
    assert "路灯不亮" in page.content.decode()
    client.force_login(cast.office_b)
    assert client.get(f"/liaison/summaries/{response.data['id']}/").status_code == 404


def test_sweep_reminds_the_liaison_of_hardship_households_not_visited_this_month(tree, cast, settings):
    person = UserFactory(username="t_liaison2", full_name="何联络")
    liaison.appoint_liaison(
        actor=cast.office, grid=tree.grid_a1, user=person, background="retired_cadre", appointed_on=timezone.localdate()
    )
    HouseholdFactory(grid=tree.grid_a1, is_hardship=True)
    VisitCadence.objects.create(unit=tree.street_a, target="hardship", period="month", remind_days=10)
    sweep_deadlines()
    sweep_deadlines()
    assert CadenceReminder.objects.filter(recipient=person).count() == 1
    assert Notification.objects.filter(recipient=person, title__contains="定期走访").count() == 1


def test_network_map_pdf_is_rendered_by_the_task(client, tree, cast, people, django_capture_on_commit_callbacks):
    leader, _resident, _party = people
    liaison.save_group(actor=cast.office, grid=tree.grid_a1, leader=leader)
    client.force_login(cast.office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/liaison/map/", {"unit": tree.street_a.pk})
    assert response.status_code == 302
    job = MapJob.objects.get(unit=tree.street_a)
    assert job.status == MapJob.State.DONE, job.error
    download = client.get(f"/liaison/map/{job.pk}/")
    assert download.status_code == 200
    data = b"".join(download.streaming_content)
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))  # traced: the requester in the properties and on the page
    assert reader.metadata.author == "钱主任（t_office）"
    assert "导出人：钱主任（t_office）　单位：东城街道" in reader.pages[0].extract_text()
    audited = Record.objects.filter(event=Event.DOWNLOAD).latest("id")
    assert audited.object_id == str(job.pk) and audited.data["filters"] == {"unit": str(tree.street_a.pk)}
    assert audited.data["rows"] == 1  # the one liaison group on the map
    client.force_login(cast.office_b)
    assert client.get(f"/liaison/map/{job.pk}/").status_code == 404


def test_town_page_shows_ten_ones_for_the_office(client, tree, cast):
    client.force_login(cast.office)
    page = client.get(f"/liaison/?town={tree.street_a.pk}")
    assert page.status_code == 200
    text = page.content.decode()
    assert "十个一" in text and "一张民情联络网络图" in text
    client.force_login(cast.office_b)
    assert client.get(f"/liaison/?town={tree.street_a.pk}").status_code == 404


def test_period_of_splits_half_months_and_quarters():
    assert liaison.period_of("station_half_month", date(2026, 11, 18)) == (date(2026, 11, 16), date(2026, 11, 30))
    assert liaison.period_of("town_quarter", date(2026, 11, 18)) == (date(2026, 10, 1), date(2026, 12, 31))


def test_many_due_dates_from_one_calendar_read_match_one_by_one(django_assert_max_num_queries):
    from campaigns.calendar import add_working_days, add_working_days_many

    pairs = [(date(2026, 9, 30), 5), (date(2026, 10, 31), 3), (date(2026, 12, 31), 10), (date(2026, 10, 31), 0)]
    with django_assert_max_num_queries(2):
        dues = add_working_days_many(pairs)
    assert {k: v.due for k, v in dues.items()} == {(s, n): add_working_days(s, n).due for s, n in pairs}


def test_box_slips_without_any_campaign_are_refused_in_chinese_and_nothing_is_saved(api, client, tree, cast):
    from liaison.models import BoxOpening

    body = {
        "unit": tree.community_a.pk,
        "opened_at": (timezone.now() - timedelta(hours=2)).isoformat(),
        "opened_by": "村支书刘明",
        "slips": [{"content": "村道路灯坏了三盏", "category": category().pk}],
    }
    response = api(cast.cadre).post("/api/box-openings/", body, format="json")
    assert response.status_code == 400, response.data
    assert "没有走访活动台账" in response.data["errors"]["slips"][0]
    assert not BoxOpening.objects.exists() and not Grievance.objects.exists()
    # Without slips the opening itself is still recorded.
    response = api(cast.cadre).post("/api/box-openings/", {**body, "slips": []}, format="json")
    assert response.status_code == 201, response.data
    # The page answers the same refusal, not a server error.
    client.force_login(cast.cadre)
    page = client.post(
        "/liaison/boxes/",
        {
            "unit": tree.community_a.pk,
            "opened_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            "opened_by": "村支书刘明",
            "slips": "村道路灯坏了三盏",
            "category": body["slips"][0]["category"],
        },
    )
    assert page.status_code == 400
    assert "没有走访活动台账" in page.content.decode()


def test_town_page_shows_service_cards_and_the_problem_solving_team(api, client, tree, cast, campaign):
    from tests.grievances.factories import GrievanceFactory

    homes = HouseholdFactory.create_batch(2, grid=tree.grid_a1)
    body = {"campaign": campaign.pk, "households": [homes[0].pk]}
    assert api(cast.cadre).post("/api/cards/distributions/", body, format="json").status_code == 201
    GrievanceFactory(campaign=campaign, unit=tree.grid_a1, household=homes[0], status="followed_up")
    client.force_login(cast.office)
    text = client.get(f"/liaison/?town={tree.street_a.pk}").content.decode()
    cards = text.split("一张民情联络服务卡", 1)[1].split("</tr>", 1)[0]
    assert "连心卡已发放 1/2 户（50.0%）" in cards and "未落实" in cards
    team = text.split("一个民情问题解决团（组）", 1)[1].split("</tr>", 1)[0]
    assert "近一月登记 1 件" in team and "逾期未办结 0 件" in team and "已落实" in team
