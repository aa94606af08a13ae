"""Set-based writes the ORM has no words for."""

from django.db import connection


def insert_select(model, columns, queryset):
    """INSERT INTO model(columns) <queryset's SELECT> ON CONFLICT DO NOTHING; returns rows inserted.

    One statement whatever the number of rows; portable between PostgreSQL and SQLite.
    """
    sql, params = queryset.query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({cols}) {sql} ON CONFLICT DO NOTHING", params)
        return cursor.rowcount
