"""Two admins enrolling at the same moment: the row lock on the group lets only one take the last
place."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from groups.models import Enrollment
from groups.services import enrollment_create
from tests.factories import ClientFactory, GroupFactory


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_enrollments_cannot_both_take_the_last_place(monkeypatch):
    group = GroupFactory(capacity=1)
    clients = [ClientFactory(), ClientFactory()]
    start = threading.Barrier(len(clients))
    outcomes = []
    full_clean = Enrollment.full_clean

    def slow_full_clean(self, *args, **kwargs):
        # Widen the window between the capacity check and the insert, where a race would land.
        time.sleep(0.5)
        return full_clean(self, *args, **kwargs)

    monkeypatch.setattr(Enrollment, "full_clean", slow_full_clean)

    def enroll(client):
        try:
            start.wait()
            enrollment_create(group=group, client=client, start_date=timezone.localdate())
            outcomes.append("enrolled")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=enroll, args=[client]) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["enrolled", "refused"]
    assert Enrollment.objects.filter(group=group).count() == 1
