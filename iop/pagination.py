"""Pages of a list too long to count on every request (the audit log's millions of rows)."""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

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
