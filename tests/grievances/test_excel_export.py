"""The ledger export: Chinese 台账 headers, the list's filters, formula-like text kept as text."""

import io

from openpyxl import load_workbook

from .factories import GrievanceFactory, local, run


def _sheet(response):
    data = b"".join(response.streaming_content)
    return load_workbook(io.BytesIO(data)).active


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
    assert rows[0][0] == "问题整改台账"
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
