from django.core.management.base import BaseCommand

from audit.services import verify


class Command(BaseCommand):
    help = "核验审计记录哈希链：完整时退出码0，否则退出码1并指出第一条断开的记录"

    def handle(self, *args, **options):
        checked, broken = verify()
        if broken is None:
            self.stdout.write(f"审计链完整：已核验 {checked} 条记录")
            return
        self.stderr.write(f"审计链断开：{broken}（此前 {checked} 条完整）")
        raise SystemExit(1)
