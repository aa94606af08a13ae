"""Beat's schedule comes from settings; beat's DatabaseScheduler puts it where admins edit it."""

import pytest
from django.conf import settings
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from config.celery import app as celery_app
from tests.twofactor import verified

SWEEP = "期限扫描：到期提醒、预警与督办"
PHASES = "活动阶段按日期切换"


def _start_beat():
    """What `celery beat --scheduler django_celery_beat.schedulers:DatabaseScheduler` does at start.

    The scheduler commits, and closes any connection found outside autocommit (beat's own process
    always autocommits): it would cut a test's wrapping transaction, so these tests are transactional."""
    return DatabaseScheduler(app=celery_app)


def test_every_scheduled_task_exists():
    celery_app.loader.import_default_modules()
    assert {SWEEP, PHASES} <= set(settings.CELERY_BEAT_SCHEDULE)
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in celery_app.tasks


@pytest.mark.django_db(transaction=True)
def test_beat_start_writes_the_schedule_into_the_admin_tables():
    assert not PeriodicTask.objects.filter(name__in=[SWEEP, PHASES]).exists()  # migrate no longer does
    scheduler = _start_beat()

    sweep = PeriodicTask.objects.get(name=SWEEP)
    assert (sweep.task, sweep.enabled) == ("grievances.sweep_deadlines", True)
    assert (sweep.interval.every, sweep.interval.period) == (15 * 60, IntervalSchedule.SECONDS)
    phases = PeriodicTask.objects.get(name=PHASES)
    assert (phases.task, phases.enabled) == ("grievances.sync_campaign_phases", True)
    cron = phases.crontab
    assert (cron.minute, cron.hour, cron.day_of_month, cron.month_of_year, cron.day_of_week) == (
        "5",
        "0",
        "*",
        "*",
        "*",
    )
    assert str(cron.timezone) == "Asia/Shanghai"
    assert {SWEEP, PHASES} <= set(scheduler.schedule)


@pytest.mark.django_db(transaction=True)
def test_admin_switching_a_task_off_survives_a_beat_restart(client, cast):
    _start_beat()
    verified(client, cast.admin)
    sweep = PeriodicTask.objects.get(name=SWEEP)
    response = client.post(
        "/admin/django_celery_beat/periodictask/", {"action": "disable_tasks", "_selected_action": [sweep.pk]}
    )
    assert response.status_code == 302

    scheduler = _start_beat()
    assert list(PeriodicTask.objects.filter(name=SWEEP).values_list("enabled", flat=True)) == [False]
    assert SWEEP not in scheduler.schedule and PHASES in scheduler.schedule


@pytest.mark.django_db(transaction=True)
def test_rows_made_before_the_schedule_moved_to_settings_are_updated_in_place():
    every_15_minutes = IntervalSchedule.objects.create(every=15, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.create(name=SWEEP, task="grievances.sweep_deadlines", interval=every_15_minutes)

    _start_beat()
    _start_beat()
    assert PeriodicTask.objects.filter(name=SWEEP).count() == 1
    assert PeriodicTask.objects.filter(name=PHASES).count() == 1
    assert PeriodicTask.objects.get(name=SWEEP).interval.every == 15 * 60


@pytest.mark.django_db(transaction=True)
def test_a_timing_changed_in_the_admin_lasts_until_beat_restarts():
    _start_beat()
    every_hour = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)
    PeriodicTask.objects.filter(name=SWEEP).update(interval=every_hour)

    _start_beat()
    assert PeriodicTask.objects.get(name=SWEEP).interval.every == 15 * 60  # settings own the timing
