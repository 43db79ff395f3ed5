"""`{% row_url 'scheduling:note' row.session_id row.client_id %}`: `{% url %}` for the rows of a
long list. Django matches the pattern again on every `reverse` (a hundred links were a twelfth of
the overdue page); this reverses each pattern once, with placeholder ids, and puts each row's
ids in their place."""

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()

# Ids no row has; positional ids appear in the URL in their order.
_PLACEHOLDERS = (987_654_321_001, 987_654_321_002, 987_654_321_003)


@lru_cache(maxsize=64)
def _pieces(urlconf: str | None, prefix: str, viewname: str, arity: int) -> tuple[str, ...]:
    """The URL reversed with placeholders, cut around each: the text between the ids. The URLconf
    and script prefix are part of the cache's key, since `reverse` depends on both."""
    pieces = [reverse(viewname, urlconf=urlconf, args=_PLACEHOLDERS[:arity])]
    for placeholder in _PLACEHOLDERS[:arity]:
        head, tail = pieces.pop().split(str(placeholder))
        pieces += [head, tail]
    return tuple(pieces)


@register.simple_tag
def row_url(viewname: str, *ids: int) -> str:
    """The URL of `viewname` with these (integer) ids, as `{% url %}` writes it."""
    pieces = _pieces(get_urlconf(), get_script_prefix(), viewname, len(ids))
    url = [pieces[0]]
    for pk, piece in zip(ids, pieces[1:], strict=True):
        url += [str(int(pk)), piece]
    return "".join(url)
