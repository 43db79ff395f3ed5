"""Demo clients for `manage.py seed_demo`: twenty Faker people, never real ones."""

from datetime import date, timedelta

from django.utils import timezone
from faker import Faker

from iop.demo import DEMO_PASSWORD
from iop.models import Role, User
from iop.services import user_create

from .models import (
    ASAM_DIMENSIONS,
    Client,
    Discharge,
    InformationCategory,
    LevelOfCare,
    ProgramTrack,
    TreatmentPlan,
)
from .services.clients import client_create, emergency_contacts_replace
from .services.consents import consent_create, disclosure_record
from .services.discharge import client_discharge
from .services.intake import (
    intake_complete,
    intake_diagnoses_replace,
    intake_draft_save,
    intake_medications_replace,
    intake_start,
    intake_substances_replace,
)
from .services.plans import (
    goal_add,
    intervention_add,
    objective_add,
    problem_add,
    treatment_plan_activate,
    treatment_plan_client_sign,
    treatment_plan_create,
)

DEMO_CLIENTS = 20
ADOLESCENT_EVERY = 5  # one client in five is on the adolescent track


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
        # Most are mid-program; one is in intake; the last two are referred, awaiting intake.
        if number <= DEMO_CLIENTS - 3:
            admitted = today - timedelta(days=fake.random_int(3, 60))
            _complete_intake(fake, client, clinician, admitted)
            if number % 4 != 0:  # a few still wait for their first plan
                plan = _plan(fake, client, clinician, admitted)
                if number % 3 != 0:
                    treatment_plan_client_sign(
                        plan=plan,
                        actor=login,
                        typed_name=f"{client.legal_first_name} {client.legal_last_name}",
                    )
            _consent_and_disclosure(fake, client, clinician, admitted)
            if number in DISCHARGED:
                client_discharge(
                    client=client,
                    discharge_date=today,
                    reason=Discharge.Reason.COMPLETED,
                    step_down_level=LevelOfCare.OUTPATIENT,
                    aftercare=[Discharge.Aftercare.ALUMNI, Discharge.Aftercare.MUTUAL_HELP],
                    summary="Met treatment goals; steps down to weekly outpatient counseling.",
                    actor=clinician,
                )
        elif number == DEMO_CLIENTS - 2:
            intake = intake_start(client=client, actor=clinician)
            intake_draft_save(
                intake=intake,
                referral_source=fake.random_element(REFERRAL_SOURCES),
                presenting_problem=fake.random_element(PRESENTING_PROBLEMS),
            )
        clients.append(client)
    # Fresh rows: the services above (admission, discharge) change clients loaded earlier.
    return list(
        Client.objects.filter(pk__in=[c.pk for c in clients])
        .select_related("track", "user", "primary_clinician")
        .order_by("pk")
    )


RELATIONSHIPS = ["Spouse", "Partner", "Mother", "Father", "Sister", "Brother", "Friend"]
REFERRAL_SOURCES = ["Self", "Primary care physician", "Drug court", "Employer EAP", "Detox unit"]
PRESENTING_PROBLEMS = [
    "Daily drinking for two years; DUI last month; wants to keep their job.",
    "Opioid use after a back injury; stabilized on buprenorphine; relapse last spring.",
    "Cannabis and alcohol use; school performance falling; family conflict.",
    "Stimulant use on weekends escalating to daily; anxiety and poor sleep.",
]
SUBSTANCES = [
    ("Alcohol", "oral", "daily", "F10.20", "Alcohol use disorder, moderate"),
    ("Opioids (fentanyl)", "smoked", "daily", "F11.20", "Opioid use disorder, moderate"),
    ("Cannabis", "smoked", "several times a week", "F12.10", "Cannabis use disorder, mild"),
    ("Methamphetamine", "inhaled", "weekends", "F15.20", "Stimulant use disorder, moderate"),
]
CO_OCCURRING = [
    ("F32.1", "Major depressive disorder, single episode, moderate"),
    ("F41.1", "Generalized anxiety disorder"),
    ("F43.10", "Post-traumatic stress disorder"),
]
PAYERS = ["Medicaid", "Blue Cross", "Aetna", "Self-pay"]
DISCHARGED = {4, 9}  # two clients finished the program today


def _complete_intake(fake: Faker, client: Client, clinician: User, admitted: date) -> None:
    intake = intake_start(client=client, actor=clinician)
    substance, route, frequency, code, description = fake.random_element(SUBSTANCES)
    intake_draft_save(
        intake=intake,
        referral_source=fake.random_element(REFERRAL_SOURCES),
        presenting_problem=fake.random_element(PRESENTING_PROBLEMS),
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
        ],
    )
    diagnoses = [{"icd10_code": code, "description": description}]
    if fake.boolean():
        other_code, other_description = fake.random_element(CO_OCCURRING)
        diagnoses.append({"icd10_code": other_code, "description": other_description})
    intake_diagnoses_replace(intake=intake, diagnoses=diagnoses)
    medications = [{"name": "Sertraline", "dose": "50 mg daily", "is_mat": False}]
    if code == "F11.20":
        medications.append(
            {"name": "Buprenorphine/naloxone", "dose": "8/2 mg daily", "is_mat": True}
        )
    intake_medications_replace(intake=intake, medications=medications)
    intake_complete(
        intake=intake, consent_to_treatment=True, admission_date=admitted, actor=clinician
    )


def _plan(fake: Faker, client: Client, clinician: User, admitted: date) -> TreatmentPlan:
    plan = treatment_plan_create(client=client, actor=clinician)
    problem = problem_add(plan=plan, statement="Substance use threatens work and family")
    goal = goal_add(problem=problem, statement="Sustain abstinence and build a recovery routine")
    for description, weeks, modality, frequency in (
        ("Attend at least 9 hours of IOP groups each week", 4, "group", "3 evenings a week"),
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
