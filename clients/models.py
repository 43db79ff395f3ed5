from datetime import date, datetime

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from iop.dates import (
    NO_NUL,
    plausible_dates,
    validate_birth_date,
    validate_clinic_date,
    validate_history_date,
)
from iop.history import keep_rows
from iop.models import User

CLINIC_DATE = [validate_clinic_date]


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


class ClientQuerySet(models.QuerySet):
    def within_reach_of(self, user: User) -> "ClientQuerySet":
        """Minimum necessary, the one rule of who may open which client (lists, search, the chart
        and every part of it): admins every client; a client their own record; a clinician the
        clients on their caseload, in the groups they facilitate (a live enrollment that has not
        ended), on a session they run (booked, or held since the client's admission), and those
        of an open break-the-glass grant (`EmergencyAccess`). Groups and sessions live in higher
        apps, which this app never imports: their part of the rule follows the reverse relations
        by name."""
        if user.is_admin:
            return self
        if not user.is_clinician:
            return self.filter(user=user) if user.is_client else self.none()
        now = timezone.now()
        reached = (
            Q(primary_clinician=user)
            | _reached_by(
                Q(enrollments__group__facilitators=user, enrollments__voided_at__isnull=True)
                & (
                    Q(enrollments__end_date__isnull=True)
                    | Q(enrollments__end_date__gte=timezone.localdate(now))
                )
            )
            | Q(pk__in=EmergencyAccess.objects.open_at(now).filter(user=user).values("client_id"))
        )
        # On a session's roster three ways: its clients, its drop-ins, anyone recorded on it.
        for on_roster in ("session_links", "drop_ins", "attendance"):
            run_by_user = Q(**{f"{on_roster}__session__clinician": user}) | Q(
                **{f"{on_roster}__session__group__facilitators": user}
            )
            in_episode = Q(admission_date__isnull=True) | Q(
                **{f"{on_roster}__session__starts_at__date__gte": F("admission_date")}
            )
            reached |= _reached_by(
                run_by_user & in_episode & Q(**{f"{on_roster}__session__status": "scheduled"})
            )
        return self.filter(reached)


def _reached_by(condition: Q) -> Q:
    """Clients matching `condition` over their related rows, as a semi-join (no duplicate rows)."""
    return Q(pk__in=Client.objects.filter(condition).values("pk"))


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
    date_of_birth = models.DateField(validators=[validate_birth_date])
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, validators=NO_NUL, blank=True)
    track = models.ForeignKey(ProgramTrack, on_delete=models.PROTECT, related_name="clients")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REFERRED)
    admission_date = models.DateField(null=True, blank=True, validators=CLINIC_DATE)
    discharge_date = models.DateField(null=True, blank=True, validators=CLINIC_DATE)
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

    objects = ClientQuerySet.as_manager()

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
            plausible_dates(
                "client_dates_plausible",
                "admission_date",
                "discharge_date",
                births=("date_of_birth",),
            ),
            models.CheckConstraint(
                condition=Q(admission_date__gt=F("date_of_birth")),
                name="client_admitted_after_birth",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.mrn})"

    @property
    def display_name(self) -> str:
        """The name staff say aloud: preferred first name if given, then the legal last name."""
        return f"{self.preferred_name or self.legal_first_name} {self.legal_last_name}"

    @property
    def intake_is_open(self) -> bool:
        """Intake steps may still be saved: the client is referred or in intake, not yet admitted."""
        return self.status in (self.Status.REFERRED, self.Status.INTAKE)


class EmergencyContact(models.Model):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="emergency_contacts")
    name = models.CharField(max_length=120, validators=NO_NUL)
    relationship = models.CharField(max_length=60, validators=NO_NUL)
    phone = models.CharField(max_length=30, validators=NO_NUL)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.relationship})"


class AsamRisk(models.IntegerChoices):
    """ASAM Criteria risk rating of a dimension, 0 (none) to 4 (very high)."""

    NONE = 0, "0 - none"
    LOW = 1, "1 - low"
    MODERATE = 2, "2 - moderate"
    SIGNIFICANT = 3, "3 - significant"
    VERY_HIGH = 4, "4 - very high"


ASAM_DIMENSIONS = [
    ("asam_withdrawal", "1. Acute intoxication and withdrawal potential"),
    ("asam_biomedical", "2. Biomedical conditions and complications"),
    ("asam_emotional", "3. Emotional, behavioral or cognitive conditions"),
    ("asam_readiness", "4. Readiness to change"),
    ("asam_relapse", "5. Relapse, continued use or continued problem potential"),
    ("asam_environment", "6. Recovery / living environment"),
]


def _asam_field(label: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, choices=AsamRisk.choices, null=True, blank=True, validators=[MaxValueValidator(4)]
    )


class Intake(models.Model):
    """The intake assessment, saved as a draft step by step; completing it admits the client."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="intake")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    referral_source = models.CharField(max_length=200, validators=NO_NUL, blank=True)
    presenting_problem = models.TextField(validators=NO_NUL, blank=True)
    asam_withdrawal = _asam_field(ASAM_DIMENSIONS[0][1])
    asam_biomedical = _asam_field(ASAM_DIMENSIONS[1][1])
    asam_emotional = _asam_field(ASAM_DIMENSIONS[2][1])
    asam_readiness = _asam_field(ASAM_DIMENSIONS[3][1])
    asam_relapse = _asam_field(ASAM_DIMENSIONS[4][1])
    asam_environment = _asam_field(ASAM_DIMENSIONS[5][1])
    payer = models.CharField(max_length=120, validators=NO_NUL, blank=True)
    member_id = models.CharField("Member ID", max_length=60, validators=NO_NUL, blank=True)
    authorization_number = models.CharField(max_length=60, validators=NO_NUL, blank=True)
    authorized_units = models.PositiveIntegerField(
        null=True, blank=True, help_text="Authorized units (per diem days) or hours."
    )
    authorized_unit_kind = models.CharField(
        max_length=8, choices=[("days", "Per diem days"), ("hours", "Hours")], blank=True
    )
    authorization_start = models.DateField(null=True, blank=True, validators=CLINIC_DATE)
    authorization_end = models.DateField(null=True, blank=True, validators=CLINIC_DATE)
    consent_to_treatment = models.BooleanField(default=False)
    consent_to_treatment_on = models.DateField(null=True, blank=True, validators=CLINIC_DATE)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(authorization_end__isnull=True)
                | Q(authorization_start__isnull=True)
                | Q(authorization_end__gte=F("authorization_start")),
                name="intake_authorization_end_after_start",
                violation_error_message="The authorization must end after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True)
                | Q(consent_to_treatment=True, consent_to_treatment_on__isnull=False),
                name="intake_completed_has_consent",
            ),
            plausible_dates(
                "intake_dates_plausible",
                "authorization_start",
                "authorization_end",
                "consent_to_treatment_on",
            ),
        ]
        triggers = [
            keep_rows("intake_kept_once_complete", pgtrigger.Q(old__completed_at__isnull=False))
        ]

    def __str__(self) -> str:
        return f"Intake of {self.client}"

    @property
    def asam_ratings(self) -> list[tuple[str, int | None]]:
        return [(label, getattr(self, field)) for field, label in ASAM_DIMENSIONS]


class SubstanceUse(models.Model):
    class Route(models.TextChoices):
        ORAL = "oral", "Oral"
        SMOKED = "smoked", "Smoked"
        INHALED = "inhaled", "Inhaled / snorted"
        INJECTED = "injected", "Injected"
        OTHER = "other", "Other"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="substances")
    substance = models.CharField(max_length=80, validators=NO_NUL)
    route = models.CharField(max_length=10, choices=Route.choices)
    frequency = models.CharField(max_length=80, validators=NO_NUL)
    last_use = models.DateField(validators=[validate_history_date])

    class Meta:
        ordering = ["pk"]
        # A day of the client's past: the static floor of a date of birth.
        constraints = [plausible_dates("substance_last_use_plausible", births=("last_use",))]

    def __str__(self) -> str:
        return self.substance


class Diagnosis(models.Model):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="diagnoses")
    icd10_code = models.CharField(
        "ICD-10 code",
        max_length=8,
        validators=[
            *NO_NUL,
            # The shape of an ICD-10-CM code: a letter, two characters, then an optional decimal part.
            RegexValidator(
                r"^[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?$",
                "Enter an ICD-10 code such as F10.20.",
            ),
        ],
    )
    description = models.CharField(max_length=200, validators=NO_NUL)

    class Meta:
        ordering = ["icd10_code"]
        verbose_name_plural = "diagnoses"
        constraints = [
            models.UniqueConstraint(
                fields=["client", "icd10_code"], name="diagnosis_once_per_client"
            )
        ]

    def __str__(self) -> str:
        return f"{self.icd10_code} {self.description}"


class Medication(models.Model):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="medications")
    name = models.CharField(max_length=100, validators=NO_NUL)
    dose = models.CharField(max_length=100, validators=NO_NUL, blank=True)
    is_mat = models.BooleanField(
        "Medication for addiction treatment",
        default=False,
        help_text="Buprenorphine, methadone, naltrexone, acamprosate and similar.",
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.name} {self.dose}".strip()


class LevelOfCare(models.TextChoices):
    DETOX = "detox", "Withdrawal management (detox)"
    RESIDENTIAL = "3", "3.x Residential"
    PARTIAL = "2.5", "2.5 Partial hospitalization"
    IOP = "2.1", "2.1 Intensive outpatient"
    OUTPATIENT = "1", "1 Outpatient"
    SOBER_LIVING = "sober_living", "Sober living"
    AFTERCARE = "aftercare", "Alumni / aftercare"


class LevelOfCareEpisode(models.Model):
    """One range of a client's level of care, [start_date, end_date); an open range has no end."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="levels_of_care")
    level = models.CharField(max_length=16, choices=LevelOfCare.choices)
    start_date = models.DateField(validators=CLINIC_DATE)
    end_date = models.DateField(null=True, blank=True, validators=CLINIC_DATE)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=200, validators=NO_NUL, blank=True)

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=F("start_date")),
                name="level_of_care_end_after_start",
                violation_error_message="A level of care must end after it starts.",
            ),
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(end_date__isnull=True),
                name="level_of_care_one_open_range",
            ),
            plausible_dates("level_of_care_dates_plausible", "start_date", "end_date"),
        ]
        triggers = [
            keep_rows("level_of_care_never_deleted"),
            # No btree_gist here, so an exclusion constraint is out: a trigger refuses overlaps.
            pgtrigger.Trigger(
                name="level_of_care_ranges_do_not_overlap",
                operation=pgtrigger.Insert | pgtrigger.Update,
                when=pgtrigger.Before,
                func="""
                IF EXISTS (
                    SELECT 1 FROM clients_levelofcareepisode other
                    WHERE other.client_id = NEW.client_id AND other.id <> NEW.id
                      AND daterange(other.start_date, other.end_date, '[)')
                          && daterange(NEW.start_date, NEW.end_date, '[)')
                ) THEN
                    RAISE EXCEPTION 'level of care ranges of client % overlap', NEW.client_id
                        USING ERRCODE = 'exclusion_violation';
                END IF;
                RETURN NEW;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} from {self.start_date}"


class InformationCategory(models.TextChoices):
    """Parts of the record a consent may cover and a disclosure may release."""

    SUMMARY = "summary", "Chart summary (status, level of care, dates)"
    DIAGNOSES = "diagnoses", "Diagnoses and substance use"
    TREATMENT_PLAN = "treatment_plan", "Treatment plan"
    DISCHARGE = "discharge", "Discharge summary"


class Consent(models.Model):
    """A written consent to disclose (42 CFR 2.31): to whom, why, what, until when."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="consents")
    recipient = models.CharField(max_length=200, validators=NO_NUL)
    purpose = models.CharField(max_length=300, validators=NO_NUL)
    information = ArrayField(
        models.CharField(max_length=20, choices=InformationCategory.choices),
        help_text="The parts of the record this consent covers.",
    )
    signed_on = models.DateField(validators=CLINIC_DATE)
    expires_on = models.DateField(validators=CLINIC_DATE)
    revoked_on = models.DateField(null=True, blank=True, validators=CLINIC_DATE)
    revocation_note = models.CharField(max_length=300, validators=NO_NUL, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-signed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gt=F("signed_on")),
                name="consent_expires_after_signing",
                violation_error_message="A consent must expire after the day it is signed.",
            ),
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True) | Q(revoked_on__gte=F("signed_on")),
                name="consent_revoked_after_signing",
            ),
            models.CheckConstraint(
                condition=~Q(information=[]),
                name="consent_covers_something",
                violation_error_message="Choose what information the consent covers.",
            ),
            plausible_dates("consent_dates_plausible", "signed_on", "expires_on", "revoked_on"),
        ]
        triggers = [keep_rows("consent_never_deleted")]

    def __str__(self) -> str:
        return f"Consent to disclose to {self.recipient} (until {self.expires_on})"

    def is_valid_on(self, day: date) -> bool:
        return self.signed_on <= day < self.expires_on and (
            self.revoked_on is None or day < self.revoked_on
        )

    def covered_labels(self) -> list[str]:
        return [InformationCategory(value).label for value in self.information]


class Disclosure(models.Model):
    """The ledger of disclosures (prints, exports) of a client's record; the client can read it."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="disclosures")
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="disclosures")
    information = models.CharField(max_length=20, choices=InformationCategory.choices)
    recipient = models.CharField(max_length=200)
    purpose = models.CharField(max_length=300)
    disclosed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    disclosed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-disclosed_at"]
        triggers = [keep_rows("disclosure_never_deleted")]

    def __str__(self) -> str:
        return (
            f"{self.get_information_display()} to {self.recipient} on {self.disclosed_at:%Y-%m-%d}"
        )


class TreatmentPlan(models.Model):
    """One version of a client's plan. Drafts are edited; activating one supersedes the active one;
    an active or superseded plan never changes (a revision is a new draft)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        SUPERSEDED = "superseded", "Superseded"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="treatment_plans")
    version = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    review_every_days = models.PositiveSmallIntegerField(default=30)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    activated_on = models.DateField(null=True, blank=True, validators=CLINIC_DATE)
    next_review_due = models.DateField(null=True, blank=True, validators=CLINIC_DATE)
    clinician_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    clinician_signed_at = models.DateTimeField(null=True, blank=True)
    client_signed_name = models.CharField(max_length=200, blank=True)
    client_signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["client", "version"], name="plan_version_unique"),
            models.UniqueConstraint(
                fields=["client"], condition=Q(status="active"), name="plan_one_active_per_client"
            ),
            models.CheckConstraint(
                condition=Q(review_every_days__gte=7, review_every_days__lte=180),
                name="plan_review_cadence_in_range",
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(
                    activated_on__isnull=False,
                    next_review_due__isnull=False,
                    clinician_signed_at__isnull=False,
                ),
                name="plan_active_is_signed_and_dated",
            ),
            models.CheckConstraint(
                condition=Q(client_signed_at__isnull=True) | ~Q(status="draft"),
                name="plan_client_signs_only_activated",
            ),
            plausible_dates("plan_dates_plausible", "activated_on", "next_review_due"),
            models.CheckConstraint(
                condition=Q(next_review_due__gt=F("activated_on")),
                name="plan_review_due_after_activation",
            ),
        ]
        triggers = [keep_rows("plan_never_deleted")]

    def __str__(self) -> str:
        return f"Treatment plan v{self.version} ({self.get_status_display()})"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class Problem(models.Model):
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="problems")
    statement = models.CharField(max_length=300, validators=NO_NUL)

    class Meta:
        ordering = ["pk"]
        triggers = [keep_rows("problem_never_deleted")]

    def __str__(self) -> str:
        return self.statement


class Goal(models.Model):
    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="goals")
    statement = models.CharField(max_length=300, validators=NO_NUL)

    class Meta:
        ordering = ["pk"]
        triggers = [keep_rows("goal_never_deleted")]

    def __str__(self) -> str:
        return self.statement


class ObjectiveStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    ACHIEVED = "achieved", "Achieved"
    NOT_ACHIEVED = "not_achieved", "Not achieved"
    DISCONTINUED = "discontinued", "Discontinued"


class Objective(models.Model):
    """A measurable step toward a goal. Progress notes link here, so `__str__` names it fully."""

    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="objectives")
    description = models.CharField(
        max_length=300, validators=NO_NUL, help_text="Measurable: what, how much, by when."
    )
    target_date = models.DateField(validators=CLINIC_DATE)
    status = models.CharField(
        max_length=16, choices=ObjectiveStatus.choices, default=ObjectiveStatus.NOT_STARTED
    )

    class Meta:
        ordering = ["target_date", "pk"]
        triggers = [keep_rows("objective_never_deleted")]
        constraints = [plausible_dates("objective_target_date_plausible", "target_date")]

    def __str__(self) -> str:
        return f"{self.description} (by {self.target_date:%Y-%m-%d}, {self.get_status_display()})"


class Intervention(models.Model):
    class Modality(models.TextChoices):
        GROUP = "group", "Group therapy"
        INDIVIDUAL = "individual", "Individual therapy"
        FAMILY = "family", "Family therapy"
        PSYCHOEDUCATION = "psychoeducation", "Psychoeducation"
        CASE_MANAGEMENT = "case_management", "Case management"
        MEDICATION = "medication", "Medication management"
        DRUG_SCREEN = "drug_screen", "Drug screening"

    objective = models.ForeignKey(Objective, on_delete=models.PROTECT, related_name="interventions")
    modality = models.CharField(max_length=20, choices=Modality.choices)
    frequency = models.CharField(max_length=80, validators=NO_NUL)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"role": "clinician"},
        verbose_name="responsible staff",
    )

    class Meta:
        ordering = ["pk"]
        triggers = [keep_rows("intervention_never_deleted")]

    def __str__(self) -> str:
        return f"{self.get_modality_display()}, {self.frequency}"


class PlanReview(models.Model):
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="reviews")
    reviewed_on = models.DateField(validators=CLINIC_DATE)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    summary = models.TextField(validators=NO_NUL)

    class Meta:
        ordering = ["-reviewed_on", "-pk"]
        triggers = [keep_rows("plan_review_never_deleted")]
        constraints = [plausible_dates("plan_review_date_plausible", "reviewed_on")]

    def __str__(self) -> str:
        return f"Review of plan v{self.plan.version} on {self.reviewed_on}"


class ObjectiveProgress(models.Model):
    review = models.ForeignKey(PlanReview, on_delete=models.PROTECT, related_name="progress")
    objective = models.ForeignKey(Objective, on_delete=models.PROTECT, related_name="progress")
    status = models.CharField(max_length=16, choices=ObjectiveStatus.choices)
    note = models.CharField(max_length=300, validators=NO_NUL, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review", "objective"], name="progress_once_per_objective"
            )
        ]
        triggers = [keep_rows("objective_progress_never_deleted")]

    def __str__(self) -> str:
        return f"{self.objective}: {self.get_status_display()}"


class Discharge(models.Model):
    class Reason(models.TextChoices):
        COMPLETED = "completed", "Completed program"
        AGAINST_ADVICE = "against_advice", "Left against advice"
        ADMINISTRATIVE = "administrative", "Administrative"
        TRANSFERRED = "transferred", "Transferred"

    class Aftercare(models.TextChoices):
        OUTPATIENT = "outpatient", "Outpatient counseling"
        SOBER_LIVING = "sober_living", "Sober living"
        ALUMNI = "alumni", "Alumni group"
        MUTUAL_HELP = "mutual_help", "Mutual-help meetings"

    client = models.OneToOneField(Client, on_delete=models.PROTECT, related_name="discharge")
    discharge_date = models.DateField(validators=CLINIC_DATE)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    step_down_level = models.CharField(
        max_length=16, choices=LevelOfCare.choices, blank=True, help_text="Where care continues."
    )
    aftercare = ArrayField(
        models.CharField(max_length=16, choices=Aftercare.choices), default=list, blank=True
    )
    summary = models.TextField(validators=NO_NUL)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        triggers = [keep_rows("discharge_never_deleted")]
        constraints = [plausible_dates("discharge_date_plausible", "discharge_date")]

    def __str__(self) -> str:
        return f"Discharge on {self.discharge_date} ({self.get_reason_display()})"

    def aftercare_labels(self) -> list[str]:
        return [self.Aftercare(value).label for value in self.aftercare]


class EmergencyAccessQuerySet(models.QuerySet):
    def open_at(self, moment: datetime) -> "EmergencyAccessQuerySet":
        return self.filter(started_at__lte=moment, ends_at__gt=moment)


class EmergencyAccess(models.Model):
    """Break-the-glass: a clinician opened a client outside their reach, for a typed reason, for a
    limited time (`EMERGENCY_ACCESS_HOURS`). Append-only: a grant is never changed or removed,
    and admins review every one (dashboard, weekly digest)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="emergency_accesses")
    reason = models.TextField(validators=NO_NUL)
    started_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    objects = EmergencyAccessQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("started_at")), name="emergency_access_ends_after_start"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="emergency_access_has_reason"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="emergency_access_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self) -> str:
        return f"Emergency access by {self.user} from {self.started_at:%Y-%m-%d %H:%M}"
