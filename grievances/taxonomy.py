"""The default category taxonomy, read from grievances/data/categories.toml (sources in the file).

`services.seed_categories()` creates it where it is missing; the admin edits it from then on.
"""

from dataclasses import dataclass
from functools import cache

from campaigns.datafiles import read_toml


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    children: tuple["Category", ...] = ()
    group: str = ""


# seeds/000's four groups of the opinions collected, in its order (categories.toml assigns them).
OPINION_GROUPS = (
    ("hardship", "生产生活困难"),
    ("demands", "教育、就业、社保、医疗、住房、涉法涉诉、征地拆迁等诉求"),
    ("government", "对党委政府工作的意见建议"),
    ("conduct", "对干部作风的意见"),
)
DEFAULT_GROUP = "hardship"


def opinion_group(top_code: str | None) -> str:
    """The opinion group of a top-level category's code (an unlisted one: 生产生活困难)."""
    return next((c.group for c in categories() if c.code == top_code and c.group), DEFAULT_GROUP)


@cache
def categories() -> tuple[Category, ...]:
    """The top-level categories in order, each with its children; codes checked unique over the tree."""
    raw = read_toml(__file__, "categories.toml")["category"]
    tops = tuple(
        Category(
            code=t["code"],
            name=t["name"],
            group=t.get("group", ""),
            children=tuple(Category(**c) for c in t.get("children", ())),
        )
        for t in raw
    )
    codes = [c.code for t in tops for c in (t, *t.children)]
    if len(set(codes)) != len(codes):
        raise ValueError(
            f"grievances/data/categories.toml: duplicate codes {sorted({c for c in codes if codes.count(c) > 1})}"
        )
    return tops


def in_opinion_group(group: str):
    """A Q on entries whose top-level category falls in `group` (the default group takes every
    category not listed under another)."""
    from django.db.models import Q

    def top_in(codes):
        return Q(category__parent__isnull=True, category__code__in=codes) | Q(category__parent__code__in=codes)

    if group == DEFAULT_GROUP:
        others = [c.code for c in categories() if c.group and c.group != DEFAULT_GROUP]
        return ~top_in(others)
    return top_in([c.code for c in categories() if c.group == group])
