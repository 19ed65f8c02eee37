"""Whole-record revisions: one revision per save across a record and its rows, a readable history, restore of
the whole revision or nothing, and pending revisions for an Editor's changes to public records."""

import csv
import io
import re

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events import models, revisions
from tests import factories
from tests.conftest import fresh, member_of, module_rows
from tests.test_admin import (
    add_inline_row,
    admin_url,
    assert_saved,
    errors_on,
    listed_now,
    page_data,
    preferred_killed,
    revision_post,
)

# What these tests read is not the rows' history: factories skip it (tests/factories.py).
FACTORIES_RECORD_HISTORY = False

pytestmark = pytest.mark.django_db

Rank = models.CasualtyFigure.Rank


def published_incident(killed=12, **fields):
    incident = factories.IncidentFactory(title="Kerman", slug="kerman", summary="First summary.", **fields)
    factories.CasualtyFigureFactory(incident=incident, value=killed, rank=Rank.PREFERRED)
    incident.refresh_from_db()
    return incident


def edit_incident(client, incident, **changes):
    url = admin_url(models.Incident, "change", incident.pk)
    data = page_data(client.get(url))
    data.update(changes)
    return client.post(url, data)


def preferred_killed_row(data):
    for key, value in data.items():
        if key.startswith("casualty_figures-") and key.endswith("-rank") and value == "preferred":
            return key.rsplit("-", 1)[0]
    raise AssertionError("no preferred figure on the page")


def change_figure_and_summary(client, incident, value, summary):
    url = admin_url(models.Incident, "change", incident.pk)
    data = page_data(client.get(url))
    row = preferred_killed_row(data)
    data[f"{row}-value"] = str(value)
    data["summary"] = summary
    return client.post(url, data)


def public_killed(client, incident):
    """The deaths a reader sees for `incident`: in the infobox, in the list's row and in the CSV."""
    page = client.get(incident.get_absolute_url()).content.decode()
    infobox = page.split('<th scope="row">Deaths</th><td class="num">')[1].split("<")[0]
    listed = client.get("/incidents/").content.decode()
    export = b"".join(client.get("/incidents.csv").streaming_content).decode()
    row = next(row for row in csv.DictReader(io.StringIO(export)) if row["Title"] == incident.title)
    return infobox, row["Killed"], listed


# One revision per save, across the aggregate ----------------------------------------------------------------


def test_one_admin_save_of_an_incident_and_its_figures_is_one_revision(staff_client):
    incident = published_incident()

    assert_saved(change_figure_and_summary(staff_client, incident, 14, "Second summary."))

    found = list(revisions.revisions_of(incident).order_by("number"))
    # The state before the first revised edit is kept as revision 1, so it can be restored.
    assert [r.number for r in found] == [1, 2]
    assert found[1].user.username == "editor"
    assert "Killed 12 → 14 (preferred)" in found[1].summary
    assert "Summary changed" in found[1].summary


def test_recording_every_changed_record_reads_the_records_a_kind_at_a_time():
    """What load_archive does after a load: a revision for each record that differs from its latest one. Finding
    them costs the same queries for one incident with its rows as for three; the one changed gets the next
    number and says what changed."""

    def incidents(count):
        made = []
        for _ in range(count):
            incident = factories.IncidentFactory()
            factories.CasualtyFigureFactory(incident=incident)
            factories.ReactionFactory(incident=incident, stances=[factories.StanceFactory()])
            factories.AttributionFactory(incident=incident)
            made.append(incident)
        return made

    (first,) = incidents(1)
    revisions.record_all_changed(None, "Loaded")
    with CaptureQueriesContext(connection) as one:
        assert revisions.record_all_changed(None, "Again") == 0
    incidents(2)
    revisions.record_all_changed(None, "Loaded")
    with CaptureQueriesContext(connection) as three:
        assert revisions.record_all_changed(None, "Again") == 0
    assert len(three) == len(one)

    models.Incident.objects.filter(pk=first.pk).update(title="Retitled")
    assert revisions.record_all_changed(None, "Reloaded") == 1
    (latest,) = revisions.revisions_of(first).filter(reason="Reloaded")
    assert (latest.number, latest.summary) == (2, f"Title: {first.title} → Retitled")


def test_the_history_lists_revisions_with_inline_changes(staff_client):
    incident = published_incident()
    change_figure_and_summary(staff_client, incident, 14, "Second summary.")

    page = staff_client.get(admin_url(models.Incident, "history", incident.pk)).content.decode()

    assert "Killed 12 → 14 (preferred)" in page
    assert "Compare the two selected revisions" in page


def test_comparing_two_revisions_shows_the_figure_change(staff_client):
    incident = published_incident()
    change_figure_and_summary(staff_client, incident, 14, "Second summary.")

    url = reverse("admin:events_incident_history_compare", args=[incident.pk])
    response = staff_client.get(url, {"from": 1, "to": 2})

    assert response.status_code == 200
    changed = {(c.section.split(",")[0], c.field): (c.old, c.new) for c in response.context["changes"]}
    assert changed[("", "Summary")] == ("First summary.", "Second summary.")
    assert changed[("Killed 12", "Value")] == ("12", "14")


def test_the_reason_box_is_kept_with_the_revision(staff_client):
    incident = published_incident()
    assert_saved(edit_incident(staff_client, incident, summary="New.", change_reason="IRNA corrected it"))
    assert revisions.latest_live(incident).reason == "IRNA corrected it"


# Restore ---------------------------------------------------------------------------------------------------


def test_restoring_brings_back_a_deleted_reaction_that_the_revisions_own_attributions_name(staff_client):
    incident = published_incident()
    reaction = factories.ReactionFactory(incident=incident, stances=[factories.StanceFactory()])
    factories.AttributionFactory.create_batch(2, incident=incident, reaction=reaction, by_country=reaction.country)
    then = revisions.record_if_changed(incident)
    models.Attribution.objects.filter(incident=incident).update(reaction=None)
    reaction_pk = reaction.pk
    reaction.delete()
    revisions.record_if_changed(incident)

    url = reverse("admin:events_revision_change", args=[then.pk])
    response = revision_post(staff_client, url, {"action": "restore"}, follow=True)
    assert f"Restored revision {then.number}" in response.content.decode(), [
        str(m) for m in response.context["messages"]
    ]
    assert models.Reaction.objects.filter(pk=reaction_pk).exists()
    assert models.Attribution.objects.filter(incident=incident, reaction=reaction_pk).count() == 2


def test_a_restore_naming_a_record_deleted_since_says_so_once(staff_client):
    incident = published_incident()
    factories.AttributionFactory.create_batch(2, incident=incident, responsible_person=factories.PersonFactory())
    then = revisions.record_if_changed(incident)
    person = models.Attribution.objects.filter(incident=incident).first().responsible_person
    models.Attribution.objects.filter(incident=incident).update(responsible_person=None)
    person.delete()

    with pytest.raises(revisions.RevisionRefused) as refused:
        revisions.apply(incident, then.snapshot)
    assert refused.value.problems == [f"It names person “{person}” (responsible person), which has been deleted since."]


def drawn_against(client, revision):
    """The live revision number the revision's page drew its Restore or Publish form against."""
    page = client.get(reverse("admin:events_revision_change", args=[revision.pk])).content.decode()
    return re.search(r'name="against" value="(\d*)"', page).group(1)


def test_a_restore_is_refused_when_the_record_was_saved_after_its_page_was_shown(staff_client):
    incident = published_incident()
    assert_saved(edit_incident(staff_client, incident, summary="Second summary."))
    first = revisions.revisions_of(incident).get(number=1)
    against = drawn_against(staff_client, first)
    assert_saved(edit_incident(staff_client, incident, summary="A third, saved while the page was open."))

    url = reverse("admin:events_revision_change", args=[first.pk])
    response = revision_post(staff_client, url, {"action": "restore", "against": against}, follow=True)
    assert "Not restored: “Kerman” was saved again (it is now at revision 3)" in response.content.decode()
    incident.refresh_from_db()
    assert incident.summary == "A third, saved while the page was open."
    revision_post(staff_client, url, {"action": "restore", "against": drawn_against(staff_client, first)})
    incident.refresh_from_db()
    assert incident.summary == "First summary."


def test_publishing_a_pending_revision_is_refused_when_the_record_was_saved_after_its_page_was_shown(
    editor_client, reviewer
):
    incident = published_incident()
    assert_saved(edit_incident(editor_client, incident, title="Kerman bombings"))
    pending = revisions.revisions_of(incident).pending().get()
    editor_client.force_login(reviewer)
    against = drawn_against(editor_client, pending)
    other_reviewer = Client()
    other_reviewer.force_login(member_of("Reviewer", "second-reviewer"))
    assert_saved(edit_incident(other_reviewer, incident, summary="A fix saved by another reviewer."))

    url = reverse("admin:events_revision_change", args=[pending.pk])
    response = revision_post(editor_client, url, {"action": "publish", "against": against}, follow=True)
    assert "Not published: “Kerman” was saved again (it is now at revision 3)" in response.content.decode(), [
        str(m) for m in response.context["messages"]
    ]
    pending.refresh_from_db()
    incident.refresh_from_db()
    assert pending.is_pending and incident.summary == "A fix saved by another reviewer."


def test_publishing_is_refused_when_a_source_it_adds_was_renamed_after_its_page_was_shown(editor_client, reviewer):
    incident = published_incident()
    source = factories.SourceFactory(title="Reuters, 4 January 2024")  # new: no published record cites it yet
    url = admin_url(models.Incident, "change", incident.pk)
    data = page_data(editor_client.get(url))
    assert_saved(editor_client.post(url, {**data, "sources": [*data["sources"], str(source.pk)]}))
    pending = revisions.revisions_of(incident).pending().get()
    editor_client.force_login(reviewer)
    page_url = reverse("admin:events_revision_change", args=[pending.pk])
    page = editor_client.get(page_url).content.decode()
    assert "Reuters, 4 January 2024" in page
    drawn = dict(re.findall(r'name="(against|shown)" value="([^"]*)"', page))
    models.Source.objects.filter(pk=source.pk).update(title="Words no reviewer read", version=F("version") + 1)

    response = editor_client.post(page_url, {**drawn, "action": "publish"}, follow=True)
    assert "Not published: a record it names (a source, a stance, a place...)" in response.content.decode()
    pending.refresh_from_db()
    assert pending.is_pending and not incident.sources.filter(pk=source.pk).exists()
    response = editor_client.post(page_url, {"action": "publish"}, follow=True)  # a POST no page drew
    assert "Not published: this came from a page that does not say what it would change" in response.content.decode()
    assert revision_post(editor_client, page_url, {"action": "publish"}).status_code == 302
    assert incident.sources.filter(pk=source.pk).exists()


def proposed_and_drawn(editor_client, reviewer, incident, **changes):
    """An Editor's pending change to `incident`; the Reviewer's page for it and what its form carries."""
    assert_saved(edit_incident(editor_client, incident, **changes))
    pending = revisions.revisions_of(incident).pending().get()
    editor_client.force_login(reviewer)
    url = reverse("admin:events_revision_change", args=[pending.pk])
    return (
        pending,
        url,
        dict(re.findall(r'name="(against|shown)" value="([^"]*)"', editor_client.get(url).content.decode())),
    )


def test_publishing_is_refused_when_a_source_or_place_up_a_chain_moved_after_the_page_but_not_for_a_published_one(
    editor_client, reviewer
):
    incident = published_incident()
    outlet = factories.SourceFactory(title="Tasnim wire")  # new, cited by nothing: an Editor's to rename
    statement = factories.SourceFactory(title="Statement by X", reported_in=outlet)
    country = factories.CountryFactory(name="Iran")  # published: a change to it is reviewed on its own
    county = factories.PlaceFactory(name="Probe County", kind="region", parent=country, status="draft")
    site = factories.PlaceFactory(name="Probe Site", parent=county, status="draft")
    sources = [str(pk) for pk in incident.sources.values_list("pk", flat=True)] + [str(statement.pk)]
    pending, url, drawn = proposed_and_drawn(editor_client, reviewer, incident, sources=sources, place=site.pk)

    def publish():
        return editor_client.post(url, {**drawn, "action": "publish"}, follow=True).content.decode()

    models.Source.objects.filter(pk=outlet.pk).update(title="Words no reviewer read", version=F("version") + 1)
    assert "Not published: a record it names" in publish()
    models.Source.objects.filter(pk=outlet.pk).update(title="Tasnim wire", version=F("version") - 1)
    models.Place.objects.filter(pk=county.pk).update(parent=factories.CountryFactory(), version=F("version") + 1)
    assert "Not published: a record it names" in publish()
    models.Place.objects.filter(pk=county.pk).update(parent=country, version=F("version") - 1)

    models.Place.objects.filter(pk=country.pk).update(name="Islamic Republic of Iran", version=F("version") + 1)
    assert "Published revision" in publish()
    pending.refresh_from_db()
    assert not pending.is_pending


def test_a_revision_address_that_is_not_a_number_is_not_found(staff_client):
    assert staff_client.get(reverse("admin:events_revision_change", args=["abc"])).status_code == 404


def test_restoring_a_revision_brings_back_the_figures_and_the_headline_agrees(staff_client, client):
    incident = published_incident(killed=12)
    change_figure_and_summary(staff_client, incident, 14, "Second summary.")
    first = revisions.revisions_of(incident).get(number=1)

    response = revision_post(
        staff_client, reverse("admin:events_revision_change", args=[first.pk]), {"action": "restore"}
    )

    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.summary == "First summary."
    assert incident.killed == 12
    assert incident.casualty_figures.get(rank=Rank.PREFERRED).value == 12
    latest = revisions.latest_live(incident)
    assert latest.number == 3 and latest.reason == "Restored revision 1"
    infobox, exported, listed = public_killed(client, incident)
    assert (infobox, exported) == ("12", "12")
    assert "<strong>12</strong> killed" in listed


def test_restoring_removes_rows_added_since_and_brings_back_deleted_ones(staff_client):
    incident = published_incident()
    kept = factories.ReactionFactory(incident=incident, slug="turkiye")
    before = revisions.record_if_changed(incident)
    added = factories.ReactionFactory(incident=incident, slug="added-later")
    kept.delete()

    with revisions.reviewed_write(None):
        revisions.apply(incident, before.snapshot)

    assert set(incident.reactions.values_list("slug", flat=True)) == {"turkiye"}
    assert not models.Reaction.objects.filter(pk=added.pk).exists()
    assert revisions.diff(models.Incident, before.snapshot, revisions.snapshot(incident)) == []


def test_a_revision_naming_a_deleted_person_is_refused_and_changes_nothing(staff_client):
    incident = published_incident()
    person = factories.PersonFactory(name="Abdollah Tajiki")
    figure = incident.casualty_figures.get()
    figure.reported_by_person = person
    figure.save()
    then = revisions.record_if_changed(incident)
    figure.reported_by_person = None
    figure.save()
    incident.summary = "Changed since."
    incident.save()
    person.delete()
    revisions.record_if_changed(incident)

    response = revision_post(
        staff_client, reverse("admin:events_revision_change", args=[then.pk]), {"action": "restore"}
    )

    incident.refresh_from_db()
    assert incident.summary == "Changed since."
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Abdollah Tajiki" in m and "deleted since" in m for m in messages), messages


def test_a_restore_that_would_publish_without_sources_is_refused(staff_client):
    incident = published_incident()
    unsourced = revisions.record_if_changed(incident)
    unsourced.snapshot["fields"]["sources"] = []
    unsourced.save()

    with pytest.raises(revisions.RevisionRefused, match="without a source"):
        revisions.apply(incident, unsourced.snapshot)
    incident.refresh_from_db()
    assert incident.sources.exists()


# Pending revisions: an Editor's change to a public record waits for a Reviewer -------------------------------


def test_an_editors_change_to_a_published_incident_is_pending_until_a_reviewer_publishes_it(editor, reviewer, client):
    incident = published_incident(killed=12)
    client.force_login(editor)

    response = change_figure_and_summary(client, incident, 14, "Corrected summary.")

    pending = revisions.revisions_of(incident).pending().get()
    assert response.status_code == 302 and response.url == reverse("admin:events_revision_change", args=[pending.pk])
    incident.refresh_from_db()
    assert (incident.summary, incident.killed) == ("First summary.", 12)
    client.logout()
    assert public_killed(client, incident)[:2] == ("12", "12")
    assert "Corrected summary." not in client.get(incident.get_absolute_url()).content.decode()

    client.force_login(reviewer)
    page = client.get(reverse("admin:events_revision_change", args=[pending.pk])).content.decode()
    assert "Killed 12" in page and "Corrected summary." in page
    assert_saved(
        revision_post(client, reverse("admin:events_revision_change", args=[pending.pk]), {"action": "publish"})
    )

    incident.refresh_from_db()
    assert (incident.summary, incident.killed) == ("Corrected summary.", 14)
    client.logout()
    assert public_killed(client, incident)[:2] == ("14", "14")
    pending.refresh_from_db()
    assert pending.state == models.Revision.State.PUBLISHED and pending.reviewed_by == reviewer
    assert revisions.latest_live(incident).reason.startswith(f"Published pending revision {pending.number} by ed")


def test_a_rejected_revision_leaves_the_public_record_as_it_was(editor_client, reviewer):
    incident = published_incident()
    edit_incident(editor_client, incident, summary="Wrong.")
    pending = revisions.revisions_of(incident).pending().get()
    editor_client.force_login(reviewer)

    revision_post(
        editor_client, reverse("admin:events_revision_change", args=[pending.pk]), {"action": "reject", "note": "No"}
    )

    pending.refresh_from_db()
    assert pending.state == models.Revision.State.REJECTED and pending.review_note == "No"
    incident.refresh_from_db()
    assert incident.summary == "First summary."


def test_an_editor_cannot_publish_a_pending_revision(editor_client):
    incident = published_incident()
    edit_incident(editor_client, incident, summary="Mine.")
    pending = revisions.revisions_of(incident).pending().get()

    response = revision_post(
        editor_client, reverse("admin:events_revision_change", args=[pending.pk]), {"action": "publish"}
    )

    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.summary == "First summary."


def test_the_editor_is_told_in_words_what_will_happen(editor_client):
    incident = published_incident()
    page = editor_client.get(admin_url(models.Incident, "change", incident.pk)).content.decode()
    assert "will be public once a reviewer publishes it" in page

    response = edit_incident(editor_client, incident, summary="Mine.")
    page = editor_client.get(response.url).content.decode()
    assert "is saved as pending revision" in page
    assert "changed successfully" not in page


def test_an_editors_draft_incident_saves_at_once(editor_client):
    incident = published_incident(status=models.Status.DRAFT)
    assert_saved(edit_incident(editor_client, incident, summary="Draft text."))
    incident.refresh_from_db()
    assert incident.summary == "Draft text."
    assert not revisions.revisions_of(incident).pending().exists()


def test_the_review_queue_lists_pending_revisions(editor_client, reviewer):
    incident = published_incident()
    edit_incident(editor_client, incident, summary="Mine.")
    editor_client.force_login(reviewer)

    page = editor_client.get(reverse("admin:index")).content.decode()

    assert "1 pending change to public records" in page
    assert "Kerman, revision 2" in page


def test_publishing_can_take_draft_reactions_along(editor_client, reviewer):
    incident = published_incident()
    url = admin_url(models.Incident, "change", incident.pk)
    data = page_data(editor_client.get(url))
    country = factories.CountryFactory(name="Türkiye")
    stance = factories.StanceFactory()
    add_inline_row(
        data,
        "reactions",
        slug="turkiye",
        category="country",
        status="draft",
        country=str(country.pk),
        stances=[str(stance.pk)],
        summary="Condemned it.",
        sources=[str(factories.SourceFactory().pk)],
    )
    assert_saved(editor_client.post(url, data))
    pending = revisions.revisions_of(incident).pending().get()
    assert "Reaction by Türkiye added" in pending.summary
    editor_client.force_login(reviewer)
    page = editor_client.get(reverse("admin:events_revision_change", args=[pending.pk])).content.decode()
    assert "Also publish what it holds as drafts: Reaction by Türkiye" in page

    revision_post(
        editor_client,
        reverse("admin:events_revision_change", args=[pending.pk]),
        {"action": "publish", "publish_children": "1"},
    )

    assert models.Reaction.objects.get(slug="turkiye").status == models.Status.PUBLISHED


# Every admin write path, as an Editor, on a public record ----------------------------------------------------


def test_an_editor_adding_a_figure_to_a_published_incident_on_its_own_page_waits_for_review(editor_client, client):
    incident = published_incident(killed=12)
    url = admin_url(models.CasualtyFigure, "add")
    data = page_data(editor_client.get(url))
    data.update({"incident": str(incident.pk), "kind": "killed", "value": "5000", "qualifier": "exact"})
    data.update({"rank": "reported", "sources": [str(factories.SourceFactory().pk)]})

    assert editor_client.post(url, data).status_code == 302

    assert incident.casualty_figures.count() == 1
    assert revisions.revisions_of(incident).pending().count() == 1
    assert "5,000" not in client.get(incident.get_absolute_url()).content.decode()


def test_an_editor_renaming_a_cited_source_waits_for_review(editor_client):
    incident = published_incident()
    source = incident.sources.get()
    url = admin_url(models.Source, "change", source.pk)
    data = page_data(editor_client.get(url))
    data["title"] = "Renamed by an editor"

    assert editor_client.post(url, data).status_code == 302

    source.refresh_from_db()
    assert source.title != "Renamed by an editor"
    assert revisions.revisions_of(source).pending().count() == 1


def test_a_reviewer_publishes_an_editors_change_to_a_cited_source_and_changes_one_directly(editor_client, reviewer):
    source = published_incident().sources.get()
    assert_saved(edit_source(editor_client, source, "Renamed by an editor"))
    pending = revisions.revisions_of(source).pending().get()
    editor_client.force_login(reviewer)
    url = reverse("admin:events_revision_change", args=[pending.pk])
    assert 'value="publish"' in editor_client.get(url).content.decode()

    assert revision_post(editor_client, url, {"action": "publish"}).status_code == 302
    source.refresh_from_db()
    assert source.title == "Renamed by an editor"
    assert_saved(edit_source(editor_client, source, "Renamed by a reviewer"))
    source.refresh_from_db()
    assert source.title == "Renamed by a reviewer"
    assert not revisions.revisions_of(source).pending().exists()


@pytest.mark.parametrize("factory", ["IncidentClaimFactory", "PersonClaimFactory", "OrganizationClaimFactory"])
def test_an_editor_renaming_a_source_only_a_claim_cites_waits_for_review(editor_client, client, factory):
    """A claim of a published record shows its sources on the record's page, so they are public too."""
    claim = getattr(factories, factory)(sources=[factories.SourceFactory(title="Claim's own source")])
    subject = getattr(claim, claim.subject_field)
    type(subject).objects.filter(pk=subject.pk).update(status=models.Status.PUBLISHED)
    source = claim.sources.get()
    url = admin_url(models.Source, "change", source.pk)
    data = page_data(editor_client.get(url))
    data["title"] = "Renamed by an editor"

    assert editor_client.post(url, data).status_code == 302

    source.refresh_from_db()
    assert source.title == "Claim's own source"
    assert revisions.revisions_of(source).pending().count() == 1


def edit_source(client, source, title):
    url = admin_url(models.Source, "change", source.pk)
    return client.post(url, {**page_data(client.get(url)), "title": title})


def test_an_editor_renaming_the_gazetteer_of_a_published_places_point_waits_for_review(editor_client, client):
    place = factories.PlaceFactory(latitude=30.28, longitude=57.07, geo_precision="city")
    gazetteer = place.coordinates_source
    assert not gazetteer.places.exists() and not gazetteer.incidents.exists()  # cited by nothing else

    assert_saved(edit_source(editor_client, gazetteer, "Renamed by an editor"))

    gazetteer.refresh_from_db()
    assert gazetteer.title == "GeoNames"
    assert revisions.revisions_of(gazetteer).pending().count() == 1
    assert "Renamed by an editor" not in client.get(place.get_absolute_url()).content.decode()


def test_moving_a_draft_place_that_holds_a_published_one_waits_for_review(editor_client, client):
    iran, iraq = factories.CountryFactory(name="Iran"), factories.CountryFactory(name="Iraq")
    province = factories.PlaceFactory(name="Kerman Province", kind="region", parent=iran, status=models.Status.DRAFT)
    empty = factories.PlaceFactory(name="Empty draft", kind="region", parent=iran, status=models.Status.DRAFT)
    city = factories.PlaceFactory(name="Kerman", parent=province)
    url = admin_url(models.Place, "change", province.pk)
    assert_saved(editor_client.post(url, {**page_data(editor_client.get(url)), "parent": iraq.pk}))

    province.refresh_from_db()
    assert province.parent == iran  # the published city's page still says it lies in Iran
    assert revisions.revisions_of(province).pending().count() == 1
    assert "Iraq" not in client.get(city.get_absolute_url()).content.decode()
    url = admin_url(models.Place, "change", empty.pk)  # nothing public inside: the editor's to change
    assert_saved(editor_client.post(url, {**page_data(editor_client.get(url)), "parent": iraq.pk}))
    empty.refresh_from_db()
    assert empty.parent == iraq


def test_sources_up_a_reported_in_chain_of_a_cited_one_are_public_and_the_rest_are_not(editor_client):
    outlet, agency, wire = (factories.SourceFactory(title=t) for t in ("Outlet", "Agency", "Wire"))
    statement = factories.SourceFactory(title="Statement", reported_in=outlet)
    models.Source.objects.filter(pk=outlet.pk).update(reported_in=agency)
    published_incident().sources.add(statement)
    unused = factories.SourceFactory(title="Cited by nothing", reported_in=wire)

    public = {s.title for s in models.Source.objects.public()}
    assert {"Statement", "Outlet", "Agency"} <= public and not {"Wire", "Cited by nothing"} & public
    for source in models.Source.objects.all():  # the queryset and the record's own check are one rule
        assert source.is_public() == (source.title in public), source
    assert_saved(edit_source(editor_client, agency, "Renamed by an editor"))
    assert revisions.revisions_of(agency).pending().count() == 1
    assert_saved(edit_source(editor_client, unused, "Renamed by an editor"))
    assert not revisions.revisions_of(unused).pending().exists()


def test_a_stance_is_public_only_while_a_published_reaction_takes_it(editor_client, client):
    incident = published_incident()
    taken = factories.StanceFactory(name="Condemned", slug="condemned")
    factories.ReactionFactory(incident=incident, stances=[taken])
    factories.ReactionFactory(incident=incident, status=models.Status.DRAFT, stances=[factories.StanceFactory()])
    url = admin_url(models.Stance, "add")
    assert_saved(editor_client.post(url, {**page_data(editor_client.get(url)), "name": "Endorsed", "slug": "endorsed"}))

    assert list(models.Stance.objects.public()) == [taken]
    assert [s.is_public() for s in models.Stance.objects.order_by("pk")] == [True, False, False]
    offered = client.get("/reactions/").content.decode()
    assert 'value="condemned"' in offered and "Endorsed" not in offered and "Stance 0" not in offered


# Permanent links to published revisions ----------------------------------------------------------------------


def test_every_published_revision_has_a_permanent_public_address(staff_client, client):
    incident = published_incident(killed=12)
    change_figure_and_summary(staff_client, incident, 14, "Second summary.")
    first_url = reverse("events:incident-revision", kwargs={"slug": "kerman", "number": 1})

    old = client.get(first_url).content.decode()
    assert "Revision 1," in old and "This is an old revision" in old
    assert "First summary." in old and "Killed 12, preferred" in old
    current = client.get(reverse("events:incident-revision", kwargs={"slug": "kerman", "number": 2})).content.decode()
    assert "This is the current revision" in current and "Killed 14, preferred" in current

    page = client.get(incident.get_absolute_url()).content.decode()
    assert "Revision 2," in page and 'href="/incidents/kerman/revisions/2/"' in page


def test_a_permanent_revision_page_names_a_stance_and_a_source_as_they_were_when_it_was_saved(
    staff_client, client, editor_client
):
    incident = published_incident()
    stance = factories.StanceFactory(name="Denial", slug="denial")
    source = factories.SourceFactory(title="ODNI statement")
    factories.ReactionFactory(incident=incident, stances=[stance], sources=[source])
    revisions.record_if_changed(stance)  # as the admin records every record it saves
    first = revisions.record_if_changed(incident)
    revisions.record_if_changed(source)  # a load records one kind after another: this one only afterwards
    # A reviewer's correction leaves both unused by anything public; an editor may then rename them at once.
    reaction = incident.reactions.get()
    reaction.stances.set([factories.StanceFactory()])
    reaction.sources.set([factories.cited_source()])
    revisions.record_if_changed(incident)
    for model, shared, field in ((models.Stance, stance, "name"), (models.Source, source, "title")):
        url = admin_url(model, "change", shared.pk)
        assert_saved(editor_client.post(url, {**page_data(editor_client.get(url)), field: "Renamed by an editor"}))
        assert getattr(model.objects.get(pk=shared.pk), field) == "Renamed by an editor"

    old = client.get(reverse("events:incident-revision", kwargs={"slug": "kerman", "number": first.number}))
    assert "Denial" in old.content.decode() and "ODNI statement" in old.content.decode()
    assert "Renamed by an editor" not in old.content.decode()


def test_revision_pages_hide_drafts_and_unknown_revisions(staff_client, client, editor_client):
    incident = published_incident()
    factories.ReactionFactory(
        incident=incident, slug="draft-one", status=models.Status.DRAFT, stances=[factories.StanceFactory()]
    )
    revision = revisions.record_if_changed(incident)
    assert_saved(edit_incident(editor_client, incident, summary="Pending text."))
    pending = revisions.revisions_of(incident).pending().get()

    page = client.get(reverse("events:incident-revision", kwargs={"slug": "kerman", "number": revision.number}))
    assert page.status_code == 200 and "Reaction by" not in page.content.decode()
    for number in (pending.number, 99):
        assert (
            client.get(reverse("events:incident-revision", kwargs={"slug": "kerman", "number": number})).status_code
            == 404
        )
    models.Incident.objects.filter(pk=incident.pk).update(status=models.Status.UNPUBLISHED)
    assert (
        client.get(
            reverse("events:incident-revision", kwargs={"slug": "kerman", "number": revision.number})
        ).status_code
        == 404
    )


# The review rule on every admin write path, as an Editor -----------------------------------------------------


@module_rows
def public_archive_rows():
    """Published records of every kind, each with every kind of row that hangs off it: made once for the
    module (~1 s a build), each test's changes rolled back."""
    incident = published_incident()
    other = factories.IncidentFactory(title="Cinema Rex", slug="cinema-rex")
    stance = factories.StanceFactory(name="Condemned")
    person = factories.PersonFactory(name="Bozrov", slug="bozrov", status=models.Status.PUBLISHED)
    organization = factories.OrganizationFactory(name="ISKP", slug="iskp", status=models.Status.PUBLISHED)
    records = {
        models.Incident: incident,
        models.Source: incident.sources.get(),
        models.Stance: stance,
        models.Person: person,
        models.Organization: organization,
        models.Place: incident.place,
        models.Role: factories.RoleFactory(person=person, organization=organization, title="Member"),
        models.CasualtyFigure: incident.casualty_figures.get(),
        models.Reaction: factories.ReactionFactory(incident=incident, slug="turkiye", stances=[stance]),
        models.Attribution: factories.AttributionFactory(incident=incident, responsible_organization=organization),
        models.TimelineEntry: factories.TimelineEntryFactory(incident=incident, title="Second blast"),
        models.IncidentLink: factories.IncidentLinkFactory(from_incident=incident, to_incident=other),
        models.IncidentClaim: factories.IncidentClaimFactory(incident=incident),
        models.PersonClaim: factories.PersonClaimFactory(person=person),
        models.OrganizationClaim: factories.OrganizationClaimFactory(organization=organization),
    }
    models.Place.objects.filter(pk=incident.place_id).update(status=models.Status.PUBLISHED)
    revisions.record_all_changed(None, "Loaded")  # as load_archive does: every record starts with a revision
    return records


@pytest.fixture
def public_archive(public_archive_rows):
    return fresh(public_archive_rows)


# The text field an Editor changes on each kind of record.
CHANGED_FIELD = {
    models.Incident: "title",
    models.Source: "title",
    models.Stance: "name",
    models.Person: "name",
    models.Organization: "name",
    models.Place: "name",
    models.Role: "title",
    models.CasualtyFigure: "note",
    models.Reaction: "summary",
    models.Attribution: "summary",
    models.TimelineEntry: "title",
    models.IncidentLink: "note",
    models.IncidentClaim: "value",
    models.PersonClaim: "value",
    models.OrganizationClaim: "value",
}
WRITE_MODELS = sorted(CHANGED_FIELD, key=lambda m: m.__name__)


def public_pages(client, records):
    """Every public page the records appear on, without the per-response CSP nonce."""
    import re

    urls = [records[m].get_absolute_url() for m in (models.Incident, models.Person, models.Organization)]
    urls += [records[models.Place].get_absolute_url(), records[models.Reaction].get_absolute_url()]
    urls += ["/incidents.csv", "/people.json"]
    pages = {}
    for url in urls:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        body = re.sub(r'nonce="[^"]*"|"generated_at": "[^"]*"', "", body.decode())
        pages[url] = (response.status_code, body)
    return pages


@pytest.fixture(scope="module")
def _pages_memo():
    return {}


@pytest.fixture
def pages_before(public_archive, client, _pages_memo):
    """The public pages of the module's archive before a test changes anything: every test starts from the same
    rows (its changes are rolled back), so they are read once for the module."""
    if "pages" not in _pages_memo:
        _pages_memo["pages"] = public_pages(client, public_archive)
    return _pages_memo["pages"]


def test_every_write_model_is_covered():
    from tests.test_admin import REGISTERED

    assert set(REGISTERED) == set(CHANGED_FIELD)


@pytest.mark.parametrize("model", WRITE_MODELS, ids=lambda m: m.__name__)
def test_an_editors_change_on_a_records_own_page_never_reaches_the_public(
    public_archive, editor, client, pages_before, model
):
    record = public_archive[model]
    before = pages_before
    client.force_login(editor)
    url = admin_url(model, "change", record.pk)
    data = page_data(client.get(url))
    data[CHANGED_FIELD[model]] = "Changed by an editor"

    assert client.post(url, data).status_code == 302

    client.logout()
    assert public_pages(client, public_archive) == before
    assert models.Revision.objects.pending().count() == 1


@pytest.mark.parametrize("model", [m for m in WRITE_MODELS if m in revisions.CHILD_OF], ids=lambda m: m.__name__)
def test_an_editor_adding_a_row_to_a_public_record_never_reaches_the_public(
    public_archive, editor, client, pages_before, model
):
    template = public_archive[model]
    before = pages_before
    rows_before = model.objects.count()
    client.force_login(editor)
    data = page_data(client.get(admin_url(model, "change", template.pk)))
    data.pop("key", None)
    data[CHANGED_FIELD[model]] = "Added by an editor"
    if model is models.Reaction:
        data.update(slug="added-by-an-editor", status="draft")
    if model is models.CasualtyFigure:
        data["rank"] = "reported"
    if model is models.IncidentLink:
        data["kind"] = "see_also"

    response = client.post(admin_url(model, "add"), data)

    assert response.status_code == 302, errors_on(response)
    client.logout()
    assert model.objects.count() == rows_before
    assert public_pages(client, public_archive) == before
    assert models.Revision.objects.pending().count() == 1


@pytest.mark.parametrize("model", WRITE_MODELS, ids=lambda m: m.__name__)
def test_an_editor_cannot_delete_from_the_admin(public_archive, editor_client, model):
    record = public_archive[model]
    response = editor_client.post(admin_url(model, "delete", record.pk), {"post": "yes"})
    assert response.status_code == 403
    assert model.objects.filter(pk=record.pk).exists()


def test_an_editors_inline_change_and_new_inline_row_never_reach_the_public(
    public_archive, editor, client, pages_before
):
    incident = public_archive[models.Incident]
    before = pages_before
    client.force_login(editor)
    url = admin_url(models.Incident, "change", incident.pk)
    data = page_data(client.get(url))
    data["attributions-0-summary"] = "Changed inline"
    add_inline_row(data, "casualty_figures", **{**preferred_killed(5000), "rank": "reported"})

    assert_saved(client.post(url, data))

    client.logout()
    assert public_pages(client, public_archive) == before
    pending = models.Revision.objects.pending().get()
    assert "Killed 5,000, reported added" in pending.summary


def test_an_editor_cannot_import(public_archive, editor_client):
    for model in (models.Incident, models.Reaction, models.Person, models.Organization):
        assert editor_client.get(admin_url(model, "import")).status_code == 403
        assert editor_client.post(admin_url(model, "process_import"), {}).status_code == 403


def test_an_editor_moving_a_figure_from_a_draft_to_a_published_incident_waits_for_review(
    public_archive, editor, client
):
    draft = factories.IncidentFactory(status=models.Status.DRAFT, slug="draft")
    figure = factories.CasualtyFigureFactory(incident=draft, value=5000, rank=Rank.PREFERRED)
    before = public_pages(client, public_archive)
    client.force_login(editor)
    url = admin_url(models.CasualtyFigure, "change", figure.pk)
    data = page_data(client.get(url))
    data.update(incident=str(public_archive[models.Incident].pk), rank="reported")

    assert client.post(url, data).status_code == 302

    client.logout()
    figure.refresh_from_db()
    assert figure.incident == draft
    assert public_pages(client, public_archive) == before


# Publishing is explicit about children ---------------------------------------------------------------------


def draft_reaction(incident):
    return factories.ReactionFactory(
        incident=incident, slug="draft-reaction", status=models.Status.DRAFT, stances=[factories.StanceFactory()]
    )


def test_publishing_an_incident_names_the_reactions_that_stay_drafts(reviewer_client):
    incident = published_incident(status=models.Status.IN_REVIEW)
    reaction = draft_reaction(incident)
    url = admin_url(models.Incident, "change", incident.pk)
    data = page_data(reviewer_client.get(url))

    response = reviewer_client.post(url, {**data, "status": "published"}, follow=True)

    assert "1 reaction of “Kerman” stays a draft and is not public" in response.content.decode()
    reaction.refresh_from_db()
    assert reaction.status == models.Status.DRAFT


def test_publishing_an_incident_can_publish_its_draft_reactions_with_it(reviewer_client):
    incident = published_incident(status=models.Status.IN_REVIEW)
    reaction = draft_reaction(incident)
    url = admin_url(models.Incident, "change", incident.pk)
    data = page_data(reviewer_client.get(url))

    response = reviewer_client.post(url, {**data, "status": "published", "publish_draft_reactions": "on"}, follow=True)

    assert "Published with “Kerman”: 1 reaction" in response.content.decode()
    reaction.refresh_from_db()
    assert reaction.status == models.Status.PUBLISHED
    assert revisions.latest_live(incident).snapshot["children"]["events.reaction"][0]["fields"]["status"] == "published"


def test_the_publish_action_names_draft_reactions_and_its_sibling_publishes_them(reviewer_client):
    incident = published_incident(status=models.Status.IN_REVIEW)
    reaction = draft_reaction(incident)
    changelist = admin_url(models.Incident, "changelist")

    response = reviewer_client.post(
        changelist,
        {"action": "publish", "_selected_action": [incident.pk], "index": 0, "listed_at": listed_now()},
        follow=True,
    )
    assert "stays a draft and is not public" in response.content.decode()

    reviewer_client.post(
        changelist,
        {"action": "publish_with_reactions", "_selected_action": [incident.pk], "index": 0, "listed_at": listed_now()},
    )
    reaction.refresh_from_db()
    assert reaction.status == models.Status.PUBLISHED


def test_publishing_with_draft_reactions_leaves_a_reaction_a_reviewer_took_down_unpublished(editor_client, reviewer):
    incident = published_incident()
    taken_down = factories.ReactionFactory(
        incident=incident, slug="taken-down", status=models.Status.UNPUBLISHED, stances=[factories.StanceFactory()]
    )
    draft = draft_reaction(incident)
    assert_saved(edit_incident(editor_client, incident, summary="Corrected summary."))
    pending = revisions.revisions_of(incident).pending().get()
    editor_client.force_login(reviewer)
    url = reverse("admin:events_revision_change", args=[pending.pk])
    page = editor_client.get(url).content.decode()
    assert f"Also publish what it holds as drafts: Reaction by {draft.country}</label>" in page

    revision_post(editor_client, url, {"action": "publish", "publish_children": "1"})

    assert models.Reaction.objects.get(pk=draft.pk).status == models.Status.PUBLISHED
    assert models.Reaction.objects.get(pk=taken_down.pk).status == models.Status.UNPUBLISHED
    assert incident.reactions.filter(status=models.Status.PUBLISHED).count() == 1
    reviewer_publishes = admin_url(models.Incident, "changelist")
    editor_client.post(
        reviewer_publishes,
        {"action": "publish_with_reactions", "_selected_action": [incident.pk], "listed_at": listed_now()},
    )
    assert models.Reaction.objects.get(pk=taken_down.pk).status == models.Status.UNPUBLISHED


def test_the_editor_does_not_see_the_publish_with_reactions_box(editor_client):
    incident = published_incident(status=models.Status.DRAFT)
    page = editor_client.get(admin_url(models.Incident, "change", incident.pk)).content.decode()
    assert "Also publish its draft reactions" not in page


def test_line_breaks_from_a_browser_are_stored_as_typed_and_an_unchanged_save_changes_nothing(staff_client):
    incident = published_incident(description="First line.\nSecond line.")
    revisions.record_if_changed(incident)
    url = admin_url(models.Incident, "change", incident.pk)
    data = page_data(staff_client.get(url))
    data["description"] = data["description"].replace("\n", "\r\n")  # as a browser sends a textarea

    assert_saved(staff_client.post(url, data))

    incident.refresh_from_db()
    assert incident.description == "First line.\nSecond line."
    assert revisions.revisions_of(incident).count() == 1


def test_a_revision_page_names_its_rows_records_in_a_query_per_kind_not_per_row(client):
    def queries_for(rows):
        incident = factories.IncidentFactory(slug=f"rows-{rows}")
        for i in range(rows):
            factories.ReactionFactory(incident=incident, country=factories.CountryFactory(), stances=[])
            factories.CasualtyFigureFactory(incident=incident, reported_by_person=factories.PersonFactory(), value=i)
        revision = revisions.record_if_changed(incident)
        url = reverse("events:incident-revision", kwargs={"slug": incident.slug, "number": revision.number})
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    assert queries_for(6) == queries_for(1)
