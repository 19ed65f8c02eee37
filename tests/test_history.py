"""Every record's history (who changed what and when, a diff between any two versions, restore), the seed
content's first version, and optimistic locking: a stale form never overwrites a newer version."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events import models, revisions
from events.history import FIXTURE_REASON, SYSTEM_USERNAME, record_changed_versions, system_user, tracked_models
from tests import factories
from tests.test_admin import (
    FACTORIES,
    _posted,
    add_inline_row,
    admin_url,
    assert_refused,
    assert_saved,
    listed_now,
    page_data,
    revision_post,
)

pytestmark = pytest.mark.django_db


def form_data(form):
    data = {}
    for bound_field in form:
        data.update(_posted(bound_field))
    return data


def edit(client, obj, **changes):
    url = admin_url(type(obj), "change", obj.pk)
    data = page_data(client.get(url))
    data.update(changes)
    return client.post(url, data)


# History -------------------------------------------------------------------------------------------------


def test_every_archive_model_keeps_a_history():
    assert set(tracked_models()) == set(FACTORIES)


def test_an_admin_save_records_who_changed_what_and_when(staff_client):
    incident = factories.IncidentFactory(title="Kerman")

    assert_saved(edit(staff_client, incident, title="Kerman bombings"))

    latest = incident.history.latest()
    assert latest.title == "Kerman bombings"
    assert latest.history_user.username == "editor"
    assert latest.history_type == "~"
    previous = latest.prev_record
    assert [c.field for c in latest.diff_against(previous).changes] == ["title"]


def test_the_history_page_lists_revisions_with_their_changes(staff_client):
    incident = factories.IncidentFactory(title="Kerman")
    edit(staff_client, incident, title="Kerman bombings")

    page = staff_client.get(admin_url(models.Incident, "history", incident.pk)).content.decode()

    assert "Title: Kerman → Kerman bombings" in page
    assert "Compare the two selected revisions" in page


def test_any_two_revisions_can_be_compared(staff_client):
    incident = factories.IncidentFactory(title="Kerman", summary="First.")
    edit(staff_client, incident, title="Kerman bombings")
    edit(staff_client, incident, summary="Second.", sources=[str(factories.SourceFactory(title="IRNA").pk)])
    numbers = list(revisions.revisions_of(incident).order_by("number").values_list("number", flat=True))
    assert numbers == [1, 2, 3]

    url = reverse("admin:events_incident_history_compare", args=[incident.pk])
    response = staff_client.get(url, {"from": 1, "to": 3})

    assert response.status_code == 200
    changed = {change.field: (change.old, change.new) for change in response.context["changes"]}
    assert changed["Title"] == ("Kerman", "Kerman bombings")
    assert changed["Summary"] == ("First.", "Second.")
    assert "IRNA" in changed["Sources"][1]


def test_comparing_needs_two_revisions_of_this_record(staff_client):
    incident = factories.IncidentFactory()
    url = reverse("admin:events_incident_history_compare", args=[incident.pk])
    assert staff_client.get(url, {"from": "x", "to": "999999"}).status_code == 404


def test_an_earlier_revision_is_restored_with_its_sources(staff_client):
    original_source = factories.SourceFactory(title="Seed article")
    incident = factories.IncidentFactory(title="Kerman", sources=[original_source])
    assert_saved(edit(staff_client, incident, title="Wrong", sources=[str(factories.SourceFactory().pk)]))
    first = revisions.revisions_of(incident).get(number=1)

    url = reverse("admin:events_revision_change", args=[first.pk])
    response = staff_client.get(url)
    assert "Restore revision 1" in response.content.decode()

    assert_saved(revision_post(staff_client, url, {"action": "restore"}))

    incident.refresh_from_db()
    assert incident.title == "Kerman"
    assert list(incident.sources.all()) == [original_source]
    assert incident.history.latest().history_user.username == "editor"
    assert revisions.latest_live(incident).user.username == "editor"


def test_a_row_version_of_a_record_with_revisions_is_shown_but_not_restored_alone(staff_client):
    incident = factories.IncidentFactory(title="Kerman")
    first = incident.history.latest()
    url = reverse("admin:events_incident_simple_history", args=[incident.pk, first.history_id])
    assert "View an earlier version of Kerman" in staff_client.get(url).content.decode()


def test_an_editors_restore_of_a_published_record_waits_for_review(editor_client):
    incident = factories.IncidentFactory(title="Kerman", status=models.Status.PUBLISHED)
    first = revisions.record_if_changed(incident)
    models.Incident.objects.filter(pk=incident.pk).update(title="Changed")
    revisions.record_if_changed(models.Incident.objects.get(pk=incident.pk))

    response = revision_post(
        editor_client, reverse("admin:events_revision_change", args=[first.pk]), {"action": "restore"}
    )

    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.title == "Changed"
    pending = revisions.revisions_of(incident).pending().get()
    assert pending.snapshot["fields"]["title"] == "Kerman"
    assert pending.reason == "Restored revision 1"


# The seed content's first version -----------------------------------------------------------------------


def history_counts():
    return {model.__name__: model.history.count() for model in tracked_models()}


def test_loading_the_fixtures_gives_every_record_a_first_version_by_the_system_user(seeded):
    # `seeded` is what one `load_archive` into an empty database leaves (tests/conftest.py).

    system = get_user_model().objects.get(username=SYSTEM_USERNAME)
    assert not system.has_usable_password() and not system.is_active
    for model in tracked_models():
        assert model.objects.exists(), model
        versions = model.history.all()
        assert versions.count() == model.objects.count(), model
        assert set(versions.values_list("history_user", "history_change_reason", "history_type")) == {
            (system.pk, FIXTURE_REASON, "+")
        }, model
    kerman = models.Incident.objects.get(slug="2024-kerman-bombings").history.get()
    assert kerman.sources.count() == models.Incident.objects.get(slug="2024-kerman-bombings").sources.count()


def test_reloading_adds_versions_only_for_rows_the_fixtures_change(seeded):
    before = history_counts()
    # One reload: had it added nothing, the database would be as before, so a second would only repeat it.
    call_command("load_archive", "--force", stdout=StringIO())
    assert history_counts() == before

    edited = models.Incident.objects.get(slug="2024-kerman-bombings")
    edited.title = "Edited in the admin"
    edited.save()  # a version of its own
    call_command("load_archive", "--force", stdout=StringIO())

    after = history_counts()
    assert after["Incident"] == before["Incident"] + 2
    assert {k: v for k, v in after.items() if k != "Incident"} == {k: v for k, v in before.items() if k != "Incident"}
    latest = models.Incident.objects.get(slug="2024-kerman-bombings").history.latest()
    assert latest.title == "2024 Kerman bombings" and latest.history_change_reason == FIXTURE_REASON


def test_a_first_version_records_its_links_without_reading_each_linked_row(seeded):
    """A load's versions copy each row's links from the link table: reading `link.source` for each was a query
    a link (646 of a first load's 4,438)."""
    kerman = models.Incident.objects.get(slug="2024-kerman-bombings")

    def first_version_again():
        models.Incident.history.filter(id=kerman.pk).delete()
        with CaptureQueriesContext(connection) as queries:
            written = record_changed_versions(system_user(), FIXTURE_REASON)
        return written, len(queries)

    written, queries = first_version_again()
    kerman.sources.add(*factories.SourceFactory.create_batch(4))
    assert first_version_again() == (written, queries) and written == 1
    version = kerman.history.latest()
    assert set(version.sources.values_list("source_id", flat=True)) == set(kerman.sources.values_list("pk", flat=True))
    assert version.sources.count() > 4


# No lost edits ---------------------------------------------------------------------------------------------


def test_a_stale_form_is_refused_with_a_link_to_the_newer_version(client, editor, reviewer):
    from django.test import Client

    incident = factories.IncidentFactory(title="Kerman", status=models.Status.DRAFT)
    first, second = Client(), Client()
    first.force_login(editor)
    second.force_login(reviewer)
    url = admin_url(models.Incident, "change", incident.pk)
    first_form, second_form = page_data(first.get(url)), page_data(second.get(url))

    first_form["title"] = "Kerman bombings"
    assert_saved(first.post(url, first_form))
    second_form["summary"] = "Overwritten?"
    response = second.post(url, second_form)

    assert_refused(response, "Not saved: someone else saved this incident after you opened it")
    page = response.content.decode()
    assert "(you edited revision 1; it is now at revision 2)" in page
    assert f'<a href="{url}">Open the current version</a>' in page
    assert admin_url(models.Incident, "history", incident.pk) in page
    incident.refresh_from_db()
    assert (incident.title, incident.summary) == ("Kerman bombings", "A test incident.")


def test_a_stale_inline_row_is_refused(staff_client):
    incident = factories.IncidentFactory(status=models.Status.DRAFT)
    figure = factories.CasualtyFigureFactory(incident=incident, value=10)
    url = admin_url(models.Incident, "change", incident.pk)
    stale = page_data(staff_client.get(url))
    figure.value = 12
    figure.save()

    stale["casualty_figures-0-value"] = "99"
    response = staff_client.post(url, stale)

    assert_refused(response, "someone else saved this casualty figure after you opened it")
    figure.refresh_from_db()
    assert figure.value == 12


def test_deleting_a_row_someone_changed_since_the_page_was_opened_is_refused(staff_client):
    incident = factories.IncidentFactory(status=models.Status.DRAFT)
    figure = factories.CasualtyFigureFactory(incident=incident, value=10)
    url = admin_url(models.Incident, "change", incident.pk)
    stale = page_data(staff_client.get(url))
    figure.value = 12  # a correction on the figure's own page
    figure.save()

    stale["casualty_figures-0-DELETE"] = "on"
    assert_refused(staff_client.post(url, stale), "someone else saved this casualty figure after you opened it")
    assert models.CasualtyFigure.objects.get(pk=figure.pk).value == 12


def test_a_row_someone_added_since_the_page_was_opened_refuses_the_save_in_words(staff_client):
    incident = factories.IncidentFactory(status=models.Status.DRAFT)
    url = admin_url(models.Incident, "change", incident.pk)
    stale = page_data(staff_client.get(url))
    factories.CasualtyFigureFactory(incident=incident, kind="arrested", group="drivers", rank="preferred", value=3)
    row = {"kind": "arrested", "group": "drivers", "qualifier": "exact", "value": "4", "rank": "preferred"}
    stale = add_inline_row(stale, "casualty_figures", **row, sources=[factories.cited_source()])

    # Saved, the page's new preferred row would clash with the one added meanwhile (a server error, before).
    response = staff_client.post(url, stale)
    message = "Not saved: someone added a casualty figure to this record after you opened it: “Incident"
    assert_refused(response, message)
    assert list(incident.casualty_figures.values_list("value", flat=True)) == [3]


def test_a_form_without_its_version_is_refused(staff_client):
    source = factories.SourceFactory(title="Reuters")
    data = {"title": "Changed", "slug": source.slug}

    assert_refused(staff_client.post(admin_url(models.Source, "change", source.pk), data), "Not saved")
    source.refresh_from_db()
    assert source.title == "Reuters"


def test_the_database_refuses_a_stale_save_even_in_a_race():
    """Two copies read at the same version: the second UPDATE matches no row (WHERE version = 1)."""
    incident = factories.IncidentFactory(title="Kerman")
    mine, theirs = (models.Incident.objects.get(pk=incident.pk) for _ in range(2))
    theirs.title = "Theirs"
    theirs.save()
    mine.title = "Mine"

    with pytest.raises(models.StaleEditError, match="was changed by someone else"), transaction.atomic():
        mine.save()

    incident.refresh_from_db()
    assert (incident.title, incident.version) == ("Theirs", theirs.version)


def test_saves_bump_the_version():
    source = factories.SourceFactory()
    assert source.version == 1
    source.title = "Renamed"
    source.save()
    source.save(update_fields=["title"])
    assert source.version == 3 == source.current_version()


def test_publishing_from_the_list_makes_open_forms_stale(staff_client):
    incident = factories.IncidentFactory(status=models.Status.IN_REVIEW)
    url = admin_url(models.Incident, "change", incident.pk)
    open_form = page_data(staff_client.get(url))
    staff_client.post(
        admin_url(models.Incident, "changelist"),
        {"action": "publish", "_selected_action": [incident.pk], "index": 0, "listed_at": listed_now()},
    )

    assert_refused(staff_client.post(url, open_form), "Not saved")
    incident.refresh_from_db()
    assert incident.status == models.Status.PUBLISHED
    assert incident.history.latest().history_change_reason == "Published from the list of incidents"
