"""Past visits imported from a cadre's monthly spreadsheets: every row matched to a household of
the office's subtree or reported by sheet and row; a clean file confirmed in one go, its problems
registered in the ledger with the visit as source; the same file again creates nothing."""

import io
import time
from datetime import date, datetime, timedelta

import pytest
from openpyxl import Workbook, load_workbook

from campaigns.calendar import SHANGHAI
from grievances.models import Grievance
from tests.factories import make_campaign
from tests.grievances.factories import category
from visits.models import Visit, VisitImportJob
from visits.validators import id_check_digit

from .factories import HouseholdFactory, roster_xlsx


@pytest.fixture(autouse=True)
def _taxonomy(db):
    """Problems raised in the sheets are registered under the seeded 其他 category, which a
    transactional test earlier on the same worker may have flushed."""
    category()


HEADERS = ["走访对象", "地址", "身份证号", "走访方式", "走访时间", "时长", "参与人员", "详情", "反映问题"]


def person_id(n):
    """A valid ID number for person n (n up to a few hundred thousand)."""
    birth = date(1960, 1, 1) + timedelta(days=n // 1000)
    first17 = f"370304{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_digit(first17)


def visits_xlsx(sheets):
    """A workbook of {sheet name: rows}, the header first on every sheet, as a cadre keeps it."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        ws.append(HEADERS)
        for row in rows:
            ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    buf.name = "走访记录.xlsx"
    buf.seek(0)
    return buf


def upload(api, user, buf):
    return api(user).post("/api/visits/import/", {"file": buf}, format="multipart")


def job_of(api, user, response):
    assert response.status_code == 202, response.content
    return api(user).get(f"/api/visits/import/{response.json()['id']}/").json()


def roster(api, cast, tree, n):
    """n households in the office's street through the roster import: even ones with an ID
    number, odd ones matched by address and head's name."""
    rows = [
        [
            f"户主{i}",
            person_id(i) if i % 2 == 0 else "",
            "",
            f"锦绣路{i}号{i % 7 + 1}栋{i % 3 + 1}单元",
            (tree.grid_a1 if i % 3 else tree.grid_a2).code,
            3,
            "家庭",
            "",
            "否",
        ]
        for i in range(n)
    ]
    job = api(cast.office).post("/api/households/import/", {"file": roster_xlsx(rows)}, format="multipart").json()
    assert job["error_count"] == 0, job["errors"][:3]
    assert api(cast.office).post(f"/api/households/import/{job['id']}/confirm/").status_code == 200


def row_for(i, when, *, problem=""):
    """A visit row for roster household i, written the way people type: spaces and full-width."""
    address = f"锦绣路{i}号 {i % 7 + 1}栋－{i % 3 + 1}单元" if i % 2 else f"锦绣路{i}号{i % 7 + 1}栋{i % 3 + 1}单元"
    return [
        f"户主{i}",
        address,
        person_id(i) if i % 2 == 0 else "",
        "入户面谈" if i % 5 else "电话",
        when.strftime("%Y-%m-%d %H:%M"),
        40 if i % 4 else "1小时",
        "李网格" if i % 3 else "",
        f"了解户主{i}家庭情况",
        problem,
    ]


def test_five_thousand_rows_with_planted_problems_each_reported_then_reimport_creates_nothing(api, cast, tree):
    make_campaign(tree.district, start=date(2026, 9, 20))  # visiting 2026-09-30 .. 2026-11-28
    households = 2500
    roster(api, cast, tree, households)
    # Two households with the same head and address in two grids: a row naming them is ambiguous.
    for grid in (tree.grid_a1, tree.grid_b1):
        HouseholdFactory(grid=grid, head_name="张同名", address="人民路8号", id_number="")
    HouseholdFactory(grid=tree.grid_c1, head_name="外街道", address="长安街1号", id_number="")  # not the office's

    october, november = [], []
    for i in range(households):
        first = datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI) + timedelta(minutes=7 * i)
        october.append(row_for(i, first, problem="门口路灯不亮" if i % 25 == 0 else ""))
        november.append(row_for(i, datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI) + timedelta(minutes=3 * i)))
    clean = {"2026年10月": october, "2026年11月": november}
    # Planted: rows 2..5001 of October and November are clean; append the bad ones to November.
    planted_unmatched = [
        ["查无此人", f"无名路{k}号", "", "入户面谈", "2026-11-10 10:00", 30, "", "", ""] for k in range(6)
    ]
    planted_outside = [["外街道", "长安街1号", "", "入户面谈", "2026-11-10 11:00", 30, "", "", ""]]
    planted_ambiguous = [["张同名", "人民路 8 号", "", "入户面谈", "2026-11-10 12:00", 30, "", "", ""]] * 2
    planted_duplicates = [november[10], november[11], november[12]]
    planted = planted_unmatched + planted_outside + planted_ambiguous + planted_duplicates
    total = 2 * households + len(planted)
    assert total >= 5000
    sheets = {"2026年10月": october, "2026年11月": november + planted}
    first_bad = len(november) + 2  # the Excel row of the first planted row

    started = time.perf_counter()
    job = job_of(api, cast.office, upload(api, cast.office, visits_xlsx(sheets)))
    preview_seconds = time.perf_counter() - started
    assert job["status"] == "preview"
    assert job["total_rows"] == total
    assert job["error_count"] == len(planted)
    by_row = {e["row"]: e for e in job["errors"]}
    assert sorted(by_row) == list(range(first_bad, first_bad + len(planted)))
    for k in range(len(planted_unmatched) + 1):
        assert "未找到该农户" in by_row[first_bad + k]["message"]
        assert by_row[first_bad + k]["message"].startswith(f"工作表“2026年11月”第{first_bad + k}行")
    ambiguous_at = first_bad + len(planted_unmatched) + 1
    assert "匹配到2户，请填写身份证号" in by_row[ambiguous_at]["message"]
    assert "匹配到2户" in by_row[ambiguous_at + 1]["message"]
    for k, original in enumerate((12, 13, 14)):
        message = by_row[ambiguous_at + 2 + k]["message"]
        assert f"与工作表“2026年11月”第{original}行重复" in message
    # A file with problems cannot be confirmed, and nothing was written.
    response = api(cast.office).post(f"/api/visits/import/{job['id']}/confirm/")
    assert response.status_code == 400
    assert response.json()["code"] == "has_errors"
    assert not Visit.objects.exists()

    job = job_of(api, cast.office, upload(api, cast.office, visits_xlsx(clean)))
    assert (job["error_count"], job["to_create"], job["unchanged"]) == (0, 2 * households, 0)
    assert job["to_register"] == households // 25
    started = time.perf_counter()
    response = api(cast.office).post(f"/api/visits/import/{job['id']}/confirm/")
    confirm_seconds = time.perf_counter() - started
    assert response.status_code == 200, response.json()
    assert response.json()["message"] == f"导入完成：新增走访记录{2 * households}条，登记问题{households // 25}条"
    assert Visit.objects.count() == 2 * households
    entries = Grievance.objects.all()
    assert entries.count() == households // 25
    assert all(g.visit_id and g.source == "visit" and g.visit.household_id == g.household_id for g in entries)
    assert (
        Visit.objects.filter(mode="phone").exclude(mode_reason="").count() == Visit.objects.filter(mode="phone").count()
    )

    started = time.perf_counter()
    again = job_of(api, cast.office, upload(api, cast.office, visits_xlsx(clean)))
    assert (again["error_count"], again["to_create"], again["unchanged"]) == (0, 0, 2 * households)
    assert api(cast.office).post(f"/api/visits/import/{again['id']}/confirm/").status_code == 200
    reimport_seconds = time.perf_counter() - started
    assert Visit.objects.count() == 2 * households
    assert Grievance.objects.count() == households // 25
    print(f"\nvisit import, {total} rows: preview {preview_seconds:.1f}s, confirm {confirm_seconds:.1f}s, "
          f"re-import (preview + confirm) {reimport_seconds:.1f}s")  # fmt: skip


def test_rows_match_by_id_number_then_address_and_name_and_name_the_visitor(api, cast, tree, campaign):
    by_id = HouseholdFactory(grid=tree.grid_a1, head_name="王大山", address="人民路1号", id_number=person_id(1))
    by_address = HouseholdFactory(grid=tree.grid_a2, head_name="刘小河", address="人民路２号３栋", id_number="")
    when = (datetime.now(tz=SHANGHAI) - timedelta(days=2)).replace(microsecond=0)
    rows = [
        [
            "王大山",
            "写错的地址",
            person_id(1),
            "入户面谈",
            when.strftime("%Y-%m-%d %H:%M"),
            45,
            "李网格、钱主任",
            "",
            "",
        ],
        [
            "刘小河",
            "人民路2号 3栋",
            "",
            "微信",
            when.strftime("%Y-%m-%d %H:%M"),
            "30分钟",
            "",
            "家中老人住院",
            "申请临时救助",
        ],
    ]
    job = job_of(api, cast.office, upload(api, cast.office, visits_xlsx({"11月": rows})))
    assert job["error_count"] == 0, job["errors"]
    assert api(cast.office).post(f"/api/visits/import/{job['id']}/confirm/").status_code == 200
    first = Visit.objects.get(household=by_id)
    assert (first.visitor, list(first.co_visitors.all()), first.duration_minutes) == (cast.cadre, [cast.office], 45)
    second = Visit.objects.get(household=by_address)
    assert (second.visitor, second.mode, second.notes) == (cast.office, "wechat", "家中老人住院")
    entry = Grievance.objects.get()
    assert (entry.visit, entry.household, entry.content, entry.source) == (second, by_address, "申请临时救助", "visit")


def test_bad_cells_and_unknown_people_are_reported_with_chinese_messages(api, cast, tree, campaign):
    HouseholdFactory(grid=tree.grid_a1, head_name="王大山", address="人民路1号", id_number="")
    rows = [
        ["王大山", "人民路1号", 370304196001010011, "坐车", "明天", 0, "不存在的人", "", ""],
        ["王大山", "人民路1号", "", "入户面谈", "2030-01-01 10:00", 30, "", "", ""],
    ]
    job = job_of(api, cast.office, upload(api, cast.office, visits_xlsx({"11月": rows})))
    messages = {(e["row"], e["column"]): e["message"] for e in job["errors"]}
    assert "身份证号被Excel转成了数字" in messages[(2, "身份证号")]
    assert "走访方式应为入户面谈、电话、微信或短信" in messages[(2, "走访方式")]
    assert "走访时间格式应为" in messages[(2, "走访时间")]
    assert "时长应为1到600之间的分钟数" in messages[(2, "时长")]
    assert "参与人员“不存在的人”不是本辖区的工作人员" in messages[(2, "参与人员")]
    assert "走访时间不能晚于当前时间" in messages[(3, "走访时间")]


def test_only_office_staff_may_import_past_visits_and_only_their_own_job(api, client, cast, tree, campaign):
    HouseholdFactory(grid=tree.grid_a1, head_name="王大山", address="人民路1号", id_number="")
    for who in ("cadre", "leader", "handler", "outsider"):
        response = upload(api, getattr(cast, who), visits_xlsx({"11月": []}))
        assert response.status_code == 403
        assert response.json()["detail"] == "只有活动办工作人员可以补录走访记录"
        client.force_login(getattr(cast, who))
        assert client.get("/visits/visit-import/").status_code == 403
    assert not VisitImportJob.objects.exists()
    when = (datetime.now(tz=SHANGHAI) - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    job = job_of(
        api,
        cast.office,
        upload(api, cast.office, visits_xlsx({"11月": [["王大山", "人民路1号", "", "", when, 40, "", "", ""]]})),
    )
    assert api(cast.office_b).get(f"/api/visits/import/{job['id']}/").status_code == 404
    assert api(cast.office_b).post(f"/api/visits/import/{job['id']}/confirm/").status_code == 404
    assert not Visit.objects.exists()


def test_outside_the_subtree_a_household_reads_as_not_found(api, cast, tree, campaign):
    HouseholdFactory(grid=tree.grid_c1, head_name="王大山", address="人民路1号", id_number=person_id(5))
    when = (datetime.now(tz=SHANGHAI) - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    rows = [["王大山", "人民路1号", person_id(5), "", when, 40, "", "", ""]]
    job = job_of(api, cast.office, upload(api, cast.office, visits_xlsx({"11月": rows})))
    assert job["error_count"] == 1
    assert "未找到该农户" in job["errors"][0]["message"]


def test_browser_pages_preview_and_confirm(client, cast, tree, campaign):
    HouseholdFactory(grid=tree.grid_a1, head_name="王大山", address="人民路1号", id_number="")
    client.force_login(cast.office)
    template = client.get("/visits/visit-import/template/")
    assert template.status_code == 200
    sheet = load_workbook(io.BytesIO(template.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS
    assert "补录走访记录" in client.get("/visits/visit-import/").content.decode()
    when = (datetime.now(tz=SHANGHAI) - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    buf = visits_xlsx({"11月": [["王大山", "人民路1号", "", "", when, 40, "", "", ""]]})
    response = client.post("/visits/visit-import/", {"file": buf})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "确认导入" in page and "新增走访记录" in page
    job = VisitImportJob.objects.get()
    response = client.post(f"/visits/visit-import/{job.pk}/confirm/", follow=True)
    assert "导入完成：新增走访记录1条" in response.content.decode()
    assert Visit.objects.count() == 1
