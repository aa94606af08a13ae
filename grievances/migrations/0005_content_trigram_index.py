"""Chinese full-text search on PostgreSQL: a trigram GIN index serving `content__icontains`.

Django renders icontains as UPPER(content::text) LIKE UPPER(%s), so the index is on that
expression. pg_trgm is PostgreSQL only; on SQLite nothing happens and icontains scans.
"""

from django.db import migrations

INDEX = "grievance_content_trgm_idx"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON grievances_grievance USING gin ((UPPER(content::text)) gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("grievances", "0004_seed_categories")]

    operations = [migrations.RunPython(forwards, backwards)]
