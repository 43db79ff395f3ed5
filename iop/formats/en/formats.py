"""One way to write a date on every page: "Nov 26, 2026" (Django's English default abbreviates
with a dot, "Nov. 26", and pages had drifted to ISO dates too). Form inputs keep ISO."""

DATE_FORMAT = "M j, Y"
SHORT_DATE_FORMAT = "M j, Y"
DATETIME_FORMAT = "M j, Y, g:i A"
SHORT_DATETIME_FORMAT = "M j, Y, g:i A"
TIME_FORMAT = "g:i A"
MONTH_DAY_FORMAT = "M j"
