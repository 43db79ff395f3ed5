import django_filters
from auditlog.models import LogEntry
from django import forms

from .models import ChartRead, User

DATE = forms.DateInput(attrs={"type": "date"})


class RecordChangeFilter(django_filters.FilterSet):
    actor = django_filters.ModelChoiceFilter(
        queryset=User.objects.exclude(role="client").order_by("username"), label="Who"
    )
    since = django_filters.DateFilter(field_name="timestamp", lookup_expr="date__gte", widget=DATE)
    until = django_filters.DateFilter(field_name="timestamp", lookup_expr="date__lte", widget=DATE)
    record = django_filters.CharFilter(field_name="content_type__model", label="Record type")
    action = django_filters.ChoiceFilter(choices=LogEntry.Action.choices)

    class Meta:
        model = LogEntry
        fields = ["actor", "action", "record", "since", "until"]


class ChartReadFilter(django_filters.FilterSet):
    # Charts are read by staff: the thousands of client logins are not offered.
    user = django_filters.ModelChoiceFilter(
        queryset=User.objects.exclude(role="client").order_by("username"), label="Who"
    )
    client_id = django_filters.NumberFilter(
        field_name="client_ids", lookup_expr="contains", method="filter_client", label="Client id"
    )
    since = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", widget=DATE)
    until = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", widget=DATE)

    class Meta:
        model = ChartRead
        fields = ["user", "client_id", "since", "until"]

    def filter_client(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(client_ids__contains=[value])
