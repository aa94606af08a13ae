from django.core.management.base import BaseCommand

from campaigns.calendar import load_official_calendar


class Command(BaseCommand):
    help = "载入 chinesecalendar 包中的法定节假日与调休安排（可重复执行）。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", help="只载入指定年份，可多次指定")

    def handle(self, *args, **options):
        changed = load_official_calendar(options["year"])
        if changed:
            self.stdout.write(self.style.SUCCESS(f"已载入年份：{', '.join(map(str, sorted(changed)))}"))
        else:
            self.stdout.write("官方日历已是最新，无变化。")
