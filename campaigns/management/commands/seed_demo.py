from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

from campaigns import demo

# Feature apps extend the demo in this order, each module with `seed(ctx)`. The ledger registers
# an overdue entry and runs one sweep (so the inbox shows a notice) before the reports' detectors
# look at the ledger.
FEATURE_MODULES = ["visits.demo", "grievances.demo", "reports.demo"]


class Command(BaseCommand):
    help = "生成示例区县的演示数据（组织架构、各角色人员、一个处于集中走访阶段的活动）；可重复执行。"

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=600, help="演示农户数量（默认600）")

    def handle(self, *args, **options):
        if options["households"] < 0:
            self.stderr.write("农户数量不能为负数")
            return
        with transaction.atomic():
            ctx = demo.build(households=options["households"])
        for name in FEATURE_MODULES:
            try:
                module = import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
                continue
            with transaction.atomic():
                module.seed(ctx)
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪：{ctx.district.name}，活动「{ctx.campaign.name}」"))
        for line in ctx.log:
            self.stdout.write(line)
