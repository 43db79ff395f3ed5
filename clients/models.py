from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models
from django.db.models import F, Q


class ProgramTrack(models.Model):
    """A program's weekly requirement. Admins edit these; adult IOP is 540-1140 min on 3+ days."""

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=100, unique=True)
    weekly_minimum_minutes = models.PositiveIntegerField()
    weekly_maximum_minutes = models.PositiveIntegerField()
    minimum_treatment_days = models.PositiveSmallIntegerField(default=3)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekly_minimum_minutes__gt=0), name="track_minimum_positive"
            ),
            models.CheckConstraint(
                condition=Q(weekly_maximum_minutes__gte=F("weekly_minimum_minutes")),
                name="track_maximum_not_below_minimum",
            ),
            models.CheckConstraint(
                condition=Q(minimum_treatment_days__gte=1, minimum_treatment_days__lte=7),
                name="track_days_in_week",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def weekly_minimum_hours(self) -> float:
        return self.weekly_minimum_minutes / 60


# Postgres cannot store NUL in text; forms refuse it, and so must services called directly.
NO_NUL = [ProhibitNullCharactersValidator()]


class Client(models.Model):
    class Status(models.TextChoices):
        REFERRED = "referred", "Referred"
        INTAKE = "intake", "Intake"
        ACTIVE = "active", "Active"
        DISCHARGED = "discharged", "Discharged"

    mrn = models.CharField("MRN", max_length=20, unique=True, editable=False)
    legal_first_name = models.CharField(max_length=100, validators=NO_NUL)
    legal_last_name = models.CharField(max_length=100, validators=NO_NUL)
    preferred_name = models.CharField(max_length=100, validators=NO_NUL, blank=True)
    pronouns = models.CharField(max_length=40, validators=NO_NUL, blank=True)
    date_of_birth = models.DateField()
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, validators=NO_NUL, blank=True)
    track = models.ForeignKey(ProgramTrack, on_delete=models.PROTECT, related_name="clients")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REFERRED)
    admission_date = models.DateField(null=True, blank=True)
    discharge_date = models.DateField(null=True, blank=True)
    expected_length_weeks = models.PositiveSmallIntegerField(default=12)
    primary_clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="caseload",
        limit_choices_to={"role": "clinician"},
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="client_record",
        limit_choices_to={"role": "client"},
        help_text="The client's portal login, if they have one.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["legal_last_name", "legal_first_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(discharge_date__isnull=True)
                | Q(admission_date__isnull=False, discharge_date__gte=F("admission_date")),
                name="client_discharge_after_admission",
            ),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(admission_date__isnull=False),
                name="client_active_has_admission_date",
            ),
            models.CheckConstraint(
                condition=Q(expected_length_weeks__gte=1, expected_length_weeks__lte=52),
                name="client_expected_length_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.mrn})"

    @property
    def display_name(self) -> str:
        """The name staff say aloud: preferred first name if given, then the legal last name."""
        return f"{self.preferred_name or self.legal_first_name} {self.legal_last_name}"
