"""An offline ledger import is a job like the roster's: the upload only stores the file, the preview
and the confirm are Celery tasks, and a confirm runs once however often it is asked for."""

from grievances import tasks
from grievances.models import Grievance, ImportJob

from .test_excel_import import GOOD, _xlsx


def _queued(monkeypatch, task):
    """The jobs `task` is queued for, which then runs nowhere (as if no worker had run yet)."""
    calls = []
    monkeypatch.setattr(task, "apply_async", lambda args=None, kwargs=None, **options: calls.append(kwargs["job_id"]))
    return calls


def test_the_upload_stores_the_file_and_the_preview_task_checks_it(cast, tree, campaign, api, monkeypatch):
    queued = _queued(monkeypatch, tasks.preview_ledger_import)
    r = api(cast.office).post("/api/grievances/import/", {"file": _xlsx(GOOD)}, format="multipart")
    assert r.status_code == 201
    body = r.json()
    assert (body["status"], body["state"], body["rows"], body["total_rows"]) == ("pending", "pending", [], 0)
    assert queued == [body["id"]]

    tasks.preview_ledger_import(body["id"])
    body = api(cast.office).get(f"/api/grievances/import/{body['id']}/").json()
    assert (body["status"], body["state"], body["total_rows"], body["to_create"]) == ("preview", "preview", 2, 2)
    assert body["file_name"] == body["original_name"] == "台账.xlsx"
    assert body["message"] == "校验通过，请确认导入" and body["progress"] == 100
    assert not Grievance.objects.exists()


def test_a_confirm_is_queued_once_and_its_task_writes_once(cast, tree, campaign, api, monkeypatch):
    job = api(cast.office).post("/api/grievances/import/", {"file": _xlsx(GOOD)}, format="multipart").json()
    queued = _queued(monkeypatch, tasks.confirm_ledger_import)
    for _ in range(2):
        r = api(cast.office).post(f"/api/grievances/import/{job['id']}/confirm/")
        assert r.status_code == 202 and r.json()["status"] == "confirming"
    assert queued == [job["id"]] and not Grievance.objects.exists()

    tasks.confirm_ledger_import(job["id"])
    tasks.confirm_ledger_import(job["id"])  # a redelivered task finds the job done
    assert Grievance.objects.count() == 2
    body = api(cast.office).get(f"/api/grievances/import/{job['id']}/").json()
    assert (body["status"], body["state"], body["created_count"]) == ("imported", "done", 2)
    assert body["confirmed_at"] == body["finished_at"] is not None
    assert ImportJob.objects.get().message == "导入完成：新增2条"


def test_a_row_refused_at_write_time_fails_the_job_and_writes_nothing(cast, tree, campaign, api):
    # Longer than an entry may be: only registration checks it, at write time.
    rows = [
        [
            1,
            "",
            "2026-11-17",
            "李四",
            "",
            "幸福社区一网格",
            "井盖缺失" * 501,
            "问题",
            "路灯照明",
            "入户走访",
            "一般问题",
        ]
    ]
    job = api(cast.office).post("/api/grievances/import/", {"file": _xlsx(rows)}, format="multipart").json()
    r = api(cast.office).post(f"/api/grievances/import/{job['id']}/confirm/")
    assert r.status_code == 400 and r.json()["code"] == "import_failed"
    body = api(cast.office).get(f"/api/grievances/import/{job['id']}/").json()
    assert (body["status"], body["state"]) == ("failed", "failed") and body["message"].startswith("第3行")
    assert not Grievance.objects.exists()


def test_the_import_page_polls_while_the_preview_runs(cast, tree, campaign, client, monkeypatch):
    _queued(monkeypatch, tasks.preview_ledger_import)
    client.force_login(cast.office)
    r = client.post("/grievances/import/", {"file": _xlsx(GOOD)})
    page = client.get(r["Location"]).content.decode()
    assert "hx-get" in page and "排队中" in page and "确认导入" not in page
    tasks.preview_ledger_import(ImportJob.objects.get().pk)
    card = client.get(r["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "hx-get" not in card and "共 2 行可导入" in card and "确认导入" in card
