"""Importing an offline ledger: preview every row and error, confirm creates all rows or none."""

import io

from openpyxl import Workbook

from grievances.models import Grievance, ImportJob

HEAD = [
    "序号",
    "台账编号",
    "登记时间",
    "反映人",
    "联系电话",
    "所属单位",
    "反映内容",
    "类型",
    "问题类别",
    "来源",
    "层级",
]


def _xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["问题整改台账"])
    ws.append(HEAD)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "台账.xlsx"
    return buf


GOOD = [
    [
        1,
        "TZ-001",
        "2026-09-28 09:00",
        "张三",
        "13900000001",
        "幸福社区一网格",
        "路灯坏了",
        "问题",
        "路灯照明",
        "来信来访",
        "一般问题",
    ],
    [2, "TZ-002", "2026-09-29", "李四", "", "幸福社区", "'=建议增设长椅", "建议", "文体设施与场所", "意见箱", ""],
]


def test_preview_reports_nothing_wrong_and_confirm_creates_every_row(cast, tree, campaign, api):
    r = api(cast.office).post("/api/grievances/import/", {"file": _xlsx(GOOD)}, format="multipart")
    assert r.status_code == 201, r.json()
    job = r.json()
    assert (job["state"], job["errors"], len(job["rows"])) == ("preview", [], 2)
    assert Grievance.objects.count() == 0  # a preview writes nothing to the ledger
    r = api(cast.office).post(f"/api/grievances/import/{job['id']}/confirm/")
    assert r.status_code == 200 and r.json()["created_count"] == 2
    g1, g2 = Grievance.objects.order_by("external_ref")
    assert (g1.unit, g1.source, g1.tier, g1.reporter_name) == (tree.grid_a1, "letter", "general", "张三")
    assert g1.due_at.isoformat() == "2026-10-23T15:59:59+00:00"
    assert (g2.kind, g2.content, g2.unit) == ("suggestion", "=建议增设长椅", tree.community_a)
    # Confirming twice changes nothing.
    api(cast.office).post(f"/api/grievances/import/{job['id']}/confirm/")
    assert Grievance.objects.count() == 2


def test_preview_lists_every_error_with_row_and_column_and_confirm_is_refused(cast, tree, campaign, api):
    bad = [
        *GOOD,
        [3, "", "昨天", "王五", "", "长安社区", "", "问题", "不存在的类别", "入户走访", "一般问题"],
    ]
    r = api(cast.office).post("/api/grievances/import/", {"file": _xlsx(bad)}, format="multipart")
    job = r.json()
    assert job["state"] == "failed"
    found = {(e["row"], e["column"]) for e in job["errors"]}
    assert found == {(5, "登记时间"), (5, "所属单位"), (5, "反映内容"), (5, "问题类别")}
    r = api(cast.office).post(f"/api/grievances/import/{job['id']}/confirm/")
    assert r.status_code == 400
    assert Grievance.objects.count() == 0


def test_confirm_is_atomic_when_a_row_fails_at_write_time(cast, tree, campaign, api):
    # Row 1 is written, row 2 is refused by the ledger itself (longer than an entry may be, which
    # only registration checks), and the whole import rolls back.
    from django.utils import timezone

    today = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    rows = [
        [1, "", today, "张三", "", "幸福社区一网格", "路灯坏了", "问题", "路灯照明", "入户走访", "一般问题"],
        [2, "", today, "李四", "", "幸福社区一网格", "井盖缺失" * 501, "问题", "路灯照明", "入户走访", "一般问题"],
    ]
    job = api(cast.office).post("/api/grievances/import/", {"file": _xlsx(rows)}, format="multipart").json()
    assert job["state"] == "preview"
    r = api(cast.office).post(f"/api/grievances/import/{job['id']}/confirm/")
    assert r.status_code == 400 and r.json()["detail"].startswith("第4行")
    assert Grievance.objects.count() == 0


def test_a_cadre_may_not_import_a_ledger_and_the_page_says_so_before_any_upload(cast, tree, campaign, api, client):
    rows = [
        [
            1,
            "",
            "2026-11-18 09:00",
            "张三",
            "",
            "幸福社区一网格",
            "路灯坏了",
            "问题",
            "路灯照明",
            "入户走访",
            "一般问题",
        ]
    ]
    r = api(cast.cadre).post("/api/grievances/import/", {"file": _xlsx(rows)}, format="multipart")
    assert r.status_code == 403 and r.json()["detail"] == "只有办公室工作人员可以导入台账"
    client.force_login(cast.cadre)
    page = client.get("/grievances/import/")
    assert page.status_code == 403 and "只有办公室工作人员可以导入台账" in page.content.decode()
    assert ImportJob.objects.count() == 0


def test_an_unreadable_file_gets_a_clear_chinese_error(cast, tree, campaign, api):
    f = io.BytesIO(b"not a spreadsheet")
    f.name = "x.xlsx"
    r = api(cast.office).post("/api/grievances/import/", {"file": f}, format="multipart")
    assert r.status_code == 400 and "无法读取" in r.json()["detail"]


def test_an_exported_ledger_imports_back_in_the_same_layout(cast, tree, campaign, api):
    from .factories import GrievanceFactory

    GrievanceFactory(
        actor=cast.office,
        unit=tree.grid_a1,
        campaign=campaign,
        content="=SUM(A1) 看似公式的反映内容",
        reporter_name="张三",
    )
    exported = io.BytesIO(b"".join(api(cast.office).get("/api/grievances/export/").streaming_content))
    exported.name = "导出台账.xlsx"
    job = api(cast.office).post("/api/grievances/import/", {"file": exported}, format="multipart").json()
    assert job["errors"] == [] and job["state"] == "preview"
    assert job["rows"][0]["content"] == "=SUM(A1) 看似公式的反映内容"
    assert job["rows"][0]["unit"] == tree.grid_a1.pk


def test_the_import_page_previews_then_confirms(cast, tree, campaign, client):
    client.force_login(cast.office)
    r = client.post("/grievances/import/", {"file": _xlsx(GOOD)})
    assert r.status_code == 302
    preview = client.get(r["Location"]).content.decode()
    assert "共 2 行可导入" in preview and Grievance.objects.count() == 0
    r = client.post(r["Location"])
    assert r.status_code == 302 and Grievance.objects.count() == 2
