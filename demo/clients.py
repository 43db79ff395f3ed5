"""Demo clients: twenty Faker people (never real ones) whose records follow their story
(demo.story): what brought them in matches what they use and their diagnoses, the intake is
completed on the day of admission, and a discharge's reason matches how the client attended."""

from dataclasses import dataclass
from datetime import date, time, timedelta

from django.utils import timezone
from faker import Faker

from clients.models import (
    ASAM_DIMENSIONS,
    Client,
    Discharge,
    InformationCategory,
    Intake,
    LevelOfCare,
    Objective,
    ProgramTrack,
    TreatmentPlan,
)
from clients.services.clients import client_create, emergency_contacts_replace
from clients.services.consents import consent_create, disclosure_record
from clients.services.discharge import client_discharge
from clients.services.intake import (
    intake_complete,
    intake_diagnoses_replace,
    intake_draft_save,
    intake_medications_replace,
    intake_start,
    intake_substances_replace,
)
from clients.services.plans import (
    goal_add,
    intervention_add,
    objective_add,
    objective_remove,
    objective_update,
    problem_add,
    problem_update,
    treatment_plan_activate,
    treatment_plan_client_sign,
    treatment_plan_create,
    treatment_plan_revise,
)
from iop.clock import local_datetime
from iop.models import Role, User
from iop.services import user_create
from scheduling.selectors.compliance import client_weeks_between
from scheduling.services.compliance import compliance_recompute

from .people import DEMO_PASSWORD
from .story import (
    ADOLESCENT_EVERY,
    DEMO_CLIENTS,
    IN_INTAKE,
    REVISED_PLAN,
    STORIES,
    Ending,
    Story,
    admission_date,
    discharge_date,
)


@dataclass(frozen=True)
class Profile:
    """What brought a client in, and what the intake found: the presenting problem names each
    substance, and each substance has its use-disorder diagnosis (ICD-10-CM F10-F15)."""

    presenting_problem: str
    substances: list[tuple[str, str, str]]  # substance, route, frequency
    diagnoses: list[tuple[str, str]]  # ICD-10 code, description
    medications: list[tuple[str, str, bool]]  # name, dose, medication for addiction treatment


ADULT_PROFILES = [
    Profile(
        "Daily drinking for two years; a DUI last month; wants to keep their job.",
        [("Alcohol", "oral", "daily")],
        [("F10.20", "Alcohol use disorder, moderate")],
        [("Naltrexone", "50 mg daily", True)],
    ),
    Profile(
        "Opioid use after a back injury; stabilized on buprenorphine; relapse last spring.",
        [("Opioids (fentanyl)", "smoked", "daily")],
        [("F11.20", "Opioid use disorder, moderate")],
        [("Buprenorphine/naloxone", "8/2 mg daily", True)],
    ),
    Profile(
        "Methamphetamine use on weekends escalating to daily; anxiety and poor sleep.",
        [("Methamphetamine", "inhaled", "daily")],
        [("F15.20", "Stimulant use disorder, moderate"), ("F41.1", "Generalized anxiety disorder")],
        [("Sertraline", "50 mg daily", False)],
    ),
    Profile(
        "Drinking to cope with low mood since a divorce; missed work after weekend binges.",
        [("Alcohol", "oral", "weekends, heavy")],
        [
            ("F10.20", "Alcohol use disorder, moderate"),
            ("F32.1", "Major depressive disorder, single episode, moderate"),
        ],
        [("Sertraline", "50 mg daily", False), ("Acamprosate", "666 mg three times a day", True)],
    ),
]
ADOLESCENT_PROFILES = [
    Profile(
        "Cannabis and alcohol use; school performance falling; family conflict.",
        [("Cannabis", "smoked", "several times a week"), ("Alcohol", "oral", "weekends")],
        [("F12.10", "Cannabis use disorder, mild"), ("F10.10", "Alcohol use disorder, mild")],
        [],
    ),
    Profile(
        "Vaping cannabis daily since a friend's death; suspended from school after a fight.",
        [("Cannabis", "inhaled", "daily")],
        [
            ("F12.20", "Cannabis use disorder, moderate"),
            ("F43.10", "Post-traumatic stress disorder"),
        ],
        [],
    ),
]
RELATIONSHIPS = ["Spouse", "Partner", "Mother", "Father", "Sister", "Brother", "Friend"]
REFERRAL_SOURCES = ["Self", "Primary care physician", "Drug court", "Employer EAP", "Detox unit"]
PAYERS = ["Medicaid", "Blue Cross", "Aetna", "Self-pay"]
# Clients admitted this recently still wait for their first plan, or for their signature on it.
PLAN_AFTER_WEEKS = 2
CLIENT_SIGNS_AFTER_WEEKS = 4


@dataclass(frozen=True)
class Closing:
    reason: str
    step_down_level: str
    aftercare: list[str]
    summary: str


DISCHARGES = {
    Ending.COMPLETED: Closing(
        Discharge.Reason.COMPLETED,
        LevelOfCare.OUTPATIENT,
        [Discharge.Aftercare.ALUMNI, Discharge.Aftercare.MUTUAL_HELP],
        "Attended the program's weeks and met treatment goals; steps down to weekly outpatient "
        "counseling.",
    ),
    Ending.LEFT: Closing(
        Discharge.Reason.AGAINST_ADVICE,
        "",
        [Discharge.Aftercare.MUTUAL_HELP],
        "Attendance fell off over three weeks, then stopped; did not answer calls or letters. "
        "Discharged against advice; welcome to return through intake.",
    ),
}


def profile_of(story: Story) -> Profile:
    profiles = ADOLESCENT_PROFILES if story.is_adolescent else ADULT_PROFILES
    return profiles[story.number % len(profiles)]


def seed_clients(fake: Faker, clinicians: list[User]) -> list[Client]:
    adult = ProgramTrack.objects.get(code="adult")
    adolescent = ProgramTrack.objects.get(code="adolescent")
    today = timezone.localdate()
    clients = []
    for number in range(1, DEMO_CLIENTS + 1):
        username = f"client{number}"
        existing = Client.objects.filter(user__username=username).first()
        if existing:
            clients.append(existing)
            continue
        is_adolescent = number % ADOLESCENT_EVERY == 0
        first, last = fake.first_name(), fake.last_name()
        login = user_create(
            username=username,
            role=Role.CLIENT,
            first_name=first,
            last_name=last,
            email=f"{username}@example.org",
            password=DEMO_PASSWORD,
        )
        client = client_create(
            legal_first_name=first,
            legal_last_name=last,
            date_of_birth=fake.date_of_birth(
                minimum_age=14 if is_adolescent else 19, maximum_age=17 if is_adolescent else 64
            ),
            track=adolescent if is_adolescent else adult,
            primary_clinician=clinicians[number % len(clinicians)],
            email=login.email,
            phone=fake.numerify("555-###-####"),
            user=login,
        )
        clinician = client.primary_clinician
        emergency_contacts_replace(
            client=client,
            contacts=[
                {
                    "name": fake.name(),
                    "relationship": fake.random_element(RELATIONSHIPS),
                    "phone": fake.numerify("555-###-####"),
                }
            ],
        )
        story = STORIES.get(number)
        if story is not None:
            admitted = admission_date(story, today)
            _complete_intake(fake, client, clinician, story, admitted)
            weeks_in = (today - admitted).days // 7
            if weeks_in >= PLAN_AFTER_WEEKS:
                plan = _plan(client, clinician, admitted)
                if number == REVISED_PLAN:
                    _sign(plan, login)
                    plan = _revise(plan, clinician)
                if weeks_in >= CLIENT_SIGNS_AFTER_WEEKS:
                    _sign(plan, login)
            _consent_and_disclosure(fake, client, clinician, admitted)
        elif number == IN_INTAKE:
            intake = intake_start(client=client, actor=clinician)
            intake_draft_save(
                intake=intake,
                referral_source=fake.random_element(REFERRAL_SOURCES),
                presenting_problem=ADULT_PROFILES[0].presenting_problem,
            )
        clients.append(client)
    # Fresh rows: the services above (admission) change clients loaded earlier.
    return list(
        Client.objects.filter(pk__in=[c.pk for c in clients])
        .select_related("track", "user", "primary_clinician")
        .order_by("pk")
    )


def _complete_intake(
    fake: Faker, client: Client, clinician: User, story: Story, admitted: date
) -> None:
    profile = profile_of(story)
    intake = intake_start(client=client, actor=clinician)
    intake_draft_save(
        intake=intake,
        referral_source=fake.random_element(REFERRAL_SOURCES),
        presenting_problem=profile.presenting_problem,
        payer=fake.random_element(PAYERS),
        member_id=fake.bothify("??#######").upper(),
        authorization_number=fake.bothify("AUTH-#####"),
        authorized_units=fake.random_element([24, 36, 48]),
        authorized_unit_kind="days",
        authorization_start=admitted,
        authorization_end=admitted + timedelta(weeks=12),
        **{field: fake.random_int(0, 3) for field, _ in ASAM_DIMENSIONS},
    )
    intake_substances_replace(
        intake=intake,
        substances=[
            {
                "substance": substance,
                "route": route,
                "frequency": frequency,
                "last_use": admitted - timedelta(days=fake.random_int(1, 20)),
            }
            for substance, route, frequency in profile.substances
        ],
    )
    intake_diagnoses_replace(
        intake=intake,
        diagnoses=[{"icd10_code": code, "description": text} for code, text in profile.diagnoses],
    )
    intake_medications_replace(
        intake=intake,
        medications=[
            {"name": name, "dose": dose, "is_mat": is_mat}
            for name, dose, is_mat in profile.medications
        ],
    )
    intake_complete(
        intake=intake, consent_to_treatment=True, admission_date=admitted, actor=clinician
    )
    # The intake was done on the day of admission, not the day the demo was seeded: the services
    # stamp the present, so the demo dates its past.
    started = local_datetime(admitted, time(9, 30))
    Intake.objects.filter(pk=intake.pk).update(
        started_at=min(started, timezone.now()),
        completed_at=min(started + timedelta(hours=2), timezone.now()),
    )


def _plan(client: Client, clinician: User, admitted: date) -> TreatmentPlan:
    plan = treatment_plan_create(client=client, actor=clinician)
    problem = problem_add(plan=plan, statement="Substance use threatens work and family")
    goal = goal_add(problem=problem, statement="Sustain abstinence and build a recovery routine")
    for description, weeks, modality, frequency in (
        ("Attend at least 9 hours of IOP groups each week", 4, "group", "3 days a week"),
        ("Name three triggers and a coping plan for each", 3, "individual", "weekly"),
        ("Attend two mutual-help meetings a week", 6, "case_management", "weekly check-in"),
    ):
        objective = objective_add(
            goal=goal,
            description=description,
            target_date=max(admitted + timedelta(weeks=weeks), timezone.localdate()),
        )
        intervention_add(
            objective=objective, modality=modality, frequency=frequency, responsible=clinician
        )
    return treatment_plan_activate(plan=plan, actor=clinician)


def _revise(plan: TreatmentPlan, clinician: User) -> TreatmentPlan:
    """The second version: the triggers step is achieved and dropped, group hours get more time,
    the problem is restated and a goal for work is added."""
    draft = treatment_plan_revise(plan=plan, actor=clinician)
    problem = draft.problems.get()
    problem_update(
        problem=problem, statement="Substance use threatens work and family; early remission"
    )
    for objective in Objective.objects.filter(goal__problem=problem):
        if objective.description.startswith("Name three triggers"):
            objective_remove(objective=objective)
        elif objective.description.startswith("Attend at least 9 hours"):
            objective_update(
                objective=objective,
                description=objective.description,
                target_date=timezone.localdate() + timedelta(weeks=4),
            )
    goal = goal_add(problem=problem, statement="Return to work with a relapse-prevention plan")
    intervention_add(
        objective=objective_add(
            goal=goal,
            description="Meet the employer's EAP counselor and agree a return date",
            target_date=timezone.localdate() + timedelta(weeks=3),
        ),
        modality="case_management",
        frequency="every two weeks",
        responsible=clinician,
    )
    return treatment_plan_activate(plan=draft, actor=clinician)


def _sign(plan: TreatmentPlan, login: User) -> None:
    client = plan.client
    treatment_plan_client_sign(
        plan=plan, actor=login, typed_name=f"{client.legal_first_name} {client.legal_last_name}"
    )


def _consent_and_disclosure(fake: Faker, client: Client, clinician: User, admitted: date) -> None:
    consent = consent_create(
        client=client,
        recipient=fake.random_element(["County drug court", "Employer EAP", "Primary care office"]),
        purpose="Verify treatment participation",
        information=[InformationCategory.SUMMARY, InformationCategory.TREATMENT_PLAN],
        signed_on=admitted,
        expires_on=admitted + timedelta(days=365),
        actor=clinician,
    )
    if fake.boolean():
        disclosure_record(consent=consent, information=InformationCategory.SUMMARY, actor=clinician)


def seed_discharges(clients: list[Client]) -> None:
    """Discharge the clients whose story ends (after their attendance is on record): the one who
    completed on the last clinic day of last week, the one who left ten days after their last
    session."""
    today = timezone.localdate()
    by_username = {client.user.username: client for client in clients if client.user}
    for story in STORIES.values():
        client = by_username.get(story.username)
        discharged_on = discharge_date(story, today)
        if client is None or story.ending is None or discharged_on is None:
            continue
        client.refresh_from_db(fields=["status"])
        if client.status != Client.Status.ACTIVE:
            continue
        closing = DISCHARGES[story.ending]
        client_discharge(
            client=client,
            discharge_date=discharged_on,
            reason=closing.reason,
            step_down_level=closing.step_down_level,
            aftercare=closing.aftercare,
            summary=closing.summary,
            actor=client.primary_clinician,
        )
        # The receivers ask a worker for this after commit; the demo's next steps read it now.
        compliance_recompute(
            client_weeks=client_weeks_between(
                client_ids=[client.pk], first_day=discharged_on, last_day=None
            )
        )
