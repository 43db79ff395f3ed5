from django import template

from groups.forms import WEEKDAYS
from groups.models import Group
from iop.templatetags.row_dates import clock_time

register = template.Library()
NAMES = dict(WEEKDAYS)


@register.filter
def meeting_pattern(group: Group) -> str:
    """When a group meets, as its pages say it: "Mon, Wed, Thu 9:00 AM, 180 min"."""
    days = ", ".join(NAMES[day] for day in sorted(group.weekdays))
    return f"{days} {clock_time(group.start_time)}, {group.duration_minutes} min"
