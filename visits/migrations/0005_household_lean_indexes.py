"""Fewer indexes on visits_household and its category links: each one costs every roster import.

- grid: the single-column FK index duplicates the leading column of household_grid_addr_idx
  (grid, address), which serves every lookup by grid (and the PROTECT check on grid delete).
- key: unique=True on a CharField also creates a varchar_pattern_ops "_like" index on PostgreSQL
  for LIKE queries; nothing filters keys by prefix, so the key is unique through a constraint.
- category links: the auto-created household_id index duplicates the leading column of the
  unique (household_id, focuscategory_id) index. Dropped on PostgreSQL only (SQLite keeps it).
"""

import django.db.models.deletion
from django.db import migrations, models


def _through_household_index(apps, schema_editor):
    model = apps.get_model("visits", "Household")._meta.get_field("categories").remote_field.through
    column = model._meta.get_field("household").column
    return model._meta.db_table, column, schema_editor._create_index_name(model._meta.db_table, [column], suffix="")


def drop_through_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _table, _column, name = _through_household_index(apps, schema_editor)
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def restore_through_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table, column, name = _through_household_index(apps, schema_editor)
    q = schema_editor.quote_name
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {q(name)} ON {q(table)} ({q(column)})")


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0001_initial"),
        ("visits", "0004_report_figure_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="household",
            name="grid",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="households",
                to="campaigns.orgunit",
                verbose_name="所属网格",
            ),
        ),
        migrations.AlterField(
            model_name="household",
            name="key",
            field=models.CharField(editable=False, max_length=200, verbose_name="匹配键"),
        ),
        migrations.AddConstraint(
            model_name="household",
            constraint=models.UniqueConstraint(fields=("key",), name="household_key_uniq"),
        ),
        migrations.RunPython(drop_through_index, restore_through_index),
    ]
