"""Chinese full-text search on PostgreSQL: a GIN index of the content's character bigrams.

A trigram index cannot serve a two-character term ("学位", "漏水"): LIKE '%学位%' yields no whole
trigram, so PostgreSQL scans. Chinese has no spaces, so every pair of adjacent characters is a
"word": `zf_bigrams(text)` is the tsvector of the upper-cased text's distinct character bigrams, and
a term of two or more characters matches only rows holding all of its bigrams (`@@` a tsquery of
them ANDed), rechecked by the same LIKE as before. The bigram index replaces the trigram one
(0005), which served only terms of three characters or more; pg_trgm stays for duplicate
similarity. PostgreSQL only; SQLite keeps its LIKE scan.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION zf_bigrams(t text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_to_tsvector(array_agg(DISTINCT substr(u, i, 2))), ''::tsvector)
  FROM (SELECT upper(t) AS u) s, generate_series(1, length(u) - 1) AS i
$$
"""
INDEX = "grievance_content_bigram_idx"
OLD_INDEX = "grievance_content_trgm_idx"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON grievances_grievance USING gin (zf_bigrams(content::text))"
    )
    schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute("DROP FUNCTION IF EXISTS zf_bigrams(text)")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {OLD_INDEX} ON grievances_grievance USING gin ((UPPER(content::text)) gin_trgm_ops)"
    )


class Migration(migrations.Migration):
    dependencies = [("grievances", "0013_receive_and_answer")]

    operations = [migrations.RunPython(forwards, backwards)]
