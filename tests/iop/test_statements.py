"""Statements compiled once (`iop.statements`): the rows of the queryset they were built from, the
SQL compiled once per shape, and a builder that captured a value caught by the tests' check."""

from datetime import timedelta

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from clients.models import Client
from clients.selectors import client_chart_get, client_list, client_reachable_get
from iop.models import Role
from iop.pagination import StatementPaginator
from iop.statements import Slot, Statement, ids_in, role_user, values_for
from tests.factories import ClientFactory, UserFactory


def _by_track(*, with_track: bool):
    clients = Client.objects.filter(primary_clinician_id=Slot("clinician"))
    return clients.select_related("track") if with_track else clients


def test_a_statement_gives_the_rows_its_queryset_gives_with_the_values(alice, bob, clinician):
    other = ClientFactory(primary_clinician=UserFactory(role=Role.CLINICIAN))
    statement: Statement[Client] = Statement(
        lambda: (
            Client.objects.filter(primary_clinician_id=Slot("clinician"))
            .select_related("track")
            .order_by("legal_last_name")
        )
    )

    rows = statement.run(clinician=clinician.pk)

    assert rows == [alice, bob]
    assert rows[0].track == alice.track
    assert statement.run(clinician=other.primary_clinician_id) == [other]


def test_values_and_arrays_of_ids_in_slots(alice, bob):
    statement: Statement[tuple] = Statement(
        lambda: (
            Client.objects.filter(ids_in("pk", "ids"))
            .order_by("pk")
            .values_list("pk", "legal_first_name")
        )
    )

    assert statement.run(ids=[bob.pk]) == [(bob.pk, "Bob")]
    assert statement.run(ids=[alice.pk, bob.pk]) == [(alice.pk, "Alice"), (bob.pk, "Bob")]
    # An empty array is typed by its cast: no rows, no error.
    assert statement.run(ids=[]) == []


@override_settings(STATEMENTS_CHECKED=False)
def test_a_statement_is_built_and_compiled_once_per_shape(alice, clinician):
    built = []

    def build(with_track: bool):
        built.append(with_track)
        return _by_track(with_track=with_track)

    statement: Statement[Client] = Statement(build)
    for _ in range(3):
        assert statement.run({"with_track": True}, clinician=clinician.pk) == [alice]
    statement.run({"with_track": False}, clinician=clinician.pk)

    assert built == [True, False]
    with CaptureQueriesContext(connection) as queries:
        statement.run({"with_track": True}, clinician=clinician.pk)
    assert len(queries) == 1
    assert "clients_programtrack" in queries[0]["sql"]


def test_a_builder_that_captured_a_value_fails_the_check(alice):
    """The tests' settings build each statement again on every run and compare: a value read
    when the statement was built (the clock, here) would be a later run's too."""
    statement: Statement[Client] = Statement(
        lambda: Client.objects.filter(created_at__lte=timezone.now())
    )
    statement.run()

    with pytest.raises(AssertionError, match="besides its shape"):
        statement.run()


def test_a_value_missing_for_a_slot_is_an_error(clinician):
    statement: Statement[Client] = Statement(lambda: _by_track(with_track=False))

    with pytest.raises(TypeError, match="clinician"):
        statement.run()


def test_a_statement_that_cannot_match_reads_nothing(db):
    statement: Statement[Client] = Statement(lambda: Client.objects.none())

    with CaptureQueriesContext(connection) as queries:
        assert statement.run() == []
    assert not queries


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CLINICIAN, Role.CLIENT])
def test_the_reach_rule_for_a_role_reaches_the_clients_it_reaches_for_each_user(
    role, alice, bob, clinician
):
    """The rule compiled once for a role, run for each of its users, against the rule built for
    that user: every client of the clinic, in reach or not."""
    second = UserFactory(role=Role.CLINICIAN)
    carol = ClientFactory(primary_clinician=second)
    users = {
        Role.ADMIN: [UserFactory(role=Role.ADMIN)],
        Role.CLINICIAN: [clinician, second],
        Role.CLIENT: [alice.user, bob.user],
    }[role]
    for user in users:
        for client in (alice, bob, carol):
            expected = client_list(user=user, among=[client.pk]).first()
            assert client_reachable_get(user=user, pk=client.pk) == expected
            assert client_chart_get(user=user, pk=client.pk) == expected


def test_a_role_user_takes_the_clock_as_slots(clinician):
    values = values_for(clinician)

    assert role_user(Role.CLINICIAN).pk.name == "user"
    assert values["user"] == clinician.pk
    assert timezone.now() - values["now"] < timedelta(seconds=5)
    assert values["today"] == timezone.localdate(values["now"])


def test_pages_and_counts_of_a_statement(clinician):
    clients = ClientFactory.create_batch(7, primary_clinician=clinician)
    statement: Statement[Client] = Statement(
        lambda: Client.objects.filter(primary_clinician_id=Slot("clinician")).order_by("pk")
    )
    by_key = sorted(clients, key=lambda client: client.pk)

    assert statement.run_page(offset=0, limit=3, clinician=clinician.pk) == by_key[:3]
    assert statement.run_page(offset=6, limit=3, clinician=clinician.pk) == by_key[6:]
    assert statement.count(clinician=clinician.pk) == 7
    assert statement.count(cap=5, clinician=clinician.pk) == 5
    assert statement.count(clinician=clinician.pk + 1000) == 0


def test_a_sliced_statement_is_not_read_by_pages(clinician):
    statement: Statement[Client] = Statement(lambda: Client.objects.order_by("pk")[:2])

    with pytest.raises(ValueError, match="not sliced"):
        statement.count()


def test_a_statement_paginator_pages_as_djangos(clinician):
    ClientFactory.create_batch(7, primary_clinician=clinician)
    statement: Statement[Client] = Statement(
        lambda: Client.objects.filter(primary_clinician_id=Slot("clinician")).order_by("pk")
    )
    rows = Client.objects.filter(primary_clinician=clinician).order_by("pk")
    ours = StatementPaginator(statement, {}, {"clinician": clinician.pk}, per_page=3)
    djangos = Paginator(rows, 3)

    for number in ("1", "3", "9", "x", None):
        page, expected = ours.get_page(number), djangos.get_page(number)
        assert (page.number, list(page)) == (expected.number, list(expected))
    assert ours.num_pages == 3
    assert not ours.capped
    assert StatementPaginator(statement, {}, {"clinician": clinician.pk}, 3, cap=5).capped


@pytest.mark.parametrize("counted", [False, True])
def test_a_paginator_of_keys_reads_each_pages_rows_by_key_in_order(clinician, counted):
    ClientFactory.create_batch(7, primary_clinician=clinician)
    keys: Statement[tuple] = Statement(
        lambda: (
            Client.objects.filter(primary_clinician_id=Slot("clinician"))
            .order_by("-pk")
            .values_list("pk")
        )
    )
    read: list[list[int]] = []

    def rows_by_key(pks: list[int]) -> list[Client]:
        read.append(pks)
        return list(Client.objects.filter(pk__in=pks).order_by("pk"))

    paginator = StatementPaginator(
        keys, {}, {"clinician": clinician.pk}, 3, counted_with_first_page=counted,
        rows_by_key=rows_by_key,
    )  # fmt: skip
    expected = list(Client.objects.filter(primary_clinician=clinician).order_by("-pk"))

    assert list(paginator.get_page(1)) == expected[:3]
    assert list(paginator.get_page(3)) == expected[6:]
    assert paginator.count == 7
    assert read == [[client.pk for client in expected[:3]], [expected[6].pk]]
