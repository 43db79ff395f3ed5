import socket

from celery import shared_task

from .services import worker_heartbeat_record


@shared_task
def worker_heartbeat() -> None:
    worker_heartbeat_record(worker=socket.gethostname())
