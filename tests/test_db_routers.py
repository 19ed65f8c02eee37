import pytest
from django.test import RequestFactory

from events.models import Incident
from kerman_site.db_routers import PrimaryReplicaRouter
from kerman_site.middleware import PinPrimaryMiddleware


@pytest.fixture
def router():
    return PrimaryReplicaRouter()


@pytest.fixture
def replicas(monkeypatch):
    monkeypatch.setattr("kerman_site.db_routers.replica_aliases", lambda: ["replica0", "replica1"])


def reads_during(request, router):
    seen = []

    def view(request):
        seen.append(router.db_for_read(Incident))
        return None

    PinPrimaryMiddleware(view)(request)
    return seen[0]


def test_without_replicas_everything_uses_the_primary(router):
    assert router.db_for_read(Incident) == "default"
    assert router.db_for_write(Incident) == "default"


def test_public_reads_go_to_a_replica_and_writes_to_the_primary(router, replicas):
    assert {router.db_for_read(Incident) for _ in range(50)} == {"replica0", "replica1"}
    assert router.db_for_write(Incident) == "default"
    assert reads_during(RequestFactory().get("/incidents/"), router).startswith("replica")


@pytest.mark.parametrize(
    "request_",
    [
        RequestFactory().post("/incidents/"),
        RequestFactory().get("/admin/events/incident/"),
        RequestFactory(headers={"cookie": "sessionid=abc"}).get("/incidents/"),
    ],
    ids=["a write", "the admin", "a logged-in session"],
)
def test_editors_read_from_the_primary_for_the_whole_request(router, replicas, request_):
    assert reads_during(request_, router) == "default"
    # and the pin ends with the request
    assert router.db_for_read(Incident).startswith("replica")


def test_only_the_primary_is_migrated(router):
    assert router.allow_migrate("default", "events")
    assert not router.allow_migrate("replica0", "events")
