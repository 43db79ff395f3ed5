"""Thin views of the client record: check the role and the object, validate, call a service."""

from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from iop.access import client_required, staff_required
from iop.forms import Confirmation, Step, add_service_errors, irreversible_result, service_result
from iop.services import chart_read_record

from . import forms, selectors
from .access import (
    access_client,
    access_client_chart,
    access_consent,
    access_own_client,
    access_own_plan,
    access_plan,
)
from .models import (
    REDISCLOSURE_NOTICE,
    Client,
    Discharge,
    Goal,
    InformationCategory,
    Intake,
    Objective,
    Problem,
    TreatmentPlan,
)
from .services import clients as client_services
from .services import consents as consent_services
from .services import discharge as discharge_services
from .services import intake as intake_services
from .services import level_of_care as level_of_care_services
from .services import plans as plan_services

PAGE_SIZE = 25


def _client_form_page(
    request: HttpRequest,
    client: Client,
    form: Any,
    title: str,
    submit: str,
    confirm: Confirmation | None = None,
) -> HttpResponse:
    return render(
        request,
        "clients/simple_form.html",
        {"client": client, "form": form, "title": title, "submit": submit, "confirm": confirm},
    )


@staff_required
def caseload(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "clients/caseload.html",
        {
            "clients": selectors.client_caseload(clinician=request.user),
            "overdue_reviews": selectors.plan_reviews_overdue(clinician=request.user),
        },
    )


@staff_required
def client_list(request: HttpRequest) -> HttpResponse:
    filterset = forms.ClientFilter(request.GET, queryset=selectors.client_list(user=request.user))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "clients/client_list.html",
        {"filter": filterset, "page": page, "query": query.urlencode()},
    )


@staff_required
def client_create(request: HttpRequest) -> HttpResponse:
    form = forms.ClientForm(request.POST or None)
    if client := service_result(
        request, form, lambda: client_services.client_create(**form.cleaned_data)
    ):
        messages.success(request, f"Referral registered: MRN {client.mrn}.")
        return redirect("clients:chart", client.pk)
    return render(request, "clients/client_form.html", {"form": form, "title": "New referral"})


@staff_required
def client_edit(request: HttpRequest, pk: int) -> HttpResponse:
    client = access_client(user=request.user, pk=pk)
    chart_read_record(request=request, client_id=client.pk, what="client record")
    form = forms.ClientEditForm(request.POST or None, instance=client)
    contacts = forms.EmergencyContactFormSet(
        request.POST or None,
        prefix="contacts",
        initial=list(client.emergency_contacts.values("name", "relationship", "phone")),
    )
    if request.method == "POST" and form.is_valid() and contacts.is_valid():
        try:
            client_services.client_update(
                client=client,
                emergency_contacts=forms.formset_rows(contacts),
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Client record saved.")
            return redirect("clients:chart", client.pk)
    return render(
        request,
        "clients/client_form.html",
        {"form": form, "contacts": contacts, "client": client, "title": "Edit client record"},
    )


@staff_required
def chart(request: HttpRequest, pk: int) -> HttpResponse:
    client = access_client_chart(user=request.user, pk=pk)
    chart_read_record(request=request, client_id=client.pk, what="chart")
    plans = list(client.treatment_plans.all())
    active_plan = next((p for p in plans if p.status == TreatmentPlan.Status.ACTIVE), None)
    draft_plan = next((p for p in plans if p.status == TreatmentPlan.Status.DRAFT), None)
    today = timezone.localdate()
    intake: Intake | None = getattr(client, "intake", None)
    return render(
        request,
        "clients/chart.html",
        {
            "client": client,
            "intake": intake,
            "discharge": getattr(client, "discharge", None),
            "active_plan": active_plan,
            "draft_plan": draft_plan,
            "plans": plans,
            "review_overdue": bool(
                client.status == Client.Status.ACTIVE
                and active_plan
                and active_plan.next_review_due
                and active_plan.next_review_due < today
            ),
            "consents": [
                (consent, consent.is_valid_on(today)) for consent in client.consents.all()
            ],
            "today": today,
            "level_form": forms.LevelOfCareForm(),
        },
    )


# --- Intake ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntakeStep:
    slug: str
    title: str


INTAKE_STEPS = [
    IntakeStep("referral", "Referral and presenting problem"),
    IntakeStep("substances", "Substances used"),
    IntakeStep("diagnoses", "Co-occurring diagnoses"),
    IntakeStep("asam", "ASAM dimensions"),
    IntakeStep("medications", "Current medications"),
    IntakeStep("payer", "Payer and authorization"),
    IntakeStep("consent", "Consent and admission"),
]
STEP_SLUGS = [step.slug for step in INTAKE_STEPS]
MODEL_STEP_FORMS: dict[str, type[django_forms.ModelForm]] = {
    "referral": forms.ReferralStepForm,
    "asam": forms.AsamStepForm,
    "payer": forms.PayerStepForm,
}
ROW_STEPS: dict[str, tuple[type[django_forms.BaseFormSet], str, tuple[str, ...]]] = {
    "substances": (
        forms.SubstanceFormSet,
        "substances",
        ("substance", "route", "frequency", "last_use"),
    ),
    "diagnoses": (forms.DiagnosisFormSet, "diagnoses", ("icd10_code", "description")),
    "medications": (forms.MedicationFormSet, "medications", ("name", "dose", "is_mat")),
}
ROW_SAVERS = {
    "substances": lambda intake, rows: intake_services.intake_substances_replace(
        intake=intake, substances=rows
    ),
    "diagnoses": lambda intake, rows: intake_services.intake_diagnoses_replace(
        intake=intake, diagnoses=rows
    ),
    "medications": lambda intake, rows: intake_services.intake_medications_replace(
        intake=intake, medications=rows
    ),
}


def _intake_form(step: str, intake: Intake, data: Any) -> Any:
    if step in MODEL_STEP_FORMS:
        return MODEL_STEP_FORMS[step](data, instance=intake)
    if step in ROW_STEPS:
        formset_class, related, fields = ROW_STEPS[step]
        initial = list(getattr(intake.client, related).values(*fields))
        return formset_class(data, prefix=step, initial=initial)
    return forms.ConsentToTreatmentForm(
        data, initial={"admission_date": timezone.localdate(), "consent_to_treatment": False}
    )


def _save_intake_step(step: str, intake: Intake, form: Any, user: Any) -> Client | None:
    """Save a valid step; returns the admitted client when the last step completes intake."""
    if step in MODEL_STEP_FORMS:
        intake_services.intake_draft_save(
            intake=intake, **{name: form.cleaned_data[name] for name in form.Meta.fields}
        )
    elif step in ROW_SAVERS:
        ROW_SAVERS[step](intake, forms.formset_rows(form))
    else:
        return intake_services.intake_complete(intake=intake, actor=user, **form.cleaned_data)
    return None


@staff_required
def intake(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    client = access_client(user=request.user, pk=pk)
    if step not in STEP_SLUGS:
        raise Http404("No such intake step.")
    if client.status not in (Client.Status.REFERRED, Client.Status.INTAKE):
        messages.info(request, "Intake is complete for this client.")
        return redirect("clients:chart", client.pk)
    chart_read_record(request=request, client_id=client.pk, what=f"intake: {step}")
    # Opening a step reads; the first saved step starts the intake (and the client is "in intake").
    draft = Intake.objects.filter(client=client).first() or Intake(client=client)
    form = _intake_form(step, draft, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            draft = intake_services.intake_start(client=client, actor=request.user)
            admitted = _save_intake_step(step, draft, form, request.user)
        except ValidationError as error:
            if step in ROW_STEPS:
                messages.error(request, " ".join(error.messages))
            else:
                add_service_errors(form, error)
        else:
            if admitted is not None:
                messages.success(request, "Intake complete: the client is admitted at level 2.1.")
                return redirect("clients:chart", client.pk)
            following = STEP_SLUGS[STEP_SLUGS.index(step) + 1]
            target = following if "next" in request.POST else step
            if target == step:
                messages.success(request, "Draft saved.")
            return redirect("clients:intake", client.pk, target)
    index = STEP_SLUGS.index(step)
    return render(
        request,
        "clients/intake.html",
        {
            "client": client,
            "steps": INTAKE_STEPS,
            "step": INTAKE_STEPS[index],
            "number": index + 1,
            "previous": STEP_SLUGS[index - 1] if index else None,
            "is_last": index == len(STEP_SLUGS) - 1,
            "form": form,
            "is_formset": step in ROW_STEPS,
        },
    )


# --- Level of care, consents, disclosures -----------------------------------------------------


@staff_required
def level_of_care_change(request: HttpRequest, pk: int) -> HttpResponse:
    client = access_client(user=request.user, pk=pk)
    form = forms.LevelOfCareForm(request.POST or None)
    if service_result(
        request,
        form,
        lambda: level_of_care_services.level_of_care_change(
            client=client, actor=request.user, **form.cleaned_data
        ),
    ):
        messages.success(request, "Level of care changed.")
        return redirect("clients:chart", client.pk)
    return _client_form_page(request, client, form, "Change level of care", "Change")


@staff_required
def consent_create(request: HttpRequest, pk: int) -> HttpResponse:
    client = access_client(user=request.user, pk=pk)
    form = forms.ConsentForm(request.POST or None)
    if service_result(
        request,
        form,
        lambda: consent_services.consent_create(
            client=client, actor=request.user, **form.cleaned_data
        ),
    ):
        messages.success(request, "Consent recorded.")
        return redirect("clients:chart", client.pk)
    return _client_form_page(
        request, client, form, "Record a consent to disclose (42 CFR Part 2)", "Record consent"
    )


@staff_required
def consent_revoke(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    consent = access_consent(user=request.user, client_pk=pk, pk=consent_pk)
    client = consent.client
    form = forms.ConsentRevokeForm(
        request.POST or None, initial={"revoked_on": timezone.localdate()}
    )
    if service_result(
        request,
        form,
        lambda: consent_services.consent_revoke(
            consent=consent,
            revoked_on=form.cleaned_data["revoked_on"],
            note=form.cleaned_data["note"],
        ),
    ):
        messages.success(request, "Consent revoked.")
        return redirect("clients:chart", client.pk)
    return _client_form_page(request, client, form, f"Revoke: {consent}", "Revoke")


@staff_required
def disclose(request: HttpRequest, pk: int) -> HttpResponse:
    """Print or export part of the record: only under a valid consent that covers it, with the
    42 CFR 2.32 notice, and logged in the ledger the client sees."""
    client = access_client(user=request.user, pk=pk)
    form = forms.DisclosureForm(request.POST or None, client=client)
    disclosure = service_result(
        request,
        form,
        lambda: consent_services.disclosure_record(
            consent=form.cleaned_data["consent"],
            information=form.cleaned_data["information"],
            actor=request.user,
        ),
    )
    if disclosure:
        chart_read_record(
            request=request, client_id=client.pk, what=f"disclosure: {disclosure.information}"
        )
        record = access_client_chart(user=request.user, pk=client.pk)
        return render(
            request,
            "clients/disclosure_print.html",
            {
                "client": record,
                "disclosure": disclosure,
                "redisclosure_notice": REDISCLOSURE_NOTICE,
                "plan": selectors.plan_active(client=client)
                if disclosure.information == InformationCategory.TREATMENT_PLAN
                else None,
            },
        )
    return _client_form_page(
        request, client, form, "Print or export under a consent", "Disclose and print"
    )


# --- Treatment plans ---------------------------------------------------------------------------


@staff_required
def plan_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a draft: a copy of the active plan when there is one, else an empty plan."""
    client = access_client(user=request.user, pk=pk)
    active = selectors.plan_active(client=client)
    form = forms.PlanCreateForm(request.POST or None)
    draft = service_result(
        request,
        form,
        lambda: (
            plan_services.treatment_plan_revise(plan=active, actor=request.user)
            if active is not None
            else plan_services.treatment_plan_create(
                client=client, actor=request.user, **form.cleaned_data
            )
        ),
    )
    if draft:
        return redirect("clients:plan", client.pk, draft.pk)
    title = "New version of the plan" if active else "New treatment plan"
    return _client_form_page(request, client, form, title, "Start draft")


PLAN_PART_FORMS = {
    "problem": forms.ProblemForm,
    "goal": forms.GoalForm,
    "objective": forms.ObjectiveForm,
    "intervention": forms.InterventionForm,
}


def _plan_part_forms(plan: TreatmentPlan, kind: str | None, data: Any) -> dict[str, Any]:
    parents = {
        "goal": Problem.objects.filter(plan=plan),
        "objective": Goal.objects.filter(problem__plan=plan),
        "intervention": Objective.objects.filter(goal__problem__plan=plan),
    }
    built = {}
    for name, form_class in PLAN_PART_FORMS.items():
        bound = data if name == kind else None
        if name == "problem":
            built[name] = form_class(bound, prefix=name)
        else:
            built[name] = form_class(bound, prefix=name, parents=parents[name])
    return built


def _add_plan_part(kind: str, data: dict[str, Any]) -> None:
    if kind == "goal":
        plan_services.goal_add(**data)
    elif kind == "objective":
        plan_services.objective_add(**data)
    else:
        plan_services.intervention_add(**data)


@staff_required
def plan(request: HttpRequest, pk: int, plan_pk: int) -> HttpResponse:
    treatment_plan = access_plan(user=request.user, client_pk=pk, pk=plan_pk)
    client = treatment_plan.client
    chart_read_record(request=request, client_id=client.pk, what="treatment plan")
    kind = request.POST.get("kind") if request.method == "POST" else None
    part_forms = _plan_part_forms(treatment_plan, kind, request.POST or None)
    if kind in part_forms and part_forms[kind].is_valid():
        form = part_forms[kind]
        try:
            if kind == "problem":
                plan_services.problem_add(plan=treatment_plan, **form.cleaned_data)
            else:
                _add_plan_part(kind, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("clients:plan", client.pk, treatment_plan.pk)
    return render(
        request,
        "clients/plan.html",
        {"client": client, "plan": treatment_plan, "part_forms": part_forms},
    )


@staff_required
def plan_activate(request: HttpRequest, pk: int, plan_pk: int) -> HttpResponse:
    treatment_plan = access_plan(user=request.user, client_pk=pk, pk=plan_pk)
    client = treatment_plan.client
    if request.method == "POST":
        try:
            plan_services.treatment_plan_activate(plan=treatment_plan, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Plan signed and active.")
    # A GET (a stale link) just shows the plan: signing takes the button on the plan page.
    return redirect("clients:plan", client.pk, treatment_plan.pk)


@staff_required
def plan_review(request: HttpRequest, pk: int, plan_pk: int) -> HttpResponse:
    treatment_plan = access_plan(user=request.user, client_pk=pk, pk=plan_pk)
    client = treatment_plan.client
    objectives = [
        objective
        for problem in treatment_plan.problems.all()
        for goal in problem.goals.all()
        for objective in goal.objectives.all()
    ]
    form = forms.PlanReviewForm(
        request.POST or None,
        objectives=objectives,
        initial={"reviewed_on": timezone.localdate()},
    )
    if service_result(
        request,
        form,
        lambda: plan_services.plan_review_record(
            plan=treatment_plan,
            actor=request.user,
            reviewed_on=form.cleaned_data["reviewed_on"],
            summary=form.cleaned_data["summary"],
            progress=form.progress(),
            revise=form.cleaned_data["revise"],
        ),
    ):
        messages.success(request, "Review recorded.")
        return redirect("clients:chart", client.pk)
    return _client_form_page(
        request,
        client,
        form,
        f"Review of treatment plan v{treatment_plan.version}",
        "Record review",
    )


# --- Discharge ---------------------------------------------------------------------------------


@staff_required
def discharge(request: HttpRequest, pk: int) -> HttpResponse:
    client = access_client(user=request.user, pk=pk)
    form = forms.DischargeForm(
        request.POST or None, initial={"discharge_date": timezone.localdate()}
    )
    step, _ = irreversible_result(
        request,
        form,
        lambda: discharge_services.client_discharge(
            client=client, actor=request.user, **form.cleaned_data
        ),
    )
    if step is Step.DONE:
        messages.success(request, "Client discharged.")
        return redirect("clients:chart", client.pk)
    confirm = None
    if step is Step.CONFIRM:
        day = form.cleaned_data["discharge_date"]
        name = client.display_name
        reason = Discharge.Reason(form.cleaned_data["reason"]).label.lower()
        confirm = Confirmation(
            title=f"Discharge {name} on {day:%B %-d, %Y}?",
            consequences=[
                f"{name}'s record becomes discharged ({reason}) and the level of care closes.",
                f"{name} leaves every group after {day:%b %-d}; an enrollment that had not "
                "started by then is voided.",
                f"{name}'s individual sessions after {day:%b %-d} are cancelled.",
                "A discharge cannot be undone.",
            ],
            button=f"Discharge {name}",
        )
    return _client_form_page(request, client, form, "Discharge", "Discharge…", confirm)


# --- Client portal -----------------------------------------------------------------------------


@client_required
def portal(request: HttpRequest) -> HttpResponse:
    client = access_own_client(user=request.user)
    return render(
        request,
        "clients/portal.html",
        {"client": client, "plan": selectors.plan_active(client=client)},
    )


@client_required
def my_plan(request: HttpRequest, plan_pk: int) -> HttpResponse:
    treatment_plan = access_own_plan(user=request.user, pk=plan_pk)
    client = treatment_plan.client
    form = forms.ClientSignForm(request.POST or None)
    if service_result(
        request,
        form,
        lambda: plan_services.treatment_plan_client_sign(
            plan=treatment_plan, actor=request.user, typed_name=form.cleaned_data["typed_name"]
        ),
    ):
        messages.success(request, "Thank you: you signed your treatment plan.")
        return redirect("clients:my-plan", treatment_plan.pk)
    return render(
        request, "clients/my_plan.html", {"client": client, "plan": treatment_plan, "form": form}
    )


@client_required
def my_disclosures(request: HttpRequest) -> HttpResponse:
    client = access_own_client(user=request.user)
    return render(
        request,
        "clients/my_disclosures.html",
        {"client": client, "disclosures": selectors.disclosure_list(client=client)},
    )
