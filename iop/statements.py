"""Reads the ORM builds and compiles once per process, then runs with each call's values.

Building a queryset and compiling it to SQL costs more than PostgreSQL takes to run most of the
daily pages' statements (a clinician's overdue check-ins: 0.56 ms to build and compile, 0.33 to
run). A `Statement` is a queryset built once with `Slot`s where its values go; its SQL is compiled
once per database connection, and each call puts its values in the slots' places and runs it.

What a statement's SQL depends on besides its slots (a user's role, a slice) is its shape: a
statement is built again for each shape it is given. A builder must not read anything else (the
clock, the database): the tests' settings set `STATEMENTS_CHECKED`, and each call then builds and
compiles the statement again and compares, so a builder that captured a value fails the suite.
"""

from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar
from weakref import WeakKeyDictionary

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, Expression, F, Field, QuerySet, Window
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from iop.expressions import EqualsAny
from iop.models import User

Row = TypeVar("Row")


class _SlotParam:
    """Where a slot's value goes in a compiled statement's parameters."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<slot {self.name}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _SlotParam) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


class Slot(Expression):
    """A value of the statement given when it runs: one parameter of its SQL. An id, a date, a
    datetime or a text; or a list, as an array of `array_of` (an SQL type), compared with
    `EqualsAny` (`__in` writes a parameter per item; `ids_in` is the usual case)."""

    def __init__(self, name: str, output_field: Field | None = None, *, array_of: str = "") -> None:
        super().__init__(output_field=output_field)
        self.name = name
        self.array_of = array_of

    def __repr__(self) -> str:
        return f"Slot({self.name!r})"

    def as_sql(  # type: ignore[override]  # its parameter is a slot, filled in when it runs
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list]:
        # An empty list has no element to tell PostgreSQL its type.
        cast = f"::{self.array_of}[]" if self.array_of else ""
        return f"%s{cast}", [_SlotParam(self.name)]

    def get_group_by_cols(self) -> list:
        return []


def ids_in(field: str, slot: str) -> EqualsAny:
    """`field = ANY(slot)`: the rows whose `field` is one of the ids given in `slot` when the
    statement runs."""
    return EqualsAny(F(field), Slot(slot, array_of="bigint"))


def _shallow_copy(thing: Any) -> Any:
    """`thing`'s attributes in a new object of its class (`copy` would run a queryset, which
    pickles itself with its rows)."""
    new = object.__new__(type(thing))
    new.__dict__ = thing.__dict__.copy()
    return new


# What a statement is compiled for: its rows, a page of them (a limit and an offset given when it
# runs), the same with how many rows there are in all on each row (`list_length`), or how many
# there are (up to a limit given when it runs).
_ROWS, _PAGE, _COUNTED_PAGE, _COUNT = "rows", "page", "counted page", "count"
_LIMIT, _OFFSET = "limit (statement)", "offset (statement)"


class _Compiled:
    """A statement's SQL and the compiler that made it (which knows how to turn its rows into
    objects), for one shape on one connection."""

    def __init__(self, queryset: QuerySet, form: str = _ROWS) -> None:
        if queryset.db != DEFAULT_DB_ALIAS:
            raise ValueError("a statement reads the default database")
        if form != _ROWS and queryset.query.is_sliced:
            raise ValueError("a statement read by pages or counted is not sliced")
        if form == _COUNT:
            # Counted as Django counts: the keys alone, in no order.
            queryset = queryset.order_by().values("pk")
        elif form == _COUNTED_PAGE:
            queryset = queryset.annotate(list_length=Window(Count("*")))
        self.queryset = queryset
        self.compiler = queryset.query.get_compiler(using=DEFAULT_DB_ALIAS)
        try:
            self.sql, params = self.compiler.as_sql()
        except EmptyResultSet:
            # Nothing can match, whatever the values (`none()`, an empty list of ids).
            self.sql, params = "", []
        if self.sql and form in (_PAGE, _COUNTED_PAGE):
            self.sql += " LIMIT %s OFFSET %s"
            params = [*params, _SlotParam(_LIMIT), _SlotParam(_OFFSET)]
        elif self.sql and form == _COUNT:
            # The compiler's own SQL, its values all parameters.
            self.sql = f"SELECT COUNT(*) FROM ({self.sql} LIMIT %s) counted"  # nosec B608
            params = [*params, _SlotParam(_LIMIT)]  # NULL: no limit
        self.params = tuple(params)
        self.slots = tuple(
            (index, param.name)
            for index, param in enumerate(self.params)
            if isinstance(param, _SlotParam)
        )

    def bound(self, values: dict[str, Any]) -> tuple[str, tuple]:
        params = list(self.params)
        for index, name in self.slots:
            params[index] = values[name]
        return self.sql, tuple(params)

    def count(self, values: dict[str, Any]) -> int:
        if not self.sql:
            return 0
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(*self.bound(values))
            return cursor.fetchone()[0]

    def rows(self, values: dict[str, Any]) -> list:
        """The rows, made by the queryset's own iterable (and prefetches) from a copy of the
        compiler that compiled it, given the SQL with `values` instead of compiling again."""
        if not self.sql:
            return []
        bound = self.bound(values)
        compiler = _shallow_copy(self.compiler)
        compiler.as_sql = lambda *args, **kwargs: bound  # type: ignore[method-assign]
        query = _shallow_copy(self.queryset.query)
        query.get_compiler = lambda *args, **kwargs: compiler  # type: ignore[method-assign]
        queryset = _shallow_copy(self.queryset)
        # Not through the `query` setter, which makes a values_list() give dictionaries.
        queryset._query = query
        queryset._fetch_all()
        return queryset._result_cache  # type: ignore[return-value]


class Statement(Generic[Row]):
    """A read built by `build(**shape)` with `Slot`s for its values; `run(shape, **values)` gives
    its rows as the queryset would (objects with what it selects, or values), as a list."""

    def __init__(self, build: Callable[..., QuerySet]) -> None:
        self._build = build
        self._compiled: WeakKeyDictionary[BaseDatabaseWrapper, dict[Hashable, _Compiled]] = (
            WeakKeyDictionary()
        )

    def __copy__(self) -> "Statement[Row]":
        # One per declaration, whatever copies the forms and filters holding it make.
        return self

    def __deepcopy__(self, memo: dict) -> "Statement[Row]":
        return self

    def run(self, shape: dict[str, Hashable] | None = None, /, **values: Any) -> list[Row]:
        return self._compiled_for(_ROWS, shape, values).rows(values)

    def run_page(
        self,
        shape: dict[str, Hashable] | None = None,
        /,
        *,
        offset: int,
        limit: int,
        counted: bool = False,
        **values: Any,
    ) -> list[Row]:
        """`limit` rows from `offset` of the statement's (ordered) rows; `counted`, each with how
        many rows there are in all (`list_length`), from the same pass."""
        values = {**values, _LIMIT: limit, _OFFSET: offset}
        return self._compiled_for(_COUNTED_PAGE if counted else _PAGE, shape, values).rows(values)

    def count(
        self, shape: dict[str, Hashable] | None = None, /, *, cap: int | None = None, **values: Any
    ) -> int:
        """How many rows the statement has (counted up to `cap`, if given)."""
        values = {**values, _LIMIT: cap}
        return self._compiled_for(_COUNT, shape, values).count(values)

    def _compiled_for(
        self, form: str, shape: dict[str, Hashable] | None, values: dict[str, Any]
    ) -> _Compiled:
        shape = shape or {}
        # The time zone is compiled into date arithmetic.
        key = (form, timezone.get_current_timezone_name(), *sorted(shape.items()))
        compiled_here = self._compiled.setdefault(connections[DEFAULT_DB_ALIAS], {})
        compiled = compiled_here.get(key)
        if compiled is None:
            compiled = compiled_here[key] = _Compiled(self._build(**shape), form)
        elif getattr(settings, "STATEMENTS_CHECKED", False):
            self._check(compiled, _Compiled(self._build(**shape), form))
        missing = {name for _, name in compiled.slots} - values.keys()
        if missing:
            raise TypeError(f"no value for the slots {sorted(missing)}")
        return compiled

    @staticmethod
    def _check(cached: _Compiled, fresh: _Compiled) -> None:
        if (cached.sql, cached.params) != (fresh.sql, fresh.params):
            raise AssertionError(
                "a statement built again compiled to other SQL: its builder reads something "
                f"besides its shape\ncached: {cached.sql} {cached.params}\n"
                f"now: {fresh.sql} {fresh.params}"
            )


def role_user(role: str, slot: str = "user") -> User:
    """Any user of `role`, as a statement is built for them: their id is the slot "user" (or
    `slot`), and the rules that read the clock (`Client.objects.within_reach_of`) take "now" and
    "today" as slots too (`values_for` gives all three)."""
    return User(pk=Slot(slot), role=role)


def is_role_user(user: User) -> bool:
    return isinstance(user.pk, Slot)


def values_for(user: User) -> dict[str, Any]:
    """The values of a statement built for `role_user(user.role)`: the user's id and the clock."""
    now = timezone.now()
    return {"user": user.pk, "now": now, "today": timezone.localdate(now)}
