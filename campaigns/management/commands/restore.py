from django.core.management.base import BaseCommand, CommandError

from campaigns.lib.backup import BackupError, restore


class Command(BaseCommand):
    help = "把 backup 生成的归档恢复到一套新安装（空）的系统；--verify 恢复后逐表核对行数与校验和及媒体文件。"

    def add_arguments(self, parser):
        parser.add_argument("path", help="backup 生成的归档文件")
        parser.add_argument("--verify", action="store_true", help="恢复后与归档清单逐项核对，不一致时退出码为 1")

    def handle(self, *args, path, verify=False, **options):
        try:
            result = restore(path, verify=verify)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not verify:
            self.stdout.write(self.style.SUCCESS("已恢复"))
            return
        if result.ok:
            self.stdout.write(self.style.SUCCESS("已恢复，核对一致：各表行数、校验和与媒体文件均与备份相同"))
            return
        for line in result.differences:
            self.stderr.write(line)
        raise CommandError(f"已恢复，但核对发现 {len(result.differences)} 处不一致", returncode=1)
