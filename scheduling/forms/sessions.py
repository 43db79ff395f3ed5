from typing import Any

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.db.models import Q, QuerySet

from clients.models import Client
from clients.selectors import client_list
from groups.models import HTTPS_ONLY, MAX_SESSION_MINUTES, Room
from iop.clock import local_datetime
from iop.forms import MenuFilter, QuickSelect, clinic_date_field
from iop.models import Role, User
from iop.statements import Statement
from scheduling.models import Session, SessionSeries, SessionType
from scheduling.selectors.sessions import session_is_led_by

INDIVIDUAL_TYPES = [(value, label) for value, label in SessionType.choices if value != "group"]
TELEHEALTH_PLACE = "telehealth"


_ROOMS: Statement[tuple[int, str]] = Statement(lambda: Room.objects.values_list("pk", "name"))


def _place_choices() -> list[tuple[str, str]]:
    return [(TELEHEALTH_PLACE, "Telehealth"), *((str(pk), name) for pk, name in _ROOMS.run())]


class ClinicDayFilter(django_filters.FilterSet):
    """What the front desk narrows a busy day to: a clinician's sessions (led or co-facilitated),
    group or individual sessions, one room or telehealth. A value that is not a choice is left out
    of the filtering and said next to its field."""

    clinician = MenuFilter(
        queryset=User.objects.filter(role=Role.CLINICIAN).order_by("last_name", "first_name"),
        method="led_by",
        empty_label="Every clinician",
        widget=QuickSelect,
    )
    kind = django_filters.ChoiceFilter(
        choices=[("group", "Group sessions"), ("individual", "Individual sessions")],
        method="of_kind",
        label="Sessions",
        empty_label="Group and individual",
    )
    place = django_filters.ChoiceFilter(
        method="meeting_in", label="Place", empty_label="Every place", widget=QuickSelect
    )

    class Meta:
        model = Session
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read once: both validating the value and drawing the list use them.
        self.filters["place"].extra["choices"] = _place_choices()

    def led_by(self, queryset: QuerySet[Session], name: str, value: User) -> QuerySet[Session]:
        return queryset.filter(session_is_led_by(user=value))

    def of_kind(self, queryset: QuerySet[Session], name: str, value: str) -> QuerySet[Session]:
        return queryset.filter(group__isnull=value != "group")

    def meeting_in(self, queryset: QuerySet[Session], name: str, value: str) -> QuerySet[Session]:
        """By `Session.place`'s rule: telehealth is by video even with a room booked."""
        if value == TELEHEALTH_PLACE:
            return queryset.filter(Q(is_telehealth=True) | Q(room__isnull=True))
        return queryset.filter(room_id=int(value), is_telehealth=False)


def _time(label: str) -> forms.TimeField:
    return forms.TimeField(label=label, widget=forms.TimeInput(attrs={"type": "time"}))


class ClientChoiceField(forms.ModelChoiceField):
    """Clients by name with their MRN, which tells apart two people of the same name."""

    def label_from_instance(self, obj: Client) -> str:
        return f"{obj.display_name} ({obj.mrn})"


class IndividualSessionForm(forms.Form):
    client = ClientChoiceField(queryset=Client.objects.none())
    session_type = forms.ChoiceField(label="Type", choices=INDIVIDUAL_TYPES)
    clinician = forms.ModelChoiceField(queryset=User.objects.clinicians())
    date = clinic_date_field()
    start_time = _time("Start (local time)")
    duration_minutes = forms.IntegerField(
        label="Length in minutes", min_value=1, max_value=MAX_SESSION_MINUTES, initial=50
    )
    room = forms.ModelChoiceField(
        queryset=Room.objects.filter(is_active=True), required=False, empty_label="No room"
    )
    is_telehealth = forms.BooleanField(label="Telehealth", required=False)
    join_link = forms.URLField(
        label="Video join link",
        max_length=500,
        required=False,
        assume_scheme="https",
        validators=[HTTPS_ONLY],
        help_text="For a telehealth session: the https:// link the client opens to join. The "
        "client sees it only in the portal, never in reminders or calendar feeds.",
    )
    repeat = forms.ChoiceField(
        label="Repeats",
        choices=[("", "Once"), *SessionSeries.Frequency.choices],
        required=False,
    )
    until = clinic_date_field(
        label="Until",
        required=False,
        help_text="For a series: the last day it may meet, at most the expected end of the "
        "client's program.",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A session is booked only with a client the user may open (it brings them within reach
        # of the clinician who runs it).
        client = self.fields["client"]
        assert isinstance(client, forms.ModelChoiceField)
        client.queryset = client_list(user=user).filter(status=Client.Status.ACTIVE)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", "Schedule"))

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned form under the names `session_schedule` takes: the start in clinic time."""
        data = self.cleaned_data
        return {
            "session_type": data["session_type"],
            "client": data["client"],
            "clinician": data["clinician"],
            "starts_at": local_datetime(data["date"], data["start_time"]),
            "duration_minutes": data["duration_minutes"],
            "room": data["room"],
            "is_telehealth": data["is_telehealth"],
            "join_link": data["join_link"],
            "repeat": data["repeat"],
            "until": data["until"] if data["repeat"] else None,
        }


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("cancel", "Cancel session…", css_class="btn-danger"))


class SeriesMoveForm(forms.Form):
    first_date = clinic_date_field(label="From (the new date of the first session moved)")
    start_time = _time("New start (local time)")
    reason = forms.CharField(max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("move", "Move the rest of the series"))


class SeriesCancelForm(forms.Form):
    reason = forms.CharField(max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(
            Submit("cancel", "Cancel the rest of the series…", css_class="btn-danger")
        )


class RescheduleForm(forms.Form):
    date = clinic_date_field()
    start_time = _time("New start (local time)")
    reason = forms.CharField(max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("reschedule", "Move session"))

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned form under the names `session_reschedule` takes."""
        data = self.cleaned_data
        return {
            "starts_at": local_datetime(data["date"], data["start_time"]),
            "reason": data["reason"],
        }
