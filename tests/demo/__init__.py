from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

# A Thursday evening the demo clinic is seeded on: the evening group has met on Monday, Wednesday
# and today; the history holds Labor Day, Columbus Day and Veterans Day (last week's Wednesday), the
# four weeks ahead Thanksgiving, and Christmas is past the materialized weeks.
THURSDAY_EVENING = datetime(2026, 11, 19, 21, 30, tzinfo=ZoneInfo(settings.TIME_ZONE))
