"""The demo's overdue entry puts a 督办 notice in the office's inbox with no manual step."""

from grievances import demo as ledger_demo
from notifications.models import Notification


def test_demo_seed_shows_a_supervision_notice_once(demo_district, client):
    ctx = demo_district
    office = ctx.users["office"]
    notices = Notification.objects.filter(recipient=office, kind="supervision")
    assert notices.exists()
    first = Notification.objects.count()
    ledger_demo.seed_notices(ctx)  # seed_demo runs twice: nothing new
    assert Notification.objects.count() == first

    client.force_login(office)
    page = client.get("/grievances/notifications/").content.decode()
    assert "【督办】" in page and "演示：已超期" in page
