"""The bulk writer behind `seed_demo --skus N`: plain rows straight into a model's table."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.utils import timezone


class RowWriter:
    """Inserts plain rows without building model instances (the ORM's per-object cost dominates at a
    million SKUs): COPY on PostgreSQL, executemany elsewhere. Fields the seed does not set get their
    default, so a field added to the model later keeps this working (or fails loudly if it has none).

    A row is `(id, *provided)`, in the order of `provided` (attnames); ids come from `allocate_ids`."""

    def __init__(self, model: type[models.Model], provided: tuple[str, ...]) -> None:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        unknown = set(provided) - {f.attname for f in fields}
        if unknown:
            raise ImproperlyConfigured(f"{model.__name__} has no fields {sorted(unknown)}")
        self.model = model
        self.provided = provided
        now = timezone.now()
        self.defaults: list[tuple[str, object]] = []
        for f in fields:
            if f.attname in provided:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value: object = now
            elif f.has_default():
                value = f.get_default()
            elif f.null:
                value = None
            else:
                raise ImproperlyConfigured(f"seed_demo cannot fill {model.__name__}.{f.name}: no default")
            self.defaults.append((f.column, f.get_db_prep_save(value, connection)))
        by_attname = {f.attname: f.column for f in fields}
        self.columns = ["id", *(by_attname[a] for a in provided), *(c for c, _v in self.defaults)]
        self.default_values = tuple(v for _c, v in self.defaults)

    def allocate_ids(self, count: int) -> list[int]:
        """`count` new primary keys, in increasing order, for rows the caller is about to insert."""
        table = self.model._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, count],
                )
                return [row[0] for row in cursor.fetchall()]
            # Other backends: the caller's transaction holds the write lock (SQLite: IMMEDIATE).
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            start = cursor.fetchone()[0] + 1
            return list(range(start, start + count))

    def insert(self, rows: list[tuple[object, ...]]) -> None:
        if not rows:
            return
        quote = connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        columns = ", ".join(quote(c) for c in self.columns)
        full = [row + self.default_values for row in rows]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in full:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", full)  # noqa: S608
