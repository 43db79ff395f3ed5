from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import Any

import pgtrigger
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Coalesce, Concat, Upper
from django.utils import timezone
from django.utils.formats import date_format

from iop.dates import (
    NO_NUL,
    plausible_dates,
    validate_birth_date,
    validate_clinic_date,
    validate_history_date,
)
from iop.expressions import EqualsAny
from iop.history import final_once, keep_rows
from iop.models import User
from iop.statements import Slot, is_role_user

CLINIC_DATE = [validate_clinic_date]


class ProgramTrack(models.Model):
    """A program's weekly requirement. Admins edit these; adult IOP is 540-1140 min on 3+ days."""

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=100, unique=True)
    weekly_minimum_minutes = models.PositiveIntegerField()
    weekly_maximum_minutes = models.PositiveIntegerField()
    minimum_treatment_days = models.PositiveSmallIntegerField(default=3)
    is_active = models.BooleanField(
        default=True, help_text="Retired tracks keep their clients' history but take no new ones."
    )

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


def _among(among: Collection[int] | Slot) -> Q:
    """The clients of `among`: ids, or a statement's slot of them (`iop.statements`)."""
    if isinstance(among, Slot):
        return Q(EqualsAny(F("pk"), among))
    return Q(pk__in=among)


class ClientQuerySet(models.QuerySet):
    def within_reach_of(
        self, user: User, among: Collection[int] | Slot | None = None
    ) -> "ClientQuerySet":
        """Minimum necessary, the one rule of who may open which client (lists, search, the chart
        and every part of it): admins every client; a client their own record; a clinician the
        clients on their caseload, in the groups they facilitate (a live enrollment that has not
        ended), on a session they run (booked, or held since the client's admission), and those
        of an open break-the-glass grant (`EmergencyAccess`). Groups and sessions live in higher
        apps, which this app never imports: their part of the rule follows the reverse relations
        by name.

        `among` (ids) asks the rule of those clients only, as a chart asks it of one: each way
        then reads their own rows. Built for any user of a role (`iop.statements.role_user`),
        the user's id, `among` and the clock are a statement's slots."""
        if among is not None and not among:
            return self.none()
        clients = self if among is None else self.filter(_among(among))
        if user.is_admin:
            return clients
        if not user.is_clinician:
            return clients.filter(user_id=user.pk) if user.is_client else clients.none()
        now: datetime | Slot
        today: date | Slot
        if is_role_user(user):
            # Built for any user of the role (`iop.statements`): the clock is given when it runs.
            now, today = Slot("now"), Slot("today")
        else:
            now = timezone.now()
            today = timezone.localdate(now)
        # The groups the user facilitates, as an array computed once (no join to the groups).
        facilitated = ArraySubquery(
            User.facilitated_groups.through.objects.filter(user_id=user.pk).values("group_id")
        )
        in_group = Q(EqualsAny(F("enrollments__group_id"), facilitated)) & Q(
            enrollments__voided_at__isnull=True
        )
        live = Q(enrollments__end_date__isnull=True) | Q(enrollments__end_date__gte=today)
        # On a session the user ran, or one of a group they facilitate, since the admission: the
        # latest start of such a session, which the database keeps per clinician and per group
        # (`RosterReach`), instead of every roster of the user's years.
        on_their_session = Q(roster_reach__clinician_id=user.pk) | Q(
            EqualsAny(F("roster_reach__group_id"), facilitated)
        )
        in_episode = Q(admission_date__isnull=True) | Q(
            roster_reach__last_starts_at__date__gte=F("admission_date")
        )
        roster_way = on_their_session & in_episode
        caseload = Q(primary_clinician_id=user.pk)
        if among is None:
            # Over the whole clinic, the clients tested for their admission are first looked up
            # from the rows' two indexes (joined, the planner hashed every client of the clinic),
            # less the user's caseload, which the first way reaches whatever their sessions (most
            # of a clinician's reach rows are their own caseload's: testing those clients'
            # admissions took the list's statement from 20 to 32 ms at the bench's scale 1).
            reach_rows = Client._meta.get_field("roster_reach").related_model._default_manager
            roster_way &= Q(
                EqualsAny(
                    F("pk"),
                    ArraySubquery(
                        reach_rows.filter(
                            Q(clinician_id=user.pk) | Q(EqualsAny(F("group_id"), facilitated))
                        )
                        .exclude(client__in=Client.objects.filter(caseload))
                        .values("client_id")
                    ),
                )
            )
        ways = [
            caseload,
            in_group & live,
            roster_way,
            Q(
                pk__in=EmergencyAccess.objects.open_at(now)
                .filter(user_id=user.pk)
                .values("client_id")
            ),
        ]
        # The ids each way reaches, united and computed once: the list then reads those clients by
        # key. (`A OR B OR ...` tested every client of the clinic against each way.)
        reached = [Client.objects.filter(way).order_by().values("pk") for way in ways]
        if among is not None:
            reached = [ids.filter(_among(among)) for ids in reached]
        return clients.filter(EqualsAny(F("pk"), ArraySubquery(reached[0].union(*reached[1:]))))


# What a search by name compares with: the client's names in capitals, one text.
SEARCH_NAME = Upper(
    Concat("legal_first_name", Value(" "), "legal_last_name", Value(" "), "preferred_name")
)
# The SQL function (created by a migration, immutable, so a generated column may call it) that
# gives a text's distinct three-character runs; `name_trigrams` is the same in Python.
NAME_TRIGRAMS_FUNCTION = "clients_name_trigrams"


def name_trigrams(text: str) -> list[str]:
    """The distinct three-character runs of `text` (none when it is shorter), in code point
    order, as the database's `clients_name_trigrams` gives them."""
    return sorted({text[start : start + 3] for start in range(len(text) - 2)})


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
        # Indexed with the client's id (`client_caseload`), which serves what this would.
        db_index=False,
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
    # The names in capitals, kept by the database: a search for part of a name is one LIKE per
    # row on this column, not three UPPER()s (7x faster).
    search_name = models.GeneratedField(
        expression=SEARCH_NAME, output_field=models.TextField(), db_persist=True
    )
    # Every three-character run of `search_name`, for its GIN index: a word's runs are all in the
    # names that contain it, so the index finds the few clients to test with the LIKE instead of
    # testing every client. (pg_trgm would do it, but the embedded PostgreSQL does not ship it.)
    # Computed from the names, not from `search_name`: a generated column may not read another.
    search_trigrams = models.GeneratedField(
        expression=Func(
            SEARCH_NAME,
            function=NAME_TRIGRAMS_FUNCTION,
            output_field=ArrayField(models.TextField()),
        ),
        output_field=ArrayField(models.TextField()),
        db_persist=True,
    )

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["legal_last_name", "legal_first_name"]
        indexes = [
            # By name, the order every list of clients is read in: a page of them is the first
            # rows of this index, not a sort of the whole clinic.
            models.Index(
                fields=["legal_last_name", "legal_first_name", "id"], name="client_by_name"
            ),
            # The clients in the program now, a fraction of every client the clinic ever had:
            # the census counts them by track from this index alone.
            models.Index(
                fields=["track", "id"],
                condition=Q(status="active"),
                name="client_active_by_track",
            ),
            # A clinician's caseload as ids from the index alone: the reach rule reads it twice
            # for every clinician's list (its first way, and the reach rows it leaves out), and a
            # caseload keeps every client it ever had (1,202 for the bench's busiest clinician):
            # by the key alone, each of them was a read of the table.
            models.Index(fields=["primary_clinician", "id"], name="client_caseload"),
            # This week's and month's admissions and discharges, without reading years of them.
            models.Index(fields=["admission_date"], name="client_by_admission"),
            models.Index(fields=["discharge_date"], name="client_by_discharge"),
            GinIndex(fields=["search_trigrams"], name="client_name_trigrams"),
            # The clients in the program in a week (the weekly recompute): those not discharged
            # before it, by last day (the latest date while not discharged), with what the
            # recompute reads of them: one range of this index, not every client ever admitted.
            models.Index(
                Coalesce("discharge_date", Value(date.max)),
                include=["id", "admission_date", "discharge_date", "status", "track"],
                name="client_by_last_day",
            ),
        ]
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

    # What `display_name` reads, and `str` (the menus' label) with the MRN: lists that show no more
    # of a client read only these (`only`), not the record's fifty columns.
    DISPLAY_NAME_FIELDS = ("preferred_name", "legal_first_name", "legal_last_name")
    LABEL_FIELDS = (*DISPLAY_NAME_FIELDS, "mrn")

    def __str__(self) -> str:
        return f"{self.display_name} ({self.mrn})"

    @property
    def display_name(self) -> str:
        """The name staff say aloud: preferred first name if given, then the legal last name."""
        return self.display_name_of(
            self.preferred_name, self.legal_first_name, self.legal_last_name
        )

    @staticmethod
    def display_name_of(preferred_name: str, legal_first_name: str, legal_last_name: str) -> str:
        """`display_name` of the values of DISPLAY_NAME_FIELDS, for rows read without a Client."""
        return f"{preferred_name or legal_first_name} {legal_last_name}"

    @property
    def expected_end(self) -> date | None:
        """The last day of the planned length of the program, counted from the admission; None
        before the admission."""
        if self.admission_date is None:
            return None
        return self.admission_date + timedelta(weeks=self.expected_length_weeks, days=-1)

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
    MEASURES = "measures", "Check-in scores (PHQ-9, GAD-7, BAM)"


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
        return f"{self.get_information_display()} to {self.recipient} on {date_format(timezone.localdate(self.disclosed_at))}"


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
    revises = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revisions",
        help_text="The plan this version was copied from.",
    )

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
            models.CheckConstraint(
                condition=~Q(revises=F("pk")), name="plan_does_not_revise_itself"
            ),
        ]
        triggers = [keep_rows("plan_never_deleted")]

    def __str__(self) -> str:
        return f"Treatment plan v{self.version} ({self.get_status_display()})"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


def _changes_only_in_draft(
    name: str, parent: str, plan_status_of_parent: str, may_change_in_force: str = ""
) -> pgtrigger.Trigger:
    """A trigger: a part of a plan is added, changed or removed only while its plan is a draft.
    `plan_status_of_parent` selects the plan's status from the part's parent id (`$1`).
    `may_change_in_force` names a column that still changes once the plan is in force."""
    unchanged = (
        f"(to_jsonb(NEW) - '{may_change_in_force}') = (to_jsonb(OLD) - '{may_change_in_force}')"
    )
    old_status = plan_status_of_parent.replace("$1", f"OLD.{parent}")
    new_status = plan_status_of_parent.replace("$1", f"NEW.{parent}")
    return pgtrigger.Trigger(
        name=name,
        operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
        when=pgtrigger.Before,
        func=f"""
        IF TG_OP = 'UPDATE' THEN
            IF {unchanged} THEN
                RETURN NEW;
            END IF;
        END IF;
        IF TG_OP <> 'INSERT' THEN
            IF ({old_status}) <> 'draft' THEN
                RAISE EXCEPTION 'a part of a plan in force or superseded never changes (% on %)',
                    TG_OP, TG_TABLE_NAME;
            END IF;
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        IF ({new_status}) <> 'draft' THEN
            RAISE EXCEPTION 'a part of a plan in force or superseded never changes (% on %)',
                TG_OP, TG_TABLE_NAME;
        END IF;
        RETURN NEW;
        """,
    )


_PLAN_STATUS = "SELECT status FROM clients_treatmentplan WHERE id = $1"
_PROBLEM_PLAN_STATUS = (
    "SELECT plan.status FROM clients_problem problem"
    " JOIN clients_treatmentplan plan ON plan.id = problem.plan_id WHERE problem.id = $1"
)
_GOAL_PLAN_STATUS = (
    "SELECT plan.status FROM clients_goal goal"
    " JOIN clients_problem problem ON problem.id = goal.problem_id"
    " JOIN clients_treatmentplan plan ON plan.id = problem.plan_id WHERE goal.id = $1"
)
_OBJECTIVE_PLAN_STATUS = (
    "SELECT plan.status FROM clients_objective objective"
    " JOIN clients_goal goal ON goal.id = objective.goal_id"
    " JOIN clients_problem problem ON problem.id = goal.problem_id"
    " JOIN clients_treatmentplan plan ON plan.id = problem.plan_id WHERE objective.id = $1"
)


def _copied_from(model: str) -> "models.ForeignKey[Any, Any]":
    """The part of the revised plan this part was copied from: what a comparison matches."""
    return models.ForeignKey(
        model, on_delete=models.PROTECT, null=True, blank=True, related_name="copies"
    )


class Problem(models.Model):
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="problems")
    statement = models.CharField(max_length=300, validators=NO_NUL)
    copied_from = _copied_from("self")

    class Meta:
        ordering = ["pk"]
        triggers = [
            _changes_only_in_draft("problem_changes_only_in_draft", "plan_id", _PLAN_STATUS)
        ]

    def __str__(self) -> str:
        return self.statement


class Goal(models.Model):
    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="goals")
    statement = models.CharField(max_length=300, validators=NO_NUL)
    copied_from = _copied_from("self")

    class Meta:
        ordering = ["pk"]
        triggers = [
            _changes_only_in_draft("goal_changes_only_in_draft", "problem_id", _PROBLEM_PLAN_STATUS)
        ]

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
    # A measure target, optional: the instrument's scale below `measure_below` by the target date
    # ("PHQ-9 below 10 by March 1").
    measure_instrument = models.ForeignKey(
        "Instrument", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    measure_scale = models.CharField(max_length=30, blank=True)
    measure_below = models.PositiveSmallIntegerField(null=True, blank=True)

    copied_from = _copied_from("self")

    class Meta:
        ordering = ["target_date", "pk"]
        triggers = [
            # Reviews record progress on the plan in force: its objectives' status may change.
            _changes_only_in_draft(
                "objective_changes_only_in_draft",
                "goal_id",
                _GOAL_PLAN_STATUS,
                may_change_in_force="status",
            )
        ]
        constraints = [
            plausible_dates("objective_target_date_plausible", "target_date"),
            models.CheckConstraint(
                condition=Q(measure_instrument__isnull=True, measure_scale="", measure_below=None)
                | (Q(measure_instrument__isnull=False, measure_below__gt=0) & ~Q(measure_scale="")),
                name="objective_measure_target_complete",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.description} (by {date_format(self.target_date)}, {self.get_status_display()})"
        )

    @property
    def measure_latest(self) -> int | None:
        """The latest score on the target's scale, when loaded by `selectors.plan_list`."""
        scores = getattr(self, "latest_measure_scores", None) or {}
        return scores.get(self.measure_scale)

    @property
    def measure_met(self) -> bool | None:
        latest = self.measure_latest
        if latest is None or self.measure_below is None:
            return None
        return latest < self.measure_below


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
    copied_from = _copied_from("self")

    class Meta:
        ordering = ["pk"]
        triggers = [
            _changes_only_in_draft(
                "intervention_changes_only_in_draft", "objective_id", _OBJECTIVE_PLAN_STATUS
            )
        ]

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
    def open_at(self, moment: "datetime | Slot") -> "EmergencyAccessQuerySet":
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


# --- Measurement-based care --------------------------------------------------------------------


class Instrument(models.Model):
    """A rating scale the clinic gives (PHQ-9, GAD-7, BAM). Its questions and scoring are data, in
    its versions (`InstrumentVersion`); another instrument is another row, not code."""

    code = models.SlugField(unique=True)
    abbreviation = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["abbreviation"]

    def __str__(self) -> str:
        return self.abbreviation


class InstrumentVersion(models.Model):
    """One published form of an instrument: its items, answer choices, scales (which items sum
    into which score), severity bands and safety rules, as a `definition` that
    `clients.measures.definition_errors` checks. Never changed once written: a change is a new
    version, and a check-in keeps the version it was given, so nothing is ever rescored."""

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveSmallIntegerField()
    definition = models.JSONField()
    source = models.CharField(max_length=300, help_text="Where the form and its scoring come from.")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["instrument", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "version"], name="instrument_version_unique"
            )
        ]
        triggers = [
            pgtrigger.Protect(
                name="instrument_version_never_changes",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument} v{self.version}"


class MeasureSchedule(models.Model):
    """When a track's clients are given an instrument: at admission, every `every_days` days of
    the episode (counted from the admission day), at discharge."""

    track = models.ForeignKey(ProgramTrack, on_delete=models.PROTECT, related_name="measures")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="schedules")
    at_admission = models.BooleanField(default=True)
    every_days = models.PositiveSmallIntegerField(null=True, blank=True)
    at_discharge = models.BooleanField(default=True)

    class Meta:
        ordering = ["track", "instrument"]
        constraints = [
            models.UniqueConstraint(
                fields=["track", "instrument"], name="measure_schedule_once_per_track"
            ),
            models.CheckConstraint(
                condition=Q(every_days__isnull=True) | Q(every_days__gte=7, every_days__lte=90),
                name="measure_schedule_interval_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} for {self.track}"


class CheckIn(models.Model):
    """One instrument given to one client: opened when due, answered as the client goes, then
    submitted once with its scores and locked (a trigger refuses any change after). A clinician
    may enter a paper form for the client (`on_paper`)."""

    class Occasion(models.TextChoices):
        ADMISSION = "admission", "Admission"
        INTERVAL = "interval", "During the episode"
        DISCHARGE = "discharge", "Discharge"
        PAPER = "paper", "Paper form"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="check_ins")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT, related_name="+")
    occasion = models.CharField(max_length=12, choices=Occasion.choices)
    due_on = models.DateField(validators=CLINIC_DATE)
    opened_at = models.DateTimeField(default=timezone.now)
    answers = models.JSONField(default=dict, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_on = models.DateField(
        null=True, blank=True, validators=CLINIC_DATE, help_text="The day the client answered."
    )
    on_paper = models.BooleanField(default=False)
    scores = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["client", "instrument", "completed_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "instrument", "due_on"], name="checkin_one_per_client_day"
            ),
            models.CheckConstraint(
                condition=Q(
                    submitted_at__isnull=True,
                    submitted_by__isnull=True,
                    completed_on__isnull=True,
                    scores__isnull=True,
                )
                | Q(
                    submitted_at__isnull=False,
                    submitted_by__isnull=False,
                    completed_on__isnull=False,
                    scores__isnull=False,
                ),
                name="checkin_submitted_is_scored",
            ),
            models.CheckConstraint(
                condition=Q(on_paper=False) | Q(submitted_at__isnull=False),
                name="checkin_paper_is_submitted",
            ),
            plausible_dates("checkin_dates_plausible", "due_on", "completed_on"),
        ]
        triggers = [
            final_once(
                "checkin_locked_once_submitted",
                "submitted_at",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
            keep_rows("checkin_never_deleted"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} due {self.due_on}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class ClinicalAlert(models.Model):
    """Something a clinician must follow up: a client reported thoughts of self-harm, a drug
    screen came back positive for a substance not prescribed. Raised by the service that records
    its source (a check-in, a screen), in the same transaction, so there is never a source
    without its alert. A clinician within reach documents the follow-up once (what was done);
    the alert is then final. Never deleted: it is clinical history.

    A discharge leaves open alerts open: a safety concern outlives the episode of care, and
    someone must still say what was done (the primary clinician keeps the client within reach)."""

    class Kind(models.TextChoices):
        SELF_HARM_RISK = "self_harm_risk", "Thoughts of self-harm reported"
        UNEXPECTED_POSITIVE_SCREEN = "unexpected_positive_screen", "Unexpected positive drug screen"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="clinical_alerts")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    urgent = models.BooleanField(default=False)
    detail = models.CharField(
        max_length=200,
        validators=NO_NUL,
        help_text="What raised it, as the chart shows it (no free text from the client).",
    )
    # What raised it (a check-in, a screen), in whichever app it lives: one alert per source
    # and kind, so recording the same source twice cannot raise a second alert.
    source_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    source_id = models.PositiveBigIntegerField()
    source = GenericForeignKey("source_type", "source_id")
    opened_at = models.DateTimeField(default=timezone.now)
    follow_up_note = models.TextField(blank=True, validators=NO_NUL)
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    followed_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-urgent", "opened_at", "pk"]
        indexes = [
            models.Index(
                fields=["client"],
                condition=Q(followed_up_at__isnull=True),
                name="clinical_alert_open_client",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "source_id", "kind"], name="clinical_alert_once_per_source"
            ),
            models.CheckConstraint(
                condition=Q(
                    follow_up_note="", followed_up_by__isnull=True, followed_up_at__isnull=True
                )
                | (
                    ~Q(follow_up_note="")
                    & Q(followed_up_by__isnull=False, followed_up_at__isnull=False)
                ),
                name="clinical_alert_follow_up_complete",
                violation_error_message="A follow-up has its note, who and when.",
            ),
            models.CheckConstraint(
                condition=Q(followed_up_at__isnull=True) | Q(followed_up_at__gte=F("opened_at")),
                name="clinical_alert_followed_up_after_opening",
            ),
            models.CheckConstraint(condition=~Q(detail=""), name="clinical_alert_has_detail"),
            plausible_dates(
                "clinical_alert_moments_plausible", moments=("opened_at", "followed_up_at")
            ),
        ]
        triggers = [
            keep_rows("clinical_alert_never_deleted"),
            # What raised the alert is a fact: only the follow-up is written later.
            pgtrigger.Protect(
                name="clinical_alert_facts_fixed",
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange(
                    "client", "kind", "urgent", "detail", "source_type", "source_id"
                ),
            ),
            final_once("clinical_alert_final_once_followed_up", "followed_up_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.opened_at:%Y-%m-%d})"

    @property
    def is_open(self) -> bool:
        return self.followed_up_at is None


class Substance(models.TextChoices):
    """What a urine drug screen tests for, one analyte group a line of a panel."""

    ALCOHOL = "alcohol", "Alcohol (EtG)"
    AMPHETAMINE = "amphetamine", "Amphetamine"
    BARBITURATES = "barbiturates", "Barbiturates"
    BENZODIAZEPINES = "benzodiazepines", "Benzodiazepines"
    BUPRENORPHINE = "buprenorphine", "Buprenorphine"
    COCAINE = "cocaine", "Cocaine"
    FENTANYL = "fentanyl", "Fentanyl"
    MDMA = "mdma", "MDMA (ecstasy)"
    METHADONE = "methadone", "Methadone"
    METHAMPHETAMINE = "methamphetamine", "Methamphetamine"
    OPIATES = "opiates", "Opiates (morphine, codeine)"
    OXYCODONE = "oxycodone", "Oxycodone"
    PCP = "pcp", "Phencyclidine (PCP)"
    THC = "thc", "Cannabis (THC)"


# What a substance is prescribed as, in the names a medication list uses: a positive result for a
# substance the client is prescribed may be recorded as expected.
PRESCRIBED_AS: dict[str, tuple[str, ...]] = {
    Substance.BUPRENORPHINE: ("buprenorphine", "suboxone", "subutex", "sublocade", "zubsolv"),
    Substance.METHADONE: ("methadone",),
    Substance.BENZODIAZEPINES: ("alprazolam", "clonazepam", "diazepam", "lorazepam"),
    Substance.AMPHETAMINE: ("amphetamine", "adderall", "lisdexamfetamine", "vyvanse"),
    Substance.OXYCODONE: ("oxycodone", "percocet", "oxycontin"),
    Substance.OPIATES: ("morphine", "codeine", "hydrocodone"),
    Substance.BARBITURATES: ("phenobarbital", "butalbital"),
    Substance.THC: ("dronabinol",),
}

_TWELVE = (
    Substance.AMPHETAMINE,
    Substance.BARBITURATES,
    Substance.BENZODIAZEPINES,
    Substance.BUPRENORPHINE,
    Substance.COCAINE,
    Substance.MDMA,
    Substance.METHADONE,
    Substance.METHAMPHETAMINE,
    Substance.OPIATES,
    Substance.OXYCODONE,
    Substance.PCP,
    Substance.THC,
)


class Panel(models.TextChoices):
    """A screen's panel: which substances its cup or lab order tests (`PANEL_SUBSTANCES`)."""

    TWELVE = "12", "12-panel cup"
    FOURTEEN = "14", "14-panel (12-panel, fentanyl, alcohol EtG)"


PANEL_SUBSTANCES: dict[str, tuple[str, ...]] = {
    Panel.TWELVE: _TWELVE,
    Panel.FOURTEEN: (*_TWELVE, Substance.FENTANYL, Substance.ALCOHOL),
}


class DrugScreen(models.Model):
    """A urine drug screen: when it was collected, whether the collection was observed, the panel,
    and one result per substance (`DrugScreenResult`). Recorded once; a mistake is corrected by
    voiding the screen with a reason and recording it again."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="drug_screens")
    collected_on = models.DateField(validators=CLINIC_DATE)
    observed = models.BooleanField(help_text="Staff observed the collection.")
    panel = models.CharField(max_length=8, choices=Panel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    void_reason = models.CharField(max_length=300, blank=True, validators=NO_NUL)

    class Meta:
        ordering = ["-collected_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True, voided_by__isnull=True, void_reason="")
                | (Q(voided_at__isnull=False, voided_by__isnull=False) & ~Q(void_reason="")),
                name="drug_screen_void_complete",
                violation_error_message="A void has its reason, who and when.",
            ),
            plausible_dates(
                "drug_screen_dates_plausible",
                "collected_on",
                moments=("recorded_at", "voided_at"),
            ),
        ]
        triggers = [
            keep_rows("drug_screen_never_deleted"),
            # Only voiding changes a screen, and only once.
            pgtrigger.Protect(
                name="drug_screen_changed_only_by_voiding",
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange(
                    "client", "collected_on", "observed", "panel", "recorded_by", "recorded_at"
                ),
            ),
            final_once("drug_screen_final_once_voided", "voided_at"),
        ]

    def __str__(self) -> str:
        return f"Drug screen collected {self.collected_on:%Y-%m-%d} ({self.get_panel_display()})"

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None

    def substances_with(self, result: str) -> list[str]:
        """The names of the substances with `result`, from the results loaded with the screen."""
        return [row.get_substance_display() for row in self.results.all() if row.result == result]

    @property
    def outcome(self) -> str:
        """The result that says most about the screen: an unexpected positive, else an invalid
        line, else an expected positive, else negative."""
        found = {row.result for row in self.results.all()}
        return next((each for each in ScreenResult if each in found), ScreenResult.NEGATIVE)

    @property
    def summary(self) -> str:
        """What the screen found, in one line: "Positive: Cocaine; expected: Buprenorphine"."""
        parts = [
            f"{label}: {', '.join(names)}"
            for label, names in (
                ("Positive", self.substances_with(ScreenResult.POSITIVE)),
                ("invalid", self.substances_with(ScreenResult.INVALID)),
                ("expected", self.substances_with(ScreenResult.EXPECTED)),
            )
            if names
        ]
        return "; ".join(parts) if parts else "Negative for every substance"


class ScreenResult(models.TextChoices):
    """One substance's result, the most telling first (`DrugScreen.outcome`)."""

    POSITIVE = "positive", "Positive"
    INVALID = "invalid", "Invalid"
    EXPECTED = "expected", "Expected (prescribed)"
    NEGATIVE = "negative", "Negative"


class DrugScreenResult(models.Model):
    screen = models.ForeignKey(DrugScreen, on_delete=models.PROTECT, related_name="results")
    substance = models.CharField(max_length=20, choices=Substance.choices)
    result = models.CharField(max_length=10, choices=ScreenResult.choices)

    class Meta:
        ordering = ["substance"]
        constraints = [
            models.UniqueConstraint(
                fields=["screen", "substance"], name="drug_screen_substance_once"
            )
        ]
        triggers = [
            pgtrigger.Protect(
                name="drug_screen_result_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_substance_display()}: {self.get_result_display()}"


class ServiceCode(models.TextChoices):
    """HCPCS codes a payer authorizes for this program."""

    IOP_PER_DIEM = "H0015", "H0015 Intensive outpatient (per diem)"
    S9480 = "S9480", "S9480 Intensive outpatient psychiatric (per diem)"


class Payer(models.Model):
    """An insurer or funder that authorizes units of service."""

    name = models.CharField(max_length=120, unique=True, validators=NO_NUL)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PayerUnitRule(models.Model):
    """How a payer counts units of a service code, as data: a clinic day with at least
    `minutes_per_unit` attended minutes is one unit (H0015 commonly: 180 minutes, 3 hours)."""

    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="unit_rules")
    service_code = models.CharField(max_length=8, choices=ServiceCode.choices)
    minutes_per_unit = models.PositiveSmallIntegerField(
        default=180, help_text="Attended minutes in one clinic day that make one unit."
    )

    class Meta:
        ordering = ["payer", "service_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["payer", "service_code"], name="payer_unit_rule_once_per_code"
            ),
            models.CheckConstraint(
                condition=Q(minutes_per_unit__gte=1, minutes_per_unit__lte=24 * 60),
                name="payer_unit_rule_minutes_in_a_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payer} {self.service_code}: one unit per day of {self.minutes_per_unit} min"


# An authorization spans at most this many days (payers authorize weeks to months at a time).
AUTHORIZATION_MAX_DAYS = 366
AUTHORIZATION_MAX_UNITS = 366


class AuthorizationQuerySet(models.QuerySet):
    def live(self) -> "AuthorizationQuerySet":
        return self.filter(voided_at__isnull=True)


class Authorization(models.Model):
    """A payer's authorization of `units_authorized` units of a service code for a client from
    `first_day` to `last_day` (inclusive). Ending it early sets `ended_on` (its last covered day);
    one recorded by mistake is voided. Live authorizations of one code never overlap."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="authorizations")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="authorizations")
    number = models.CharField("Authorization number", max_length=60, validators=NO_NUL)
    service_code = models.CharField(max_length=8, choices=ServiceCode.choices)
    units_authorized = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(AUTHORIZATION_MAX_UNITS)]
    )
    first_day = models.DateField(validators=CLINIC_DATE)
    last_day = models.DateField(validators=CLINIC_DATE)
    ended_on = models.DateField(
        null=True, blank=True, validators=CLINIC_DATE, help_text="Last covered day, if ended early."
    )
    end_reason = models.CharField(max_length=200, validators=NO_NUL, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    void_reason = models.CharField(max_length=200, validators=NO_NUL, blank=True)

    objects = AuthorizationQuerySet.as_manager()

    class Meta:
        ordering = ["-first_day", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(units_authorized__gt=0, units_authorized__lte=AUTHORIZATION_MAX_UNITS),
                name="authorization_units_positive",
                violation_error_message=f"Authorize between 1 and {AUTHORIZATION_MAX_UNITS} units.",
            ),
            models.CheckConstraint(
                condition=Q(last_day__gte=F("first_day")),
                name="authorization_last_day_not_before_first",
                violation_error_message="The last day cannot be before the first day.",
            ),
            models.CheckConstraint(
                condition=Q(last_day__lt=F("first_day") + timedelta(days=AUTHORIZATION_MAX_DAYS)),
                name="authorization_span_plausible",
                violation_error_message=f"An authorization spans at most {AUTHORIZATION_MAX_DAYS} "
                "days.",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(ended_on__gte=F("first_day"), ended_on__lt=F("last_day"), end_reason__gt=""),
                name="authorization_ended_within_its_days",
                violation_error_message="End an authorization before its last day, with a reason.",
            ),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True)
                | Q(voided_by__isnull=False, void_reason__gt=""),
                name="authorization_void_has_reason",
            ),
            plausible_dates("authorization_dates_plausible", "first_day", "last_day", "ended_on"),
        ]
        triggers = [
            keep_rows("authorization_never_deleted"),
            # No btree_gist, so an exclusion constraint is out (see the level of care above).
            pgtrigger.Trigger(
                name="authorization_ranges_do_not_overlap",
                operation=pgtrigger.Insert | pgtrigger.Update,
                when=pgtrigger.Before,
                condition=pgtrigger.Q(new__voided_at__isnull=True),
                func="""
                -- Reversed dates are the check constraint's to refuse, after this trigger.
                IF NEW.first_day <= COALESCE(NEW.ended_on, NEW.last_day) AND EXISTS (
                    SELECT 1 FROM clients_authorization other
                    WHERE other.client_id = NEW.client_id AND other.id <> NEW.id
                      AND other.service_code = NEW.service_code AND other.voided_at IS NULL
                      AND daterange(other.first_day, COALESCE(other.ended_on, other.last_day), '[]')
                          && daterange(NEW.first_day, COALESCE(NEW.ended_on, NEW.last_day), '[]')
                ) THEN
                    RAISE EXCEPTION 'authorizations of client % overlap', NEW.client_id
                        USING ERRCODE = 'exclusion_violation';
                END IF;
                RETURN NEW;
                """,
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.service_code} authorization {self.number} ({self.first_day} to {self.last_day})"
        )

    @property
    def covered_last_day(self) -> date:
        """The last day it covers: the day it was ended, or its last authorized day."""
        return self.ended_on or self.last_day

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None
