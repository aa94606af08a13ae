"""Hostile files: each is refused (or rendered harmless) with the process alive and memory bounded.

A one-cell-at-XFD1048576 workbook (roster and ledger), the same with its <dimension> removed (the
task finds the last cell), a parse that runs out of its memory cap, a 50-megapixel PNG as a photo,
a 100 MiB evidence file streamed to the server, a unit name carrying CSS and an outside URL into
the card PDF, formula-like names in the statistics Excel.
"""

import io
import re
import socket
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook, load_workbook
from PIL import Image

from campaigns.lib import pdf as pdf_lib
from grievances.models import ImportJob as LedgerImportJob
from reports.choices import ViolationKind
from reports.models import ReportJob, Violation
from tests.visits.factories import HouseholdFactory, roster_xlsx
from visits.models import Household, ImportJob, VisitPhoto

MiB = 1024 * 1024


def far_cell_workbook(*, keep_dimension=True, name="花名册.xlsx"):
    """A few KB: one cell at XFD1048576 (a dense reader would allocate 17 billion cells)."""
    wb = Workbook()
    wb.active["XFD1048576"] = "x"
    buf = io.BytesIO()
    wb.save(buf)
    if not keep_dimension:
        src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info)
                if info.filename.startswith("xl/worksheets/"):
                    data = re.sub(rb"<dimension[^>]*/>", b"", data)
                dst.writestr(info, data)
        buf = out
    buf.name = name
    buf.seek(0)
    return buf


class Peak:
    """Python allocations during a block (tracemalloc), in bytes."""

    def __enter__(self):
        tracemalloc.start()
        return self

    def __exit__(self, *exc):
        self.bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


def test_a_far_cell_roster_is_refused_at_upload_before_any_parsing(api, cast):
    f = far_cell_workbook()
    assert len(f.getvalue()) < 8000
    with Peak() as peak:
        r = api(cast.office).post("/api/households/import/", {"file": f}, format="multipart")
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "sheet_too_large" and "20列" in body["detail"], body
    assert peak.bytes < 30 * MiB
    assert not ImportJob.objects.exists() and not Household.objects.exists()


def test_a_far_cell_ledger_is_refused_at_upload(api, cast):
    r = api(cast.office).post(
        "/api/grievances/import/", {"file": far_cell_workbook(name="台账.xlsx")}, format="multipart"
    )
    assert r.status_code == 400 and r.json()["code"] == "sheet_too_large"
    assert "台账" in r.json()["detail"] and not LedgerImportJob.objects.exists()


def test_a_far_cell_without_its_dimension_is_found_by_the_task_and_the_job_shows_it(api, cast):
    with Peak() as peak:
        r = api(cast.office).post(
            "/api/households/import/", {"file": far_cell_workbook(keep_dimension=False)}, format="multipart"
        )
    assert r.status_code in (201, 202), r.content
    job = api(cast.office).get(f"/api/households/import/{r.json()['id']}/").json()
    assert job["status"] == "failed"
    assert "1,048,576行" not in job["message"] and "20列的上限" in job["message"], job["message"]
    assert peak.bytes < 30 * MiB
    assert not Household.objects.exists()


def test_a_parse_over_its_memory_cap_dies_alone_and_fails_the_job(api, cast, tree, settings):
    settings.SHEET_LIMITS = {
        **settings.SHEET_LIMITS,
        "roster": {**settings.SHEET_LIMITS["roster"], "memory_bytes": 8 * MiB},
    }
    rows = [["张三", "", "", "锦绣路1号", tree.grid_a1.code, 1, "家庭", "", "否"]]
    r = api(cast.office).post("/api/households/import/", {"file": roster_xlsx(rows)}, format="multipart")
    job = api(cast.office).get(f"/api/households/import/{r.json()['id']}/").json()
    assert job["status"] == "failed" and "8MB的内存上限" in job["message"], job
    assert not Household.objects.exists()


def _sheet_zip(cells_xml: bytes) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/worksheets/sheet1.xml", cells_xml)
    buf.seek(0)
    return buf


@pytest.mark.parametrize(
    ("xml", "refused"),
    [
        (b'<worksheet><sheetData><row r="5"><c r="T5"><v>1</v></c></row></sheetData></worksheet>', None),
        (b'<worksheet><sheetData><row r="5"><c s="1" r="$U$5"><v>1</v></c></row></sheetData></worksheet>', "U列"),
        (b'<x:worksheet><x:sheetData><x:row><x:c\nr="AB2"/></x:row></x:sheetData></x:worksheet>', "AB列"),
        (b'<worksheet><sheetData><row r="70"><c r="A70"><v>1</v></c></row></sheetData></worksheet>', "第70行"),
        (b"<x:worksheet><x:sheetData>" + b"<x:row><x:c><x:v>1</x:v></x:c></x:row>" * 12 + b"</x:sheetData>", "第12行"),
    ],
)
def test_the_extent_scan_finds_the_last_row_and_column_however_the_sheet_is_written(settings, xml, refused):
    from campaigns.lib import uploads

    settings.SHEET_LIMITS = {**settings.SHEET_LIMITS, "roster": {**settings.SHEET_LIMITS["roster"], "rows": 10}}
    if refused is None:
        uploads.scan_sheet(_sheet_zip(xml), "roster", noun="花名册")
        return
    with pytest.raises(uploads.UploadRefused) as exc:
        uploads.scan_sheet(_sheet_zip(xml), "roster", noun="花名册")
    assert refused in exc.value.message, exc.value.message


def test_the_same_roster_parses_in_the_child_under_the_real_cap(api, cast, tree):
    rows = [["张三", "", "", "锦绣路1号", tree.grid_a1.code, 1, "家庭", "", "否"]]
    r = api(cast.office).post("/api/households/import/", {"file": roster_xlsx(rows)}, format="multipart")
    job = api(cast.office).get(f"/api/households/import/{r.json()['id']}/").json()
    assert job["status"] == "preview" and job["total_rows"] == 1, job


@pytest.fixture
def visit(api, cast, campaign, tree):
    from tests.visits.test_visit_logging import body

    home = HouseholdFactory(grid=tree.grid_a1)
    from tests.visits.factories import AssignmentFactory
    from visits.models import AssignmentKind

    AssignmentFactory(campaign=campaign, household=home, visitor=cast.cadre, kind=AssignmentKind.GRID)
    return api(cast.cadre).post("/api/visits/", body(home, campaign), format="json").json()


def test_a_50_megapixel_png_photo_is_refused_before_decoding(api, cast, visit):
    buf = io.BytesIO()
    Image.new("1", (10_000, 5_000)).save(buf, "PNG")  # 50 megapixels in a few hundred KB
    assert len(buf.getvalue()) < 1 * MiB
    png = SimpleUploadedFile("p.png", buf.getvalue(), content_type="image/png")
    del buf
    with Peak() as peak:
        r = api(cast.cadre).post(f"/api/visits/{visit['id']}/photos/", {"image": png}, format="multipart")
    assert r.status_code == 400
    assert r.json()["code"] == "file_too_large" and "4000万像素" in r.json()["detail"], r.json()
    assert peak.bytes < 40 * MiB  # decoded it would be 50 MB as 1-bit, 150 MB as RGB
    assert not VisitPhoto.objects.exists()


class MultipartStream:
    """A multipart/form-data body produced as it is read: fields, then a file of `size` bytes
    (a PDF signature and zeros) that never exists in memory whole."""

    boundary = "----zoufang-hostile-boundary"

    def __init__(self, fields, file_field, filename, size):
        head = b"".join(
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        )
        head += (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
            f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        self.parts = [head, b"%PDF-1.4\n"]
        self.filler = size - len(self.parts[1])
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.length = len(head) + size + len(self.tail)
        self.buffer = b""

    def _more(self, n):
        if self.parts:
            return self.parts.pop(0)
        if self.filler:
            k = min(self.filler, max(n, 64 * 1024), 1 * MiB)
            self.filler -= k
            return bytes(k)
        tail, self.tail = self.tail, b""
        return tail

    def read(self, n=-1):
        n = self.length if n is None or n < 0 else n
        while len(self.buffer) < n:
            more = self._more(n - len(self.buffer))
            if not more:
                break
            self.buffer += more
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def readline(self, limit=-1):
        return self.read(limit if limit and limit > 0 else 64 * 1024)


def test_a_100_mib_evidence_file_is_streamed_to_disk_and_refused(cast, tree, campaign):
    client = Client()
    client.force_login(cast.inspector)
    fields = {"campaign": campaign.pk, "unit": tree.community_a.pk, "kind": ViolationKind.values[0], "evidence": "抽查"}
    stream = MultipartStream(fields, "evidence_file", "佐证.pdf", 100 * MiB)
    with Peak() as peak:
        r = client.request(
            REQUEST_METHOD="POST",
            PATH_INFO="/api/violations/",
            CONTENT_TYPE=f"multipart/form-data; boundary={stream.boundary}",
            CONTENT_LENGTH=str(stream.length),
            HTTP_ACCEPT="application/json",
            **{"wsgi.input": stream},
        )
    assert r.status_code == 400, r.content[:300]
    assert r.json()["code"] == "file_too_large" and "20MB" in r.json()["detail"]
    assert peak.bytes < 40 * MiB  # refused by its length, never read into memory
    assert not Violation.objects.exists()
    assert stream.parts  # not even the head of the body was read


@pytest.mark.parametrize(
    "path, size, limit",
    [
        ("/api/visits/1/photos/", 50 * MiB, "10MB"),
        ("/api/grievances/import/", 30 * MiB, "20MB"),
        ("/visits/import/", 150 * MiB, "100MB"),
        ("/grievances/new/", 150 * MiB, "100MB"),
    ],
)
def test_a_body_over_its_routes_limit_is_refused_by_its_length_unread(cast, path, size, limit):
    client = Client()
    client.force_login(cast.office)
    stream = MultipartStream({"x": "1"}, "file", "x.xlsx", size)
    before = tempfile_count()
    r = client.request(
        REQUEST_METHOD="POST",
        PATH_INFO=path,
        CONTENT_TYPE=f"multipart/form-data; boundary={stream.boundary}",
        CONTENT_LENGTH=str(stream.length),
        **{"wsgi.input": stream},
    )
    assert r.status_code == 400
    assert r["Connection"] == "close"
    text = r.content.decode()
    assert "上传内容过大" in text and limit in text
    if path.startswith("/api/"):
        assert r.json()["code"] == "file_too_large"
    assert stream.parts and tempfile_count() == before  # nothing read, nothing spooled


def tempfile_count():
    import tempfile
    from pathlib import Path

    return sum(1 for _ in Path(tempfile.gettempdir()).glob("*.upload*"))


def test_evidence_of_a_type_not_taken_is_refused_by_its_content(api, cast, tree, campaign):
    exe = SimpleUploadedFile("照片.jpg", b"MZ\x90\x00" + bytes(2000), content_type="image/jpeg")
    body = {"campaign": campaign.pk, "unit": tree.community_a.pk, "kind": ViolationKind.values[0], "evidence": "抽查"}
    r = api(cast.inspector).post("/api/violations/", {**body, "evidence_file": exe}, format="multipart")
    assert r.status_code == 400 and r.json()["code"] == "file_type"
    assert "evidence_file" in r.json()["errors"] and not Violation.objects.exists()


# At most 100 characters, as a unit's name is.
HOSTILE_NAME = '网"; } @page { background: url("http://127.0.0.1:9/s")} .x{content:"\n<img src="http://127.0.0.1:9/a">'


def test_a_unit_name_with_css_and_a_url_stays_text_in_the_card_pdf(
    api, cast, tree, campaign, monkeypatch, django_capture_on_commit_callbacks
):
    from pypdf import PdfReader

    tree.grid_a1.name = HOSTILE_NAME
    tree.grid_a1.save()
    HouseholdFactory(grid=tree.grid_a1)
    connections = []
    real_connect = socket.socket.connect

    def spy(sock, address):
        connections.append(address)
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", spy)
    with django_capture_on_commit_callbacks(execute=True):
        r = api(cast.office).post("/api/cards/sheet/", {"campaign": campaign.pk, "org_unit": tree.grid_a1.pk})
    assert r.status_code == 202
    job = ReportJob.objects.get(pk=r.json()["id"])
    assert job.status == ReportJob.State.DONE, job.error
    text = "".join(p.extract_text() for p in PdfReader(job.file.open("rb")).pages)
    assert "@page" in text and "127.0.0.1:9" in text  # printed as the name it is
    assert not [a for a in connections if isinstance(a, tuple) and a[1:2] == (9,)]


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x.png", "https://example.com/a.css", "file:///etc/passwd"])
def test_the_pdf_fetcher_refuses_anything_outside_static_and_media(url):
    with pytest.raises(pdf_lib.RefusedFetch):
        pdf_lib._safe_fetcher().fetch(url)


def test_formula_like_unit_names_are_text_in_the_statistics_excel(api, cast, tree, campaign):
    from django.utils import timezone

    for unit, name in ((tree.street_a, '=HYPERLINK("http://evil.example","点")'), (tree.street_b, "@SUM(1)")):
        unit.name = name
        unit.save()
    month = timezone.localdate().strftime("%Y-%m")
    r = api(cast.leader).get(
        "/api/stats/excel/", {"campaign": campaign.pk, "org_unit": tree.district.pk, "month": month}
    )
    ws = load_workbook(io.BytesIO(r.content))["走访统计月报表"]
    names = [row[0].value for row in ws.iter_rows(min_row=3)]
    assert '\'=HYPERLINK("http://evil.example","点")' in names and "'@SUM(1)" in names
    assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)


def _visit_book(far_sheet=False):
    """A past-visit workbook (one month's sheet); with `far_sheet`, a second sheet holding one cell
    at XFD1048576 and no <dimension>, which only the task's scan of every sheet finds."""
    from tests.visits.test_visit_import import visits_xlsx

    buf = visits_xlsx({"2026年11月": [["户主1", "锦绣路1号", "", "入户面谈", "2026-11-12 09:30", 40]]})
    if not far_sheet:
        return buf
    wb = load_workbook(buf)
    wb.create_sheet("2026年10月")["XFD1048576"] = "x"
    out = io.BytesIO()
    wb.save(out)
    src = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    stripped = io.BytesIO()
    with zipfile.ZipFile(stripped, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"<dimension[^>]*/>", b"", data)
            dst.writestr(info, data)
    stripped.name = "走访记录.xlsx"
    stripped.seek(0)
    return stripped


def _visit_job(api, cast, buf):
    r = api(cast.office).post("/api/visits/import/", {"file": buf}, format="multipart")
    assert r.status_code == 202, r.content
    return api(cast.office).get(f"/api/visits/import/{r.json()['id']}/").json()


def test_a_past_visit_parse_over_its_memory_cap_dies_alone_and_fails_the_job(api, cast, tree, settings):
    settings.SHEET_LIMITS = {
        **settings.SHEET_LIMITS,
        "visits": {**settings.SHEET_LIMITS["visits"], "memory_bytes": 8 * MiB},
    }
    job = _visit_job(api, cast, _visit_book())
    assert job["status"] == "failed" and "8MB的内存上限" in job["message"], job
    assert job["errors"] == [{"row": 0, "column": "", "message": job["message"]}]


def test_a_far_cell_on_a_later_sheet_of_past_visits_is_found_by_the_task(api, cast, tree):
    with Peak() as peak:
        job = _visit_job(api, cast, _visit_book(far_sheet=True))
    assert job["status"] == "failed" and "100,000行的上限（至第1,048,576行）" in job["message"], job
    assert peak.bytes < 30 * MiB


def test_past_visits_parse_in_the_child_under_the_real_cap(api, cast, tree):
    job = _visit_job(api, cast, _visit_book())
    assert job["status"] == "preview" and job["total_rows"] == 1, job
