"""Write an N-row household roster (.xlsx) with the template's headers, fast (openpyxl write-only).

    .venv/bin/python bench/roster_generate.py /tmp/roster.xlsx 300000 [GRID-CODE ...]

IDs carry valid GB 11643 check digits and are unique; ID and phone cells are text, as the
template asks. Without grid codes the demo district's grids are used.
"""

import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django  # noqa: E402

django.setup()

from visits.roster import HEADERS  # noqa: E402
from visits.validators import id_check_digit  # noqa: E402

SURNAMES = "张王李刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
GIVEN = "建国秀英志强桂兰晓东丽华德明文静海涛玉梅卫东红霞永刚凤英建华晓燕志明淑芬国庆春梅振华雅琴宏伟秋菊立新金凤"
ROADS = ["锦绣路", "青枫路", "和平路", "工农路", "学府路", "文化路", "望湖路", "新华街", "滨河东路", "兴业路"]
ESTATES = ["锦绣家园", "青枫雅苑", "和平里小区", "师苑小区", "望湖花园", "阳光新城", "滨河名苑", "兴业小区"]
CATEGORIES = ["困难户", "老党员", "孤寡老人", "留守儿童", "上访户"]
KINDS = ["家庭"] * 46 + ["企业", "学校", "商铺", "其他"]
REGIONS = ["370303", "370302", "370305", "110105", "320102"]


def rows(n, grid_codes, seed=7):
    rnd = random.Random(seed)
    start = date(1940, 1, 1)
    for i in range(n):
        born = start + timedelta(days=(i * 37) % 25000)
        first17 = f"{REGIONS[i % len(REGIONS)]}{born:%Y%m%d}{(i // 25000) % 1000:03d}"
        name = SURNAMES[rnd.randrange(len(SURNAMES))] + GIVEN[(k := rnd.randrange(0, len(GIVEN) - 1, 2)) : k + 2]
        cats = "、".join(rnd.sample(CATEGORIES, k=rnd.choice([0, 0, 0, 1, 1, 2])))
        yield [
            name,
            first17 + id_check_digit(first17),
            f"1{rnd.choice('3589')}{rnd.randrange(10**9):09d}",
            f"{ROADS[i % len(ROADS)]}{i % 399 + 1}号{ESTATES[i % len(ESTATES)]}{i % 28 + 1}号楼{i % 6 + 1}单元{i % 7 + 1}0{i % 4 + 1}室",
            grid_codes[i % len(grid_codes)],
            rnd.randint(1, 6),
            KINDS[i % len(KINDS)],
            cats,
            "是" if i % 23 == 0 else "否",
        ]


def generate(path, n, grid_codes):
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("花名册")
    ws.append(HEADERS)
    for row in rows(n, grid_codes):
        ws.append(row)
    wb.save(path)
    return path


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/roster.xlsx"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300_000
    grids = sys.argv[3:]
    if not grids:
        from campaigns.demo import district_data

        streets = district_data()["streets"]
        grids = [g["code"] for s in streets for c in s["communities"] for g in c["grids"]]
    t = time.perf_counter()
    generate(path, n, grids)
    print(f"wrote {n} rows to {path} in {time.perf_counter() - t:.1f} s ({Path(path).stat().st_size / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
