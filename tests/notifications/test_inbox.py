"""The inbox: the API lists the caller's notices with the fixed fields; unread counts on every page."""

from notifications.models import Notification
from notifications.services import notify
from tests.grievances.factories import lighting_entry


def test_api_lists_only_the_callers_notices_with_the_fixed_fields(tree, cast, campaign, api):
    g = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    notify(recipients=[cast.cadre], kind="warning", title="今日为办结期限", grievance=g)
    notify(recipients=[cast.office], kind="supervision", title="办结已超期", grievance=g)

    body = api(cast.cadre).get("/api/notifications/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert {"id", "kind", "grievance", "created_at", "read"} <= set(row)
    assert (row["kind"], row["grievance"], row["read"]) == ("warning", g.pk, False)

    other = Notification.objects.get(recipient=cast.office)
    assert api(cast.cadre).post(f"/api/notifications/{other.pk}/read/").status_code == 404
    assert api(cast.cadre).post(f"/api/notifications/{row['id']}/read/").json()["read"] is True
    assert api(cast.cadre).get("/api/notifications/unread/").json() == {"unread": 0}
    assert Notification.objects.get(recipient=cast.office).read_at is None


def test_read_all_marks_only_the_callers_notices(cast, api):
    notify(recipients=[cast.cadre, cast.office], kind="other", title="通知一")
    notify(recipients=[cast.cadre], kind="other", title="通知二")
    assert api(cast.cadre).post("/api/notifications/read-all/", {}, format="json").json() == {"marked": 2, "unread": 0}
    assert Notification.objects.filter(recipient=cast.office, read_at__isnull=True).count() == 1


def test_every_page_shows_the_unread_badge_and_the_inbox_marks_read(client, cast):
    notify(recipients=[cast.cadre], kind="reminder", title="方案期限临近")
    notify(recipients=[cast.cadre], kind="warning", title="今日为办结期限")
    client.force_login(cast.cadre)
    home = client.get("/").content.decode()
    assert '消息 <span class="badge">2</span>' in home
    page = client.get("/grievances/notifications/").content.decode()
    assert "方案期限临近" in page and "今日为办结期限" in page
    first = Notification.objects.filter(recipient=cast.cadre).first()
    client.post(f"/grievances/notifications/{first.pk}/read/")
    assert '消息 <span class="badge">1</span>' in client.get("/").content.decode()
    client.post("/grievances/notifications/read/")
    assert 'class="badge"' not in client.get("/").content.decode()


def test_a_plan_supervision_notice_shows_the_plan_deadline_not_the_resolution_deadline(client, tree, cast, campaign):
    from grievances.sweep import sweep_deadlines
    from tests.grievances.factories import at, due_on, lighting_entry

    g = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=at("2026-09-01"))
    due_on(g, "2026-10-09", plan=True, status="assigned", due_at=at("2026-10-30", 17))
    sweep_deadlines(now=at("2026-10-20"))
    client.force_login(cast.cadre)
    page = client.get("/grievances/notifications/").content.decode()
    assert "【督办】方案提交已超期" in page
    assert "方案期限 2026-10-09" in page
    assert "办结期限 2026-10-30" not in page


def test_a_deadline_notice_reads_its_entry_in_the_inbox_the_api_and_the_email(
    tree, cast, campaign, api, client, django_capture_on_commit_callbacks
):
    from django.core import mail

    from grievances.sweep import sweep_deadlines
    from tests.grievances.factories import at, due_on

    cast.office.email = "office@example.com"
    cast.office.save()
    g = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=at("2026-09-01"))
    due_on(g, "2026-10-09")
    with django_capture_on_commit_callbacks(execute=True):
        sweep_deadlines(now=at("2026-10-12"))

    text = f"问题 #{g.pk}：{g.content[:60]}"
    (row,) = api(cast.office).get("/api/notifications/").json()["results"]
    assert (row["kind"], row["grievance"], row["body"]) == ("supervision", g.pk, text)
    assert "督办" in row["title"]
    client.force_login(cast.office)
    assert text in client.get("/grievances/notifications/").content.decode()
    (email,) = [m for m in mail.outbox if m.to == ["office@example.com"]]
    assert text in email.body
