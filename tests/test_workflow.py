"""The editorial workflow: Editor and Reviewer groups, draft → in review → published (→ unpublished),
and the rule that nothing is published without a source."""

import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from events import models, revisions, workflow
from events.history import is_historical
from tests import factories
from tests.test_admin import (
    FACTORIES,
    PUBLISHABLE,
    admin_url,
    assert_refused,
    assert_saved,
    changelist_status_data,
    listed_now,
    page_data,
)

# What these tests read is not the rows' history: factories skip it (tests/factories.py).
FACTORIES_RECORD_HISTORY = False

pytestmark = pytest.mark.django_db

# ArchiveState and CacheTag (the page cache's versions) are no records: nobody edits them. Revisions are made
# by saving records and read with the rights of the record they belong to (tests/test_revisions.py). FacetCount
# is kept by the code (events/aggregates.py).
ARCHIVE_MODELS = [
    m
    for m in apps.get_app_config("events").get_models()
    if not is_historical(m) and m._meta.model_name not in workflow.BOOKKEEPING_MODELS
]
HISTORICAL_MODELS = [m for m in apps.get_app_config("events").get_models() if is_historical(m)]


def codenames(group_name):
    return set(Group.objects.get(name=group_name).permissions.values_list("codename", flat=True))


def act(client, model, action, objs):
    return client.post(
        admin_url(model, "changelist"),
        {"action": action, "_selected_action": [obj.pk for obj in objs], "index": 0, "listed_at": listed_now()},
        follow=True,
    )


def statuses_offered(response):
    return [value for value, _ in response.context["adminform"].form.fields["status"].choices]


# The groups the migration creates ----------------------------------------------------------------------


@pytest.mark.parametrize("model", ARCHIVE_MODELS, ids=lambda m: m.__name__)
def test_editors_add_change_and_view_every_record_but_delete_none(model):
    granted, name = codenames("Editor"), model._meta.model_name
    assert {f"add_{name}", f"change_{name}", f"view_{name}"} <= granted
    assert f"delete_{name}" not in granted
    assert f"publish_{name}" not in granted


@pytest.mark.parametrize("model", ARCHIVE_MODELS, ids=lambda m: m.__name__)
def test_reviewers_also_delete_and_publish(model):
    granted, name = codenames("Reviewer"), model._meta.model_name
    assert {f"add_{name}", f"change_{name}", f"view_{name}", f"delete_{name}"} <= granted
    assert (f"publish_{name}" in granted) == (model in PUBLISHABLE)


@pytest.mark.parametrize("group", ["Editor", "Reviewer"])
def test_both_groups_read_history_but_never_rewrite_it(group):
    granted = codenames(group)
    for model in HISTORICAL_MODELS:
        name = model._meta.model_name
        assert f"view_{name}" in granted
        assert not {f"add_{name}", f"change_{name}", f"delete_{name}"} & granted


def test_status_has_the_four_workflow_steps():
    assert list(models.Status) == ["draft", "in_review", "published", "unpublished"]


def test_public_querysets_show_only_published_records():
    shown = factories.IncidentFactory(status=models.Status.PUBLISHED)
    for status in (models.Status.DRAFT, models.Status.IN_REVIEW, models.Status.UNPUBLISHED):
        factories.IncidentFactory(status=status)
    assert list(models.Incident.objects.published()) == [shown]


# Editors -------------------------------------------------------------------------------------------------


def test_editor_adds_a_draft_and_submits_it_for_review(editor_client):
    url = admin_url(models.Incident, "add")
    response = editor_client.get(url)
    assert statuses_offered(response) == ["draft", "in_review"]
    data = page_data(response)
    data.update(title="Kerman", slug="kerman", kind="bombing", summary="Two bombs.", status="draft")
    data["sources"] = [str(factories.SourceFactory().pk)]

    assert_saved(editor_client.post(url, data))
    incident = models.Incident.objects.get(slug="kerman")

    response = act(editor_client, models.Incident, "submit_for_review", [incident])

    assert "1 incident submitted for review." in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == models.Status.IN_REVIEW


def test_editor_cannot_publish_from_the_form(editor_client):
    incident = factories.IncidentFactory(status=models.Status.IN_REVIEW)
    url = admin_url(models.Incident, "change", incident.pk)
    data = page_data(editor_client.get(url))
    data["status"] = "published"

    response = editor_client.post(url, data)

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == models.Status.IN_REVIEW


def test_editor_cannot_publish_from_the_list(editor_client):
    incident = factories.IncidentFactory(status=models.Status.IN_REVIEW)
    data = changelist_status_data(incident, "published")

    response = editor_client.post(admin_url(models.Incident, "changelist"), data)

    assert response.status_code == 200
    incident.refresh_from_db()
    assert incident.status == models.Status.IN_REVIEW


def test_status_rule_in_plain_words():
    from events.workflow import status_problem

    class NoRights:
        def has_perm(self, perm):
            return False

    assert status_problem(NoRights(), models.Incident, "in_review", "published") == (
        "Only reviewers can publish or unpublish incidents: set the status to “In review” and a reviewer will "
        "publish it."
    )
    assert status_problem(NoRights(), models.Incident, "draft", "in_review") == ""


@pytest.mark.parametrize("model", PUBLISHABLE, ids=lambda m: m.__name__)
def test_editor_is_not_offered_publish_or_unpublish(editor_client, model):
    FACTORIES[model](status=models.Status.DRAFT)
    actions = editor_client.get(admin_url(model, "changelist")).context["action_form"].fields["action"].choices
    names = {name for name, _ in actions}
    assert "submit_for_review" in names
    assert not {"publish", "unpublish", "delete_selected"} & names


def test_editor_posting_the_publish_action_anyway_publishes_nothing(editor_client):
    incident = factories.IncidentFactory(status=models.Status.IN_REVIEW)
    act(editor_client, models.Incident, "publish", [incident])
    incident.refresh_from_db()
    assert incident.status == models.Status.IN_REVIEW


@pytest.mark.parametrize("model", list(FACTORIES), ids=lambda m: m.__name__)
def test_editor_cannot_delete(editor_client, model):
    obj = FACTORIES[model](status=models.Status.DRAFT) if model in PUBLISHABLE else FACTORIES[model]()
    assert editor_client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_editor_changes_to_a_published_record_wait_for_review(editor_client):
    incident = factories.IncidentFactory(status=models.Status.PUBLISHED, title="Kerman")
    url = admin_url(models.Incident, "change", incident.pk)
    response = editor_client.get(url)
    assert response.status_code == 200
    assert response.context["has_change_permission"]
    data = page_data(response)

    assert_refused(editor_client.post(url, {**data, "status": "draft"}), "Only reviewers can publish or unpublish")
    assert_saved(editor_client.post(url, {**data, "title": "Changed"}))

    incident.refresh_from_db()
    assert incident.title == "Kerman"
    assert revisions.revisions_of(incident).pending().get().snapshot["fields"]["title"] == "Changed"


def test_editor_change_to_a_figure_of_a_published_incident_waits_for_review(editor_client):
    figure = factories.CasualtyFigureFactory(value=10)
    url = admin_url(models.CasualtyFigure, "change", figure.pk)
    data = page_data(editor_client.get(url))

    assert editor_client.post(url, {**data, "value": "99"}).status_code == 302

    figure.refresh_from_db()
    assert figure.value == 10
    pending = revisions.revisions_of(figure.incident).pending().get()
    assert "Killed 10 → 99 (reported)" in pending.summary


@pytest.mark.parametrize(
    "make",
    [factories.CasualtyFigureFactory, lambda: factories.ReactionFactory(stances=[factories.StanceFactory()])],
    ids=["figure", "reaction"],
)
def test_moving_a_row_off_a_published_incident_waits_for_review_and_publishes_in_order(editor_client, reviewer, make):
    row = make()
    published, draft = row.incident, factories.IncidentFactory(status=models.Status.DRAFT)
    model = type(row)
    url = admin_url(model, "change", row.pk)
    assert_saved(editor_client.post(url, {**page_data(editor_client.get(url)), "incident": draft.pk}))

    row.refresh_from_db()
    assert row.incident == published  # the public page keeps it until a reviewer decides
    leaving = revisions.revisions_of(published).pending().get()
    joining = revisions.revisions_of(draft).pending().get()
    label = model._meta.label_lower
    assert [r["pk"] for r in leaving.snapshot["children"].get(label, [])] == []
    assert [r["pk"] for r in joining.snapshot["children"][label]] == [row.pk]

    # Published out of order, the new owner's revision would take the row off a page nobody reviewed.
    with pytest.raises(revisions.RevisionRefused) as refused:
        revisions.publish(joining, reviewer)
    assert f"from incident “{published}”, which still holds it" in str(refused.value.problems)
    assert model.objects.get(pk=row.pk).incident == published
    revisions.publish(leaving, reviewer)
    assert not model.objects.filter(pk=row.pk).exists()
    revisions.publish(models.Revision.objects.get(pk=joining.pk), reviewer)
    assert model.objects.get(pk=row.pk).incident == draft


def test_editor_edits_a_draft_incidents_figures_inline(editor_client):
    incident = factories.IncidentFactory(status=models.Status.DRAFT)
    factories.CasualtyFigureFactory(incident=incident, value=10)
    url = admin_url(models.Incident, "change", incident.pk)
    data = page_data(editor_client.get(url))
    data["casualty_figures-0-value"] = "12"

    assert_saved(editor_client.post(url, data))
    assert incident.casualty_figures.get().value == 12


# Reviewers -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", PUBLISHABLE, ids=lambda m: m.__name__)
def test_reviewer_publishes_and_unpublishes(reviewer_client, model):
    obj = FACTORIES[model](status=models.Status.IN_REVIEW)

    response = act(reviewer_client, model, "publish", [obj])

    assert f"1 {model._meta.verbose_name} published." in response.content.decode()
    obj.refresh_from_db()
    assert obj.status == models.Status.PUBLISHED

    act(reviewer_client, model, "unpublish", [obj])
    obj.refresh_from_db()
    assert obj.status == models.Status.UNPUBLISHED


def test_a_record_changed_after_the_reviewers_list_was_drawn_is_not_published_from_it(reviewer_client, editor):
    incident = factories.IncidentFactory(status=models.Status.IN_REVIEW, summary="What the reviewer read.")
    changelist = admin_url(models.Incident, "changelist")
    page = reviewer_client.get(changelist).content.decode()
    listed_at = re.search(r'name="listed_at" value="([^"]+)"', page).group(1)
    with revisions.reviewed_write(editor):  # the editor's save, as the admin makes it, after the list was drawn
        incident.summary = "What no reviewer read."
        incident.save()

    refused = reviewer_client.post(
        changelist,
        {"action": "publish", "_selected_action": [incident.pk], "index": 0, "listed_at": listed_at},
        follow=True,
    )
    assert "was changed after this list was shown to you" in refused.content.decode()
    status_column = {**changelist_status_data(incident, "published"), "listed_at": listed_at}
    assert (
        "was changed after this list was shown to you"
        in reviewer_client.post(changelist, status_column).content.decode()
    )
    incident.refresh_from_db()
    assert incident.status == models.Status.IN_REVIEW

    page = reviewer_client.get(changelist).content.decode()  # reloaded, the list is newer than the change
    listed_at = re.search(r'name="listed_at" value="([^"]+)"', page).group(1)
    act_data = {"action": "publish", "_selected_action": [incident.pk], "index": 0, "listed_at": listed_at}
    assert "1 incident published." in reviewer_client.post(changelist, act_data, follow=True).content.decode()


def test_publishing_from_a_list_post_that_does_not_say_when_it_was_shown_is_refused(reviewer_client):
    incident = factories.IncidentFactory(status=models.Status.IN_REVIEW)
    changelist = admin_url(models.Incident, "changelist")
    action = {"action": "publish", "_selected_action": [incident.pk], "index": 0}
    response = reviewer_client.post(changelist, action, follow=True)
    assert "Nothing published: this came from a list that does not say when it was shown" in response.content.decode()
    status_column = {k: v for k, v in changelist_status_data(incident, "published").items() if k != "listed_at"}
    response = reviewer_client.post(changelist, status_column)
    assert "This came from a list that does not say when it was shown" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == models.Status.IN_REVIEW


def test_a_reaction_whose_new_stance_was_renamed_after_the_list_or_form_was_drawn_is_not_published(reviewer_client):
    stance = factories.StanceFactory(name="Offered condolences")  # taken by no published reaction: not reviewed
    reaction = factories.ReactionFactory(status=models.Status.IN_REVIEW, stances=[stance])
    changelist = admin_url(models.Reaction, "changelist")
    listed_at = re.search(r'name="listed_at" value="([^"]+)"', reviewer_client.get(changelist).content.decode())[1]
    form_url = admin_url(models.Reaction, "change", reaction.pk)
    form = page_data(reviewer_client.get(form_url))
    models.Stance.objects.filter(pk=stance.pk).update(name="Welcomed the bombing")
    revisions.record_if_changed(models.Stance.objects.get(pk=stance.pk))  # as the admin records every save

    action = {"action": "publish", "_selected_action": [reaction.pk], "index": 0, "listed_at": listed_at}
    assert (
        "was changed after this list was shown"
        in reviewer_client.post(changelist, action, follow=True).content.decode()
    )
    response = reviewer_client.post(form_url, {**form, "status": "published"})
    assert_refused(
        response, "A record it names (a source, a stance, a place...) was changed after you opened this form"
    )
    reaction.refresh_from_db()
    assert reaction.status == models.Status.IN_REVIEW


def test_a_reaction_published_on_its_incidents_form_after_its_stance_was_renamed_is_refused(reviewer_client):
    stance = factories.StanceFactory(name="Offered condolences")
    reaction = factories.ReactionFactory(status=models.Status.IN_REVIEW, stances=[stance])
    url = admin_url(models.Incident, "change", reaction.incident.pk)
    form = page_data(reviewer_client.get(url))
    models.Stance.objects.filter(pk=stance.pk).update(name="Welcomed the bombing")
    revisions.record_if_changed(models.Stance.objects.get(pk=stance.pk))

    response = reviewer_client.post(url, {**form, "reactions-0-status": "published"})
    assert_refused(
        response, "A record it names (a source, a stance, a place...) was changed after you opened this form"
    )
    reaction.refresh_from_db()
    assert reaction.status == models.Status.IN_REVIEW
    assert_saved(reviewer_client.post(url, {**page_data(reviewer_client.get(url)), "reactions-0-status": "published"}))


@pytest.mark.parametrize("listed_at", ["9999-12-31T23:59:59+00:00", "garbage", ""])
def test_a_list_that_says_it_was_drawn_in_the_future_or_never_publishes_nothing(reviewer_client, listed_at):
    incident = factories.IncidentFactory(status=models.Status.IN_REVIEW)
    action = {"action": "publish", "_selected_action": [incident.pk], "index": 0, "listed_at": listed_at}
    response = reviewer_client.post(admin_url(models.Incident, "changelist"), action, follow=True)
    assert "Nothing published: this came from a list that does not say when it was shown" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == models.Status.IN_REVIEW


def test_reviewer_publishes_from_the_form(reviewer_client):
    incident = factories.IncidentFactory(status=models.Status.IN_REVIEW)
    url = admin_url(models.Incident, "change", incident.pk)
    assert statuses_offered(reviewer_client.get(url)) == ["draft", "in_review", "published", "unpublished"]
    data = page_data(reviewer_client.get(url))
    data["status"] = "published"

    assert_saved(reviewer_client.post(url, data))
    incident.refresh_from_db()
    assert incident.status == models.Status.PUBLISHED


def test_reviewer_deletes(reviewer_client):
    incident = factories.IncidentFactory(status=models.Status.DRAFT)
    response = reviewer_client.post(admin_url(models.Incident, "delete", incident.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not models.Incident.objects.exists()


def test_admin_index_lists_what_waits_for_review(reviewer_client):
    waiting = factories.IncidentFactory(status=models.Status.IN_REVIEW, title="Kerman bombings")
    factories.PersonFactory(status=models.Status.IN_REVIEW, name="Ebrahim Raisi")
    factories.IncidentFactory(status=models.Status.DRAFT, title="Still a draft")

    page = reviewer_client.get(reverse("admin:index")).content.decode()

    assert "Waiting for review" in page
    assert "Kerman bombings" in page and "Ebrahim Raisi" in page
    assert "Still a draft" not in page
    assert admin_url(models.Incident, "change", waiting.pk) in page


def test_admin_index_says_when_nothing_waits(reviewer_client):
    assert "Nothing is waiting for review." in reviewer_client.get(reverse("admin:index")).content.decode()


# Sources required to publish -----------------------------------------------------------------------------


@pytest.mark.parametrize("model", PUBLISHABLE, ids=lambda m: m.__name__)
def test_publish_action_refuses_a_record_without_a_source_and_names_it(staff_client, model):
    unsourced = FACTORIES[model](status=models.Status.IN_REVIEW, sources=[])
    sourced = FACTORIES[model](status=models.Status.IN_REVIEW)

    response = act(staff_client, model, "publish", [unsourced, sourced])

    page = response.content.decode()
    verbose = model._meta.verbose_name.capitalize()
    assert f"Not published: {verbose} “{unsourced}” cannot be published without a source" in page
    assert f"1 {model._meta.verbose_name} published." in page
    unsourced.refresh_from_db()
    sourced.refresh_from_db()
    assert (unsourced.status, sourced.status) == ("in_review", "published")


@pytest.mark.parametrize(
    ("factory", "label"),
    [(factories.CasualtyFigureFactory, "casualty figure"), (factories.AttributionFactory, "attribution")],
)
def test_incident_is_not_published_while_a_figure_or_attribution_cites_no_source(staff_client, factory, label):
    incident = factories.IncidentFactory(status=models.Status.IN_REVIEW)
    row = factory(incident=incident, sources=[])

    response = act(staff_client, models.Incident, "publish", [incident])

    assert f"cannot be published while its {label} “{row}” cites no source" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == models.Status.IN_REVIEW


def test_publishing_from_the_form_without_a_source_is_refused_in_plain_words(staff_client):
    incident = factories.IncidentFactory(status=models.Status.DRAFT, sources=[])
    url = admin_url(models.Incident, "change", incident.pk)
    data = page_data(staff_client.get(url))
    data["status"] = "published"

    response = staff_client.post(url, data)

    assert_refused(response, "cannot be published without a source: cite at least one under Sources.")
    incident.refresh_from_db()
    assert incident.status == models.Status.DRAFT


def test_removing_the_last_source_of_a_published_record_is_refused(staff_client):
    person = factories.PersonFactory(status=models.Status.PUBLISHED)
    url = admin_url(models.Person, "change", person.pk)
    data = page_data(staff_client.get(url))
    data["sources"] = []

    assert_refused(staff_client.post(url, data), "cannot be published without a source")
    assert person.sources.exists()


def test_figure_of_a_published_incident_must_cite_its_own_source(staff_client):
    incident = factories.IncidentFactory(status=models.Status.PUBLISHED)
    data = {"incident": incident.pk, "kind": "killed", "qualifier": "exact", "value": "5", "rank": "reported"}

    response = staff_client.post(admin_url(models.CasualtyFigure, "add"), data)

    assert_refused(response, "This casualty figure belongs to a published incident, so it must cite its own source")
    assert not models.CasualtyFigure.objects.exists()


def test_attribution_added_inline_to_a_published_incident_must_cite_its_own_source(staff_client):
    incident = factories.IncidentFactory(status=models.Status.PUBLISHED)
    url = admin_url(models.Incident, "change", incident.pk)
    data = page_data(staff_client.get(url))
    data.update({"attributions-TOTAL_FORMS": "1", "attributions-0-kind": "claimed"})
    data["attributions-0-responsible_label"] = "unknown group"

    response = staff_client.post(url, data)

    assert_refused(response, "This attribution belongs to a published incident, so it must cite its own source")
    assert not models.Attribution.objects.exists()


def test_unsourced_figure_is_fine_while_the_incident_is_a_draft(staff_client):
    incident = factories.IncidentFactory(status=models.Status.DRAFT)
    data = {"incident": incident.pk, "kind": "killed", "qualifier": "exact", "value": "5", "rank": "reported"}

    assert_saved(staff_client.post(admin_url(models.CasualtyFigure, "add"), data))


def test_reaction_published_inline_without_a_source_is_refused(staff_client):
    incident = factories.IncidentFactory(status=models.Status.PUBLISHED)
    url = admin_url(models.Incident, "change", incident.pk)
    data = page_data(staff_client.get(url))
    data.update(
        {
            "reactions-TOTAL_FORMS": "1",
            "reactions-0-slug": "iran-condemns",
            "reactions-0-category": "domestic",
            "reactions-0-status": "published",
            "reactions-0-country": str(factories.CountryFactory().pk),
            "reactions-0-stances": [str(factories.StanceFactory().pk)],
            "reactions-0-summary": "Condemned it.",
        }
    )

    assert_refused(staff_client.post(url, data), "cannot be published without a source")
    assert not models.Reaction.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_flush_leaves_the_editorial_groups_as_the_migrations_made_them():
    def groups():
        return {group.name: set(group.permissions.values_list("codename", flat=True)) for group in Group.objects.all()}

    migrated = groups()
    assert set(migrated) == {"Editor", "Reviewer"} and "publish_incident" in migrated["Reviewer"]

    call_command("flush", interactive=False, verbosity=0)

    assert groups() == migrated
