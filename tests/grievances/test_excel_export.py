"""The ledger export: Chinese 台账 headers, the list's filters, formula-like text kept as text."""

import io

from openpyxl import load_workbook

from .factories import GrievanceFactory, local, run


def _sheet(response):
    """The ledger sheet below its trace row (导出人, 单位, 导出时间)."""
    data = b"".join(response.streaming_content)
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["A1"].value.startswith("导出人：")
    ws.delete_rows(1)
    return ws


def test_export_has_the_ledger_layout_and_only_entries_the_caller_may_see(cast, tree, campaign, api):
    GrievanceFactory(
        actor=cast.office,
        unit=tree.grid_a1,
        campaign=campaign,
        content="路灯坏了",
        reporter_name="张三",
        reporter_phone="13912345678",
    )
    GrievanceFactory(actor=cast.office_b, unit=tree.grid_c1, campaign=campaign, content="西城的事")
    r = api(cast.office).get("/api/grievances/export/")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = _sheet(r)
    rows = list(ws.iter_rows(values_only=True))
    title, covers = rows[0][0].split("\n")
    assert title == "问题整改台账"
    assert "单位：" in covers and "登记时间：2026-11-18" in covers and "筛选：无" in covers
    assert rows[1][:7] == ("序号", "台账编号", "登记时间", "反映人", "联系电话", "所属单位", "反映内容")
    assert [row[6] for row in rows[2:]] == ["路灯坏了"]
    assert rows[2][4] == "139****5678"  # phones masked


def test_export_applies_the_list_filters(cast, tree, campaign, api, time_machine):
    late = GrievanceFactory(
        actor=cast.office, unit=tree.grid_a1, campaign=campaign, content="超期的事", registered_at=local(2026, 9, 28)
    )
    GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, content="新登记的事")
    time_machine.move_to(local(2026, 11, 20, 10))
    run(cast.office, late, "review")
    rows = list(_sheet(api(cast.office).get("/api/grievances/export/?overdue=1")).iter_rows(values_only=True))
    assert [r[6] for r in rows[2:]] == ["超期的事"]
    assert rows[2][17] == "是"


def test_export_writes_formula_like_text_as_text_never_as_a_formula(cast, tree, campaign, api):
    for text in ('=HYPERLINK("http://evil","点我")', "+1+2", "-3+cmd|' /C calc'!A0", "@SUM(1,2)"):
        GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, content=text, reporter_name="=cmd")
    ws = _sheet(api(cast.office).get("/api/grievances/export/?ordering=id"))
    cells = [row[6] for row in ws.iter_rows(min_row=3)]
    assert [c.data_type for c in cells] == ["s"] * 4
    assert [c.value for c in cells] == [
        '\'=HYPERLINK("http://evil","点我")',
        "'+1+2",
        "'-3+cmd|' /C calc'!A0",
        "'@SUM(1,2)",
    ]
    assert all(row[3].value == "'=cmd" and row[3].data_type == "s" for row in ws.iter_rows(min_row=3))


def test_export_numbers_every_entry_as_the_ledger_shows_it(cast, tree, campaign, api, client):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, content="在系统里登记的事")
    rows = list(_sheet(api(cast.office).get("/api/grievances/export/")).iter_rows(values_only=True))
    assert rows[2][1] == f"#{g.pk}"
    assert rows[2][-1] is None  # no offline number of its own
    client.force_login(cast.office)
    page = client.get("/grievances/").content.decode()
    assert f"#{g.pk}</a>" in page
    detail = client.get(f"/grievances/{g.pk}/").content.decode()
    assert f"问题 #{g.pk}" in detail


def test_export_title_names_the_unit_the_dates_and_the_filters(cast, tree, campaign, api):
    GrievanceFactory(
        actor=cast.office, unit=tree.grid_a1, campaign=campaign, content="早的事", registered_at=local(2026, 9, 28)
    )
    GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, content="晚的事")
    r = api(cast.office).get(f"/api/grievances/export/?unit={tree.grid_a1.pk}&status=registered&campaign={campaign.pk}")
    title, covers = list(_sheet(r).iter_rows(values_only=True))[0][0].split("\n")
    assert title == "问题整改台账"
    assert f"单位：{tree.grid_a1.name}" in covers
    assert "登记时间：2026-09-28至2026-11-18" in covers
    assert f"走访活动：{campaign.name}" in covers and "状态：已登记" in covers
