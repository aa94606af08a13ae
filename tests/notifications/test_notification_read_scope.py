"""Only its recipient marks a message read: another person's id in a body is refused like a
missing one, in Chinese, and nothing is marked."""

from notifications.models import Notification
from notifications.services import notify

OUTSIDE = "所选对象不存在或不在您的管辖范围内"


def test_read_all_with_another_persons_message_marks_nothing(cast, api):
    notify(recipients=[cast.cadre, cast.office], kind="other", title="通知一")
    mine = Notification.objects.get(recipient=cast.cadre)
    theirs = Notification.objects.get(recipient=cast.office)
    r = api(cast.cadre).post("/api/notifications/read-all/", {"ids": [mine.pk, theirs.pk]}, format="json")
    assert r.status_code == 400 and r.json()["errors"] == {"ids": [OUTSIDE]}
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_another_persons_message_answers_like_a_missing_one(cast, api):
    notify(recipients=[cast.office], kind="other", title="通知一")
    theirs = Notification.objects.get()
    client = api(cast.cadre)
    hidden = client.post("/api/notifications/read-all/", {"ids": [theirs.pk]}, format="json")
    missing = client.post("/api/notifications/read-all/", {"ids": [999999]}, format="json")
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json() == missing.json()
    assert client.post(f"/api/notifications/{theirs.pk}/read/").status_code == 404
    assert Notification.objects.get().read_at is None


def test_the_superuser_does_not_mark_another_persons_messages_either(cast, api):
    notify(recipients=[cast.office], kind="other", title="通知一")
    theirs = Notification.objects.get()
    client = api(cast.admin)
    assert client.post(f"/api/notifications/{theirs.pk}/read/").status_code == 404
    r = client.post("/api/notifications/read-all/", {"ids": [theirs.pk]}, format="json")
    assert r.status_code == 400 and r.json()["errors"] == {"ids": [OUTSIDE]}
    assert Notification.objects.get().read_at is None


def test_read_all_with_own_ids_marks_exactly_those(cast, api):
    notify(recipients=[cast.cadre], kind="other", title="通知一")
    notify(recipients=[cast.cadre], kind="other", title="通知二")
    first, second = Notification.objects.order_by("id")
    r = api(cast.cadre).post("/api/notifications/read-all/", {"ids": [first.pk]}, format="json")
    assert r.json() == {"marked": 1, "unread": 1}
    second.refresh_from_db()
    assert second.read_at is None
