"""What the liaison network does on other apps' signals: visit cadence reminders on the sweep."""

from django.db import IntegrityError, transaction
from django.urls import reverse

from campaigns import calendar


def connect():
    from grievances.signals import sweep_finished

    sweep_finished.connect(remind_cadences, dispatch_uid="liaison.remind_cadences")


def remind_cadences(sender, run, now, **kwargs):
    """Remind each village's group leaders and liaisons of the households a cadence still wants
    visited when its period ends within `remind_days` working days. Each (cadence, period,
    person) is reminded once, however often the sweep runs or how many run at once."""
    from notifications.models import NotificationKind
    from notifications.services import notify

    from .models import CadenceReminder, Liaison, LiaisonGroup, VisitCadence
    from .selectors import cadence_due

    today = calendar.local_date(now)
    sent = 0
    for cadence in VisitCadence.objects.select_related("unit", "focus_category"):
        start, end, due = cadence_due(cadence, today)
        if calendar.local_date(calendar.add_working_days(today, cadence.remind_days).due) < end:
            continue
        by_grid = {}
        for grid_id in due.values_list("grid_id", flat=True):
            by_grid[grid_id] = by_grid.get(grid_id, 0) + 1
        if not by_grid:
            continue
        people = {}
        for group in LiaisonGroup.objects.filter(grid_id__in=by_grid, leader__isnull=False).select_related("leader"):
            people.setdefault(group.leader, 0)
            people[group.leader] += by_grid[group.grid_id]
        for liaison in Liaison.objects.filter(grid_id__in=by_grid, is_active=True).select_related("user"):
            people.setdefault(liaison.user, 0)
            people[liaison.user] += by_grid[liaison.grid_id]
        for person, count in people.items():
            try:
                with transaction.atomic():
                    CadenceReminder.objects.create(
                        cadence=cadence, period_start=start, recipient=person, due_count=count
                    )
            except IntegrityError:
                continue
            notify(
                recipients=[person],
                kind=NotificationKind.REMINDER,
                title=f"【定期走访】{cadence}：尚有 {count} 户本期未走访",
                body=f"本期（{start:%m月%d日}至{end:%m月%d日}）结束前请完成走访。",
                url=reverse("liaison:network"),
            )
            sent += 1
    return {"cadence_reminders": sent}
