"""What a new campaign starts from: the checklist, the focus categories, the phase lengths and the
deadline table, read from the data files in campaigns/data/ (each says which seed it comes from).

Each campaign copies them into its own rows, which admins then edit; nothing here is read again
for an existing campaign except a tier's working days where the campaign has no row for it.
The files are checked when first read, so a bad edit fails loudly instead of seeding half a campaign.
"""

from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

from .choices import Phase, TierCode
from .datafiles import read_toml


@dataclass(frozen=True)
class Question:
    order: int
    area: str
    question: str


@dataclass(frozen=True)
class Focus:
    code: str
    name: str


@dataclass(frozen=True)
class TierRow:
    code: str
    label: str
    working_days: int


def read(name):
    return read_toml(__file__, name)


def _unique(values, what):
    values = list(values)
    if len(set(values)) != len(values):
        raise ValueError(f"campaigns/data: duplicate {what} in {values}")
    return values


@cache
def checklist() -> tuple[Question, ...]:
    questions = tuple(Question(**q) for q in read("checklist.toml")["question"])
    _unique((q.order for q in questions), "checklist order")
    return questions


@cache
def focus_categories() -> tuple[Focus, ...]:
    categories = tuple(Focus(**c) for c in read("focus_categories.toml")["category"])
    _unique((c.code for c in categories), "focus category code")
    _unique((c.name for c in categories), "focus category name")
    return categories


@cache
def default_focus() -> tuple[str, ...]:
    """Codes of the focus categories a new campaign focuses on."""
    codes = tuple(read("focus_categories.toml")["campaign_default"])
    unknown = set(codes) - {c.code for c in focus_categories()}
    if unknown:
        raise ValueError(f"campaigns/data/focus_categories.toml: unknown default focus {sorted(unknown)}")
    return codes


@cache
def phase_days() -> MappingProxyType:
    """Calendar days of each phase, by Phase code."""
    days = read("phases.toml")["days"]
    if set(days) != set(Phase.values):
        raise ValueError(f"campaigns/data/phases.toml: phases {sorted(days)} are not {sorted(Phase.values)}")
    return MappingProxyType(dict(days))


@cache
def deadline_tiers() -> tuple[TierRow, ...]:
    tiers = tuple(TierRow(**t) for t in read("deadline_tiers.toml")["tier"])
    codes = _unique((t.code for t in tiers), "tier code")
    if set(codes) != set(TierCode.values):
        raise ValueError(f"campaigns/data/deadline_tiers.toml: tiers {sorted(codes)} are not {sorted(TierCode.values)}")
    return tiers


def tier_days(code) -> int:
    """Working days of a tier in the default table."""
    return next(t.working_days for t in deadline_tiers() if t.code == code)
