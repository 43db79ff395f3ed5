from datetime import date

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import URLValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce

from clients.models import Client, ProgramTrack
from iop.dates import NO_NUL, plausible_dates, validate_clinic_date
from iop.history import final_once, keep_rows

CLINIC_DATE = [validate_clinic_date]
MAX_SESSION_MINUTES = 8 * 60


class Room(models.Model):
    name = models.CharField(max_length=100, unique=True, validators=NO_NUL)
    location = models.CharField(
        max_length=200,
        blank=True,
        validators=NO_NUL,
        help_text="Address or directions, as reminders give them.",
    )
    capacity = models.PositiveSmallIntegerField()
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gt=0), name="room_capacity_positive")
        ]

    def __str__(self) -> str:
        return self.name


# What every page, feed and message says for a meeting held by video or without a room.
TELEHEALTH = "Telehealth"


def meets_by_video(*, room: Room | None, is_telehealth: bool) -> bool:
    """The one rule for where a meeting is: a telehealth meeting is by video even when a room is
    also booked, and a meeting without a room can only be by video (constraints require one of
    the two)."""
    return is_telehealth or room is None


HTTPS_ONLY = URLValidator(schemes=["https"], message="A join link is an https:// address.")


def join_link_field() -> models.URLField:
    """The address clients and clinicians open to join a video meeting: https only. Shown on the
    client's portal schedule and the clinician's Today, never in a reminder or a calendar feed."""
    return models.URLField(
        "video join link",
        max_length=500,
        blank=True,
        db_default="",  # rows written in bulk by SQL (the synthetic clinic) have none
        validators=[HTTPS_ONLY],
        help_text="For a meeting by video: the https:// link to join it. Shown to clients only in "
        "the portal, never in reminders or calendar feeds.",
    )


def join_link_constraints(prefix: str) -> list[models.CheckConstraint]:
    """A join link is https, and only on a meeting held by video (`meets_by_video`)."""
    return [
        models.CheckConstraint(
            condition=Q(join_link="") | Q(join_link__startswith="https://"),
            name=f"{prefix}_join_link_https",
        ),
        models.CheckConstraint(
            condition=Q(join_link="") | Q(is_telehealth=True) | Q(room__isnull=True),
            name=f"{prefix}_join_link_only_by_video",
        ),
    ]


def place_text(*, room: Room | None, is_telehealth: bool) -> str:
    """Where a group or session meets, said the same way everywhere: "Telehealth", or the room
    with its location. `Group.place` and `scheduling`'s `Session.place` both say it."""
    if meets_by_video(room=room, is_telehealth=is_telehealth) or room is None:  # None: for mypy
        return TELEHEALTH
    return ", ".join(part for part in (room.name, room.location) if part)


class GroupType(models.TextChoices):
    PSYCHOEDUCATION = "psychoeducation", "Psychoeducation"
    SKILLS = "skills", "Skills development"
    RELAPSE_PREVENTION = "relapse_prevention", "Relapse prevention"
    INTERPERSONAL_PROCESS = "interpersonal_process", "Interpersonal process"
    SUPPORT = "support", "Support"
    FAMILY = "family", "Family"
    TWELVE_STEP = "twelve_step", "12-step facilitation"
    HEALTH_WELLNESS = "health_wellness", "Health and wellness"
    LIFE_SKILLS = "life_skills", "Life skills"
    SPIRITUALITY = "spirituality", "Spirituality"
    OUTING = "outing", "Outing"


class Group(models.Model):
    """A therapy group and its weekly pattern (local days and time; sessions are materialized)."""

    name = models.CharField(max_length=120, unique=True, validators=NO_NUL)
    group_type = models.CharField(max_length=32, choices=GroupType.choices)
    is_open = models.BooleanField(
        default=True, help_text="Open groups admit clients any week; closed groups run as a cohort."
    )
    track = models.ForeignKey(ProgramTrack, on_delete=models.PROTECT, related_name="groups")
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="facilitated_groups",
        limit_choices_to={"role": "clinician"},
    )
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="groups"
    )
    is_telehealth = models.BooleanField(default=False)
    join_link = join_link_field()
    capacity = models.PositiveSmallIntegerField()
    weekdays = ArrayField(
        models.PositiveSmallIntegerField(),
        help_text="0 = Monday ... 6 = Sunday, in the clinic's time zone.",
    )
    start_time = models.TimeField(help_text="Local start time.")
    duration_minutes = models.PositiveSmallIntegerField()
    first_date = models.DateField(validators=CLINIC_DATE)
    last_date = models.DateField(null=True, blank=True, validators=CLINIC_DATE)
    counts_toward_hours = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    what_to_bring = models.CharField(
        max_length=200,
        blank=True,
        validators=NO_NUL,
        help_text="Shown on the client's schedule, e.g. 'Workbook and a water bottle'.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gt=0), name="group_capacity_positive"),
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0, duration_minutes__lte=MAX_SESSION_MINUTES),
                name="group_duration_in_range",
            ),
            models.CheckConstraint(
                condition=Q(last_date__isnull=True) | Q(last_date__gte=F("first_date")),
                name="group_last_date_after_first",
            ),
            models.CheckConstraint(
                condition=Q(weekdays__contained_by=list(range(7))) & ~Q(weekdays=[]),
                name="group_weekdays_valid",
            ),
            models.CheckConstraint(
                condition=Q(room__isnull=False) | Q(is_telehealth=True), name="group_has_a_place"
            ),
            *join_link_constraints("group"),
            plausible_dates("group_dates_plausible", "first_date", "last_date"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def place(self) -> str:
        return place_text(room=self.room, is_telehealth=self.is_telehealth)


def _last_day() -> Coalesce:
    """An enrollment's last day, the latest date while it is open-ended: "has not ended before a
    day" is then one comparison, a range of the index that starts with the group, not an OR that
    reads every enrollment the group ever had."""
    return Coalesce("end_date", Value(date.max))


class EnrollmentQuerySet(models.QuerySet):
    """The one definition of which enrollments count: a voided enrollment (made by mistake) counts
    nowhere; the others count on the days from start_date to end_date (open-ended while None).
    `day`, `first` and `last` may be dates or expressions such as OuterRef("day")."""

    def live(self) -> "EnrollmentQuerySet":
        return self.filter(voided_at__isnull=True)

    def overlapping(self, first: object, last: object | None = None) -> "EnrollmentQuerySet":
        """Live enrollments sharing at least one day with [first, last] (last None: open)."""
        enrollments = self.live().alias(last_day=_last_day()).filter(last_day__gte=first)
        return enrollments if last is None else enrollments.filter(start_date__lte=last)

    def covering(self, day: object) -> "EnrollmentQuerySet":
        """Live enrollments that put the client on the roster on `day`."""
        return self.overlapping(day, day)


class Enrollment(models.Model):
    """A client on a group's roster from start_date to end_date (open-ended while None). Never
    deleted: withdrawing sets end_date; an enrollment made by mistake is voided (who, when, why),
    keeps its row and counts nowhere."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="enrollments")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="enrollments")
    start_date = models.DateField(validators=CLINIC_DATE)
    end_date = models.DateField(null=True, blank=True, validators=CLINIC_DATE)
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    void_reason = models.CharField(max_length=200, blank=True, validators=NO_NUL)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        ordering = ["group", "client"]
        indexes = [
            # A group's live enrollments by start, with their end and client: those that started
            # by a day (the weekly recompute's span, the roster reach's refresh) read only this
            # index (index-only), not a heap page for each enrollment the group ever had.
            models.Index(
                fields=["group", "start_date"],
                include=["end_date", "client"],
                condition=Q(voided_at__isnull=True),
                name="enrollment_live_by_group",
            ),
            # A group's live enrollments that have not ended, by last day: a roster on a day (the
            # session-clients view, its counts) reads only the group's current and future
            # enrollments (index-only), however long its history.
            models.Index(
                F("group"),
                _last_day(),
                include=["start_date", "end_date", "client"],
                condition=Q(voided_at__isnull=True),
                name="enrollment_live_by_group_end",
            ),
            # Every group's live enrollments that have not ended before a day (the weekly
            # recompute's rosters of a week), index-only, however long the clinic's history.
            models.Index(
                _last_day(),
                include=["start_date", "end_date", "group", "client"],
                condition=Q(voided_at__isnull=True),
                name="enrollment_live_by_last_day",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="enrollment_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True, voided_by__isnull=True, void_reason="")
                | (Q(voided_at__isnull=False, voided_by__isnull=False) & ~Q(void_reason="")),
                name="enrollment_void_has_who_and_why",
            ),
            plausible_dates("enrollment_dates_plausible", "start_date", "end_date"),
        ]
        triggers = [
            keep_rows("enrollment_never_deleted"),
            final_once("enrollment_final_once_voided", "voided_at"),
        ]

    def __str__(self) -> str:
        return f"{self.client} in {self.group}"

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None

    def covers(self, day: date) -> bool:
        """Whether this enrollment puts the client on the roster on `day` (see `covering`)."""
        return (
            not self.is_voided
            and self.start_date <= day
            and (self.end_date is None or day <= self.end_date)
        )
