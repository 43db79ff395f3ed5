"""Forms of the client record. They validate shape; the services decide and write."""

from datetime import date
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from iop.dates import NO_NUL, validate_clinic_date
from iop.forms import HoursField, MenuFilter, QuickDateInput, QuickSelect, clinic_date_field
from iop.models import User

from .models import (
    PANEL_SUBSTANCES,
    AsamRisk,
    Authorization,
    Client,
    Consent,
    Diagnosis,
    Discharge,
    Goal,
    InformationCategory,
    Intake,
    Intervention,
    LevelOfCare,
    LevelOfCareEpisode,
    Medication,
    Objective,
    ObjectiveStatus,
    Payer,
    Problem,
    ProgramTrack,
    ScreenResult,
    ServiceCode,
    Substance,
    SubstanceUse,
    TreatmentPlan,
)
from .selectors import client_name_or_mrn, track_choice_list

DATE = QuickDateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
CLINIC_DATE = [validate_clinic_date]


def _clinic_date_filter(label: str, field_name: str, lookup_expr: str) -> django_filters.DateFilter:
    """One end of a date range on the client list: a clinic date, from a date picker."""
    return django_filters.DateFilter(
        label=label,
        field_name=field_name,
        lookup_expr=lookup_expr,
        widget=DATE,
        validators=CLINIC_DATE,
    )


class ClientFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Name or MRN")
    status = django_filters.ChoiceFilter(choices=Client.Status.choices, widget=QuickSelect)
    primary_clinician = MenuFilter(
        queryset=User.objects.clinicians(), label="Clinician", widget=QuickSelect
    )
    track = MenuFilter(
        queryset=ProgramTrack.objects.all(), empty_label="Any track", widget=QuickSelect
    )
    level_of_care = django_filters.ChoiceFilter(
        choices=[*LevelOfCare.choices, ("none", "Not recorded")],
        method="current_level",
        label="Level of care now",
        empty_label="Any level",
        widget=QuickSelect,
    )
    admitted_from = _clinic_date_filter("Admitted from", "admission_date", "gte")
    admitted_to = _clinic_date_filter("Admitted by", "admission_date", "lte")
    discharged_from = _clinic_date_filter("Discharged from", "discharge_date", "gte")
    discharged_to = _clinic_date_filter("Discharged by", "discharge_date", "lte")

    class Meta:
        model = Client
        fields = ["q", "status", "primary_clinician", "track", "level_of_care"]

    def current_level(self, queryset: QuerySet[Client], name: str, value: str) -> QuerySet[Client]:
        """The clients whose open level of care is `value` ("none": no open level of care), as
        the admin home's census counts them."""
        open_levels = LevelOfCareEpisode.objects.filter(end_date__isnull=True)
        if value == "none":
            return queryset.exclude(pk__in=open_levels.values("client_id"))
        return queryset.filter(pk__in=open_levels.filter(level=value).values("client_id"))

    def search(self, queryset: QuerySet[Client], name: str, value: str) -> QuerySet[Client]:
        """Every word in a name or as the MRN (`client_name_or_mrn`)."""
        return queryset.filter(client_name_or_mrn(value))


class ClientForm(forms.ModelForm):
    primary_clinician = forms.ModelChoiceField(queryset=User.objects.clinicians())

    class Meta:
        model = Client
        fields = [
            "legal_first_name",
            "legal_last_name",
            "preferred_name",
            "pronouns",
            "date_of_birth",
            "email",
            "phone",
            "track",
            "primary_clinician",
        ]
        widgets = {"date_of_birth": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        track = self.fields["track"]
        assert isinstance(track, forms.ModelChoiceField)
        current = self.instance.track if self.instance.track_id else None
        track.queryset = track_choice_list(current=current)


class ClientEditForm(ClientForm):
    class Meta(ClientForm.Meta):
        fields = [*ClientForm.Meta.fields, "expected_length_weeks"]


class EmergencyContactForm(forms.Form):
    name = forms.CharField(max_length=120)
    relationship = forms.CharField(max_length=60)
    phone = forms.CharField(max_length=30)


EmergencyContactFormSet = forms.formset_factory(
    EmergencyContactForm, extra=1, can_delete=True, max_num=5
)


class ReferralStepForm(forms.ModelForm):
    class Meta:
        model = Intake
        fields = ["referral_source", "presenting_problem"]
        widgets = {"presenting_problem": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = True


class AsamStepForm(forms.ModelForm):
    class Meta:
        model = Intake
        fields = [
            "asam_withdrawal",
            "asam_biomedical",
            "asam_emotional",
            "asam_readiness",
            "asam_relapse",
            "asam_environment",
        ]
        widgets = dict.fromkeys(fields, forms.RadioSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = True
            assert isinstance(field, forms.ChoiceField)  # a rating, AsamRisk
            field.choices = AsamRisk.choices  # without the model form's blank choice


class PayerStepForm(forms.ModelForm):
    class Meta:
        model = Intake
        fields = [
            "payer",
            "member_id",
            "authorization_number",
            "authorized_units",
            "authorized_unit_kind",
            "authorization_start",
            "authorization_end",
        ]
        widgets = {"authorization_start": DATE, "authorization_end": DATE}

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("authorized_units") and not data.get("authorized_unit_kind"):
            self.add_error("authorized_unit_kind", "Say whether the units are days or hours.")
        start, end = data.get("authorization_start"), data.get("authorization_end")
        if start and end and end < start:
            self.add_error("authorization_end", "The authorization must end after it starts.")
        return data


class SubstanceForm(forms.ModelForm):
    class Meta:
        model = SubstanceUse
        fields = ["substance", "route", "frequency", "last_use"]
        widgets = {"last_use": DATE}

    def clean_last_use(self) -> date:
        last_use: date = self.cleaned_data["last_use"]
        if last_use > timezone.localdate():
            raise ValidationError("The last use cannot be in the future.")
        return last_use


class DiagnosisForm(forms.Form):
    icd10_code = forms.CharField(label="ICD-10 code", max_length=8)
    description = forms.CharField(max_length=200)

    def clean_icd10_code(self) -> str:
        """Codes are stored upper-case; "f10.20" is accepted as F10.20."""
        code = str(self.cleaned_data["icd10_code"]).upper()
        for validator in Diagnosis._meta.get_field("icd10_code").validators:
            validator(code)
        return code


class BaseDiagnosisFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        codes = [row["icd10_code"] for row in formset_rows(self)]
        if len(codes) != len(set(codes)):
            raise ValidationError("Each diagnosis code may appear only once.")


class MedicationForm(forms.ModelForm):
    class Meta:
        model = Medication
        fields = ["name", "dose", "is_mat"]


SubstanceFormSet = forms.formset_factory(SubstanceForm, extra=1, can_delete=True, max_num=15)
DiagnosisFormSet = forms.formset_factory(
    DiagnosisForm, formset=BaseDiagnosisFormSet, extra=1, can_delete=True, max_num=15
)
MedicationFormSet = forms.formset_factory(MedicationForm, extra=1, can_delete=True, max_num=20)


def formset_rows(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    """The filled-in, not deleted rows of a valid formset, without the DELETE flag."""
    return [
        {key: value for key, value in form.cleaned_data.items() if key != "DELETE"}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class ConsentToTreatmentForm(forms.Form):
    consent_to_treatment = forms.BooleanField(
        label="The client signed the consent to treatment", required=False
    )
    admission_date = clinic_date_field()


class LevelOfCareForm(forms.ModelForm):
    class Meta:
        model = LevelOfCareEpisode
        fields = ["level", "start_date", "reason"]
        widgets = {"start_date": DATE}


class ConsentForm(forms.ModelForm):
    information = forms.MultipleChoiceField(
        choices=InformationCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Information covered",
    )

    class Meta:
        model = Consent
        fields = ["recipient", "purpose", "information", "signed_on", "expires_on"]
        widgets = {"signed_on": DATE, "expires_on": DATE}


class ConsentRevokeForm(forms.Form):
    revoked_on = clinic_date_field(label="Revoked on")
    note = forms.CharField(max_length=300, required=False)


class DisclosureForm(forms.Form):
    consent = forms.ModelChoiceField(queryset=Consent.objects.none())
    information = forms.ChoiceField(choices=InformationCategory.choices)

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent"].queryset = client.consents.all()  # type: ignore[attr-defined]  # a ModelChoiceField; the stubs type form fields as Field


class PlanCreateForm(forms.ModelForm):
    class Meta:
        model = TreatmentPlan
        fields = ["review_every_days"]
        labels = {"review_every_days": "Review every (days)"}


class ProblemForm(forms.ModelForm):
    class Meta:
        model = Problem
        fields = ["statement"]
        labels = {"statement": "Problem"}


class PlanPartForm(forms.ModelForm):
    """A form that adds a part under a parent chosen from this plan's parts."""

    parent_field: str = ""

    def __init__(self, *args: Any, parents: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent = self.fields[self.parent_field]
        parent.queryset = parents  # type: ignore[attr-defined]  # a ModelChoiceField; the stubs type form fields as Field
        # The part just added is usually the one the next part goes under.
        parent.initial = parents.order_by("pk").last()


class GoalForm(PlanPartForm):
    parent_field = "problem"

    class Meta:
        model = Goal
        fields = ["problem", "statement"]
        labels = {"problem": "Under problem", "statement": "Goal"}


class ObjectiveForm(PlanPartForm):
    parent_field = "goal"
    measure = forms.ChoiceField(
        label="Measure target (optional)",
        required=False,
        help_text='For example "PHQ-9 below 10" by the target date.',
    )
    measure_below = forms.IntegerField(label="Below", required=False, min_value=1)

    class Meta:
        model = Objective
        fields = ["goal", "description", "target_date"]
        widgets = {"target_date": DATE}
        labels = {"goal": "Under goal", "description": "Objective"}

    def __init__(self, *args: Any, measures: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = [("", "None"), *measures]  # type: ignore[attr-defined]


class InterventionForm(PlanPartForm):
    parent_field = "objective"

    class Meta:
        model = Intervention
        fields = ["objective", "modality", "frequency", "responsible"]
        labels = {"objective": "Under objective"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = User.objects.clinicians()  # type: ignore[attr-defined]  # a ModelChoiceField; the stubs type form fields as Field


class GoalEditForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["statement"]
        labels = {"statement": "Goal"}


class ObjectiveEditForm(forms.ModelForm):
    class Meta:
        model = Objective
        fields = ["description", "target_date"]
        widgets = {"target_date": DATE}
        labels = {"description": "Objective"}


class InterventionEditForm(forms.ModelForm):
    class Meta:
        model = Intervention
        fields = ["modality", "frequency", "responsible"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = User.objects.clinicians()  # type: ignore[attr-defined]  # a ModelChoiceField; the stubs type form fields as Field


class PlanReviewForm(forms.Form):
    reviewed_on = clinic_date_field()
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    revise = forms.BooleanField(
        required=False, label="Start a new version of the plan from this one"
    )

    def __init__(self, *args: Any, objectives: list[Objective], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.objectives = objectives
        for objective in objectives:
            self.fields[f"status_{objective.pk}"] = forms.ChoiceField(
                choices=ObjectiveStatus.choices, initial=objective.status, label=str(objective)
            )
            self.fields[f"note_{objective.pk}"] = forms.CharField(
                max_length=300, required=False, label="Progress note"
            )

    def progress(self) -> dict[int, tuple[str, str]]:
        return {
            o.pk: (self.cleaned_data[f"status_{o.pk}"], self.cleaned_data[f"note_{o.pk}"])
            for o in self.objectives
        }


class ClientSignForm(forms.Form):
    typed_name = forms.CharField(
        max_length=200,
        label="Type your full name to sign",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class DischargeForm(forms.ModelForm):
    aftercare = forms.MultipleChoiceField(
        choices=Discharge.Aftercare.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    step_down_level = forms.ChoiceField(
        choices=[("", "None"), *LevelOfCare.choices], required=False
    )

    class Meta:
        model = Discharge
        fields = ["discharge_date", "reason", "step_down_level", "aftercare", "summary"]
        widgets = {"discharge_date": DATE, "summary": forms.Textarea(attrs={"rows": 4})}


class EmergencyAccessForm(forms.Form):
    """Break-the-glass: the client by MRN or exact legal name, and why. Nothing about the client
    is shown before the reason is given."""

    mrn = forms.CharField(label="MRN", max_length=20, required=False, validators=NO_NUL)
    legal_first_name = forms.CharField(max_length=100, required=False, validators=NO_NUL)
    legal_last_name = forms.CharField(max_length=100, required=False, validators=NO_NUL)
    reason = forms.CharField(
        max_length=1000,
        validators=NO_NUL,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why you must open this client's record now. Admins review every reason.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("mrn") and not (
            data.get("legal_first_name") and data.get("legal_last_name")
        ):
            raise ValidationError("Give the client's MRN, or their legal first and last name.")
        return data


class CheckInForm(forms.Form):
    """An instrument version's questions, one radio group per item (the item's key is the field
    name). Unanswered items are allowed here: saving as the client goes keeps what was given, and
    the submission itself refuses an incomplete form."""

    def __init__(self, *args: Any, definition: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item_keys = [item["key"] for item in definition["items"]]
        for item in definition["items"]:
            self.fields[item["key"]] = forms.TypedChoiceField(
                label=item["text"],
                choices=[(value, label) for value, label in item["choices"]],
                coerce=int,
                required=False,
                empty_value=None,
                widget=forms.RadioSelect,
            )

    def answers(self) -> dict[str, int]:
        """The answers given (the unanswered items left out)."""
        return {
            key: self.cleaned_data[key]
            for key in self.item_keys
            if self.cleaned_data.get(key) is not None
        }


class PaperCheckInForm(CheckInForm):
    """A paper form entered by a clinician: the day the client filled it in, then every answer."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = True
        self.fields = {"completed_on": clinic_date_field(label="Filled in on"), **self.fields}


class ClinicalAlertFollowUpForm(forms.Form):
    note = forms.CharField(
        label="What was done",
        max_length=2000,
        validators=NO_NUL,
        widget=forms.Textarea(attrs={"rows": 4, "autofocus": True}),
        help_text="Who you reached, what you assessed and what was decided. It cannot be changed.",
    )


class DrugScreenForm(forms.Form):
    """A screen's collection, then one row of choices per substance of its panel. The expected
    choice is offered only for what the client is prescribed."""

    collected_on = clinic_date_field(label="Collected on")
    observed = forms.BooleanField(label="Collection observed by staff", required=False)

    def __init__(self, *args: Any, panel: str, prescribed: set[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.panel = panel
        for substance in PANEL_SUBSTANCES[panel]:
            offered = [ScreenResult.NEGATIVE, ScreenResult.POSITIVE, ScreenResult.INVALID]
            if substance in prescribed:
                offered.insert(2, ScreenResult.EXPECTED)
            choices = [(each.value, each.label) for each in offered]
            self.fields[f"result_{substance}"] = forms.ChoiceField(
                label=Substance(substance).label,
                choices=choices,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                error_messages={"required": f"Choose a result for {Substance(substance).label}."},
            )

    def result_fields(self) -> list[forms.BoundField]:
        return [self[f"result_{substance}"] for substance in PANEL_SUBSTANCES[self.panel]]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "collected_on": data["collected_on"],
            "observed": data["observed"],
            "panel": self.panel,
            "results": {
                substance: data[f"result_{substance}"] for substance in PANEL_SUBSTANCES[self.panel]
            },
        }


class DrugScreenVoidForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        validators=NO_NUL,
        help_text="Why this screen is void (entered for the wrong client, wrong cup read…).",
    )


class TrackForm(forms.Form):
    """A program track's requirement, in hours as people say them ("9", "9.5")."""

    name = forms.CharField(max_length=100, validators=NO_NUL)
    weekly_minimum_minutes = HoursField(
        label="Weekly minimum (hours)", help_text="Adult IOP: at least 9 hours a week."
    )
    weekly_maximum_minutes = HoursField(
        label="Weekly maximum (hours)",
        help_text="Above it a week is flagged over the maximum (partial hospitalization level).",
    )
    minimum_treatment_days = forms.IntegerField(
        label="Treatment days a week", min_value=1, max_value=7, initial=3
    )


class TrackEditForm(TrackForm):
    is_active = forms.BooleanField(
        label="Active (new clients and groups can be put on it)", required=False
    )

    @classmethod
    def for_track(cls, track: ProgramTrack, data: Any = None) -> "TrackEditForm":
        initial = {field: getattr(track, field) for field in cls.base_fields}
        return cls(data, initial=initial)


class PayerForm(forms.Form):
    """A payer and how it counts units: for each service code, the hours attended in a clinic day
    that make one unit, as people say them ("3", "2.5"); blank for a code it does not authorize."""

    name = forms.CharField(max_length=120, validators=NO_NUL)

    def __init__(self, *args: Any, recounts: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        recounted = (
            " A change recounts the units used of this payer's authorizations from attendance."
            if recounts
            else ""
        )
        for code, label in ServiceCode.choices:
            self.fields[code] = HoursField(
                label=f"{label}: hours for one unit",
                required=False,
                max_value=24,
                help_text=f"Hours attended in one clinic day that make one unit (commonly 3). "
                f"Leave blank if this payer does not authorize {code}.{recounted}",
            )

    @classmethod
    def for_payer(cls, payer: Payer, data: Any = None) -> "PayerForm":
        rules = {rule.service_code: rule.minutes_per_unit for rule in payer.unit_rules.all()}
        return cls(data, initial={"name": payer.name, **rules}, recounts=True)

    def service_arguments(self) -> dict[str, Any]:
        return {
            "name": self.cleaned_data["name"],
            "unit_rules": {
                code: minutes
                for code in ServiceCode.values
                if (minutes := self.cleaned_data[code]) is not None
            },
        }


class AuthorizationForm(forms.ModelForm):
    """A payer's authorization as the payer's letter gives it; the service checks overlaps."""

    class Meta:
        model = Authorization
        fields = ["payer", "number", "service_code", "units_authorized", "first_day", "last_day"]
        widgets = {"first_day": DATE, "last_day": DATE}
        labels = {"units_authorized": "Units authorized", "last_day": "Last day (inclusive)"}
        help_texts = {
            "payer": "Payers and how they count units are kept by an admin.",
            "units_authorized": "For H0015 and S9480, one unit is one clinic day.",
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user.is_admin:
            self.fields["payer"].help_text = format_html(
                'Payers and how they count units of each code are kept on the <a href="{}">'
                "Payers page</a>.",
                reverse("clients:payers"),
            )


class AuthorizationVoidForm(forms.Form):
    reason = forms.CharField(
        max_length=200,
        validators=NO_NUL,
        help_text="Why it is void (entered for the wrong client, a wrong number, entered twice…).",
    )


class AuthorizationEndForm(forms.Form):
    ended_on = clinic_date_field(label="Last covered day")
    reason = forms.CharField(
        max_length=200,
        validators=NO_NUL,
        help_text="A step-down, a denial, a replacing authorization.",
    )
