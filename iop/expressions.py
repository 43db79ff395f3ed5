"""SQL expressions the apps share."""

from django.db.models import BooleanField, Func


class EqualsAny(Func):
    """`value = ANY(array)`. With an `ArraySubquery` the array is computed once, before the scan:
    the planner looks a few values up in an index, and joins no table to test membership (`IN
    (subquery)` was a filter guessed at half the rows, and each joined table adds to planning)."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = BooleanField()
