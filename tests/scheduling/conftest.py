"""A group session in progress, run by `clinician`, with Alice and Bob on its roster."""

import pytest

from tests.factories import EnrollmentFactory, GroupFactory
from tests.scheduling.helpers import session_in_progress


@pytest.fixture
def group(clinician):
    return GroupFactory(facilitators=[clinician])


@pytest.fixture
def group_session(group, alice, bob):
    for client in (alice, bob):
        EnrollmentFactory(group=group, client=client)
    return session_in_progress(group=group)


@pytest.fixture
def clinician_client(client, clinician):
    """The test client logged in as the clinician."""
    client.force_login(clinician)
    return client
