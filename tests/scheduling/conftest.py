"""A group session in progress, run by `clinician`, with Alice and Bob on its roster; services run
with what they enqueue after commit."""

import pytest

from iop.celery import app as celery_app
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


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Run what services enqueue after commit, in this process, as a worker would."""
    celery_app.conf.task_always_eager = True

    def run(operation, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return operation(**kwargs)

    yield run
    celery_app.conf.task_always_eager = False
