import pytest

from iop.models import WorkerHeartbeat
from iop.tasks import worker_heartbeat
from tests.helpers import wait_for


def test_heartbeat_task_records_the_worker(db):
    worker_heartbeat()
    worker_heartbeat()
    assert WorkerHeartbeat.objects.count() == 1


@pytest.mark.integration
def test_a_real_worker_on_real_redis_runs_a_task_that_writes_a_row(celery_worker_process):
    worker_heartbeat.delay()
    assert wait_for(WorkerHeartbeat.objects.exists, timeout=30)


def test_beat_schedule_runs_the_heartbeat_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["worker-heartbeat"]
    assert entry == {"task": "iop.tasks.worker_heartbeat", "schedule": 60.0}
