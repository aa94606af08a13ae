from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone

from campaigns.lib.backup import backup


class Command(BaseCommand):
    help = "备份数据库与媒体文件到一个归档（含各表行数与校验和清单），供 restore 恢复。"

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            help="归档文件路径，或已存在的目录（默认当前目录下 zoufang-backup-<时间>.tar）",
        )

    def handle(self, *args, path=None, **options):
        name = f"zoufang-backup-{timezone.localtime():%Y%m%d-%H%M%S}.tar"
        target = Path(path) if path else Path(name)
        if target.is_dir():
            target = target / name
        manifest = backup(target)
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"已备份到 {target}：{len(manifest['tables'])} 张表共 {rows} 行，{len(manifest['media'])} 个媒体文件"
            )
        )
