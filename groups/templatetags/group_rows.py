"""The group catalogue's rows, written in Python: a page of 25 groups, each nine values, a
pattern include and two links through the template engine, was most of the page's time and made
it grow with the catalogue (12 groups on one page at a tenth of the bench's clinic, 25 at full
size). Every value is escaped as the engine escapes it."""

from collections.abc import Iterable
from html import escape

from django import template
from django.utils.safestring import SafeString

from groups.models import Group
from groups.templatetags.groups_tags import meeting_pattern
from iop.html import joined_rows
from iop.templatetags.row_links import row_url

register = template.Library()


@register.simple_tag
def group_rows(groups: Iterable[Group]) -> SafeString:
    """`{% group_rows page %}`: a row per group (its name linking to its roster, closed and
    inactive badges, type, track, weekly pattern, place, facilitators, enrolled of capacity, and
    its Edit link); an inactive group's muted."""
    return joined_rows(_group_row(group) for group in groups)


def _group_row(group: Group) -> str:
    badges = (_CLOSED if not group.is_open else "") + (_INACTIVE if not group.is_active else "")
    facilitators = ", ".join(escape(str(user)) for user in group.facilitators.all())
    enrolled: int = group.enrolled  # type: ignore[attr-defined]  # the list's count
    roster = escape(row_url("groups:roster", group.pk))
    return (
        f"<tr{'' if group.is_active else _MUTED}>"
        f'<td><a href="{roster}">{escape(group.name)}</a>{badges}</td>'
        f"<td>{escape(group.get_group_type_display())}</td><td>{escape(str(group.track))}</td>"
        f"<td>{escape(meeting_pattern(group))}</td><td>{escape(group.place)}</td>"
        f"<td>{facilitators}</td><td>{enrolled:d} / {group.capacity:d}</td>"
        '<td><a class="btn btn-outline-secondary btn-sm text-nowrap" '
        f'href="{escape(row_url("groups:edit", group.pk))}">Edit</a></td></tr>'
    )


_MUTED = ' class="text-muted"'
_CLOSED = ' <span class="badge text-bg-secondary">closed</span>'
_INACTIVE = ' <span class="badge text-bg-light">inactive</span>'
