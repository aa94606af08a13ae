"""Every background job a user waits for carries the lease: a poster, a network map, a service-card
sheet or a past-visit import whose worker was killed is queued again by the beat task
`campaigns.reap_stale_jobs` once its heartbeat is older than LEASE_SECONDS, failed with the
Chinese reason after MAX_LEASE_ATTEMPTS, and its page and API offer 重试."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from campaigns.lib.imports import INTERRUPTED, LEASE_SECONDS, MAX_LEASE_ATTEMPTS
from campaigns.tasks import reap_stale_jobs
from grievances.models import BoardPoster
from liaison.models import MapJob
from reports.models import ReportJob
from visits.models import VisitImportJob


@dataclass
class Kind:
    model: type
    make: object  # (tree, cast, campaign) -> job, status "running"
    page: object  # (tree, campaign, job) -> the page that lists the job
    retry_api: str  # with {pk}
    retry_page: str  # with {pk}
    failed_field: str
    done: str


def _poster(tree, cast, campaign):
    return BoardPoster.objects.create(unit=tree.community_a, created_by=cast.office, status="running")


def _map(tree, cast, campaign):
    return MapJob.objects.create(unit=tree.street_a, created_by=cast.office, status="running")


def _cards(tree, cast, campaign):
    return ReportJob.objects.create(
        kind=ReportJob.Kind.CARDS, campaign=campaign, org_unit=tree.grid_a1, created_by=cast.office, status="running"
    )


def _visits(tree, cast, campaign):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from tests.visits.test_visit_import import visits_xlsx

    sheet = visits_xlsx({"2026年11月": []}).getvalue()
    name = default_storage.save("imports/visits/leased.xlsx", ContentFile(sheet))
    return VisitImportJob.objects.create(created_by=cast.office, file=name, status="previewing")


KINDS = {
    "poster": Kind(
        BoardPoster,
        _poster,
        lambda tree, campaign, job: f"/grievances/board/?unit={tree.community_a.pk}",
        "/api/board-posters/{pk}/retry/",
        "/grievances/board/posters/{pk}/retry/",
        "error",
        "done",
    ),
    "map": Kind(
        MapJob,
        _map,
        lambda tree, campaign, job: f"/liaison/?town={tree.street_a.pk}",
        "/api/liaison-maps/{pk}/retry/",
        "/liaison/map/{pk}/retry/",
        "error",
        "done",
    ),
    "cards": Kind(
        ReportJob,
        _cards,
        lambda tree, campaign, job: f"/reports/cards/sheet/?campaign={campaign.pk}&org_unit={tree.grid_a1.pk}",
        "/api/reports/{pk}/retry/",
        "/reports/summaries/{pk}/retry/",
        "error",
        "done",
    ),
    "visits": Kind(
        VisitImportJob,
        _visits,
        lambda tree, campaign, job: f"/visits/visit-import/{job.pk}/",
        "/api/visits/import/{pk}/retry/",
        "/visits/visit-import/{pk}/retry/",
        "message",
        "preview",
    ),
}


def _abandon(kind, job):
    """The worker took the job now (the suite's frozen clock) and was killed: no heartbeat since."""
    kind.model.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())


def _reap_later():
    with time_machine.travel(timezone.now() + timedelta(seconds=LEASE_SECONDS + 60), tick=False):
        return reap_stale_jobs.delay().get()


@pytest.mark.parametrize("name", list(KINDS))
def test_an_abandoned_job_is_queued_again_and_finished(name, tree, cast, campaign):
    kind = KINDS[name]
    job = kind.make(tree, cast, campaign)
    _abandon(kind, job)
    with time_machine.travel(timezone.now() + timedelta(seconds=LEASE_SECONDS - 60), tick=False):
        assert reap_stale_jobs.delay().get() == {"requeued": 0, "failed": 0, "interrupted_sweeps": 0}
    assert _reap_later() == {"requeued": 1, "failed": 0, "interrupted_sweeps": 0}
    job.refresh_from_db()
    assert (job.status, job.lease_attempts) == (kind.done, 1), getattr(job, kind.failed_field)


@pytest.mark.parametrize("name", list(KINDS))
def test_a_job_abandoned_too_often_fails_with_the_reason_and_retry_starts_it_again(
    name, tree, cast, campaign, api, client
):
    kind = KINDS[name]
    job = kind.make(tree, cast, campaign)
    kind.model.objects.filter(pk=job.pk).update(lease_attempts=MAX_LEASE_ATTEMPTS)
    _abandon(kind, job)
    assert _reap_later() == {"requeued": 0, "failed": 1, "interrupted_sweeps": 0}
    job.refresh_from_db()
    assert (job.status, getattr(job, kind.failed_field)) == ("failed", INTERRUPTED)

    client.force_login(cast.office)
    page = client.get(kind.page(tree, campaign, job)).content.decode()
    assert INTERRUPTED in page and kind.retry_page.format(pk=job.pk) in page and "重试" in page

    assert api(cast.office_b).post(kind.retry_api.format(pk=job.pk)).status_code == 404
    r = api(cast.office).post(kind.retry_api.format(pk=job.pk))
    assert r.status_code == 202, r.content
    job.refresh_from_db()
    assert (job.status, job.lease_attempts) == (kind.done, 0)
    again = api(cast.office).post(kind.retry_api.format(pk=job.pk))  # a second tap: nothing more
    assert again.status_code == 202 and again.json()["status"] == kind.done
    assert kind.model.objects.count() == 1


@pytest.mark.parametrize("name", ["poster", "map"])
def test_the_retry_button_on_the_page_renders_a_failed_job_again(name, tree, cast, campaign, client):
    kind = KINDS[name]
    job = kind.make(tree, cast, campaign)
    kind.model.objects.filter(pk=job.pk).update(status="failed", error=INTERRUPTED, lease_attempts=MAX_LEASE_ATTEMPTS)
    client.force_login(cast.office)
    assert client.post(kind.retry_page.format(pk=job.pk)).status_code == 302
    job.refresh_from_db()
    assert (job.status, job.error, job.lease_attempts) == ("done", "", 0)
