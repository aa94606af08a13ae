"""The data files of an app: TOML in the app's data/ folder, each citing the seed it comes from.

Data that people edit (checklists, taxonomies, the kinds of a report) lives there rather than in
Python; each app reads its own through a small loader (campaigns.presets, grievances.taxonomy, the
kinds in visits.choices and reports.choices). Migrations never read them: they freeze what they
install.
"""

import tomllib
from pathlib import Path

from django.db import models
from django.utils.translation import gettext_lazy as _


def read_toml(module_file, name) -> dict:
    """The file `name` in the data/ folder beside the module `module_file` (pass `__file__`)."""
    with (Path(module_file).resolve().parent / "data" / name).open("rb") as f:
        return tomllib.load(f)


def text_choices(enum_name, module, rows) -> type[models.TextChoices]:
    """TextChoices from rows of {code, label}, in file order: members are the codes upper-cased
    (`EventKind.SAFETY_HAZARD`), labels are translatable."""
    codes = [row["code"] for row in rows]
    if len(set(codes)) != len(codes):
        raise ValueError(f"{enum_name}: duplicate codes in {codes}")
    return models.TextChoices(
        enum_name, [(row["code"].upper(), (row["code"], _(row["label"]))) for row in rows], module=module
    )
