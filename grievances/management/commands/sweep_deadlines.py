from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from grievances.sweep import sweep_deadlines


class Command(BaseCommand):
    help = "运行一次期限扫描（到期提醒、到期预警、超期督办），与定时任务相同。"

    def add_arguments(self, parser):
        parser.add_argument("--now", help="以该时间（ISO 8601）为基准运行，默认当前时间")

    def handle(self, *args, now=None, **options):
        when = timezone.now()
        if now:
            when = parse_datetime(now)
            if when is None:
                raise CommandError(f"无法识别的时间：{now}（应为 ISO 8601，例如 2026-10-09T09:00:00+08:00）")
            if timezone.is_naive(when):
                when = timezone.make_aware(when)
        run = sweep_deadlines(now=when)
        counts = "，".join(f"{k}={v}" for k, v in run.counts.items())
        self.stdout.write(f"期限扫描 #{run.pk} 完成（基准 {timezone.localtime(when):%Y-%m-%d %H:%M}）：{counts}")
