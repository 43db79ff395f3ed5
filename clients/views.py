"""Thin views of the client record: open the object for the user, validate, call one service."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from iop import clock, exports
from iop.access import admin_required, client_required, role_required, staff_required
from iop.forms import Confirmation, Step, action_result, irreversible_result, service_result
from iop.http import AuthedRequest
from iop.models import Role, User
from iop.pagination import CappedPaginator, PageWithCountPaginator
from iop.query import query_filters_given

from . import forms, selectors
from .access import (
    access_authorization,
    access_client,
    access_client_chart,
    access_client_to_disclose,
    access_client_to_export,
    access_clinical_alert,
    access_consent,
    access_drug_screen,
    access_own_client,
    access_own_plan,
    access_payer,
    access_plan,
    access_track,
)
from .models import (
    Authorization,
    Client,
    Discharge,
    DrugScreen,
    InformationCategory,
    Intake,
    Panel,
    TreatmentPlan,
)
from .services import alerts as alert_services
from .services import authorizations as authorization_services
from .services import clients as client_services
from .services import consents as consent_services
from .services import discharge as discharge_services
from .services import drug_screens as drug_screen_services
from .services import emergency_access as emergency_access_services
from .services import intake as intake_services
from .services import level_of_care as level_of_care_services
from .services import plans as plan_services
from .services import tracks as track_services

PAGE_SIZE = 25


def _client_form_page(
    request: AuthedRequest,
    client: Client,
    form: django_forms.BaseForm,
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
def caseload(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "clients/caseload.html",
        {
            "clients": selectors.client_caseload(clinician=request.user),
            "overdue_reviews": selectors.plan_reviews_overdue(clinician=request.user),
        },
    )


@staff_required
def client_list(request: AuthedRequest) -> HttpResponse:
    pages: Paginator
    if query_filters_given(request, forms.ClientFilter):
        filterset = forms.ClientFilter(
            request.GET, queryset=selectors.client_list(user=request.user)
        )
        # An admin's list is every client the clinic ever had, read by name from an index and
        # counted up to MAX_COUNTED (the rest reached by narrowing it); anyone else's is the
        # clients the reach rule gives, which one query counts and pages.
        paginator = CappedPaginator if request.user.is_admin else PageWithCountPaginator
        pages = paginator(filterset.qs, PAGE_SIZE)
    else:
        # The list as it opens, every client in reach: compiled once. (The filters' form only.)
        filterset = forms.ClientFilter(request.GET, queryset=Client.objects.none())
        pages = selectors.client_paginator(user=request.user, per_page=PAGE_SIZE)
    page = pages.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "clients/client_list.html",
        {"filter": filterset, "page": page, "query": query.urlencode()},
    )


@staff_required
def client_create(request: AuthedRequest) -> HttpResponse:
    form = forms.ClientForm(request.POST or None)
    if client := service_result(
        request, form, lambda: client_services.client_create(**form.cleaned_data)
    ):
        messages.success(request, f"Referral registered: MRN {client.mrn}.")
        return redirect("clients:chart", client.pk)
    return render(request, "clients/client_form.html", {"form": form, "title": "New referral"})


@staff_required
def client_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    client = access_client(request=request, pk=pk, purpose="client record")
    form = forms.ClientEditForm(request.POST or None, instance=client)
    contacts = forms.EmergencyContactFormSet(
        request.POST or None,
        prefix="contacts",
        initial=list(client.emergency_contacts.values("name", "relationship", "phone")),
    )
    if service_result(
        request,
        form,
        lambda: client_services.client_update(
            client=client, emergency_contacts=forms.formset_rows(contacts), **form.cleaned_data
        ),
        along=[contacts],
    ):
        messages.success(request, "Client record saved.")
        return redirect("clients:chart", client.pk)
    return render(
        request,
        "clients/client_form.html",
        {"form": form, "contacts": contacts, "client": client, "title": "Edit client record"},
    )


@staff_required
def chart(request: AuthedRequest, pk: int) -> HttpResponse:
    client = access_client_chart(request=request, pk=pk, purpose="chart")
    context = vars(selectors.client_chart(client=client))
    return render(request, "clients/chart.html", {**context, "level_form": forms.LevelOfCareForm()})


# --- Intake ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntakeStep:
    """One step of intake: its title, the form it shows (built from the draft and the posted
    data), the service that saves it, and the template of the form's fields."""

    slug: str
    title: str
    form: Callable[[Intake, QueryDict | None], Any]
    service: Callable[[Intake, Any, User], object]
    template: str


def _answers_step(slug: str, title: str, form: type[django_forms.ModelForm]) -> IntakeStep:
    """A step of answers kept on the intake draft itself."""
    return IntakeStep(
        slug,
        title,
        form=lambda intake, data: form(data, instance=intake),
        service=lambda intake, form, actor: intake_services.intake_draft_save(
            intake=intake, **form.cleaned_data
        ),
        template="clients/_intake_answers.html",
    )


def _rows_step(
    slug: str,
    title: str,
    formset: type[django_forms.BaseFormSet],
    fields: tuple[str, ...],
    service: Callable[..., None],
) -> IntakeStep:
    """A step of rows (substances, diagnoses, medications) that replace the client's rows of that
    kind; the client's related rows and the service's argument share the step's name."""
    return IntakeStep(
        slug,
        title,
        form=lambda intake, data: formset(
            data, prefix=slug, initial=list(getattr(intake.client, slug).values(*fields))
        ),
        service=lambda intake, form, actor: service(
            intake=intake, **{slug: forms.formset_rows(form)}
        ),
        template="clients/_intake_rows.html",
    )


INTAKE_STEPS = [
    _answers_step("referral", "Referral and presenting problem", forms.ReferralStepForm),
    _rows_step(
        "substances",
        "Substances used",
        forms.SubstanceFormSet,
        ("substance", "route", "frequency", "last_use"),
        intake_services.intake_substances_replace,
    ),
    _rows_step(
        "diagnoses",
        "Co-occurring diagnoses",
        forms.DiagnosisFormSet,
        ("icd10_code", "description"),
        intake_services.intake_diagnoses_replace,
    ),
    _answers_step("asam", "ASAM dimensions", forms.AsamStepForm),
    _rows_step(
        "medications",
        "Current medications",
        forms.MedicationFormSet,
        ("name", "dose", "is_mat"),
        intake_services.intake_medications_replace,
    ),
    _answers_step("payer", "Payer and authorization", forms.PayerStepForm),
    IntakeStep(
        "consent",
        "Consent and admission",
        form=lambda intake, data: forms.ConsentToTreatmentForm(
            data, initial={"admission_date": clock.today(), "consent_to_treatment": False}
        ),
        service=lambda intake, form, actor: intake_services.intake_complete(
            intake=intake, actor=actor, **form.cleaned_data
        ),
        template="clients/_intake_answers.html",
    ),
]
INTAKE = {step.slug: step for step in INTAKE_STEPS}


def _after_intake_step(request: AuthedRequest, intake: Intake, step: IntakeStep) -> HttpResponse:
    """The page after a saved step: the chart once the client is admitted, else the next step
    ("Save and continue") or the same one ("Save draft")."""
    if intake.completed_at is not None:
        messages.success(request, "Intake complete: the client is admitted at level 2.1.")
        return redirect("clients:chart", intake.client_id)
    if "next" in request.POST:
        following = INTAKE_STEPS[INTAKE_STEPS.index(step) + 1]
        return redirect("clients:intake", intake.client_id, following.slug)
    messages.success(request, "Draft saved.")
    return redirect("clients:intake", intake.client_id, step.slug)


@staff_required
def intake(request: AuthedRequest, pk: int, step: str) -> HttpResponse:
    if step not in INTAKE:
        raise Http404("No such intake step.")
    client = access_client(request=request, pk=pk, purpose=f"intake: {step}")
    if not client.intake_is_open:
        messages.info(request, "Intake is complete for this client.")
        return redirect("clients:chart", client.pk)
    current, index = INTAKE[step], INTAKE_STEPS.index(INTAKE[step])
    form = current.form(selectors.intake_draft(client=client), request.POST or None)
    saved = service_result(
        request,
        form,
        lambda: intake_services.intake_step_save(
            client=client, actor=request.user, save=lambda d: current.service(d, form, request.user)
        ),
    )
    if saved:
        return _after_intake_step(request, saved, current)
    context = {
        "client": client,
        "steps": INTAKE_STEPS,
        "step": current,
        "number": index + 1,
        "previous": INTAKE_STEPS[index - 1].slug if index else None,
        "is_last": index == len(INTAKE_STEPS) - 1,
        "form": form,
    }
    return render(request, "clients/intake.html", context)


# --- Level of care, consents, disclosures -----------------------------------------------------


@staff_required
def level_of_care_change(request: AuthedRequest, pk: int) -> HttpResponse:
    client = access_client(request=request, pk=pk, purpose="level of care")
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
def authorization_create(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record a payer's authorization from the chart (admins, and clinicians within reach)."""
    client = access_client(request=request, pk=pk, purpose="payer authorization")
    form = forms.AuthorizationForm(request.POST or None, user=request.user)
    if authorization := service_result(
        request,
        form,
        lambda: authorization_services.authorization_create(
            client=client, actor=request.user, **form.cleaned_data
        ),
    ):
        messages.success(request, f"Authorization {authorization.number} recorded.")
        return redirect("clients:chart", client.pk)
    return _client_form_page(request, client, form, "Record an authorization", "Record")


@staff_required
def authorization_end(request: AuthedRequest, pk: int, authorization_pk: int) -> HttpResponse:
    """End an authorization early; it stays in the record as authorized."""
    authorization = access_authorization(
        request=request, client_pk=pk, pk=authorization_pk, purpose="payer authorization"
    )
    form = forms.AuthorizationEndForm(request.POST or None, initial={"ended_on": clock.today()})
    if service_result(
        request,
        form,
        lambda: authorization_services.authorization_end(
            authorization=authorization, actor=request.user, **form.cleaned_data
        ),
    ):
        messages.success(request, f"Authorization {authorization.number} ended.")
        return redirect("clients:chart", authorization.client_id)
    title = f"End authorization {authorization.number}"
    return _client_form_page(request, authorization.client, form, title, "End it")


def _authorization_void_confirmation(authorization: Authorization) -> Confirmation:
    return Confirmation(
        title=f"Void authorization {authorization.number}?",
        consequences=[
            "It stays in the record, struck through, with your name and reason.",
            "It counts no units: days it covered show as attended without an authorization "
            "unless another one covers them.",
            "A void cannot be undone: record the authorization again if it was right.",
        ],
        button="Void the authorization",
    )


@staff_required
def authorization_void(request: AuthedRequest, pk: int, authorization_pk: int) -> HttpResponse:
    """Void an authorization recorded by mistake (same access as ending one)."""
    authorization = access_authorization(
        request=request, client_pk=pk, pk=authorization_pk, purpose="payer authorization"
    )
    form = forms.AuthorizationVoidForm(request.POST or None)
    step, _ = irreversible_result(
        request,
        form,
        lambda: authorization_services.authorization_void(
            authorization=authorization, actor=request.user, reason=form.cleaned_data["reason"]
        ),
    )
    if step is Step.DONE:
        messages.success(request, f"Authorization {authorization.number} voided.")
        return redirect("clients:chart", authorization.client_id)
    confirm = _authorization_void_confirmation(authorization) if step is Step.CONFIRM else None
    title = f"Void authorization {authorization.number}"
    return _client_form_page(request, authorization.client, form, title, "Void…", confirm)


@staff_required
def consent_create(request: AuthedRequest, pk: int) -> HttpResponse:
    client = access_client(request=request, pk=pk, purpose="consent to disclose")
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
def consent_revoke(request: AuthedRequest, pk: int, consent_pk: int) -> HttpResponse:
    consent = access_consent(
        request=request, client_pk=pk, pk=consent_pk, purpose="consent revocation"
    )
    form = forms.ConsentRevokeForm(request.POST or None, initial={"revoked_on": clock.today()})
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
        return redirect("clients:chart", consent.client_id)
    return _client_form_page(request, consent.client, form, f"Revoke: {consent}", "Revoke")


@staff_required
def disclose(request: AuthedRequest, pk: int) -> HttpResponse:
    """Print or export part of the record: only under a valid consent that covers it, logged in
    the ledger the client sees, and printed through `iop.exports` (the 42 CFR 2.32 notice, one
    export entry in the audit log)."""
    client = access_client_to_disclose(request=request, pk=pk)
    form = forms.DisclosureForm(request.POST or None, client=client)
    disclosure = service_result(
        request,
        form,
        lambda: consent_services.disclosure_record(actor=request.user, **form.cleaned_data),
    )
    if not disclosure:
        return _client_form_page(
            request, client, form, "Print or export under a consent", "Disclose and print"
        )
    shows_plan = disclosure.information == InformationCategory.TREATMENT_PLAN
    shows_scores = disclosure.information == InformationCategory.MEASURES
    return exports.printable_page(
        request=request,
        template="clients/disclosure_print.html",
        context={
            "client": client,
            "disclosure": disclosure,
            "plan": selectors.plan_active(client=client) if shows_plan else None,
            "check_ins": selectors.checkin_score_list(client=client) if shows_scores else None,
        },
        what="disclosure under a consent",
        client_ids=[client.pk],
    )


# --- The client's access report and accounting of disclosures (admins) ------------------------


ACCESS_REPORT_HEADER = ["When (clinic time)", "Who", "What", "From"]
ACCESS_REPORT_PAGE_SIZE = 50
DISCLOSURES_HEADER = [
    "Disclosed at (clinic time)", "Recipient", "Information", "Purpose", "Disclosed by",
    "Consent signed on", "Consent expires on",
]  # fmt: skip


@admin_required
def access_report(request: AuthedRequest, pk: int) -> HttpResponse:
    """Every read, export and change of the client's records, in words, to print, a page at a
    time as the audit log pages (the CSV has them all)."""
    client = access_client_to_export(request=request, pk=pk)
    rows = selectors.client_access_rows(client=client)
    page = CappedPaginator(rows, ACCESS_REPORT_PAGE_SIZE).get_page(request.GET.get("page"))
    lines = selectors.client_access_lines(client=client, rows=page)
    context = {"client": client, "page": page, "lines": lines, "query": ""}
    return exports.printable_page(
        request=request, template="clients/access_report.html", context=context,
        what="access report", client_ids=[client.pk],
    )  # fmt: skip


@admin_required
def access_report_csv(request: AuthedRequest, pk: int) -> HttpResponse:
    client = access_client_to_export(request=request, pk=pk)
    return exports.csv_export(
        request=request, filename=f"access-report-{client.mrn}-{clock.today()}.csv",
        what="access report", client_ids=[client.pk], header=ACCESS_REPORT_HEADER,
        rows=([f"{line.at:%Y-%m-%d %H:%M:%S}", line.who, line.sentence, line.where]
              for line in selectors.client_access_history(client=client)),
    )  # fmt: skip


@admin_required
def disclosure_accounting(request: AuthedRequest, pk: int) -> HttpResponse:
    """The accounting of disclosures (42 CFR 2.24): what left the clinic under a consent, to print."""
    client = access_client_to_export(request=request, pk=pk)
    disclosures = selectors.disclosure_list(client=client).select_related("consent")
    context = {"client": client, "disclosures": disclosures}
    return exports.printable_page(
        request=request, template="clients/disclosure_accounting.html", context=context,
        what="accounting of disclosures", client_ids=[client.pk],
    )  # fmt: skip


@admin_required
def disclosure_accounting_csv(request: AuthedRequest, pk: int) -> HttpResponse:
    client = access_client_to_export(request=request, pk=pk)
    return exports.csv_export(
        request=request, filename=f"disclosures-{client.mrn}-{clock.today()}.csv",
        what="accounting of disclosures", client_ids=[client.pk], header=DISCLOSURES_HEADER,
        rows=([f"{timezone.localtime(row.disclosed_at):%Y-%m-%d %H:%M}", row.recipient,
               row.get_information_display(), row.purpose, str(row.disclosed_by),
               row.consent.signed_on.isoformat(), row.consent.expires_on.isoformat()]
              for row in selectors.disclosure_list(client=client).select_related("consent")),
    )  # fmt: skip


# --- Treatment plans ---------------------------------------------------------------------------


@staff_required
def plan_create(request: AuthedRequest, pk: int) -> HttpResponse:
    """Start a draft: a copy of the active plan when there is one, else an empty plan."""
    client = access_client(request=request, pk=pk, purpose="treatment plan: new version")
    form = forms.PlanCreateForm(request.POST or None)
    if draft := service_result(
        request,
        form,
        lambda: plan_services.treatment_plan_start(
            client=client, actor=request.user, **form.cleaned_data
        ),
    ):
        return redirect("clients:plan", client.pk, draft.pk)
    has_active = selectors.plan_active_header(client=client) is not None
    title = "New version of the plan" if has_active else "New treatment plan"
    return _client_form_page(request, client, form, title, "Start draft")


@dataclass(frozen=True)
class PlanPart:
    """A part the plan page adds: its form, and the service that adds it to the plan."""

    form: Callable[..., django_forms.ModelForm]
    service: Callable[[TreatmentPlan, dict[str, Any]], object]


PLAN_PARTS = {
    "problem": PlanPart(
        forms.ProblemForm, lambda plan, data: plan_services.problem_add(plan=plan, **data)
    ),
    # The other parts name their parent (a part of this plan) in their form.
    "goal": PlanPart(forms.GoalForm, lambda plan, data: plan_services.goal_add(**data)),
    "objective": PlanPart(
        forms.ObjectiveForm, lambda plan, data: plan_services.objective_add(**data)
    ),
    "intervention": PlanPart(
        forms.InterventionForm, lambda plan, data: plan_services.intervention_add(**data)
    ),
}


def _plan_part_forms(
    plan: TreatmentPlan, kind: str, data: QueryDict | None
) -> dict[str, django_forms.ModelForm]:
    """One form per kind of part; only the posted kind is bound."""
    parents = selectors.plan_part_parents(plan=plan)
    measure_choices = selectors.measure_target_choices()
    return {
        name: part.form(
            data if name == kind else None,
            prefix=name,
            **({"parents": parents[name]} if name in parents else {}),
            **({"measures": measure_choices} if name == "objective" else {}),
        )
        for name, part in PLAN_PARTS.items()
    }


@dataclass(frozen=True)
class PlanPartEdit:
    """How a part of a draft is edited (its form, the service that saves it) and removed."""

    form: type[django_forms.ModelForm]
    update: Callable[[Any, dict[str, Any]], object]
    remove: Callable[[Any], TreatmentPlan]


PLAN_PART_EDITS = {
    "problem": PlanPartEdit(
        forms.ProblemForm,
        lambda part, data: plan_services.problem_update(problem=part, **data),
        lambda part: plan_services.problem_remove(problem=part),
    ),
    "goal": PlanPartEdit(
        forms.GoalEditForm,
        lambda part, data: plan_services.goal_update(goal=part, **data),
        lambda part: plan_services.goal_remove(goal=part),
    ),
    "objective": PlanPartEdit(
        forms.ObjectiveEditForm,
        lambda part, data: plan_services.objective_update(objective=part, **data),
        lambda part: plan_services.objective_remove(objective=part),
    ),
    "intervention": PlanPartEdit(
        forms.InterventionEditForm,
        lambda part, data: plan_services.intervention_update(intervention=part, **data),
        lambda part: plan_services.intervention_remove(intervention=part),
    ),
}


@staff_required
def plan(request: AuthedRequest, pk: int, plan_pk: int) -> HttpResponse:
    treatment_plan = access_plan(
        request=request, client_pk=pk, pk=plan_pk, purpose="treatment plan"
    )
    kind = request.POST.get("kind", "")
    part_forms = _plan_part_forms(treatment_plan, kind, request.POST or None)
    if kind in PLAN_PARTS and (
        service_result(
            request,
            part_forms[kind],
            lambda: PLAN_PARTS[kind].service(treatment_plan, part_forms[kind].cleaned_data),
        )
        is not None
    ):
        return redirect("clients:plan", treatment_plan.client_id, treatment_plan.pk)
    return render(
        request,
        "clients/plan.html",
        {
            "client": treatment_plan.client,
            "plan": treatment_plan,
            "part_forms": part_forms,
            "open_draft": selectors.plan_draft(client=treatment_plan.client),
        },
    )


@staff_required
def plan_part_edit(
    request: AuthedRequest, pk: int, plan_pk: int, kind: str, part_pk: int
) -> HttpResponse:
    treatment_plan = access_plan(
        request=request, client_pk=pk, pk=plan_pk, purpose="treatment plan: edit"
    )
    part = selectors.plan_part_get(plan=treatment_plan, kind=kind, pk=part_pk)
    if not treatment_plan.is_editable:
        messages.error(request, "Only a draft changes: revise the plan to edit it.")
        return redirect("clients:plan", treatment_plan.client_id, treatment_plan.pk)
    edit = PLAN_PART_EDITS[kind]
    form = edit.form(request.POST or None, instance=part)
    if service_result(request, form, lambda: edit.update(part, form.cleaned_data)):
        messages.success(request, f"The {kind} was changed in draft v{treatment_plan.version}.")
        return redirect("clients:plan", treatment_plan.client_id, treatment_plan.pk)
    title = f"Edit {kind} in draft v{treatment_plan.version}"
    return _client_form_page(request, treatment_plan.client, form, title, f"Save {kind}")


@staff_required
@require_POST
def plan_part_remove(
    request: AuthedRequest, pk: int, plan_pk: int, kind: str, part_pk: int
) -> HttpResponse:
    """Remove a part of a draft, and what hangs under it."""
    treatment_plan = access_plan(
        request=request, client_pk=pk, pk=plan_pk, purpose="treatment plan: edit"
    )
    part = selectors.plan_part_get(plan=treatment_plan, kind=kind, pk=part_pk)
    if action_result(request, lambda: PLAN_PART_EDITS[kind].remove(part)):
        messages.success(request, f"The {kind} was removed from draft v{treatment_plan.version}.")
    return redirect("clients:plan", treatment_plan.client_id, treatment_plan.pk)


@staff_required
@require_POST
def plan_revise(request: AuthedRequest, pk: int, plan_pk: int) -> HttpResponse:
    """Copy the plan in force into a new draft; it stays in force until the draft is signed."""
    treatment_plan = access_plan(
        request=request, client_pk=pk, pk=plan_pk, purpose="treatment plan: revise"
    )
    if draft := action_result(
        request,
        lambda: plan_services.treatment_plan_revise(plan=treatment_plan, actor=request.user),
    ):
        messages.success(request, f"Draft v{draft.version} copies v{treatment_plan.version}.")
        return redirect("clients:plan", draft.client_id, draft.pk)
    return redirect("clients:plan", treatment_plan.client_id, treatment_plan.pk)


@staff_required
def plan_changes(request: AuthedRequest, pk: int, plan_pk: int) -> HttpResponse:
    """Two versions side by side: what was added, removed or changed."""
    treatment_plan = access_plan(
        request=request, client_pk=pk, pk=plan_pk, purpose="treatment plan: compare versions"
    )
    against = request.GET.get("against", "")
    comparison = selectors.plan_comparison(
        plan=treatment_plan, against_pk=int(against) if against.isdigit() else None
    )
    return render(
        request,
        "clients/plan_changes.html",
        {"client": treatment_plan.client, "plan": treatment_plan, "comparison": comparison},
    )


@staff_required
@require_POST
def plan_activate(request: AuthedRequest, pk: int, plan_pk: int) -> HttpResponse:
    """The clinician signs the draft from the button on the plan page."""
    treatment_plan = access_plan(
        request=request, client_pk=pk, pk=plan_pk, purpose="treatment plan: sign"
    )
    if action_result(
        request,
        lambda: plan_services.treatment_plan_activate(plan=treatment_plan, actor=request.user),
    ):
        messages.success(request, "Plan signed and active.")
    return redirect("clients:plan", treatment_plan.client_id, treatment_plan.pk)


@staff_required
def plan_review(request: AuthedRequest, pk: int, plan_pk: int) -> HttpResponse:
    treatment_plan = access_plan(
        request=request, client_pk=pk, pk=plan_pk, purpose="treatment plan: review"
    )
    form = forms.PlanReviewForm(
        request.POST or None,
        objectives=selectors.plan_objectives(plan=treatment_plan),
        initial={"reviewed_on": clock.today()},
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
        return redirect("clients:chart", treatment_plan.client_id)
    title = f"Review of treatment plan v{treatment_plan.version}"
    return _client_form_page(request, treatment_plan.client, form, title, "Record review")


# --- Discharge ---------------------------------------------------------------------------------


def _discharge_confirmation(client: Client, data: dict[str, Any]) -> Confirmation:
    day, name = data["discharge_date"], client.display_name
    reason = Discharge.Reason(data["reason"]).label.lower()
    consequences = [
        f"{name}'s record becomes discharged ({reason}) and the level of care closes.",
        f"{name} leaves every group after {day:%b %-d}; an enrollment that had not "
        "started by then is voided.",
        f"{name}'s individual sessions after {day:%b %-d} are cancelled.",
    ]
    if open_alerts := selectors.clinical_alert_list(client=client, open_only=True).count():
        consequences.append(
            f"Open clinical alerts ({open_alerts}) stay open until a clinician documents "
            "their follow-up."
        )
    return Confirmation(
        title=f"Discharge {name} on {day:%B %-d, %Y}?",
        consequences=[*consequences, "A discharge cannot be undone."],
        button=f"Discharge {name}",
    )


@staff_required
def discharge(request: AuthedRequest, pk: int) -> HttpResponse:
    client = access_client(request=request, pk=pk, purpose="discharge")
    form = forms.DischargeForm(request.POST or None, initial={"discharge_date": clock.today()})
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
    confirm = _discharge_confirmation(client, form.cleaned_data) if step is Step.CONFIRM else None
    return _client_form_page(request, client, form, "Discharge", "Discharge…", confirm)


# --- Drug screens and clinical alerts ------------------------------------------------------------


@staff_required
def drug_screen_record(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record a urine drug screen, one row per substance of the panel chosen above the form."""
    client = access_client(request=request, pk=pk, purpose="drug screen")
    panel = request.GET.get("panel", Panel.TWELVE)
    panel = panel if panel in Panel.values else Panel.TWELVE
    form = forms.DrugScreenForm(
        request.POST or None,
        panel=panel,
        prescribed=selectors.substances_prescribed(client=client),
        initial={"collected_on": clock.today()},
    )
    if service_result(
        request,
        form,
        lambda: drug_screen_services.drug_screen_record(
            client=client, actor=request.user, **form.service_arguments()
        ),
    ):
        messages.success(request, "Drug screen recorded.")
        return redirect("clients:chart", client.pk)
    context = {"client": client, "form": form, "panels": Panel.choices, "panel": panel}
    return render(request, "clients/drug_screen_form.html", context)


def _void_confirmation(screen: DrugScreen) -> Confirmation:
    return Confirmation(
        title=f"Void the screen collected {screen.collected_on:%B %-d, %Y}?",
        consequences=[
            "It stays in the record, struck through, with your reason.",
            "An open alert it raised is followed up with the same reason.",
            "A void cannot be undone: record the screen again if it was the client's.",
        ],
        button="Void the screen",
    )


@role_required(Role.CLINICIAN)
def drug_screen_void(request: AuthedRequest, pk: int, screen_pk: int) -> HttpResponse:
    screen = access_drug_screen(
        request=request, client_pk=pk, pk=screen_pk, purpose="drug screen void"
    )
    form = forms.DrugScreenVoidForm(request.POST or None)
    step, _ = irreversible_result(
        request,
        form,
        lambda: drug_screen_services.drug_screen_void(
            screen=screen, actor=request.user, reason=form.cleaned_data["reason"]
        ),
    )
    if step is Step.DONE:
        messages.success(request, "Drug screen voided.")
        return redirect("clients:chart", screen.client_id)
    confirm = _void_confirmation(screen) if step is Step.CONFIRM else None
    return _client_form_page(request, screen.client, form, f"Void: {screen}", "Void…", confirm)


@role_required(Role.CLINICIAN)
def clinical_alert_follow_up(request: AuthedRequest, pk: int, alert_pk: int) -> HttpResponse:
    """Document what was done about a clinical alert (once; it is then final)."""
    alert = access_clinical_alert(
        request=request, client_pk=pk, pk=alert_pk, purpose="clinical alert follow-up"
    )
    form = forms.ClinicalAlertFollowUpForm(request.POST or None)
    if service_result(
        request,
        form,
        lambda: alert_services.clinical_alert_follow_up(
            alert=alert, actor=request.user, note=form.cleaned_data["note"]
        ),
    ):
        messages.success(request, f"Follow-up documented: {alert.get_kind_display().lower()}.")
        return redirect("clients:chart", alert.client_id)
    return render(request, "clients/alert_follow_up.html", {"alert": alert, "form": form})


# --- Break-the-glass ---------------------------------------------------------------------------


def _client_found(data: dict[str, Any]) -> Client:
    """The one client the clinician named; the same refusal whether no one or several match."""
    client = selectors.client_find_exactly(
        mrn=data["mrn"], first_name=data["legal_first_name"], last_name=data["legal_last_name"]
    )
    if client is None:
        raise ValidationError("No single client matches: check the spelling, or give the MRN.")
    return client


@role_required(Role.CLINICIAN)
def emergency_access(request: AuthedRequest) -> HttpResponse:
    """A clinician opens a client outside their reach for a stated reason, for a few hours."""
    form = forms.EmergencyAccessForm(request.POST or None)
    if grant := service_result(
        request,
        form,
        lambda: emergency_access_services.emergency_access_open(
            actor=request.user,
            client=_client_found(form.cleaned_data),
            reason=form.cleaned_data["reason"],
        ),
    ):
        ends = timezone.localtime(grant.ends_at)
        messages.warning(
            request,
            f"Emergency access open until {ends:%H:%M}. Every read is recorded and reviewed.",
        )
        return redirect("clients:chart", grant.client_id)
    return render(
        request,
        "clients/emergency_access.html",
        {
            "form": form,
            "hours": settings.EMERGENCY_ACCESS_HOURS,
            "open_grants": selectors.emergency_access_open_list(user=request.user),
        },
    )


@admin_required
def emergency_access_review(request: AuthedRequest) -> HttpResponse:
    """A card for the admin dashboard (loaded with htmx): the past week's grants, with reasons."""
    since = timezone.now() - emergency_access_services.DIGEST_PERIOD
    return render(
        request,
        "clients/_emergency_access_review.html",
        {"grants": selectors.emergency_access_recent_list(since=since)},
    )


@admin_required
def census(request: AuthedRequest) -> HttpResponse:
    """A card for the admin home (loaded with htmx): today's census, each number a link to the
    client list filtered to it."""
    return render(request, "clients/_census.html", {"census": selectors.census_get()})


# --- Client portal -----------------------------------------------------------------------------


@client_required
def portal(request: AuthedRequest) -> HttpResponse:
    client = access_own_client(user=request.user)
    return render(
        request,
        "clients/portal.html",
        {
            "client": client,
            "plan": selectors.plan_active_header(client=client),
            "check_ins": selectors.checkin_due_list(client=client),
        },
    )


@client_required
def my_plan(request: AuthedRequest, plan_pk: int) -> HttpResponse:
    treatment_plan = access_own_plan(user=request.user, pk=plan_pk)
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
        request,
        "clients/my_plan.html",
        {"client": treatment_plan.client, "plan": treatment_plan, "form": form},
    )


@client_required
def my_disclosures(request: AuthedRequest) -> HttpResponse:
    client = access_own_client(user=request.user)
    return render(
        request,
        "clients/my_disclosures.html",
        {"client": client, "disclosures": selectors.disclosure_list(client=client)},
    )


@admin_required
def payer_list(request: AuthedRequest) -> HttpResponse:
    """The payers and how each counts units, with how many authorizations use each."""
    return render(request, "clients/payers.html", {"payers": selectors.payer_list()})


@admin_required
@require_http_methods(["GET", "POST"])
def payer_create(request: AuthedRequest) -> HttpResponse:
    form = forms.PayerForm(request.POST or None)
    if payer := service_result(
        request,
        form,
        lambda: authorization_services.payer_create(actor=request.user, **form.service_arguments()),
    ):
        messages.success(request, f"Payer added: {payer}.")
        return redirect("clients:payers")
    return render(request, "clients/payer_form.html", {"form": form, "title": "New payer"})


@admin_required
@require_http_methods(["GET", "POST"])
def payer_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """Rename a payer or change its unit rules; units used are recounted from attendance."""
    payer = access_payer(user=request.user, pk=pk)
    form = forms.PayerForm.for_payer(payer, request.POST or None)
    if saved := service_result(
        request,
        form,
        lambda: authorization_services.payer_update(
            payer=payer, actor=request.user, **form.service_arguments()
        ),
    ):
        messages.success(request, f"{saved} saved.")
        return redirect("clients:payers")
    context = {"form": form, "title": f"Edit {payer}", "payer": payer}
    return render(request, "clients/payer_form.html", context)


@admin_required
def track_list(request: AuthedRequest) -> HttpResponse:
    """The program tracks and their weekly requirement, in hours."""
    return render(request, "clients/tracks.html", {"tracks": selectors.track_list()})


@admin_required
@require_http_methods(["GET", "POST"])
def track_create(request: AuthedRequest) -> HttpResponse:
    form = forms.TrackForm(request.POST or None)
    if track := service_result(
        request, form, lambda: track_services.program_track_create(**form.cleaned_data)
    ):
        messages.success(request, f"Track added: {track}.")
        return redirect("clients:tracks")
    return render(request, "clients/track_form.html", {"form": form, "title": "New program track"})


@admin_required
@require_http_methods(["GET", "POST"])
def track_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """Change a track; a changed requirement recomputes its clients' weekly hours."""
    track = access_track(user=request.user, pk=pk)
    form = forms.TrackEditForm.for_track(track, request.POST or None)
    if saved := service_result(
        request,
        form,
        lambda: track_services.program_track_update(track=track, **form.cleaned_data),
    ):
        messages.success(request, f"{saved} saved; its clients' weekly hours are recomputed.")
        return redirect("clients:tracks")
    return render(
        request,
        "clients/track_form.html",
        {"form": form, "title": f"Edit {track}", "track": track},
    )
