"""Revising a treatment plan: a draft copy that can be edited and trimmed while the plan in force
stays as it was, then signed to supersede it; and the two versions side by side."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import InternalError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from clients.models import Goal, Intervention, Objective, Problem, TreatmentPlan
from clients.selectors import plan_comparison, plan_list
from clients.services.plans import (
    goal_add,
    goal_remove,
    intervention_add,
    intervention_remove,
    intervention_update,
    objective_add,
    objective_update,
    problem_add,
    problem_remove,
    problem_update,
    treatment_plan_activate,
    treatment_plan_revise,
)
from tests.factories import TreatmentPlanFactory

pytestmark = pytest.mark.django_db


def tree(plan):
    return [
        (
            problem.statement,
            [
                (
                    goal.statement,
                    [
                        (
                            objective.description,
                            objective.target_date,
                            [(i.modality, i.frequency) for i in objective.interventions.all()],
                        )
                        for objective in goal.objectives.all()
                    ],
                )
                for goal in problem.goals.all()
            ],
        )
        for problem in plan.problems.all()
    ]


@pytest.fixture
def revised(alice, clinician):
    """Alice's plan in force (v1) and a draft v2 copied from it."""
    active = TreatmentPlanFactory(client=alice)
    return active, treatment_plan_revise(plan=active, actor=clinician)


def test_revise_copies_the_plan_in_force_into_a_draft_that_remembers_it(revised):
    active, draft = revised
    assert (draft.status, draft.version, draft.revises) == ("draft", 2, active)
    assert tree(draft) == tree(active)
    copied = Objective.objects.get(goal__problem__plan=draft)
    assert copied.copied_from == Objective.objects.get(goal__problem__plan=active)


def test_editing_and_removing_in_the_draft_leaves_the_plan_in_force_as_it_was(revised, clinician):
    active, draft = revised
    before = tree(active)
    problem = draft.problems.get()
    objective = Objective.objects.get(goal__problem=problem)
    problem_update(problem=problem, statement="Daily alcohol use, now in early remission")
    objective_update(
        objective=objective,
        description="Attend 6 hours of group a week",
        target_date=timezone.localdate() + timedelta(days=60),
    )
    second_goal = goal_add(problem=problem, statement="Repair family relationships")
    goal_remove(goal=second_goal)
    intervention_update(
        intervention=Intervention.objects.get(objective=objective),
        modality=Intervention.Modality.INDIVIDUAL,
        frequency="Weekly",
        responsible=clinician,
    )
    assert tree(TreatmentPlan.objects.get(pk=active.pk)) == before
    assert tree(draft)[0][0] == "Daily alcohol use, now in early remission"
    assert not Goal.objects.filter(pk=second_goal.pk).exists()


def test_removing_a_problem_removes_what_hangs_under_it_in_the_draft_only(revised):
    active, draft = revised
    problem_remove(problem=draft.problems.get())
    assert not Problem.objects.filter(plan=draft).exists()
    assert not Intervention.objects.filter(objective__goal__problem__plan=draft).exists()
    assert Intervention.objects.filter(objective__goal__problem__plan=active).count() == 1


def test_the_plan_in_force_stays_until_the_revision_is_signed(revised, clinician):
    active, draft = revised
    assert TreatmentPlan.objects.get(pk=active.pk).status == "active"
    treatment_plan_activate(plan=draft, actor=clinician)
    assert TreatmentPlan.objects.get(pk=active.pk).status == "superseded"
    assert TreatmentPlan.objects.get(pk=draft.pk).status == "active"


@pytest.mark.parametrize("status", ["active", "superseded"])
def test_a_plan_in_force_or_superseded_refuses_every_edit_and_removal(alice, clinician, status):
    plan = TreatmentPlanFactory(client=alice)
    if status == "superseded":
        treatment_plan_activate(
            plan=treatment_plan_revise(plan=plan, actor=clinician), actor=clinician
        )
    plan.refresh_from_db()
    problem = plan.problems.get()
    objective = Objective.objects.get(goal__problem=problem)
    before = tree(plan)
    edits = [
        lambda: problem_update(problem=problem, statement="Changed"),
        lambda: objective_update(
            objective=objective, description="Changed", target_date=objective.target_date
        ),
        lambda: problem_remove(problem=problem),
        lambda: goal_remove(goal=Goal.objects.get(problem=problem)),
    ]
    for edit in edits:
        with pytest.raises(ValidationError, match="Only a draft plan can change"):
            edit()
    assert tree(TreatmentPlan.objects.get(pk=plan.pk)) == before


def test_the_database_refuses_to_change_or_remove_a_part_of_a_plan_in_force(alice):
    plan = TreatmentPlanFactory(client=alice)
    objective = Objective.objects.get(goal__problem__plan=plan)
    statements = [
        ("UPDATE clients_objective SET description = 'x' WHERE id = %s", "objective_changes"),
        ("UPDATE clients_objective SET target_date = target_date + 1 WHERE id = %s", "objective"),
        ("DELETE FROM clients_intervention WHERE objective_id = %s", "intervention_changes"),
        (
            "INSERT INTO clients_intervention (objective_id, modality, frequency, responsible_id)"
            " SELECT id, 'group', 'daily', 1 FROM clients_objective WHERE id = %s",
            "intervention_changes",
        ),
    ]
    for sql, trigger in statements:
        with (
            pytest.raises(InternalError, match=trigger),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [objective.pk])
    # A review still records the status of the objectives of the plan in force.
    Objective.objects.filter(pk=objective.pk).update(status="in_progress")
    assert Objective.objects.get(pk=objective.pk).description == objective.description


def test_a_new_target_date_in_the_past_is_refused_and_changes_nothing(revised):
    _, draft = revised
    objective = Objective.objects.get(goal__problem__plan=draft)
    with pytest.raises(ValidationError) as refused:
        objective_update(
            objective=objective,
            description="Attend group",
            target_date=timezone.localdate() - timedelta(days=1),
        )
    assert "target_date" in refused.value.message_dict
    assert Objective.objects.get(pk=objective.pk).description == objective.description


def test_only_the_plan_in_force_is_revised(revised, clinician):
    _, draft = revised
    with pytest.raises(ValidationError, match="Only the plan in force"):
        treatment_plan_revise(plan=draft, actor=clinician)


def test_the_comparison_names_what_was_added_removed_and_changed(revised, clinician):
    active, draft = revised
    problem = draft.problems.get()
    objective = Objective.objects.get(goal__problem=problem)
    new_date = timezone.localdate() + timedelta(days=90)
    objective_update(objective=objective, description=objective.description, target_date=new_date)
    intervention_remove_target = Intervention.objects.get(objective=objective)
    intervention_add(
        objective=objective,
        modality=Intervention.Modality.FAMILY,
        frequency="Every two weeks",
        responsible=clinician,
    )
    intervention_remove(intervention=intervention_remove_target)
    new_goal = goal_add(problem=problem, statement="Return to work")
    intervention_add(
        objective=objective_add(goal=new_goal, description="Call employer", target_date=new_date),
        modality=Intervention.Modality.CASE_MANAGEMENT,
        frequency="Weekly",
        responsible=clinician,
    )
    treatment_plan_activate(plan=draft, actor=clinician)

    draft = plan_list(client=draft.client).get(pk=draft.pk)
    comparison = plan_comparison(plan=draft, against_pk=None)
    assert (comparison.older.pk, comparison.newer.pk) == (active.pk, draft.pk)
    changes = [(row.kind, row.change, row.changed) for row in comparison.rows]
    assert changes == [
        ("problem", "unchanged", ()),
        ("goal", "unchanged", ()),
        ("objective", "changed", ("target date",)),
        ("intervention", "added", ()),
        ("intervention", "removed", ()),
        ("goal", "added", ()),
        ("objective", "added", ()),
        ("intervention", "added", ()),
    ]
    assert comparison.counts == {"added": 4, "removed": 1, "changed": 1}


def test_comparing_the_first_version_says_there_is_nothing_to_compare(alice):
    plan = TreatmentPlanFactory(client=alice)
    assert plan_comparison(plan=plan, against_pk=None) is None


# --- Pages -------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, clinician):
    client.force_login(clinician)
    return client


def test_revise_from_the_plan_page_opens_the_draft(staff_client, alice):
    active = TreatmentPlanFactory(client=alice)
    response = staff_client.post(reverse("clients:plan-revise", args=[alice.pk, active.pk]))
    draft = alice.treatment_plans.get(status="draft")
    assert response.url == reverse("clients:plan", args=[alice.pk, draft.pk])
    page = staff_client.get(response.url).content.decode()
    assert "stays in force until this draft is signed" in page
    assert (
        reverse(
            "clients:plan-part-remove",
            args=[alice.pk, draft.pk, "problem", draft.problems.get().pk],
        )
        in page
    )


def test_editing_a_part_of_the_plan_in_force_is_refused_with_a_message(staff_client, alice):
    active = TreatmentPlanFactory(client=alice)
    problem = active.problems.get()
    url = reverse("clients:plan-part-edit", args=[alice.pk, active.pk, "problem", problem.pk])
    response = staff_client.post(url, {"statement": "Changed"}, follow=True)
    assert b"Only a draft changes" in response.content
    assert Problem.objects.get(pk=problem.pk).statement == problem.statement


def test_editing_a_part_of_the_draft_saves_it(staff_client, revised):
    _, draft = revised
    objective = Objective.objects.get(goal__problem__plan=draft)
    url = reverse(
        "clients:plan-part-edit", args=[draft.client_id, draft.pk, "objective", objective.pk]
    )
    new_date = timezone.localdate() + timedelta(days=45)
    response = staff_client.post(url, {"description": "Attend 6 hours", "target_date": new_date})
    assert response.status_code == 302
    objective.refresh_from_db()
    assert (objective.description, objective.target_date) == ("Attend 6 hours", new_date)


def test_a_part_of_another_plan_is_not_found(staff_client, revised):
    active, draft = revised
    problem = active.problems.get()
    url = reverse("clients:plan-part-edit", args=[draft.client_id, draft.pk, "problem", problem.pk])
    assert staff_client.get(url).status_code == 404
    url = reverse("clients:plan-part-edit", args=[draft.client_id, draft.pk, "plan", problem.pk])
    assert staff_client.get(url).status_code == 404


def test_the_comparison_page_keeps_a_constant_number_of_queries(
    staff_client, alice, clinician, django_assert_max_num_queries
):
    active = TreatmentPlanFactory(client=alice)
    draft = treatment_plan_revise(plan=active, actor=clinician)
    url = reverse("clients:plan-changes", args=[alice.pk, draft.pk])
    with django_assert_max_num_queries(30) as small:
        staff_client.get(url)
    for number in range(6):
        problem = problem_add(plan=draft, statement=f"Problem {number}")
        goal = goal_add(problem=problem, statement=f"Goal {number}")
        objective = objective_add(
            goal=goal, description=f"Objective {number}", target_date=timezone.localdate()
        )
        intervention_add(
            objective=objective, modality="group", frequency="Weekly", responsible=clinician
        )
    treatment_plan_activate(plan=draft, actor=clinician)
    treatment_plan_revise(plan=TreatmentPlan.objects.get(pk=draft.pk), actor=clinician)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = staff_client.get(url)
    assert response.content.count(b"Objective 5") == 1
    assert b"24 added" in response.content  # v1 to v2: four parts for each of six problems
