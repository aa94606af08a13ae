"""The beat schedule of the background work, stored in the database (django-celery-beat) so
admins can edit it; created after every `migrate`, idempotently (existing rows are left alone)."""

import json


def ensure_periodic_tasks(sender=None, **kwargs):
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    every_15 = IntervalSchedule.objects.filter(every=15, period=IntervalSchedule.MINUTES).first()
    if every_15 is None:
        every_15 = IntervalSchedule.objects.create(every=15, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.get_or_create(
        name="期限扫描：到期提醒、预警与督办",
        defaults={"task": "grievances.sweep_deadlines", "interval": every_15, "kwargs": json.dumps({})},
    )
    daily = CrontabSchedule.objects.filter(
        minute="5", hour="0", day_of_week="*", day_of_month="*", month_of_year="*"
    ).first()
    if daily is None:
        daily = CrontabSchedule.objects.create(
            minute="5", hour="0", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
        )
    PeriodicTask.objects.get_or_create(
        name="活动阶段按日期切换",
        defaults={"task": "grievances.sync_campaign_phases", "crontab": daily, "kwargs": json.dumps({})},
    )
