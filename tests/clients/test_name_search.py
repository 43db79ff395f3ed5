"""A search by name looks a word up by its three-character runs (`Client.search_trigrams`, GIN
indexed) before testing the names: it finds exactly the clients the test of the names alone found,
whichever path the planner takes."""

import pytest
from django.db import connection
from django.db.models import Q

from clients.models import Client, name_trigrams
from clients.selectors import client_name_or_mrn
from tests.factories import ClientFactory

QUERIES = [
    "anders",  # a whole last name
    "NDER",  # part of one, in capitals
    "aNdErS aLi",  # words of two names, any case, any order
    "ally",  # the preferred name
    "o'neil",
    "mary-jane",
    "jane o'n",
    "zoë",  # accented letters, as typed
    "ZOË",
    "ängström",
    "angstrom",  # without the accents
    "straße",
    "al",  # shorter than a run: every name is tested
    "li",
    "z",
    "ng ström",
    "%",  # LIKE's wildcards are plain characters
    "a_d",
    "nobody",
    "ali zed",  # every word must match
]


@pytest.fixture
def named(alice):
    alice.preferred_name = "Ally"
    alice.save()
    ClientFactory(legal_first_name="Mary-Jane", legal_last_name="O'Neil")
    ClientFactory(legal_first_name="Zoë", legal_last_name="Ängström", preferred_name="Zo")
    ClientFactory(legal_first_name="Al", legal_last_name="Li")
    ClientFactory(legal_first_name="Hans", legal_last_name="Straße")
    ClientFactory(legal_first_name="Alexander", legal_last_name="Wanders")
    return Client.objects.all()


def _names_alone(text: str) -> Q:
    """The search as it was: every word in a name (the stored capitals) or as the MRN."""
    matches = Q()
    for word in text.split():
        matches &= Q(search_name__contains=word.upper()) | Q(mrn=word.upper())
    return matches


def _found(clients, matches: Q) -> set[int]:
    return set(clients.filter(matches).values_list("pk", flat=True))


def test_the_runs_are_the_databases_own(named):
    for client in named.only("search_name", "search_trigrams"):
        assert client.search_trigrams == name_trigrams(client.search_name)
    assert name_trigrams("AL") == []
    assert name_trigrams("ANNA") == ["ANN", "NNA"]


@pytest.mark.parametrize("index_only", [False, True])
def test_a_search_finds_the_same_clients_as_the_names_alone(named, alice, index_only):
    if index_only:
        # Even on a table this small, the planner must take the runs' index (GIN: by bitmap).
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")
        assert "client_name_trigrams" in named.filter(client_name_or_mrn("anders")).explain()
    for text in [*QUERIES, alice.mrn, alice.mrn.lower()]:
        assert _found(named, client_name_or_mrn(text)) == _found(named, _names_alone(text)), text
    assert _found(named, client_name_or_mrn("NDER")) == set(
        named.filter(legal_last_name__in=["Anders", "Wanders"]).values_list("pk", flat=True)
    )
    assert _found(named, client_name_or_mrn("li")) == set(
        named.filter(legal_first_name__in=["Alice", "Al"]).values_list("pk", flat=True)
    )
    assert _found(named, client_name_or_mrn(alice.mrn.lower())) == {alice.pk}


def test_a_renamed_client_is_found_by_the_new_name_only(named, alice):
    alice.legal_last_name = "Quintero"
    alice.save()
    assert _found(named, client_name_or_mrn("quint")) == {alice.pk}
    assert alice.pk not in _found(named, client_name_or_mrn("anders"))
