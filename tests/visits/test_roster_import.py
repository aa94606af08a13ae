"""Roster import through the API: preview lists every problem and writes nothing; confirm imports
all rows in one go; re-importing the same file changes nothing."""

import tempfile

from campaigns.lib.crypto import hmac_of
from campaigns.models import FocusCategory
from campaigns.services import ensure_focus_categories
from visits.models import Household, ImportJob

from .factories import HouseholdFactory, id_number, roster_xlsx


def good_rows(tree, n=3):
    return [
        [
            f"张{i}",
            id_number(i),
            f"1380000{i:04d}",
            f"锦绣路{i}号{i}室",
            tree.grid_a1.code,
            3,
            "家庭",
            "困难户、老党员",
            "是",
        ]
        for i in range(1, n + 1)
    ]


def upload(api, user, buf):
    return api(user).post("/api/households/import/", {"file": buf}, format="multipart")


def test_template_has_the_fixed_headers_in_order(client, cast):
    import io

    from openpyxl import load_workbook

    client.force_login(cast.office)
    response = client.get("/visits/import/template/")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in ws[1]] == [
        "户主姓名",
        "身份证号",
        "联系电话",
        "地址",
        "所属网格",
        "家庭人数",
        "类型",
        "重点类别",
        "困难户",
    ]


def test_preview_counts_rows_and_confirm_imports_them_all(api, cast, tree):
    ensure_focus_categories()
    response = upload(api, cast.office, roster_xlsx(good_rows(tree)))
    assert response.status_code in (201, 202)
    job_id = response.json()["id"]
    body = api(cast.office).get(f"/api/households/import/{job_id}/").json()
    assert body["status"] == "preview"
    assert (body["total_rows"], body["to_create"], body["to_update"], body["errors"]) == (3, 3, 0, [])
    assert Household.objects.count() == 0  # a preview writes nothing

    response = api(cast.office).post(f"/api/households/import/{job_id}/confirm/")
    assert response.status_code in (200, 202)
    assert api(cast.office).get(f"/api/households/import/{job_id}/").json()["status"] == "imported"
    assert Household.objects.count() == 3
    h = Household.objects.get(id_number_hmac=hmac_of(id_number(1)))
    assert h.grid == tree.grid_a1 and h.is_hardship and h.members_count == 3
    assert set(h.categories.values_list("name", flat=True)) == {"困难户", "老党员"}


def test_reimporting_the_same_file_changes_nothing(api, cast, tree):
    ensure_focus_categories()
    first = upload(api, cast.office, roster_xlsx(good_rows(tree))).json()["id"]
    api(cast.office).post(f"/api/households/import/{first}/confirm/")
    before = list(Household.objects.order_by("id").values_list("id", "updated_at", "key"))
    through = list(Household.categories.through.objects.order_by("id").values_list("id", flat=True))

    second = upload(api, cast.office, roster_xlsx(good_rows(tree))).json()
    body = api(cast.office).get(f"/api/households/import/{second['id']}/").json()
    assert (body["to_create"], body["to_update"], body["unchanged"]) == (0, 0, 3)
    assert api(cast.office).post(f"/api/households/import/{second['id']}/confirm/").status_code in (200, 202)
    assert list(Household.objects.order_by("id").values_list("id", "updated_at", "key")) == before
    assert list(Household.categories.through.objects.order_by("id").values_list("id", flat=True)) == through


def test_reimport_with_a_changed_phone_updates_only_that_household(api, cast, tree):
    ensure_focus_categories()
    rows = good_rows(tree)
    job = upload(api, cast.office, roster_xlsx(rows)).json()["id"]
    api(cast.office).post(f"/api/households/import/{job}/confirm/")
    rows[1][2] = "13912345678"
    rows[2][7] = "困难户"
    job = upload(api, cast.office, roster_xlsx(rows)).json()["id"]
    body = api(cast.office).get(f"/api/households/import/{job}/").json()
    assert (body["to_create"], body["to_update"], body["unchanged"]) == (0, 2, 1)
    api(cast.office).post(f"/api/households/import/{job}/confirm/")
    assert Household.objects.get(id_number_hmac=hmac_of(id_number(2))).phone == "13912345678"
    assert list(
        Household.objects.get(id_number_hmac=hmac_of(id_number(3))).categories.values_list("name", flat=True)
    ) == ["困难户"]


def test_preview_reports_every_kind_of_bad_row_with_excel_row_and_column_and_writes_nothing(api, cast, tree):
    ensure_focus_categories()
    g = tree.grid_a1.code
    bad_check = id_number(9)[:-1] + ("0" if id_number(9)[-1] != "0" else "1")
    rows = [
        ["张一", id_number(1), "13800000001", "锦绣路1号", g, 3, "家庭", "", "否"],  # row 2: fine
        ["张二", id_number(2), "13800000002", "锦绣路2号", "", 3, "家庭", "", "否"],  # row 3: missing grid
        ["张三", id_number(3), "13800000003", "锦绣路3号", g, 3, "家庭", "外星人", "否"],  # row 4: unknown category
        ["张四", id_number(4), "1380000", "锦绣路4号", g, 3, "家庭", "", "否"],  # row 5: bad phone
        ["张五", bad_check, "13800000005", "锦绣路5号", g, 3, "家庭", "", "否"],  # row 6: bad check digit
        ["张六", id_number(1), "13800000006", "锦绣路6号", g, 3, "家庭", "", "否"],  # row 7: duplicate of row 2
        ["张七", 3.7030319e17, "13800000007", "锦绣路7号", g, 3, "家庭", "", "否"],  # row 8: ID turned into a number
        ["张八", id_number(8), '="138"&"00000008"', "锦绣路8号", g, 3, "家庭", "", "否"],  # row 9: formula
        None,  # row 10: empty row in the middle
        ["张十", id_number(10), "13800000010", "锦绣路10号", "T99-NOPE", 3, "家庭", "", "否"],  # row 11: unknown grid
    ]
    job_id = upload(api, cast.office, roster_xlsx(rows)).json()["id"]
    body = api(cast.office).get(f"/api/households/import/{job_id}/").json()
    errors = {(e["row"], e["column"]) for e in body["errors"]}
    assert (3, "所属网格") in errors
    assert (4, "重点类别") in errors
    assert (5, "联系电话") in errors
    assert (6, "身份证号") in errors
    assert (7, "身份证号") in errors
    assert (8, "身份证号") in errors
    assert (9, "联系电话") in errors
    assert (10, "") in errors
    assert (11, "所属网格") in errors
    messages = {(e["row"], e["column"]): e["message"] for e in body["errors"]}
    assert "重复" in messages[(7, "身份证号")] and "第2行" in messages[(7, "身份证号")]
    assert "E+17" in messages[(8, "身份证号")]
    assert "公式" in messages[(9, "联系电话")]
    assert "空行" in messages[(10, "")]
    assert "校验位" in messages[(6, "身份证号")]
    assert "外星人" in messages[(4, "重点类别")]
    assert (2, "身份证号") not in errors

    response = api(cast.office).post(f"/api/households/import/{job_id}/confirm/")
    assert response.status_code == 400
    assert response.json()["code"] == "has_errors"
    assert Household.objects.count() == 0
    assert ImportJob.objects.get(pk=job_id).status == "preview"


def test_grid_outside_the_office_subtree_is_refused(api, cast, tree):
    rows = [["孙一", id_number(1), "13800000001", "长安路1号", tree.grid_c1.code, 2, "家庭", "", "否"]]
    job_id = upload(api, cast.office, roster_xlsx(rows)).json()["id"]
    body = api(cast.office).get(f"/api/households/import/{job_id}/").json()
    assert body["errors"] == [
        {"row": 2, "column": "所属网格", "message": f"网格编码“{tree.grid_c1.code}”不存在或不在您的管辖范围内"}
    ]


def test_wrong_headers_are_reported_on_row_one(api, cast, tree):
    job_id = upload(api, cast.office, roster_xlsx([["张一"]], headers=["姓名", "身份证"])).json()["id"]
    body = api(cast.office).get(f"/api/households/import/{job_id}/").json()
    assert body["errors"][0]["row"] == 1 and "表头" in body["errors"][0]["message"]


def test_households_without_id_number_match_on_grid_address_and_name(api, cast, tree):
    rows = [["王五", "", "", "锦绣路5号", tree.grid_a1.code, "", "", "", ""]]
    job = upload(api, cast.office, roster_xlsx(rows)).json()["id"]
    api(cast.office).post(f"/api/households/import/{job}/confirm/")
    job = upload(api, cast.office, roster_xlsx(rows)).json()["id"]
    assert api(cast.office).get(f"/api/households/import/{job}/").json()["unchanged"] == 1
    assert Household.objects.get().key == f"addr:{tree.grid_a1.code}|锦绣路5号|王五"


def test_cadres_cannot_import_and_others_cannot_see_a_job(api, cast, tree):
    response = upload(api, cast.cadre, roster_xlsx(good_rows(tree)))
    assert response.status_code == 403
    job_id = upload(api, cast.office, roster_xlsx(good_rows(tree))).json()["id"]
    assert api(cast.office_b).get(f"/api/households/import/{job_id}/").status_code == 404


def test_upload_preview_and_confirm_in_the_browser(client, cast, tree):
    ensure_focus_categories()
    client.force_login(cast.office)
    response = client.post("/visits/import/", {"file": roster_xlsx(good_rows(tree, 2))})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "校验通过" in page and "确认导入" in page
    job = ImportJob.objects.get()
    client.post(f"/visits/import/{job.pk}/confirm/")
    assert Household.objects.count() == 2
    assert "已导入" in client.get(f"/visits/import/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()


def test_browser_preview_lists_errors_and_offers_no_confirm(client, cast, tree):
    FocusCategory.objects.all().delete()
    client.force_login(cast.office)
    rows = [["张一", id_number(1), "13800000001", "锦绣路1号", tree.grid_a1.code, 3, "家庭", "困难户", "否"]]
    response = client.post("/visits/import/", {"file": roster_xlsx(rows)}, follow=True)
    page = response.content.decode()
    assert "重点类别“困难户”不存在" in page and "确认导入" not in page


def test_confirm_after_the_data_changed_fails_cleanly_and_writes_nothing(api, cast, tree):
    rows = [
        ["张一", id_number(1), "13800000001", "锦绣路1号", tree.grid_a1.code, 3, "家庭", "", "否"],
        ["张二", id_number(2), "13800000002", "锦绣路2号", tree.grid_a1.code, 3, "家庭", "", "否"],
    ]
    job_id = upload(api, cast.office, roster_xlsx(rows)).json()["id"]
    HouseholdFactory(
        grid=tree.grid_a1, id_number=id_number(2)
    )  # registered meanwhile, with the same ID number as row 3
    api(cast.office).post(f"/api/households/import/{job_id}/confirm/")
    body = api(cast.office).get(f"/api/households/import/{job_id}/").json()
    assert body["status"] == "failed" and "重新上传" in body["message"]
    assert Household.objects.count() == 1


def test_id_numbers_with_a_bad_birth_date_or_non_ascii_digits_get_the_validators_messages(api, cast, tree):
    from visits.validators import id_check_digit

    g = tree.grid_a1.code
    bad_date = "11010520231301123"
    bad_date += id_check_digit(bad_date)
    full_width = "１" + id_number(5)[1:]  # 18 characters that str.isdigit() accepts
    rows = [
        ["张一", bad_date, "13800000001", "锦绣路1号", g, 3, "家庭", "", "否"],  # row 2
        ["张二", full_width, "13800000002", "锦绣路2号", g, 3, "家庭", "", "否"],  # row 3
        ["张三", id_number(3)[:17], "13800000003", "锦绣路3号", g, 3, "家庭", "", "否"],  # row 4
    ]
    job_id = upload(api, cast.office, roster_xlsx(rows)).json()["id"]
    body = api(cast.office).get(f"/api/households/import/{job_id}/").json()
    messages = {(e["row"], e["column"]): e["message"] for e in body["errors"]}
    assert messages == {
        (2, "身份证号"): "身份证号中的出生日期无效",
        (3, "身份证号"): "身份证号请使用半角数字（不要使用全角字符）",
        (4, "身份证号"): "身份证号应为18位，前17位为数字，最后一位为数字或X",
    }
    assert Household.objects.count() == 0


def test_a_sheet_of_many_chunks_is_checked_a_chunk_at_a_time_and_imports_whole(api, cast, tree, monkeypatch):
    """The preview holds one chunk of rows, keys and errors at a time: keys go to the database a
    chunk at a time, a duplicate of a key from an earlier chunk is still found, and the errors
    beyond the stored cap are counted, the stored ones being the sheet's first."""
    from campaigns.lib import imports
    from visits import roster

    ensure_focus_categories()
    monkeypatch.setattr(roster, "LOOKUP_CHUNK", 4)
    chunks = []
    add = roster.SeenKeys.add
    monkeypatch.setattr(roster.SeenKeys, "add", lambda self, keys: chunks.append(len(keys)) or add(self, keys))
    rows = good_rows(tree, 11)
    rows[8][1] = id_number(2)  # row 10 (third chunk) repeats row 3's ID number (first chunk)
    job_id = upload(api, cast.office, roster_xlsx(rows)).json()["id"]
    body = api(cast.office).get(f"/api/households/import/{job_id}/").json()
    assert chunks == [4, 4, 3]
    assert body["errors"] == [{"row": 10, "column": "身份证号", "message": "身份证号与第3行重复"}]
    assert (body["total_rows"], body["to_create"]) == (11, 10)

    del rows[8]
    job_id = upload(api, cast.office, roster_xlsx(rows)).json()["id"]
    assert api(cast.office).get(f"/api/households/import/{job_id}/").json()["error_count"] == 0
    api(cast.office).post(f"/api/households/import/{job_id}/confirm/")
    assert api(cast.office).get(f"/api/households/import/{job_id}/").json()["status"] == "imported"
    assert Household.objects.count() == 10
    assert Household.categories.through.objects.count() == 20

    monkeypatch.setattr(imports, "MAX_STORED_ERRORS", 5)
    monkeypatch.setattr(roster, "MAX_STORED_ERRORS", 5)
    bad = [[f"李{i}", id_number(100 + i), "1380000", f"长安路{i}号", tree.grid_a1.code, 3, "家庭", "", "否"]
           for i in range(9)]  # fmt: skip
    bad[7][1] = id_number(100)  # row 9: also a duplicate of row 2, found when its chunk is done
    job_id = upload(api, cast.office, roster_xlsx(bad)).json()["id"]
    body = api(cast.office).get(f"/api/households/import/{job_id}/").json()
    assert body["error_count"] == 10
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(r, "联系电话") for r in range(2, 7)]


def test_the_parser_child_hands_rows_back_in_batches(tree):
    from campaigns.lib.sheet_reader import BATCH_ROWS, parse_in_child

    rows = good_rows(tree, BATCH_ROWS * 2 + 5)
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as f:
        f.write(roster_xlsx(rows).getvalue())
        f.flush()
        sheet = parse_in_child(f.name, memory_bytes=1 << 30, cpu_seconds=60, formulas=True)
    try:
        assert [len(b) for b in sheet.iter_batches()] == [BATCH_ROWS, BATCH_ROWS, 6]  # the header too
        assert list(sheet.iter_rows())[1:] == [[str(c) if i != 5 else c for i, c in enumerate(r)] for r in rows]
        assert sheet.formulas() == []
    finally:
        sheet.close()
