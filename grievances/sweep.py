"""The deadline sweep: reminders, due-day warnings, supervision notices (督办) and the upper
level's supervision list, for every open ledger entry, set-based.

How it stays correct:
- Stages are decided in SQL against a few working-day boundary dates computed once per run
  from `campaigns.calendar` (so holidays and make-up workdays count), never per entry.
- Each notice is a NoticeLog row, unique per (entry, deadline, its value, kind), inserted with
  INSERT ... SELECT ... ON CONFLICT DO NOTHING. Only the rows this run inserted (tagged with its
  SweepRun) become notifications, so a second or concurrent run sends nothing twice.
- Catch-up: one CASE picks the latest stage that applies now (reminder < warning < supervision),
  so a sweep that missed days sends the supervision notice only, not a flood of stale reminders.
- The number of SQL statements does not depend on the number of entries (see bench/).
"""

import logging
from datetime import datetime, time

from django.db import connection, transaction
from django.db.models import Case, CharField, DateTimeField, F, IntegerField, Value, When
from django.utils import timezone

from campaigns import calendar
from campaigns.lib.sql import insert_select
from campaigns.models import Membership, OrgUnit, Role, User
from notifications.models import Notification
from notifications.services import queue_sweep_deliveries

from .choices import DEADLINE_KINDS
from .models import (
    FINAL_STATUSES,
    DeadlineKind,
    DeadlineSettings,
    Grievance,
    NoticeKind,
    NoticeLog,
    Status,
    SweepRun,
)
from .services import resume_expired_pauses
from .signals import sweep_finished

logger = logging.getLogger(__name__)

# Roles that count as a unit's own staff for its deadlines.
STAFF_ROLES = (Role.HANDLER, Role.OFFICE, Role.CADRE)

TITLES = {
    (NoticeKind.REMINDER, DeadlineKind.PLAN): "【到期提醒】方案期限临近",
    (NoticeKind.REMINDER, DeadlineKind.DUE): "【到期提醒】办结期限临近",
    (NoticeKind.WARNING, DeadlineKind.PLAN): "【到期预警】今日为方案提交期限",
    (NoticeKind.WARNING, DeadlineKind.DUE): "【到期预警】今日为办结期限",
    (NoticeKind.SUPERVISION, DeadlineKind.PLAN): "【督办】方案提交已超期",
    (NoticeKind.SUPERVISION, DeadlineKind.DUE): "【督办】办结已超期",
    (NoticeKind.URGE, DeadlineKind.DUE): "【催办】办结已超期，请立即办理",
    (NoticeKind.BULLETIN, DeadlineKind.DUE): "【通报】办结严重超期",
    (NoticeKind.UNSIGNED, DeadlineKind.SIGN_FOR): "【超时未签收】交办事项未按时签收",
}
# Notices that also go to the level above the responsible unit (its office; for a 通报 its leaders).
ABOVE_KINDS = (NoticeKind.SUPERVISION, NoticeKind.BULLETIN)


class Boundaries:
    """The handful of instants every entry is compared with, computed once per run."""

    def __init__(self, now, config):
        self.now = now
        today = calendar.local_date(now)
        self.today = today
        self.start_of_today = datetime.combine(today, time.min, tzinfo=calendar.SHANGHAI)
        self.end_of_today = calendar.end_of_day(today)
        # Due on or before the Nth working day from today: N working days or fewer remain.
        self.reminder_until = calendar.add_working_days(today, config.reminder_days).due
        # Due on or before this day: overdue by at least M working days (still counting today).
        self.listed_until = calendar.end_of_day(calendar.subtract_working_days(today, config.supervision_list_days))
        # 催办: the Nth working day after the deadline day has come; 通报: N more working days on.
        self.urge_until = calendar.end_of_day(calendar.subtract_working_days(today, config.urge_days))
        self.bulletin_until = calendar.end_of_day(
            calendar.subtract_working_days(today, config.urge_days + config.bulletin_days)
        )


def open_entries():
    return Grievance.objects.exclude(status__in=FINAL_STATUSES).filter(merged_into__isnull=True).order_by()


def watched(deadline):
    """Entries whose `deadline` still runs: plan while no plan is in; due while not answered. Only
    the kinds answered against a deadline: a suggestion is never reminded of or supervised."""
    entries = open_entries().filter(kind__in=DEADLINE_KINDS)
    if deadline == DeadlineKind.PLAN:
        return entries.filter(plan_due_at__isnull=False, plan_submitted_at__isnull=True).awaiting_plan()
    return entries.filter(due_at__isnull=False).running()


def _field(deadline):
    return "plan_due_at" if deadline == DeadlineKind.PLAN else "due_at"


COLUMNS = ["grievance_id", "deadline", "kind", "due_at", "sweep_id", "created_at"]


def _stage(qs, run, b, deadline, kind, field):
    """The NoticeLog rows of one fixed stage for `qs`, inserted once per entry and deadline value."""
    rows = qs.annotate(
        _deadline=Value(deadline, output_field=CharField()),
        _kind=Value(kind, output_field=CharField()),
        _due=F(field),
        _sweep=Value(run.pk, output_field=IntegerField()),
        _at=Value(b.now, output_field=DateTimeField()),
    ).values_list("pk", "_deadline", "_kind", "_due", "_sweep", "_at")
    return insert_select(NoticeLog, COLUMNS, rows)


def _log_handling_stages(run, b):
    """催办 and 通报 of an overdue answer, and the routed entries not signed for in time."""
    due = watched(DeadlineKind.DUE).filter(due_at__lt=b.now)
    n = _stage(due.filter(due_at__lte=b.urge_until), run, b, DeadlineKind.DUE, NoticeKind.URGE, "due_at")
    n += _stage(due.filter(due_at__lte=b.bulletin_until), run, b, DeadlineKind.DUE, NoticeKind.BULLETIN, "due_at")
    unsigned = open_entries().filter(
        status__in=(Status.ASSIGNED, Status.PLANNED),
        handling_unit__isnull=False,
        signed_for_at__isnull=True,
        returned_at__isnull=True,
        sign_for_due_at__lt=b.now,
    )
    return n + _stage(unsigned, run, b, DeadlineKind.SIGN_FOR, NoticeKind.UNSIGNED, "sign_for_due_at")


def _log_notices(run, b):
    """Log this run's notices; returns how many it logged that become messages (not the listings)."""
    dt = DateTimeField()
    logged = 0
    for deadline in (DeadlineKind.PLAN, DeadlineKind.DUE):
        field = _field(deadline)
        stage = Case(
            When(**{f"{field}__lt": b.now}, then=Value(NoticeKind.SUPERVISION.value)),
            When(**{f"{field}__lte": b.end_of_today}, then=Value(NoticeKind.WARNING.value)),
            default=Value(NoticeKind.REMINDER.value),
            output_field=CharField(),
        )
        common = {
            "_deadline": Value(deadline, output_field=CharField()),
            "_due": F(field),
            "_sweep": Value(run.pk, output_field=IntegerField()),
            "_at": Value(b.now, output_field=dt),
        }
        # The latest stage only: a run after a gap sends the supervision notice, not old reminders.
        notices = (
            watched(deadline)
            .filter(**{f"{field}__lte": b.reminder_until})
            .annotate(_kind=stage, **common)
            .values_list("pk", "_deadline", "_kind", "_due", "_sweep", "_at")
        )
        logged += insert_select(NoticeLog, COLUMNS, notices)
        listed = (
            watched(deadline)
            .filter(**{f"{field}__lte": b.listed_until, f"{field}__lt": b.now})
            .annotate(_kind=Value(NoticeKind.LISTED.value, output_field=CharField()), **common)
            .values_list("pk", "_deadline", "_kind", "_due", "_sweep", "_at")
        )
        insert_select(NoticeLog, COLUMNS, listed)
    return logged + _log_handling_stages(run, b)


def _title_sql():
    whens = " ".join(
        f"WHEN n.kind = '{kind}' AND n.deadline = '{deadline}' THEN '{title}'"
        for (kind, deadline), title in TITLES.items()
    )
    return f"CASE {whens} ELSE '【提醒】' END"


def _notify_inserted(run, notices):
    """Turn this run's notices into inbox messages: the responsible unit's staff; for supervision
    also the parent unit's office and the case owner (包案领导). One statement."""
    q = connection.ops.quote_name
    t = {
        "log": q(NoticeLog._meta.db_table),
        "g": q(Grievance._meta.db_table),
        "unit": q(OrgUnit._meta.db_table),
        "m": q(Membership._meta.db_table),
        "user": q(User._meta.db_table),
        "nt": q(Notification._meta.db_table),
    }
    staff = ", ".join(f"'{r.value}'" for r in STAFF_ROLES)
    above = ", ".join(f"'{k.value}'" for k in ABOVE_KINDS)
    # The body stays empty: the message shows its entry's number and content (`Notification.text`).
    # INSERT first, then the CTE: SQLite only reports rowcount for statements starting with INSERT.
    # `resp` is read by every branch of `who`, which carry the columns of the message themselves:
    # no join of the (large) list of recipients back to the notices. UNION ALL, not UNION: a person
    # reached twice (staff and case owner, two roles) is dropped by the unique (notice, recipient)
    # index with ON CONFLICT DO NOTHING, without sorting or hashing every pair first.
    cols = "r.notice_id, r.kind, r.deadline, r.grievance_id"
    sql = f"""
        INSERT INTO {t["nt"]} (recipient_id, kind, grievance_id, notice_id, sweep_id, title, body, url, created_at)
        WITH resp AS (
            SELECT n.id AS notice_id, n.kind AS kind, n.deadline AS deadline, g.id AS grievance_id,
                   g.case_owner_id AS owner_id, g.dispatched_by_id AS dispatcher_id,
                   COALESCE(g.handling_unit_id, CASE WHEN u.level = 'grid' THEN u.parent_id
                        WHEN u.level = 'block' THEN (SELECT p.parent_id FROM {t["unit"]} p WHERE p.id = u.parent_id)
                        ELSE u.id END) AS unit_id
            FROM {t["log"]} n
            JOIN {t["g"]} g ON g.id = n.grievance_id
            JOIN {t["unit"]} u ON u.id = g.unit_id
            WHERE n.sweep_id = %s AND n.kind <> '{NoticeKind.LISTED.value}'
        ), who AS (
            SELECT {cols}, m.user_id AS user_id
            FROM resp r JOIN {t["m"]} m ON m.unit_id = r.unit_id AND m.role IN ({staff})
            WHERE r.kind <> '{NoticeKind.BULLETIN.value}'
            UNION ALL
            SELECT {cols}, m.user_id
            FROM resp r JOIN {t["unit"]} ru ON ru.id = r.unit_id
            JOIN {t["m"]} m ON m.unit_id = ru.parent_id AND m.role = '{Role.OFFICE.value}'
            WHERE r.kind IN ({above})
            UNION ALL
            SELECT {cols}, m.user_id
            FROM resp r JOIN {t["unit"]} ru ON ru.id = r.unit_id
            JOIN {t["m"]} m ON m.unit_id = ru.parent_id AND m.role = '{Role.LEADER.value}'
            WHERE r.kind = '{NoticeKind.BULLETIN.value}'
            UNION ALL
            SELECT {cols}, r.owner_id FROM resp r
            WHERE r.kind IN ({above}) AND r.owner_id IS NOT NULL
            UNION ALL
            SELECT {cols}, r.dispatcher_id FROM resp r
            WHERE r.kind = '{NoticeKind.UNSIGNED.value}' AND r.dispatcher_id IS NOT NULL
        )
        SELECT n.user_id, n.kind, n.grievance_id, n.notice_id, %s,
               {_title_sql()},
               '', '', %s
        FROM who n
        JOIN {t["user"]} usr ON usr.id = n.user_id
        WHERE usr.is_active = %s
        ON CONFLICT DO NOTHING
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _plan_for(cursor, notices, t["g"])
        cursor.execute(sql, [run.pk, run.pk, run.as_of, True])
        return cursor.rowcount


# Memory for the hashes and the notices' list of the statement that writes the messages (a first
# run after a gap at city scale: millions of rows), for this transaction only.
SWEEP_WORK_MEM = "256MB"


def _plan_for(cursor, notices, entries_table):
    """The planner cannot know how many notices this transaction has just written (their table's
    statistics are older), so it guesses one and probes the entries' index once per notice. Past a
    quarter of the ledger's size a hash join over one scan of the ledger is cheaper: say so, for
    this transaction only. One statement whatever the sizes."""
    cursor.execute(
        "SELECT set_config('work_mem', %s, true),"
        " set_config('enable_nestloop', CASE WHEN %s * 4 > c.reltuples THEN 'off' ELSE 'on' END, true)"
        " FROM pg_class c WHERE c.oid = %s::regclass",
        [SWEEP_WORK_MEM, notices, entries_table],
    )


class _QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def sweep_deadlines(*, now=None):
    """Run the deadline sweep once as of `now`; returns the SweepRun with its counts."""
    now = now or timezone.now()
    counter = _QueryCounter()
    with connection.execute_wrapper(counter):
        config = DeadlineSettings.load()
        run = SweepRun.objects.create(kind="deadlines", as_of=now, started_at=timezone.now())
        try:
            b = Boundaries(now, config)
            # Pauses that ran out resume first: their deadlines are then watched as they now stand.
            resumed = resume_expired_pauses(now=now)
            with transaction.atomic():
                notices = _log_notices(run, b)
                messages = _notify_inserted(run, notices)
                if messages:
                    # Each channel's task makes and sends its own deliveries, after commit.
                    queue_sweep_deliveries(run.pk)
            counts = {k: 0 for k in NoticeKind.values}
            for kind, n in _counts_by_kind(run):
                counts[kind] = n
            counts["notifications"] = messages
            counts["resumed"] = resumed
            for _receiver, result in sweep_finished.send_robust(sender=SweepRun, run=run, now=now):
                if isinstance(result, Exception):
                    logger.error("sweep receiver failed: %r", result)
                    counts["failures"] = counts.get("failures", 0) + 1
                elif result:
                    counts.update(result)
        except Exception as exc:
            SweepRun.objects.filter(pk=run.pk).update(
                finished_at=timezone.now(), failures=1, error=repr(exc)[:2000], queries=counter.count
            )
            raise
        run.counts = counts
        run.finished_at = timezone.now()
        run.queries = counter.count + 1
        # A run slower than the lease that the reaper took for gone finished after all.
        run.interrupted_at, run.failures, run.error = None, 0, ""
        run.save(update_fields=["counts", "finished_at", "queries", "interrupted_at", "failures", "error"])
    return run


SWEEP_INTERRUPTED = "扫描中断（处理进程已停止），未完成的部分已由之后的扫描补做"


def close_interrupted_runs(*, now, cutoff) -> dict[str, int]:
    """For the reaper: a deadline sweep started before `cutoff` and never finished lost its worker.
    It is marked interrupted; every stage is idempotent (each notice is logged once, each message
    sent once), so the next sweep does what it left undone, and what it did is not done again."""
    n = SweepRun.objects.filter(finished_at__isnull=True, interrupted_at__isnull=True, started_at__lt=cutoff).update(
        interrupted_at=now, failures=1, error=SWEEP_INTERRUPTED
    )
    if n:
        logger.warning("%s sweep run(s) interrupted: no finish since before %s", n, cutoff)
    return {"interrupted_sweeps": n}


def _counts_by_kind(run):
    from django.db.models import Count

    return NoticeLog.objects.filter(sweep=run).order_by().values_list("kind").annotate(n=Count("id"))


__all__ = ["sweep_deadlines", "close_interrupted_runs", "Boundaries"]
