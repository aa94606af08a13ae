"""The audit trail is append-only and hash-chained: nobody changes or deletes a record through the
admin or the ORM, a record changed behind the application's back is found by `verify_audit`, and
every record names its actor and client address, API requests included."""

import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from openpyxl import load_workbook

from audit.models import AppendOnly, Event, Record
from audit.services import record, verify
from tests.twofactor import verified
from tests.visits.factories import HouseholdFactory

pytestmark = pytest.mark.django_db
PASSWORD = "Zoufang-Test-1"


def _verify_audit():
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue() + err.getvalue()
    return 0, out.getvalue()


def test_a_whole_chain_verifies_and_each_record_links_to_the_one_before(cast):
    first = record(Event.CONFIG, actor=cast.admin, data={"setting": "a"})
    second = record(Event.CONFIG, actor=cast.admin, data={"setting": "b"})
    assert second.prev_hash == first.hash and first.hash != second.hash
    code, out = _verify_audit()
    assert code == 0 and "审计链完整" in out


def test_the_orm_refuses_to_change_or_delete_a_record(cast):
    r = record(Event.CONFIG, actor=cast.admin, data={"setting": "a"})
    r.data = {"setting": "forged"}
    with pytest.raises(AppendOnly):
        r.save()
    with pytest.raises(AppendOnly):
        r.delete()
    with pytest.raises(AppendOnly):
        Record.objects.filter(pk=r.pk).update(actor_name="someone")
    with pytest.raises(AppendOnly):
        Record.objects.filter(pk=r.pk).delete()
    with pytest.raises(AppendOnly):
        Record.objects.bulk_create([Record(event="config", prev_hash="0", hash="1", at=r.at)])
    assert Record.objects.get(pk=r.pk).data == {"setting": "a"}


def test_a_superuser_cannot_change_or_delete_a_record_in_the_admin(client, cast):
    r = record(Event.CONFIG, actor=cast.office, data={"setting": "a"})
    verified(client, cast.admin)
    page = client.get(f"/admin/audit/record/{r.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(f"/admin/audit/record/{r.pk}/change/", {"actor_name": "x"}).status_code == 403
    assert client.post(f"/admin/audit/record/{r.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/audit/record/add/").status_code == 403
    assert Record.objects.filter(pk=r.pk, actor_name=cast.office.username).exists()


def test_a_record_changed_with_raw_sql_is_found(cast):
    """SQLite: the change goes through and verify_audit names the record. PostgreSQL: the
    database's trigger refuses the UPDATE and the DELETE."""
    first = record(Event.CONFIG, actor=cast.admin, data={"setting": "a"})
    target = record(Event.CONFIG, actor=cast.admin, data={"setting": "b"})
    record(Event.CONFIG, actor=cast.admin, data={"setting": "c"})
    table = connection.ops.quote_name(Record._meta.db_table)
    if connection.vendor == "postgresql":
        for sql in (f"UPDATE {table} SET actor_name = 'x' WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [target.pk])
        assert _verify_audit()[0] == 0
        return
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET actor_name = 'someone_else' WHERE id = %s", [target.pk])
    code, out = _verify_audit()
    assert code == 1 and f"#{target.pk}" in out and "被修改" in out
    checked, broken = verify()
    assert broken.record_id == target.pk and checked == Record.objects.filter(id__lt=target.pk).count()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [target.pk])
    code, out = _verify_audit()
    assert code == 1 and f"#{target.pk + 1}" in out and first.pk < target.pk


def test_a_change_through_the_api_with_a_token_names_its_actor_and_masks_the_phone(api, tree, cast):
    household = HouseholdFactory(grid=tree.grid_a1, phone="13912345678")
    token = api().post("/api/auth/token/", {"username": "t_office", "password": PASSWORD}).json()["token"]
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    r = client.patch(f"/api/households/{household.pk}/", {"phone": "13700001111"}, format="json")
    assert r.status_code == 200, r.content
    change = Record.objects.filter(object_type="visits.household", object_id=str(household.pk), event="update").get()
    assert (change.actor_id, change.actor_name) == (cast.office.pk, "t_office")
    assert "13700001111" not in str(change.changes) and "137****1111" in str(change.changes)
    assert change.remote_addr == "127.0.0.1"
    assert Record.objects.filter(event=Event.TOKEN_LOGIN, actor_id=cast.office.pk).exists()


def test_the_client_address_comes_from_the_trusted_proxy_not_the_forged_header(client, cast, settings):
    settings.ZOUFANG_SECURITY = {**settings.ZOUFANG_SECURITY, "TRUSTED_PROXY_HOPS": 1}
    client.post(
        "/accounts/login/",
        {"username": "t_office", "password": "wrong"},
        HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7",
        REMOTE_ADDR="10.0.0.2",
    )
    failed = Record.objects.filter(event=Event.LOGIN_FAILED).latest("id")
    assert (failed.remote_addr, failed.object_repr) == ("203.0.113.7", "t_office")


def test_logins_and_failures_are_chained(client, cast):
    client.post("/accounts/login/", {"username": "t_office", "password": "wrong"})
    client.post("/accounts/login/", {"username": "t_office", "password": PASSWORD})
    events = list(Record.objects.filter(object_id=str(cast.office.pk)).order_by("id").values_list("event", flat=True))
    assert events[-2:] == [Event.LOGIN_FAILED, Event.LOGIN]


def test_the_auditor_reads_searches_and_verifies_on_the_audit_page(cast, auditor):
    record(Event.CONFIG, actor=cast.admin, object_repr="期限设置", data={"setting": "a"})
    client = verified(Client(), auditor)
    page = client.get("/audit/", {"q": "期限设置", "verify": "1"}).content.decode()
    assert "期限设置" in page and "审计链完整" in page
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"UPDATE {Record._meta.db_table} SET object_repr = 'x' WHERE object_repr = '期限设置'")
            broken = Record.objects.get(object_repr="x")
            assert f"审计链断开：审计记录 #{broken.pk}" in client.get("/audit/", {"verify": "1"}).content.decode()
    status = client.get("/api/audit/chain/").json()
    assert status["whole"] is (connection.vendor != "sqlite")


def test_an_export_of_the_trail_is_traced_and_audited(cast, auditor):
    client = verified(Client(), auditor)
    r = client.get("/audit/export/", {"event": "login"})
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    assert "导出人：" in wb.active["A1"].value and auditor.username in wb.active["A1"].value
    assert wb.properties.creator.startswith(auditor.full_name)
    export = Record.objects.filter(event=Event.EXPORT).latest("id")
    assert export.actor_id == auditor.pk and export.data["filters"] == {"event": "login"}
    assert export.data["rows"] == 1  # the auditor's own login
    assert wb.active["C3"].value == "登录" and wb.active["D3"].value == auditor.username


def test_the_api_exports_the_trail_to_the_auditor_only_traced_and_audited(api, cast, auditor):
    record(Event.CONFIG, actor=cast.admin, object_repr="期限设置", data={"setting": "a"})
    r = api(auditor).get("/api/audit/export/", {"event": "config"})
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    assert ws["A1"].value.startswith("导出人：审计员（t_auditor）") and ws["H3"].value == "期限设置"
    export = Record.objects.filter(event=Event.EXPORT).latest("id")
    assert export.data["filters"] == {"event": "config"} and export.data["rows"] == 1
    assert api(auditor).get("/api/audit/export/", {"since": "明天"}).status_code == 400
    assert api(cast.office).get("/api/audit/export/").status_code == 403
