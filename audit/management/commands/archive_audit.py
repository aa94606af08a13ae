import json
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from audit.models import Event, Record
from audit.services import record


class Command(BaseCommand):
    help = (
        "把保存期（至少180天）以前的审计记录连同哈希导出为 JSON Lines 归档文件。记录本身不删除：审计表只追加，不清理。"
    )

    def add_arguments(self, parser):
        parser.add_argument("output", help="归档文件路径（.jsonl）")
        parser.add_argument("--all", action="store_true", help="导出全部记录，而非仅保存期以前的")

    def handle(self, output, **options):
        days = settings.ZOUFANG_SECURITY["AUDIT_RETENTION_DAYS"]
        qs = Record.objects.order_by("id")
        if not options["all"]:
            qs = qs.filter(at__lt=timezone.now() - timedelta(days=days))
        path = Path(output)
        if path.exists():
            raise CommandError(f"{path} 已存在，不覆盖")
        count, first, last = 0, None, None
        with path.open("w", encoding="utf-8") as out:
            for r in qs.iterator(chunk_size=2000):
                row = {f.name: getattr(r, f.attname) for f in Record._meta.fields}
                out.write(json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False) + "\n")
                count, first, last = count + 1, first or r.pk, r.pk
        record(Event.ARCHIVE, data={"file": path.name, "rows": count, "first": first, "last": last})
        self.stdout.write(f"已归档 {count} 条审计记录到 {path}")
