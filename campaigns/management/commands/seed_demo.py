from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from campaigns import demo


def feature_demos():
    """The `demo` module of every other installed app that has one, in INSTALLED_APPS order.

    Each extends the foundation's demo district with `seed(ctx)`. The order matters and is the
    settings' order: households before the ledger, and the ledger (which registers an overdue entry
    and runs one deadline sweep, so the inbox shows a notice) before the reports' detectors."""
    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, "demo"):
            continue
        module = import_module(f"{config.name}.demo")
        if module is not demo and callable(getattr(module, "seed", None)):
            yield module


class Command(BaseCommand):
    help = "生成示例区县的演示数据（组织架构、各角色人员、一个处于集中走访阶段的活动）；可重复执行。"

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=600, help="演示农户数量（默认600）")
        parser.add_argument("--force", action="store_true", help="在生产设置（DEBUG关闭）下也生成演示数据与演示账户")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            # The demo creates accounts with a published password: never by accident in production.
            raise CommandError(
                "当前为生产设置（DEBUG关闭），seed_demo 会创建使用公开演示密码的账户，已拒绝执行；确需生成请加 --force"
            )
        if options["households"] < 0:
            self.stderr.write("农户数量不能为负数")
            return
        with transaction.atomic():
            ctx = demo.build(households=options["households"])
        for module in feature_demos():
            with transaction.atomic():
                module.seed(ctx)
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪：{ctx.district.name}，活动「{ctx.campaign.name}」"))
        for line in ctx.log:
            self.stdout.write(line)
