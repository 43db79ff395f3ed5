"""Walk every URL pattern for every persona again, now with hostile query strings: far dates,
non-dates, huge and negative numbers, SQL, NUL bytes, very long strings. Whatever arrives, the
answer is a page, a message or a redirect: never a 5xx.

Each page is opened with every hostile value in all the usual parameters at once; the walk notes
which parameters the view read (including ones not in the list) and then tries each of those
alone, so one invalid field cannot hide a crash in another. It reuses the access walk's table and
world (tests/test_access.py): a new URL is walked here as soon as it is listed there."""

import inspect
from contextlib import ExitStack, contextmanager
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.http import QueryDict
from django.urls import reverse

from tests import test_access
from tests.test_access import (
    ACCESS,
    ADMIN,
    ANONYMOUS,
    CLIENT,
    CLINICIAN,
    POST_ONLY,
    URL_KWARGS,
    all_url_names,
    persona_user,
)

world = test_access.world

HOSTILE = [
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "not a date",
    "-1",
    "99999999999999999999999",
    "1' OR '1'='1'; DROP TABLE clients_client; --",
    "a\x00b",
    "x" * 5000,
]

# The parameters views read (request.GET and the filter forms), and the usual suspects.
PARAMETERS = [
    "week", "date", "day", "page", "q", "status", "clinician", "group", "track", "sort", "start",
    "end", "client", "client_id", "kind", "level", "user", "actor", "action", "record", "since",
    "until", "primary_clinician", "from", "to", "next",
]  # fmt: skip

# Pages that read some parameters only in one mode: walk them in that mode too.
MODES = {"iop:audit-log": [{}, {"kind": "reads"}]}


# What these methods look up is not a parameter the view reads: they build the dict, or go
# through every name (a copy, a link that keeps the query string).
NOT_READING = [
    "__init__", "appendlist", "setlistdefault",
    "items", "lists", "values", "dict", "copy", "urlencode", "__deepcopy__",
]  # fmt: skip


@contextmanager
def names_read():
    """The names a view looks up one by one in its query dicts (request.GET, request.POST)."""
    names: set[str] = set()
    depth = 0

    def noting(method):
        def noting_method(self, key, *args, **kwargs):
            if not depth:
                names.add(key)
            return method(self, key, *args, **kwargs)

        return noting_method

    def not_reading(method):
        def not_reading_method(self, *args, **kwargs):
            nonlocal depth
            depth += 1
            try:
                result = method(self, *args, **kwargs)
                # items(), lists() and values() are generators: go through them now.
                return list(result) if inspect.isgenerator(result) else result
            finally:
                depth -= 1

        return not_reading_method

    patches = [
        mock.patch.object(QueryDict, name, noting(getattr(QueryDict, name)))
        for name in ("__getitem__", "_getlist")
    ] + [
        mock.patch.object(QueryDict, name, not_reading(getattr(QueryDict, name)))
        for name in NOT_READING
    ]
    with ExitStack() as stack:
        for patch in patches:
            stack.enter_context(patch)
        yield names


def hostile_queries(name, persona, read):
    """Every hostile value in all the parameters at once, then in each parameter read alone. A
    persona the page turns away gets one query with every value (in turn over the parameters)."""
    if persona not in ACCESS[name]:
        yield {parameter: HOSTILE[n % len(HOSTILE)] for n, parameter in enumerate(PARAMETERS)}
        return
    for mode in MODES.get(name, [{}]):
        for value in HOSTILE:
            yield {**dict.fromkeys(PARAMETERS, value), **mode}
        for parameter in sorted(read - set(mode)):
            for value in HOSTILE:
                yield {**mode, parameter: value}


def describe(query):
    def short(value):
        return repr(value if len(value) < 40 else f"{value[:10]}...({len(value)} chars)")

    if len(set(query.values())) > 3:
        return "a hostile value in every parameter"
    if len(query) > 3:
        return f"every parameter {short(query['week'])}"
    return ", ".join(f"{key}={short(value)}" for key, value in query.items())


@pytest.mark.parametrize("persona", [ANONYMOUS, CLIENT, CLINICIAN, ADMIN])
def test_every_url_answers_hostile_query_strings_without_a_server_error(client, world, persona):
    user = persona_user(world, persona)
    if user:
        client.force_login(user)
    failures = []
    for name in sorted(set(all_url_names()) - {"logout"}):
        url = reverse(name, kwargs=URL_KWARGS[name](world) if name in URL_KWARGS else {})
        read: set[str] = set()
        queries = hostile_queries(name, persona, read)
        for query in queries:
            where = f"{persona} {url} ({name}) with {describe(query)}"
            try:
                # A savepoint per request: one failed query must not poison the rest of the walk.
                with transaction.atomic(), names_read() as names:
                    if name in POST_ONLY:
                        response = client.post(url, QUERY_STRING=urlencode(query))
                    else:
                        response = client.get(url, query)
            except Exception as error:  # the walk reports every crash, not only the first
                failures.append(f"{where}: {type(error).__name__}: {str(error)[:100]}")
                continue
            finally:
                read |= names & set(query)
            if response.status_code >= 500:
                failures.append(f"{where}: {response.status_code}")
    assert not failures, "\n".join(failures)
