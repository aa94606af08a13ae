"""Every change is audited; every transition sends post_transition once committed."""

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from grievances.models import Grievance
from grievances.signals import post_transition

from .factories import GrievanceFactory, run


def test_a_transition_is_audited_with_its_actor_and_announced_after_commit(
    cast, tree, campaign, django_capture_on_commit_callbacks
):
    received = []

    def hook(sender, **kw):
        received.append((kw["name"], kw["actor"], kw["from_status"], kw["to_status"], kw["grievance"].pk))

    post_transition.connect(hook)
    try:
        g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
        with django_capture_on_commit_callbacks(execute=True):
            run(cast.office, g, "review")
    finally:
        post_transition.disconnect(hook)
    assert received == [("review", cast.office, "registered", "reviewed", g.pk)]
    ct = ContentType.objects.get_for_model(Grievance)
    log = LogEntry.objects.filter(content_type=ct, object_pk=str(g.pk)).latest("id")
    assert log.actor == cast.office
    assert log.changes_dict["status"] == ["registered", "reviewed"]
