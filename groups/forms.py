from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.http import QueryDict

from clients.models import ProgramTrack
from clients.selectors import track_choice_list
from iop import clock
from iop.forms import clinic_date_field
from iop.models import User

from .models import HTTPS_ONLY, MAX_SESSION_MINUTES, Group, GroupType, Room

WEEKDAYS = [
    (0, "Mon"),
    (1, "Tue"),
    (2, "Wed"),
    (3, "Thu"),
    (4, "Fri"),
    (5, "Sat"),
    (6, "Sun"),
]


class GroupForm(forms.Form):
    name = forms.CharField(max_length=120)
    group_type = forms.ChoiceField(label="Type", choices=GroupType.choices)
    track = forms.ModelChoiceField(queryset=ProgramTrack.objects.all())
    is_open = forms.BooleanField(
        label="Open group (clients join any week)", required=False, initial=True
    )
    facilitators = forms.ModelMultipleChoiceField(
        queryset=User.objects.clinicians(),
        widget=forms.CheckboxSelectMultiple,
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
        help_text="For a telehealth group: the https:// link clients open to join. Clients see it "
        "only in the portal, never in reminders or calendar feeds.",
    )
    capacity = forms.IntegerField(min_value=1, max_value=100)
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    start_time = forms.TimeField(
        label="Start (local time)", widget=forms.TimeInput(attrs={"type": "time"})
    )
    duration_minutes = forms.IntegerField(
        label="Length in minutes", min_value=1, max_value=MAX_SESSION_MINUTES
    )
    first_date = clinic_date_field()
    last_date = clinic_date_field(required=False)
    what_to_bring = forms.CharField(max_length=200, required=False)
    counts_toward_hours = forms.BooleanField(
        label="Counts toward program hours", required=False, initial=True
    )
    is_active = forms.BooleanField(
        label="Active (meets and takes enrollments)", required=False, initial=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["first_date"].initial = clock.today()
        track = self.fields["track"]
        assert isinstance(track, forms.ModelChoiceField)
        track.queryset = track_choice_list(current=self.initial.get("track"))
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", "Save group"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first_date"), data.get("last_date")
        if first and last and last < first:
            self.add_error("last_date", "The last date cannot be before the first date.")
        if "room" in data and not data.get("room") and not data.get("is_telehealth"):
            self.add_error("room", "Choose a room or mark the group as telehealth.")
        return data

    @classmethod
    def for_group(cls, group: Group, data: QueryDict | None = None) -> "GroupForm":
        initial = {field: getattr(group, field) for field in cls.base_fields}
        initial["facilitators"] = list(group.facilitators.all())
        return cls(data, initial=initial)


class EnrollForm(forms.Form):
    client = forms.IntegerField(widget=forms.HiddenInput)
    start_date = clinic_date_field()
    end_date = clinic_date_field(required=False)


class WithdrawForm(forms.Form):
    end_date = clinic_date_field(label="Last day")


class VoidForm(forms.Form):
    void_reason = forms.CharField(
        label="Why is this enrollment void?",
        max_length=200,
        help_text="For example: enrolled in the wrong group, or twice.",
        # The form opens on its own for one row: the keyboard starts in it.
        widget=forms.TextInput(attrs={"autofocus": True}),
    )


class RoomForm(forms.Form):
    name = forms.CharField(max_length=100)
    location = forms.CharField(
        max_length=200,
        required=False,
        help_text="Address or directions, as reminders give them to clients.",
    )
    capacity = forms.IntegerField(min_value=1, max_value=500, help_text="People it seats.")


class RoomEditForm(RoomForm):
    is_active = forms.BooleanField(
        label="In use (groups and sessions can be booked in it)", required=False
    )

    @classmethod
    def for_room(cls, room: Room, data: QueryDict | None = None) -> "RoomEditForm":
        return cls(data, initial={field: getattr(room, field) for field in cls.base_fields})
