"""Query lookups shared by the apps."""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db.models.lookups import In


class ArrayIn(In):
    """`field__in=[...]` sent to PostgreSQL as `field = ANY(%s)`, one array parameter.

    Imports look people up a few thousand ID numbers at a time; with one placeholder per
    value, building the SQL and merging the parameters into it costs several times more
    than the query. Same rows, same value preparation (each value still goes through the
    field); subqueries and other databases keep the plain IN. Register it on a field class
    (`SomeField.register_lookup(ArrayIn)`) to replace that class's `__in`.
    """

    def as_postgresql(self, compiler, connection):
        if not self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(dict.fromkeys(v for v in self.rhs if v is not None))
        if not values:
            raise EmptyResultSet
        field = self.lhs.output_field
        params = [field.get_db_prep_value(v, connection, prepared=True) for v in values]
        return f"{lhs} = ANY(%s)", (*lhs_params, params)
