"""A corpus of bad input, sent through the API: never a server error, never a row written half-way,
always a Chinese message on the field at fault.

Classes (CLASSES below): ID numbers with a bad check digit, 15 digits, a lower-case x, full-width
digits, zero-width characters; phones; HTML and script; SQL fragments; formula prefixes; over-long
text; bad ids and numbers; impossible dates; malformed and oversized files; spreadsheet bombs;
image bombs; CSS/URL injection in names.
"""

import io
import re
import zipfile

import pytest
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from PIL import Image

from tests.visits.factories import id_number
from visits.models import Household, ImportJob, Visit, VisitPhoto

CJK = re.compile(r"[\u4e00-\u9fff]")
FULL = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
HTML = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    '"><b>x</b>',
    "<iframe src=javascript:alert(1)>",
    "<a href='javascript:1'>x</a>",
    "</textarea><script>",
    "{{7*7}}",
    "{% debug %}",
    "<style>*{}</style>",
]
SQL = [
    "' OR '1'='1",
    "1; DROP TABLE visits_household;--",
    '" OR 1=1 --',
    "1' UNION SELECT password FROM campaigns_user--",
    "'; WAITFOR DELAY '0:0:5'--",
    "%' AND 1=0 --",
    "1)) OR ((1=1",
    "admin'--",
    "\\x27 OR 1",
    "'||pg_sleep(5)||'",
]
FORMULA = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    '=HYPERLINK("http://evil")',
    "=cmd|' /C calc'!A0",
    "+cmd",
    "-2+3",
]
CSS = [
    'x"; } @page { background: url(http://127.0.0.1:9/) } .a { x: "',
    "x\n} body { background: url(//evil) }",
    "url(file:///etc/passwd)",
    "@import 'http://evil/x.css';",
    "expression(alert(1))",
    "</style><style>*{}",
    'x\\"; }',
    "\u202e格网",
    "x{color:red}",
    "a\x00b",
]


def _valid(i):
    return id_number(i + 40)


def _bad_check(i):
    good = _valid(i)
    return good[:-1] + ("0" if good[-1] != "0" else "1")


def household_cases(grid):
    cases = []
    cases += [("id_bad_check", {"id_number": _bad_check(i)}, "id_number") for i in range(20)]
    cases += [("id_15_digits", {"id_number": _valid(i)[:6] + _valid(i)[8:17]}, "id_number") for i in range(10)]
    cases += [
        ("id_lower_x", {"id_number": _bad_check(i)[:-1] + "x"}, "id_number")
        for i in range(40)
        if not _valid(i).endswith("X")
    ][:10]
    cases += [("id_full_width", {"id_number": _valid(i).translate(FULL)}, "id_number") for i in range(10)]
    cases += [
        ("id_zero_width", {"id_number": _valid(i)[:5] + z + _valid(i)[5:]}, "id_number")
        for i in range(5)
        for z in ("\u200b", "\u200c", "\ufeff")
    ]
    phones = [
        "1380000000",
        "138000000000",
        "23800000000",
        "1380000000a",
        "１３８００００００００",
        "+86 138 0000",
        "138-0000-000",
        "1380000",
        "1\u200b3800000000",
        "☎13800000000",
    ]
    cases += [("phone", {"phone": p}, "phone") for p in [*phones, *PHONES_MORE]]
    cases += [("html_script", {"id_number": h}, "id_number") for h in HTML]
    cases += [("html_script", {"grid": h}, "grid") for h in HTML]
    cases += [("sql", {"grid": s}, "grid") for s in SQL]
    cases += [("sql", {"members_count": s}, "members_count") for s in SQL]
    cases += [("formula", {"phone": f}, "phone") for f in FORMULA]
    cases += [("formula", {"id_number": f}, "id_number") for f in FORMULA]
    cases += [("over_long", {"head_name": "张" * n}, "head_name") for n in (201, 500, 5000)]
    cases += [("over_long", {"address": "路" * n}, "address") for n in (1001, 5000, 100_000)]
    numbers = ["abc", -1, 0, 100, 10**30, "12.5", "1e3", "NaN", "Infinity", None, [], {}]
    cases += [("bad_numbers", {"members_count": n}, "members_count") for n in [*numbers, *FULL_WIDTH_COUNTS]]
    cases += [("bad_ids", {"grid": g}, "grid") for g in (99999999999999999999, "NO-SUCH", "", None, ["x"])]
    cases += [("css_url_names", {"grid": c}, "grid") for c in CSS]
    base = {"grid": grid, "head_name": "赵六", "address": "锦绣路9号"}
    return [(cls, {**base, **change}, field) for cls, change, field in cases]


def _xlsx(cell="A1", *, entries=0, drop_dimension=False):
    wb = Workbook()
    wb.active[cell] = "x"
    buf = io.BytesIO()
    wb.save(buf)
    if entries or drop_dimension:
        src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as dst:
            for info in src.infolist():
                dst.writestr(info, src.read(info))
            for k in range(entries):
                dst.writestr(f"xl/media/pad{k}.bin", b"")
        buf = out
    return buf.getvalue()


def file_cases():
    bombs = ["XFD1048576", "AZ1048576", "U1", "A1048576", "ZZ10", "XFD1"]
    cases = [("spreadsheet_bomb", _xlsx(c), "file") for c in bombs]
    cases += [("spreadsheet_bomb", _xlsx("A1", entries=150), "file")]
    malformed = [
        b"",
        b"PK",
        b"PK\x03\x04" + bytes(100),
        b"not a spreadsheet",
        b"%PDF-1.4\n",
        b"\x89PNG\r\n\x1a\n",
        b"<html></html>",
        b"MZ\x90\x00",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(50),
    ]
    cases += [("malformed_file", data, "file") for data in malformed]
    return cases


def image_bombs():
    out = []
    for size in ((10_000, 5_000), (7_000, 7_000), (40_001, 1_000), (1, 40_000_001 // 1 + 1), (20_000, 2_001)):
        buf = io.BytesIO()
        Image.new("1", size).save(buf, "PNG")
        out.append(("image_bomb", buf.getvalue(), "photos"))
    for data in (
        b"GIF89a" + bytes(30),
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"\xff\xd8\xff\xe0junk",
        b"RIFFxxxxWEBP",
    ):
        out.append(("malformed_file", data, "photos"))
    return out


def _fails_cleanly(r, field):
    assert r.status_code < 500, r.content[:300]
    assert r.status_code in (400, 404), (r.status_code, r.content[:300])
    body = r.json()
    if r.status_code == 400:
        messages = body.get("errors", {}).get(field)
        assert messages, body
        assert all(CJK.search(str(m)) for m in messages), body
    assert CJK.search(body["detail"]), body


@pytest.fixture(scope="module")
def pictures():
    return image_bombs()


def test_the_corpus_is_refused_cleanly_through_the_api(api, cast, tree, campaign, pictures, settings):
    from tests.visits.factories import AssignmentFactory, HouseholdFactory
    from tests.visits.test_visit_logging import body
    from visits.models import AssignmentKind

    home = HouseholdFactory(grid=tree.grid_a1)
    AssignmentFactory(campaign=campaign, household=home, visitor=cast.cadre, kind=AssignmentKind.GRID)
    visit = api(cast.cadre).post("/api/visits/", body(home, campaign), format="json").json()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {}}  # rates are tested apart
    before = (Household.objects.count(), ImportJob.objects.count(), Visit.objects.count(), VisitPhoto.objects.count())
    classes = {}
    accepted = []
    office = api(cast.office)
    for cls, payload, field in household_cases(tree.grid_a1.code):
        r = office.post("/api/households/", payload, format="json")
        if r.status_code == 201:
            accepted.append((cls, payload[field]))
            Household.objects.filter(pk=r.json()["id"]).delete()
            continue
        _fails_cleanly(r, field)
        classes[cls] = classes.get(cls, 0) + 1
    for cls, data, field in file_cases():
        f = io.BytesIO(data)
        f.name = "花名册.xlsx"
        r = office.post("/api/households/import/", {"file": f}, format="multipart")
        if r.status_code in (201, 202):  # accepted as a file: its preview must refuse it
            job = office.get(f"/api/households/import/{r.json()['id']}/").json()
            assert job["status"] in ("failed", "preview") and job["error_count"] and CJK.search(str(job["errors"]))
            ImportJob.objects.filter(pk=job["id"]).delete()
        else:
            _fails_cleanly(r, field)
        classes[cls] = classes.get(cls, 0) + 1
    dates = [
        "2026-02-30T10:00:00+08:00",
        "2026-13-01T10:00:00+08:00",
        "2099-01-01T10:00:00+08:00",
        "0000-01-01",
        "yesterday",
        "2026-11-18T25:00:00+08:00",
        "",
        "1900-01-01T00:00:00+08:00",
    ]
    for d in dates:
        r = api(cast.cadre).post("/api/visits/", body(home, campaign, visited_at=d), format="json")
        _fails_cleanly(r, "visited_at")
        classes["impossible_dates"] = classes.get("impossible_dates", 0) + 1
    for cls, data, field in pictures:
        f = io.BytesIO(data)
        f.name = "p.png"
        r = api(cast.cadre).post(f"/api/visits/{visit['id']}/photos/", {"image": f}, format="multipart")
        _fails_cleanly(r, field)
        classes[cls] = classes.get(cls, 0) + 1
    assert not accepted, accepted
    after = (Household.objects.count(), ImportJob.objects.count(), Visit.objects.count(), VisitPhoto.objects.count())
    assert after == before
    print("corpus:", sum(classes.values()), "cases in", len(classes), "classes:", classes)
    assert sum(classes.values()) >= 200 and len(classes) >= 12


# --- The same corpus through the pages that take it ------------------------------------------------
ROSTER_COLUMNS = {
    "head_name": (0, "户主姓名"),
    "id_number": (1, "身份证号"),
    "phone": (2, "联系电话"),
    "address": (3, "地址"),
    "grid": (4, "所属网格"),
    "members_count": (5, "家庭人数"),
}
PHONES_MORE = ["00000000000", "01000000000", "0000-0000000", "1３800000000"]
FULL_WIDTH_COUNTS = ["１２", "３", "٣", "１"]


def _scalar(value):
    """What a form field or a spreadsheet cell can carry of a value (a list or dict becomes its text)."""
    return "" if value is None else value if isinstance(value, str | int) else str(value)


def _admin_error(html, field):
    """The admin's message at `field` (Django renders it in <ul class="errorlist" id="id_<field>_error">)."""
    m = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', html, re.S)
    return m.group(1) if m else ""


def _page_error(html, field):
    """The message a page shows at a field: `data-error-for` or the first `.error` after its input."""
    m = re.search(rf'data-error-for="{field}">([^<]+)<', html)
    if m:
        return m.group(1)
    at = html.find(f'name="{field}"')
    if at < 0:
        return ""
    end = html.find('name="', at + len(field) + 7)  # up to the next input: the message is this one's
    m = re.search(r'class="error"[^>]*>([^<]+)<', html[at : end if end > 0 else None])
    return m.group(1) if m else ""


def _state():
    from grievances.models import Grievance
    from grievances.models import ImportJob as LedgerJob
    from visits.models import VisitImportJob

    models = (Household, Visit, VisitPhoto, ImportJob, LedgerJob, VisitImportJob, Grievance)
    from campaigns.models import OrgUnit

    return tuple(m.objects.count() for m in (*models, OrgUnit))


def _refused(r, field, find, *, status=400):
    assert r.status_code == status, (r.status_code, field, r.content[:300])
    message = find(r.content.decode(), field)
    html = r.content.decode()
    summary = re.search(r'id="error-summary".*?</div>', html, re.S)
    assert message and CJK.search(message), (field, summary.group(0) if summary else html[:2000])


def test_the_corpus_is_refused_cleanly_through_the_pages(client, cast, tree, campaign, pictures, settings):
    from django.test import Client

    from grievances.models import ImportJob as LedgerJob
    from tests.grievances.factories import category
    from tests.twofactor import verified
    from tests.visits.factories import AssignmentFactory, HouseholdFactory, roster_xlsx
    from visits.models import AssignmentKind, VisitImportJob

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {}}  # rates are tested apart
    home = HouseholdFactory(grid=tree.grid_a1)
    AssignmentFactory(campaign=campaign, household=home, visitor=cast.cadre, kind=AssignmentKind.GRID)
    cat = category()
    before = _state()
    classes = {}

    def seen(cls):
        classes[cls] = classes.get(cls, 0) + 1

    # Households: the admin's form, field by field.
    admin = verified(Client(), cast.admin)
    cases = household_cases(tree.grid_a1.code)
    for cls, payload, field in cases:
        data = {k: _scalar(v) for k, v in payload.items()}
        data["grid"] = tree.grid_a1.pk if field != "grid" else data["grid"]
        data.setdefault("members_count", 1)
        data.update({"kind": "household", "hardship_plan-TOTAL_FORMS": 0, "hardship_plan-INITIAL_FORMS": 0})
        r = admin.post("/admin/visits/household/add/", data)
        _refused(r, field, _admin_error, status=200)  # the admin re-shows its form with 200
        seen(f"admin:{cls}")

    # Households: one roster with every case on its own row, through the upload page.
    rows, expected = [], {}
    for i, (_cls, payload, field) in enumerate(cases):
        row = ["赵六", "", "", f"锦绣路{i}号", tree.grid_a1.code, 1, "家庭", "", "否"]
        col, label = ROSTER_COLUMNS[field]
        value = _scalar(payload[field])
        row[col] = value[:32767] if isinstance(value, str) else value  # Excel's limit for one cell
        if row[col] in ("", None) and field in ("members_count", "id_number", "phone"):
            continue  # an empty optional cell is no bad input in a roster
        if isinstance(row[col], str) and ILLEGAL_CHARACTERS_RE.search(row[col]):
            continue  # a NUL cannot be written into a worksheet
        rows.append(row)
        expected[len(rows) + 1] = label
    office = Client()
    office.force_login(cast.office)
    r = office.post("/visits/import/", {"file": roster_xlsx(rows)})
    assert r.status_code == 302, r.content[:500]
    job = ImportJob.objects.latest("pk")
    page = office.get(r["Location"]).content.decode()
    assert job.status in ("failed", "preview") and job.error_count and "需要修改的问题" in page
    assert job.errors[0]["message"] in page and "确认导入" not in page
    found = {(e["row"], e["column"]) for e in job.errors if CJK.search(e["message"])}
    missing = [(row, label) for row, label in expected.items() if (row, label) not in found]
    assert not missing, missing
    ImportJob.objects.filter(pk=job.pk).delete()
    classes["roster_rows"] = len(expected)

    # Ledger entries: the registration form.
    form = {
        "content": "楼道灯坏了",
        "category": cat.pk,
        "kind": "problem",
        "source": "visit",
        "tier": "general",
        "unit": tree.community_a.pk,
        "campaign": campaign.pk,
    }
    ledger = [("phone", "reporter_phone", p) for p in [*(c[1]["phone"] for c in cases if c[2] == "phone"), *FORMULA]]
    ledger += [("over_long", "reporter_name", "张" * 51), ("over_long", "content", "字" * 2001)]
    ledger += [
        ("bad_ids", f, v)
        for f in ("category", "unit", "household", "campaign")
        for v in ("99999999999999999999", "NO-SUCH", "-1", "1.5", "<script>")
    ]
    ledger += [("css_url_names", "unit", c) for c in CSS]
    for cls, field, value in ledger:
        r = office.post("/grievances/new/", {**form, field: value})
        _refused(r, field, _page_error)
        seen(f"grievance:{cls}")

    # Visits: the visit form, its dates, its numbers and its photos.
    cadre = Client()
    cadre.force_login(cast.cadre)
    visit_url = f"/visits/households/{home.pk}/visit/"
    item = campaign.checklist.first()

    def visit(**change):
        import uuid

        data = {
            "client_id": str(uuid.uuid4()),
            "visited_at": "2026-11-18T09:00",
            "duration_minutes": 40,
            "mode": "in_person",
            f"answer_{item.pk}": "家里两人务工",
            "notes": "老人身体还好",
            "g1_kind": "problem",
            "g2_kind": "problem",
        }
        return {**data, **change}

    dates = ["2026-02-30T10:00", "2026-13-01T10:00", "2099-01-01T10:00", "0000-01-01", "yesterday", "2026-11-18T25:00"]
    dates += ["", "1900-01-01T00:00", "2026-11-18T23:00"]  # the last: later today, in the future
    for d in dates:
        _refused(cadre.post(visit_url, visit(visited_at=d)), "visited_at", _page_error)
        seen("visit:impossible_dates")
    for n in ["abc", -1, 0, 601, 10**30, "12.5", "1e3", "NaN", "Infinity", "", "１２"]:
        _refused(cadre.post(visit_url, visit(duration_minutes=n)), "duration_minutes", _page_error)
        seen("visit:bad_numbers")
    for cls, data, _field in pictures:
        f = io.BytesIO(data)
        f.name = "p.png"
        _refused(cadre.post(visit_url, {**visit(), "photos": f}), "photos", _page_error)
        seen(f"visit:{cls}")

    # Files: the three import pages.
    pages = [
        ("/visits/import/", ImportJob, office),
        ("/grievances/import/", LedgerJob, office),
        ("/visits/visit-import/", VisitImportJob, office),
    ]
    for url, model, who in pages:
        for cls, data, _field in file_cases():
            f = io.BytesIO(data)
            f.name = "表.xlsx"
            r = who.post(url, {"file": f})
            if r.status_code == 302:  # taken as a file: its check in the task refuses it, the job says why
                job = model.objects.latest("pk")
                shown = who.get(r["Location"]).content.decode()
                told = [t for t in (job.message, *(e["message"] for e in job.errors[:1])) if t and CJK.search(t)]
                assert job.status in ("failed", "preview") and (job.status == "failed" or job.error_count), (url, cls)
                assert any(t in shown for t in told), (url, cls, told)
                model.objects.filter(pk=job.pk).delete()
            else:
                _refused(r, "file", _page_error)
            seen(f"import:{cls}")

    # Unit names: the admin's unit form.
    names = [(c, "css_url_names") for c in CSS] + [(h, "html_script") for h in HTML] + [(f, "formula") for f in FORMULA]
    for i, (name, cls) in enumerate(names):
        data = {"code": f"T01-S01-C01-G9{i:02d}", "name": name, "level": "grid", "parent": tree.community_a.pk}
        r = admin.post("/admin/campaigns/orgunit/add/", {**data, "is_active": "on"})
        _refused(r, "name", _admin_error, status=200)
        seen(f"unit_name:{cls}")

    assert _state() == before
    total = sum(classes.values())
    print("pages corpus:", total, "cases:", classes)
    assert total >= 400


def test_a_valid_id_number_typed_with_a_lower_case_x_is_stored_upper_case_by_api_admin_and_roster(
    api, cast, tree, client
):
    """Case is the one thing normalised (GB 11643 writes X, people type x); width never is."""
    from tests.twofactor import verified
    from tests.visits.factories import roster_xlsx

    with_x = [n for n in (id_number(i) for i in range(200)) if n.endswith("X")][:3]
    base = {"head_name": "赵六", "address": "锦绣路9号"}
    r = api(cast.office).post(
        "/api/households/", {**base, "grid": tree.grid_a1.code, "id_number": with_x[0].lower()}, format="json"
    )
    assert r.status_code == 201
    assert Household.objects.get(pk=r.json()["id"]).id_number == with_x[0]  # the API shows it masked
    admin = verified(client, cast.admin)
    data = {
        **base,
        "address": "锦绣路10号",
        "grid": tree.grid_a1.pk,
        "id_number": with_x[1].lower(),
        "members_count": 2,
    }
    r = admin.post(
        "/admin/visits/household/add/",
        {**data, "kind": "household", "hardship_plan-TOTAL_FORMS": 0, "hardship_plan-INITIAL_FORMS": 0},
    )
    assert r.status_code == 302, _admin_error(r.content.decode(), "id_number")
    row = ["孙七", with_x[2].lower(), "13800000003", "锦绣路11号", tree.grid_a1.code, 2, "家庭", "", "否"]
    job = api(cast.office).post("/api/households/import/", {"file": roster_xlsx([row])}, format="multipart").json()
    assert api(cast.office).post(f"/api/households/import/{job['id']}/confirm/").status_code in (200, 202)
    stored = sorted(Household.objects.values_list("id_number", flat=True))
    assert stored == sorted(with_x)
