"""/healthz answers 200 when the database and the broker answer, 503 when either does not."""
from django.db import OperationalError, connection


def test_healthy_when_database_and_broker_answer(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True


def test_503_when_the_broker_does_not_answer(client, db, settings):
    # Port 1 on loopback: nothing listens there, so the connection is refused at once.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_503_when_the_database_does_not_answer(client, db):
    def refuse(execute, sql, params, many, context):
        raise OperationalError("connection refused")

    with connection.execute_wrapper(refuse):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False, "error": "OperationalError"}


def test_only_get_is_allowed(client, db):
    assert client.post("/healthz").status_code == 405


def test_probes_by_ip_are_answered_whatever_the_allowed_hosts(client, db, settings):
    # Container healthchecks address the web server by IP, not by its public host name.
    settings.ALLOWED_HOSTS = ["api.example.com"]

    assert client.get("/healthz", HTTP_HOST="10.1.2.3:8000").status_code == 200
    assert client.get("/admin/login/", HTTP_HOST="10.1.2.3:8000").status_code == 400
