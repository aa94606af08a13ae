"""Seed the two-level category taxonomy from campaigns.defaults.GRIEVANCE_CATEGORIES.

Defaults are copied here, not imported at run time in spirit: the migration reads the list as it
is when it runs; later edits are an admin's job. Routing to departments (归口) is filled only when
the department of the demo routing exists; `grievances.demo` fills it for the demo district.
"""

from django.db import migrations


def seed(apps, schema_editor):
    from campaigns import defaults

    Category = apps.get_model("grievances", "GrievanceCategory")
    OrgUnit = apps.get_model("campaigns", "OrgUnit")
    by_top = defaults.DEMO.get("department_by_category", {})
    by_child = defaults.DEMO.get("department_by_subcategory", {})
    departments = {u.code: u for u in OrgUnit.objects.filter(level="department")}
    for i, top in enumerate(defaults.GRIEVANCE_CATEGORIES):
        parent, _ = Category.objects.get_or_create(
            code=top["code"],
            defaults={"name": top["name"], "order": (i + 1) * 100, "default_department": departments.get(by_top.get(top["code"]))},
        )
        for j, child in enumerate(top.get("children", [])):
            dept_code = by_child[child["code"]] if child["code"] in by_child else by_top.get(top["code"])
            Category.objects.get_or_create(
                code=child["code"],
                defaults={
                    "name": child["name"],
                    "parent": parent,
                    "order": (i + 1) * 100 + j + 1,
                    "default_department": departments.get(dept_code),
                },
            )


def unseed(apps, schema_editor):
    from campaigns import defaults

    Category = apps.get_model("grievances", "GrievanceCategory")
    Grievance = apps.get_model("grievances", "Grievance")
    codes = [c["code"] for top in defaults.GRIEVANCE_CATEGORIES for c in top.get("children", [])]
    tops = [top["code"] for top in defaults.GRIEVANCE_CATEGORIES]
    used = set(Grievance.objects.values_list("category__code", flat=True).distinct())
    # Categories already used by entries stay (PROTECT); the rest go.
    Category.objects.filter(code__in=codes).exclude(code__in=used).delete()
    Category.objects.filter(code__in=tops, children__isnull=True).exclude(code__in=used).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("grievances", "0003_ledger_lifecycle_fields"),
        ("campaigns", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
