"""A tier names the kind of problem; its working days are the campaign's own, as an admin set them."""

import io

from openpyxl import Workbook, load_workbook

from grievances.models import Grievance

from .factories import GrievanceFactory


def _longer_general_tier(campaign, days=20):
    campaign.tiers.filter(code="general").update(working_days=days)


def test_detail_page_shows_the_tier_with_the_campaigns_working_days(cast, tree, campaign, client):
    _longer_general_tier(campaign)
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    client.force_login(cast.office)
    page = client.get(f"/grievances/{g.pk}/").content.decode()
    assert "<dd>一般问题（20个工作日）</dd>" in page
    assert "15个工作日" not in page


def test_export_shows_the_tier_with_its_campaigns_working_days(cast, tree, campaign, api):
    _longer_general_tier(campaign)
    GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, content="路灯坏了")
    GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, content="当场修好", tier="on_spot")
    response = api(cast.office).get("/api/grievances/export/?ordering=id")
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert ws.cell(3, 11).value == "层级"  # below the exporter's trace and the title
    assert [ws.cell(r, 11).value for r in (4, 5)] == ["一般问题（20个工作日）", "即知即办"]


def test_import_reads_a_tier_as_the_export_writes_it(cast, tree, campaign, api):
    wb = Workbook()
    ws = wb.active
    ws.append(["问题整改台账"])
    ws.append(["登记时间", "所属单位", "反映内容", "问题类别", "层级"])
    ws.append(["2026-09-28 09:00", "幸福社区一网格", "楼道灯不亮", "路灯照明", "较大问题（30个工作日）"])
    ws.append(["2026-09-28 10:00", "幸福社区一网格", "垃圾没人清运", "路灯照明", "重大问题"])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "台账.xlsx"
    job = api(cast.office).post("/api/grievances/import/", {"file": buf}, format="multipart").json()
    assert job["errors"] == []
    api(cast.office).post(f"/api/grievances/import/{job['id']}/confirm/")
    assert sorted(Grievance.objects.values_list("tier", flat=True)) == ["critical", "major"]
