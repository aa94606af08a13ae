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


@cache
def categories() -> tuple[Category, ...]:
    """The top-level categories in order, each with its children; codes checked unique over the tree."""
    raw = read_toml(__file__, "categories.toml")["category"]
    tops = tuple(
        Category(code=t["code"], name=t["name"], children=tuple(Category(**c) for c in t.get("children", ())))
        for t in raw
    )
    codes = [c.code for t in tops for c in (t, *t.children)]
    if len(set(codes)) != len(codes):
        raise ValueError(
            f"grievances/data/categories.toml: duplicate codes {sorted({c for c in codes if codes.count(c) > 1})}"
        )
    return tops
