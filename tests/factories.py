"""factory_boy factories. Clinical rows are created through the services, as the app does;
`bulk_clinic` alone inserts in bulk, for query counts at a thousand clients."""

from datetime import date, time, timedelta

import factory
from django.utils import timezone
from faker import Faker

from clients.instruments import instruments_install
from clients.models import (
    PANEL_SUBSTANCES,
    Authorization,
    CheckIn,
    Client,
    Consent,
    Discharge,
    DrugScreen,
    Instrument,
    InstrumentVersion,
    Intervention,
    LevelOfCare,
    LevelOfCareEpisode,
    MeasureSchedule,
    Panel,
    Payer,
    ProgramTrack,
    ScreenResult,
    TreatmentPlan,
)
from clients.services.authorizations import authorization_create, payer_create
from clients.services.clients import client_admit, client_create
from clients.services.consents import consent_create
from clients.services.drug_screens import drug_screen_record
from clients.services.measures import checkin_open
from clients.services.plans import (
    goal_add,
    intervention_add,
    objective_add,
    problem_add,
    treatment_plan_activate,
    treatment_plan_create,
)
from groups.models import Enrollment, Group, GroupType, Room
from iop.clock import local_datetime
from iop.models import Role, User
from iop.services import user_create
from scheduling.models import (
    ATTENDED_STATUSES,
    Attendance,
    AttendanceStatus,
    ComplianceAlert,
    ComplianceStatus,
    ProgressNote,
    ReminderPreference,
    Session,
    SessionLog,
    SessionType,
    WeeklyCompliance,
)
from scheduling.services.reminders import reminder_preference_update

fake = Faker()
PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    role = Role.CLINICIAN

    @classmethod
    def _create(cls, model_class, **kwargs):
        return user_create(password=PASSWORD, **kwargs)


class ProgramTrackFactory(factory.django.DjangoModelFactory):
    """The adult track as the migration creates it. Transactional tests (live server, Celery worker)
    flush migration data, so factories get-or-create it rather than assume it is there."""

    class Meta:
        model = ProgramTrack
        django_get_or_create = ("code",)

    code = "adult"
    name = "Adult IOP"
    weekly_minimum_minutes = 540
    weekly_maximum_minutes = 1140
    minimum_treatment_days = 3


class ClientFactory(factory.django.DjangoModelFactory):
    """An active adult client with a portal login; status="referred" gives one not admitted."""

    class Meta:
        model = Client

    legal_first_name = factory.Faker("first_name")
    legal_last_name = factory.Faker("last_name")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=19, maximum_age=70)
    track = factory.SubFactory(ProgramTrackFactory)
    primary_clinician = factory.SubFactory(UserFactory, role=Role.CLINICIAN)
    user = factory.SubFactory(UserFactory, role=Role.CLIENT)
    status = Client.Status.ACTIVE
    admission_date = factory.Faker("date_between", start_date="-30d", end_date="-7d")

    @classmethod
    def _create(cls, model_class, *, status, admission_date, **kwargs):
        client = client_create(**kwargs)
        if status == Client.Status.ACTIVE:
            client_admit(client=client, admission_date=admission_date)
        return client


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Room {n + 101}")
    location = "2nd floor, 120 Main Street"
    capacity = 15


class GroupFactory(factory.django.DjangoModelFactory):
    """A 3-hour adult evening group, Monday, Wednesday, Thursday at 6 pm local time."""

    class Meta:
        model = Group
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Relapse Prevention {n + 1}")
    group_type = GroupType.RELAPSE_PREVENTION
    track = factory.SubFactory(ProgramTrackFactory)
    room = factory.SubFactory(RoomFactory)
    capacity = 12
    weekdays = factory.LazyFunction(lambda: [0, 2, 3])
    start_time = time(18, 0)
    duration_minutes = 180
    first_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=60))

    @factory.post_generation
    def facilitators(self, create, extracted, **kwargs):
        if create:
            self.facilitators.set(extracted or [UserFactory(role=Role.CLINICIAN)])


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    group = factory.SubFactory(GroupFactory)
    client = factory.SubFactory(ClientFactory)
    start_date = factory.LazyAttribute(lambda enrollment: enrollment.client.admission_date)


class SessionFactory(factory.django.DjangoModelFactory):
    """A scheduled group session (pass group=...); for an individual session pass
    session_type=SessionType.INDIVIDUAL, client=..., group=None."""

    class Meta:
        model = Session

    session_type = SessionType.GROUP
    group = factory.SubFactory(GroupFactory)
    client = None
    clinician = factory.LazyAttribute(
        lambda session: session.group.facilitators.first() if session.group else UserFactory()
    )
    room = factory.LazyAttribute(lambda session: session.group.room if session.group else None)
    is_telehealth = factory.LazyAttribute(lambda session: session.room is None)
    starts_at = factory.LazyFunction(lambda: local_datetime(timezone.localdate(), time(18, 0)))
    ends_at = factory.LazyAttribute(lambda session: session.starts_at + timedelta(minutes=180))


class IndividualSessionFactory(SessionFactory):
    """A 50-minute individual session (pass client=...), in no room: by video."""

    session_type = SessionType.INDIVIDUAL
    group = None
    room = None
    ends_at = factory.LazyAttribute(lambda session: session.starts_at + timedelta(minutes=50))


class AttendanceFactory(factory.django.DjangoModelFactory):
    """Present for the whole session unless told otherwise."""

    class Meta:
        model = Attendance

    session = factory.SubFactory(SessionFactory)
    client = factory.SubFactory(ClientFactory)
    status = AttendanceStatus.PRESENT
    session_minutes = factory.LazyAttribute(lambda attendance: attendance.session.length_minutes)
    minutes_attended = factory.LazyAttribute(
        lambda attendance: (
            attendance.session_minutes if attendance.status in ATTENDED_STATUSES else 0
        )
    )
    recorded_by = factory.LazyAttribute(lambda attendance: attendance.session.clinician)


class TreatmentPlanFactory(factory.django.DjangoModelFactory):
    """A plan with one problem, goal, objective and intervention, built through the services;
    active (signed by the client's primary clinician) unless status="draft"."""

    class Meta:
        model = TreatmentPlan

    client = factory.SubFactory(ClientFactory)
    status = TreatmentPlan.Status.ACTIVE

    @classmethod
    def _create(cls, model_class, *, client, status):
        plan = treatment_plan_create(client=client, actor=client.primary_clinician)
        problem = problem_add(plan=plan, statement="Daily alcohol use")
        goal = goal_add(problem=problem, statement="Sustained abstinence")
        objective = objective_add(
            goal=goal,
            description="Attend 9 hours of group a week for 4 weeks",
            target_date=timezone.localdate() + timedelta(days=28),
        )
        intervention_add(
            objective=objective,
            modality=Intervention.Modality.GROUP,
            frequency="3 times a week",
            responsible=client.primary_clinician,
        )
        if status == TreatmentPlan.Status.ACTIVE:
            plan = treatment_plan_activate(plan=plan, actor=client.primary_clinician)
        return plan


class ConsentFactory(factory.django.DjangoModelFactory):
    """A consent to disclose the treatment plan and summary, valid for a year from a week ago."""

    class Meta:
        model = Consent

    client = factory.SubFactory(ClientFactory)
    recipient = "Riverside Probation Office"
    purpose = "Verify treatment participation"
    information = factory.LazyFunction(lambda: ["summary", "treatment_plan"])
    signed_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=7))
    expires_on = factory.LazyAttribute(lambda consent: consent.signed_on + timedelta(days=365))
    actor = factory.LazyAttribute(lambda consent: consent.client.primary_clinician)

    @classmethod
    def _create(cls, model_class, **kwargs):
        return consent_create(**kwargs)


class DrugScreenFactory(factory.django.DjangoModelFactory):
    """An observed 12-panel screen collected yesterday, negative for everything; pass `results`
    (substance -> result) to change some lines."""

    class Meta:
        model = DrugScreen

    client = factory.SubFactory(ClientFactory)
    collected_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=1))
    observed = True
    panel = Panel.TWELVE
    results = factory.LazyFunction(dict)
    actor = factory.LazyAttribute(lambda screen: screen.client.primary_clinician)

    @classmethod
    def _create(cls, model_class, *, results, panel, **kwargs):
        every = dict.fromkeys(PANEL_SUBSTANCES[panel], ScreenResult.NEGATIVE)
        return drug_screen_record(panel=panel, results={**every, **results}, **kwargs)


class ProgressNoteFactory(factory.django.DjangoModelFactory):
    """A complete, signable draft DAP note by the session's clinician; sign it with `note_sign`."""

    class Meta:
        model = ProgressNote
        skip_postgeneration_save = True

    session = factory.SubFactory(SessionFactory)
    client = factory.SubFactory(ClientFactory)
    author = factory.LazyAttribute(lambda note: note.session.clinician)
    data = factory.Faker("paragraph")
    assessment = factory.Faker("paragraph")
    plan = factory.Faker("sentence")

    @factory.post_generation
    def session_topic(self, create, extracted, **kwargs):
        """A group note is signed with its session's topic: give the session one if it has none
        (pass session_topic="..." to choose it)."""
        if not create or self.session.group_id is None:
            return
        log, _ = SessionLog.objects.get_or_create(session=self.session)
        if extracted is not None or not log.topic:
            log.topic = extracted or "Relapse warning signs"
            log.save(update_fields=["topic"])


class ReminderPreferenceFactory(factory.django.DjangoModelFactory):
    """A client with an email address and a phone number, opted in to both channels."""

    class Meta:
        model = ReminderPreference

    client = factory.SubFactory(
        ClientFactory,
        email=factory.Sequence(lambda n: f"client{n}@example.org"),
        phone="+15555550100",
    )
    email_opt_in = True
    sms_opt_in = True
    quiet_start = None
    quiet_end = None

    @classmethod
    def _create(cls, model_class, **kwargs):
        return reminder_preference_update(**kwargs)


def instruments_installed() -> None:
    """The published instruments and schedules, as the migration loads them. Transactional tests
    flush migration data, so tests that need them ask for them."""
    instruments_install(Instrument, InstrumentVersion, ProgramTrack, MeasureSchedule)


def check_in_open(client: Client, code: str = "phq-9", due_on: date | None = None) -> CheckIn:
    """An open check-in of instrument `code` for `client`, due today unless told."""
    instruments_installed()
    return checkin_open(
        client=client,
        instrument=Instrument.objects.get(code=code),
        due_on=due_on or timezone.localdate(),
    )


class PayerFactory(factory.django.DjangoModelFactory):
    """A payer counting one H0015 unit per day of 3 attended hours (180 minutes), and S9480 alike."""

    class Meta:
        model = Payer

    name = factory.Sequence(lambda n: f"Health Plan {n + 1}")
    unit_rules = factory.LazyFunction(lambda: {"H0015": 180, "S9480": 180})
    # The clinic's first admin, as in a clinic; one is made only when the test has none.
    actor = factory.LazyFunction(
        lambda: (
            User.objects.filter(role=Role.ADMIN).order_by("pk").first()
            or UserFactory(role=Role.ADMIN)
        )
    )

    @classmethod
    def _create(cls, model_class, **kwargs):
        return payer_create(**kwargs)


class AuthorizationFactory(factory.django.DjangoModelFactory):
    """20 H0015 units over 8 weeks from the client's admission."""

    class Meta:
        model = Authorization

    client = factory.SubFactory(ClientFactory)
    payer = factory.SubFactory(PayerFactory)
    number = factory.Sequence(lambda n: f"AUTH-{n + 1000}")
    service_code = "H0015"
    units_authorized = 20
    first_day = factory.LazyAttribute(lambda a: a.client.admission_date)
    last_day = factory.LazyAttribute(lambda a: a.first_day + timedelta(weeks=8, days=-1))
    actor = factory.LazyAttribute(lambda a: a.client.primary_clinician)

    @classmethod
    def _create(cls, model_class, **kwargs):
        return authorization_create(**kwargs)


def bulk_clinic(count: int, *, clinician: User, group: Group, held: Session) -> list[Client]:
    """`count` clients in a few bulk inserts, for query-count tests at 1,000 clients (the
    services make one client at a time): the first half active in IOP on `group`'s roster,
    attending `held` (every other one absent) with no note signed, with this and last week's hours
    (a status each, by turns) and an open alert; the other half discharged this month, by each of
    the four reasons in turn. Rows are inserted as the services leave them."""
    today = timezone.localdate()
    track = ProgramTrackFactory()
    first = Client.objects.count()
    clients = Client.objects.bulk_create(
        Client(
            mrn=f"BULK{first + n:06d}",
            legal_first_name=f"Bulk{n}",
            legal_last_name="Client",
            date_of_birth=date(1980, 1, 1),
            track=track,
            primary_clinician=clinician,
            status=Client.Status.ACTIVE if n % 2 == 0 else Client.Status.DISCHARGED,
            admission_date=today - timedelta(days=40),
            discharge_date=None if n % 2 == 0 else today.replace(day=1),
        )
        for n in range(count)
    )
    active = [c for c in clients if c.status == Client.Status.ACTIVE]
    discharged = [c for c in clients if c.status == Client.Status.DISCHARGED]
    LevelOfCareEpisode.objects.bulk_create(
        LevelOfCareEpisode(
            client=c, level=LevelOfCare.IOP, start_date=c.admission_date, end_date=c.discharge_date
        )
        for c in clients
    )
    reasons = list(Discharge.Reason)
    Discharge.objects.bulk_create(
        Discharge(
            client=c,
            discharge_date=c.discharge_date,
            reason=reasons[n % len(reasons)],
            summary="Bulk",
            recorded_by=clinician,
        )
        for n, c in enumerate(discharged)
    )
    Enrollment.objects.bulk_create(
        Enrollment(group=group, client=c, start_date=c.admission_date) for c in active
    )
    Attendance.objects.bulk_create(
        Attendance(
            session=held,
            client=c,
            status=AttendanceStatus.PRESENT if n % 2 == 0 else AttendanceStatus.ABSENT,
            minutes_attended=held.length_minutes if n % 2 == 0 else 0,
            session_minutes=held.length_minutes,
            recorded_by=clinician,
        )
        for n, c in enumerate(active)
    )
    this_week = today - timedelta(days=today.weekday())
    statuses = list(ComplianceStatus)
    WeeklyCompliance.objects.bulk_create(
        WeeklyCompliance(
            client=c,
            week_start=week,
            status=statuses[n % len(statuses)],
            required_minutes=540,
            required_days=3,
            maximum_minutes=1140,
            computed_at=timezone.now(),
        )
        for n, c in enumerate(active)
        for week in (this_week - timedelta(weeks=1), this_week)
    )
    ComplianceAlert.objects.bulk_create(
        ComplianceAlert(client=c, week_start=this_week, kind=ComplianceAlert.Kind.AT_RISK)
        for c in active
    )
    return clients
