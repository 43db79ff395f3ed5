"""Pages of lists: one too long to count on every request (the audit log's millions of rows), one
whose count costs as much as its page (a clinician's clients in reach), and one of a statement
compiled once (`iop.statements`)."""

from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window
from django.utils.functional import cached_property

from .statements import Statement

# Counting stops here: the pages after it are reached by narrowing the filters.
MAX_COUNTED = 10_000


class CappedPaginator(Paginator):
    """A Paginator that counts at most MAX_COUNTED rows (one bounded query, whatever the table's
    size); `capped` says the list goes on beyond them."""

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        assert isinstance(rows, QuerySet), "the capped count is a query: it pages querysets"
        return rows[: MAX_COUNTED + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > MAX_COUNTED


class _CountedWithFirstPage(Paginator, ABC):
    """A Paginator whose first page's query also counts the list (`COUNT(*) OVER ()`): one query
    where a Paginator makes two, each asking whatever selects the rows (the reach rule, for a
    clinician's clients). For a list the database reads in full anyway to sort it; a list read in
    order from an index (every client by name) is faster counted apart, as the window reads every
    row. Later pages, rarer, are counted apart as usual."""

    counted_with_first_page = True

    def get_page(self, number: int | float | str | None) -> Page:
        if not self.counted_with_first_page or str(number or 1) != "1":
            return super().get_page(number)
        assert not self.orphans, "orphans need the count before the page's rows"
        first, count = self._first_page_counted()
        # Cached as Paginator caches its own count, so nothing counts the list again.
        self.__dict__["count"] = count
        return Page(first, 1, self)

    @abstractmethod
    def _first_page_counted(self) -> tuple[list, int]:
        """The first page's rows, and the list's length."""


class PageWithCountPaginator(_CountedWithFirstPage):
    """`_CountedWithFirstPage` of a queryset."""

    def _first_page_counted(self) -> tuple[list, int]:
        rows = self.object_list
        assert isinstance(rows, QuerySet), "the count comes with the page's query"
        first = list(rows.annotate(list_length=Window(Count("*")))[: self.per_page])
        return first, first[0].list_length if first else 0


class StatementPaginator(_CountedWithFirstPage):
    """A Paginator of a statement's rows: each page one statement, the count another (up to
    `cap`, if given, as `CappedPaginator` counts), each compiled once; `counted_with_first_page`,
    the first page's statement counts the rows too (`_CountedWithFirstPage`). With `rows_by_key`,
    the statement pages the rows' keys (`values_list("pk")`: read and sorted without the tables a
    row shows) and `rows_by_key(keys)` reads the page's rows, which keep the keys' order."""

    def __init__(
        self,
        statement: Statement,
        shape: dict[str, Hashable],
        values: dict[str, Any],
        per_page: int,
        cap: int | None = None,
        counted_with_first_page: bool = False,
        rows_by_key: Callable[[list[int]], list] | None = None,
    ) -> None:
        super().__init__([], per_page)
        self.statement, self.shape, self.values, self.cap = statement, shape, values, cap
        self.counted_with_first_page = counted_with_first_page
        self.rows_by_key = rows_by_key

    @cached_property
    def count(self) -> int:
        cap = None if self.cap is None else self.cap + 1
        return self.statement.count(self.shape, cap=cap, **self.values)

    @property
    def capped(self) -> bool:
        return self.cap is not None and self.count > self.cap

    def _first_page_counted(self) -> tuple[list, int]:
        first = self.statement.run_page(
            self.shape, offset=0, limit=self.per_page, counted=True, **self.values
        )
        if self.rows_by_key is None:
            return first, first[0].list_length if first else 0
        # Keys come as (key, list_length).
        return self._rows_of(first), first[0][-1] if first else 0

    def page(self, number: int | str) -> Page:
        number = self.validate_number(number)
        rows = self.statement.run_page(
            self.shape, offset=(number - 1) * self.per_page, limit=self.per_page, **self.values
        )
        return Page(self._rows_of(rows) if self.rows_by_key else rows, number, self)

    def _rows_of(self, keys: list[tuple]) -> list:
        assert self.rows_by_key is not None
        found = {row.pk: row for row in self.rows_by_key([key[0] for key in keys])}
        return [found[key[0]] for key in keys if key[0] in found]
