"""The petition cycle of seed 001 (信访): a leader's reception day with its register, an appointment
(约访), a visit taking a case down (带案下访); entries marked 积案, 越级 and 息访, listed on the
supervision pages and counted per unit; ids out of the caller's scope refused."""

from auditlog.models import LogEntry

from campaigns.choices import Role
from grievances.models import Grievance, Reception, ReceptionVisitor
from tests.factories import UserFactory, member

from .factories import lighting_entry


def _leader_a(tree):
    return member(UserFactory(username="t_leader_a", full_name="东城书记"), tree.street_a, Role.LEADER)


def test_a_reception_day_its_register_an_appointment_and_a_visit_down_in_the_api(api, tree, cast, campaign):
    leader_a = _leader_a(tree)
    g = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    client = api(cast.office)
    r = client.post(
        "/api/receptions/",
        {"unit": tree.street_a.pk, "leader": leader_a.pk, "date": "2026-11-18", "place": "街道信访接待室"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    day = r.json()
    assert (day["kind"], day["kind_label"], day["leader_name"]) == ("reception", "领导接访日", "东城书记")
    r = client.post(
        "/api/reception-visitors/",
        {"reception": day["id"], "name": "张秀兰", "matter": "楼道灯坏了", "grievance": g.pk, "outcome": "已登记交办"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    client.post(
        "/api/reception-visitors/",
        {"reception": day["id"], "name": "王建国", "matter": "咨询低保政策", "outcome": "当场答复"},
        format="json",
    )
    body = client.get(f"/api/receptions/{day['id']}/").json()
    assert [(v["name"], v["grievance"]) for v in body["visitors"]] == [("张秀兰", g.pk), ("王建国", None)]

    # The leader books the petitioner for a date; the outcome is written once they have met.
    leader = api(leader_a)
    r = leader.post("/api/receptions/", {"kind": "appointment", "unit": tree.community_a.pk, "date": "2026-11-20"})
    assert r.status_code == 201 and r.json()["leader"] == leader_a.pk
    booked = leader.post(
        "/api/reception-visitors/",
        {"reception": r.json()["id"], "name": "张秀兰", "matter": "楼道灯迟迟未修", "grievance": g.pk},
        format="json",
    ).json()
    r = leader.patch(f"/api/reception-visitors/{booked['id']}/", {"outcome": "当面沟通，同意限期修复"}, format="json")
    assert r.status_code == 200 and r.json()["outcome"] == "当面沟通，同意限期修复"

    # A visit down names the case it takes down: without one it is refused.
    r = leader.post("/api/receptions/", {"kind": "visit_down", "unit": tree.grid_a1.pk, "date": "2026-11-19"})
    down = r.json()["id"]
    r = leader.post("/api/reception-visitors/", {"reception": down, "name": "张秀兰", "matter": "现场查看"})
    assert r.status_code == 400 and "grievance" in r.json()["errors"]
    r = leader.post(
        "/api/reception-visitors/", {"reception": down, "name": "张秀兰", "matter": "现场查看", "grievance": g.pk}
    )
    assert r.status_code == 201

    assert set(Reception.objects.values_list("kind", flat=True)) == {"reception", "appointment", "visit_down"}
    listed = client.get("/api/receptions/", {"kind": "appointment"}).json()["results"]
    assert [x["kind"] for x in listed] == ["appointment"]
    register = client.get("/api/reception-visitors/", {"grievance": g.pk}).json()["results"]
    assert len(register) == 3
    # Every write is in the audit trail.
    assert LogEntry.objects.get_for_model(Reception).count() == 3
    assert LogEntry.objects.get_for_model(ReceptionVisitor).count() == 5


def test_ids_out_of_scope_are_refused(api, tree, cast, campaign):
    leader_a = _leader_a(tree)
    other = lighting_entry(actor=cast.office_b, unit=tree.community_c, campaign=campaign)
    client = api(cast.office)
    # Another street's unit, a leader who is not over the unit, a cadre who records nothing.
    assert client.post("/api/receptions/", {"unit": tree.street_b.pk, "date": "2026-11-18"}).status_code == 400
    r = client.post("/api/receptions/", {"unit": tree.street_a.pk, "leader": cast.cadre.pk, "date": "2026-11-18"})
    assert r.status_code == 400 and "leader" in r.json()["errors"]
    r = api(cast.cadre).post("/api/receptions/", {"unit": tree.community_a.pk, "date": "2026-11-18"})
    assert r.status_code == 403
    day = client.post("/api/receptions/", {"unit": tree.street_a.pk, "leader": leader_a.pk, "date": "2026-11-18"})
    day = day.json()["id"]
    # Another street's entry is not linked; another street's office does not see the day.
    r = client.post(
        "/api/reception-visitors/", {"reception": day, "name": "甲", "matter": "事项", "grievance": other.pk}
    )
    assert r.status_code == 400 and "grievance" in r.json()["errors"]
    assert api(cast.office_b).get(f"/api/receptions/{day}/").status_code == 404
    assert api(cast.office_b).get("/api/reception-visitors/", {"reception": day}).status_code == 400
    assert api(cast.office_b).patch(f"/api/receptions/{day}/", {"place": "别处"}).status_code == 404
    r = api(cast.office_b).post("/api/reception-visitors/", {"reception": day, "name": "甲", "matter": "事项"})
    assert r.status_code == 400 and "reception" in r.json()["errors"]
    mine = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    assert api(cast.office_b).post(f"/api/grievances/{mine.pk}/petition/", {"is_backlog": True}).status_code == 404
    assert not ReceptionVisitor.objects.exists()
    assert not Grievance.objects.filter(is_backlog=True).exists()


def test_backlog_and_level_skipping_entries_are_on_the_supervision_pages(api, client, tree, cast, campaign):
    backlog = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign, content="多年未解决的宅基地纠纷")
    skipped = lighting_entry(actor=cast.office, unit=tree.grid_b1, campaign=campaign, content="赴省上访的征地补偿")
    plain = lighting_entry(actor=cast.office, unit=tree.grid_a2, campaign=campaign, content="路灯坏了")
    r = api(cast.office).post(f"/api/grievances/{backlog.pk}/petition/", {"is_backlog": True}, format="json")
    assert r.status_code == 200 and (r.json()["is_backlog"], r.json()["skipped_level"]) == (True, False)
    assert api(cast.office).post(f"/api/grievances/{skipped.pk}/petition/", {"skipped_level": True}).status_code == 200
    # Out of scope is a 404; a cadre may see the entry but not mark it.
    assert api(cast.office_b).post(f"/api/grievances/{plain.pk}/petition/", {"is_backlog": True}).status_code == 404
    assert api(cast.cadre).post(f"/api/grievances/{plain.pk}/petition/", {"is_backlog": True}).status_code == 403

    def cases(**query):
        r = api(cast.leader).get("/api/supervision-list/petition-cases/", query)
        assert r.status_code == 200, r.json()
        return {row["id"] for row in r.json()["results"]}

    assert cases() == {backlog.pk, skipped.pk}
    assert cases(flag="backlog") == {backlog.pk}
    assert cases(flag="skipped_level") == {skipped.pk}
    assert api(cast.leader).get("/api/supervision-list/petition-cases/", {"flag": "x"}).status_code == 400
    assert api(cast.office_b).get("/api/supervision-list/petition-cases/").json()["results"] == []
    assert api(cast.cadre).get("/api/supervision-list/petition-cases/").status_code == 403

    client.force_login(cast.leader)
    page = client.get("/grievances/ops/supervision/", {"flag": "backlog"}).content.decode()
    assert "多年未解决的宅基地纠纷" in page and "赴省上访的征地补偿" not in page
    page = client.get("/grievances/ops/supervision/").content.decode()
    assert "多年未解决的宅基地纠纷" in page and "赴省上访的征地补偿" in page and "路灯坏了" not in page


def test_the_page_registers_a_reception_links_an_entry_and_marks_it_settled(client, tree, cast, campaign, api):
    g = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    client.force_login(cast.leader)
    page = client.get("/").content.decode()
    assert "/grievances/petitions/" in page
    assert "信访接待" in client.get("/grievances/petitions/").content.decode()
    r = client.post(
        "/grievances/petitions/new/",
        {"kind": "reception", "unit": tree.district.pk, "date": "2026-11-18", "place": "区信访局"},
        follow=True,
    )
    assert "已登记" in r.content.decode()
    day = Reception.objects.get()
    assert (day.leader, day.unit) == (cast.leader, tree.district)
    r = client.post(
        f"/grievances/petitions/{day.pk}/visitors/",
        {f"r{day.pk}-name": "张秀兰", f"r{day.pk}-matter": "楼道灯坏了", f"r{day.pk}-grievance": g.pk},
        follow=True,
    )
    assert "已登记来访人员" in r.content.decode()
    visitor = ReceptionVisitor.objects.get()
    assert visitor.grievance == g
    r = client.post(
        f"/grievances/petitions/visitors/{visitor.pk}/", {"outcome": "已交办街道", "grievance": g.pk}, follow=True
    )
    assert "已记录处理结果" in r.content.decode() and "已交办街道" in r.content.decode()
    # A forged entry id is refused like a missing one.
    r = client.post(
        f"/grievances/petitions/{day.pk}/visitors/",
        {f"r{day.pk}-name": "甲", f"r{day.pk}-matter": "事项", f"r{day.pk}-grievance": 999999},
    )
    assert r.status_code == 400 and ReceptionVisitor.objects.count() == 1

    r = client.post(f"/grievances/{g.pk}/petition/", {"settled": "on", "is_backlog": "on"}, follow=True)
    assert "已更新信访标记" in r.content.decode() and "息访" in r.content.decode()
    g.refresh_from_db()
    assert g.petition_settled_at is not None and g.is_backlog and not g.skipped_level

    counts = client.get("/grievances/petitions/").content.decode()
    assert 'data-figure="settled-total">1<' in counts
    stats = api(cast.leader).get("/api/stats/", {"campaign": campaign.pk, "org_unit": tree.district.pk}).json()
    petitions = stats["petitions"]
    assert petitions["totals"] == {
        "receptions": 1,
        "appointments": 0,
        "visits_down": 0,
        "visitors": 1,
        "settled": 1,
        "backlog": 1,
        "skipped_level": 0,
    }
    assert {r["name"]: r["settled"] for r in petitions["by_unit"]} == {"东城街道": 1, "本级": 0}
