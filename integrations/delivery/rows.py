"""One UPDATE for many rows with different values, on PostgreSQL and SQLite alike.

Django's `bulk_update` builds a CASE expression per field and row, which costs more Python
time than the statement saves for a batch of deliveries; this sends the values as a VALUES
list joined on the primary key (`UPDATE … FROM`, PostgreSQL and SQLite ≥ 3.33).
"""
from django.db import connection

# PostgreSQL infers a VALUES column's type from its parameters (None is untyped): say it.
_PG_TYPES = {
    "CharField": "text", "TextField": "text", "FloatField": "double precision",
    "PositiveIntegerField": "integer", "IntegerField": "integer", "DateTimeField": "timestamptz",
    "UUIDField": "uuid",
}


def rows_update(model, objects: list, fields: list[str]) -> None:
    """Write `fields` of each of `objects` (saved instances of `model`) in one statement."""
    if not objects:
        return
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name) for name in fields]
    table = quote(model._meta.db_table)
    postgres = connection.vendor == "postgresql"

    def value_of(obj, field):
        return field.get_db_prep_save(getattr(obj, field.attname), connection)

    def cast(name, field):
        column = f"v.{quote(name)}"
        return f"CAST({column} AS {_PG_TYPES[field.get_internal_type()]})" if postgres else column

    names = ["pk", *[f.column for f in columns]]
    values = ", ".join(["(" + ", ".join(["%s"] * len(names)) + ")"] * len(objects))
    params = [p for obj in objects for p in (obj.pk, *(value_of(obj, f) for f in columns))]
    assignments = ", ".join(f"{quote(f.column)} = {cast(f.column, f)}" for f in columns)
    pk = f"CAST(v.{quote('pk')} AS bigint)" if postgres else f"v.{quote('pk')}"
    sql = (  # the names are the model's; every value is a parameter
        f"WITH v ({', '.join(quote(n) for n in names)}) AS (VALUES {values}) "  # noqa: S608
        f"UPDATE {table} SET {assignments} FROM v "
        f"WHERE {table}.{quote(model._meta.pk.column)} = {pk}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
