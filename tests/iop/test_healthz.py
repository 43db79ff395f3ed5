from django.contrib.staticfiles import finders
from django.urls import reverse

from iop import selectors
from iop.services import worker_heartbeat_record


def test_healthz_is_ok_when_database_and_broker_answer(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"
    assert response.json()["checks"]["broker"] == "ok"


def test_healthz_reports_the_worker_heartbeat(client, db):
    assert client.get(reverse("healthz")).json()["checks"]["worker"] == "no recent heartbeat"
    worker_heartbeat_record(worker="worker-1")
    assert client.get(reverse("healthz")).json()["checks"]["worker"] == "ok"


def test_healthz_is_503_naming_the_broker_when_it_is_down(client, db, monkeypatch):
    def broker_down():
        raise ConnectionRefusedError

    monkeypatch.setattr(selectors, "broker_answers", broker_down)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "broker": "failed: ConnectionRefusedError",
        "worker": "no recent heartbeat",
    }


def test_healthz_is_503_naming_the_database_when_it_is_down(client, db, monkeypatch):
    def database_down():
        raise OSError("connection refused")

    monkeypatch.setattr(selectors, "database_answers", database_down)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "failed: OSError"


def test_the_favicon_is_linked_from_every_page_and_answers_at_its_old_address(client, db):
    login_page = client.get(reverse("login")).content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in login_page
    response = client.get("/favicon.ico")
    assert (response.status_code, response["Location"]) == (302, "/static/favicon.svg")
    assert finders.find("favicon.svg")
