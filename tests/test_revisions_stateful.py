"""Random sequences of edits, figure changes, pending revisions, publishing, restores and deletes across an
incident and its rows (hypothesis' rule-based state machine), checking the promises after every step."""

import itertools

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from events import models, revisions
from tests import factories
from tests.conftest import examples, member_of

# What these tests read is not the rows' history: factories skip it (tests/factories.py).
FACTORIES_RECORD_HISTORY = False

Rank = models.CasualtyFigure.Rank
counter = itertools.count()


class IncidentEditing(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        n = next(counter)
        self.editor = member_of("Editor", f"ed{n}")
        self.reviewer = member_of("Reviewer", f"rev{n}")
        self.incident = factories.IncidentFactory(slug=f"machine-{n}", summary="Start.")
        self.country = factories.CountryFactory()
        factories.CasualtyFigureFactory(incident=self.incident, value=10, rank=Rank.PREFERRED)
        revisions.record_all_changed(None, "Start")
        self.live = revisions.snapshot(self.incident)

    # Helpers -------------------------------------------------------------------------------------------------

    def reload(self):
        self.incident = models.Incident.objects.get(pk=self.incident.pk)
        return self.incident

    def live_count(self):
        return revisions.revisions_of(self.incident).live().count()

    def write(self, user, change):
        """One write as `user`: a reviewer's lands as exactly one revision, an editor's as one pending one."""
        live_before = self.live_count()
        pending_before = revisions.revisions_of(self.incident).pending().count()
        with revisions.reviewed_write(user) as scope:
            change(self.reload())
        changed = revisions.snapshot(self.reload()) != self.live
        if user == self.editor:
            assert revisions.snapshot(self.incident) == self.live, "an editor's change reached the live record"
            assert revisions.revisions_of(self.incident).pending().count() - pending_before == len(scope.pending)
            assert len(scope.pending) <= 1
        else:
            assert self.live_count() - live_before == (1 if changed else 0)
            self.live = revisions.snapshot(self.incident)

    # Rules ---------------------------------------------------------------------------------------------------

    @rule(summary=st.sampled_from(["One.", "Two.", "Three."]), as_editor=st.booleans())
    def edit_summary(self, summary, as_editor):
        def change(incident):
            incident.summary = summary
            incident.save()

        self.write(self.editor if as_editor else self.reviewer, change)

    @rule(value=st.integers(min_value=0, max_value=300), as_editor=st.booleans())
    def change_preferred_figure(self, value, as_editor):
        def change(incident):
            figure = incident.casualty_figures.filter(rank=Rank.PREFERRED, kind="killed", group="").first()
            if figure is not None:
                figure.value = value
                figure.save()

        self.write(self.editor if as_editor else self.reviewer, change)

    @rule(value=st.integers(min_value=0, max_value=300), preferred=st.booleans(), as_editor=st.booleans())
    def add_figure(self, value, preferred, as_editor):
        def change(incident):
            if preferred:
                for figure in incident.casualty_figures.filter(rank=Rank.PREFERRED, kind="killed", group=""):
                    figure.rank = Rank.SUPERSEDED
                    figure.save()
            factories.CasualtyFigureFactory(
                incident=incident, value=value, rank=Rank.PREFERRED if preferred else Rank.REPORTED
            )

        self.write(self.editor if as_editor else self.reviewer, change)

    @rule(data=st.data())
    def delete_figure(self, data):
        figures = list(self.reload().casualty_figures.all())
        if figures:
            figure = data.draw(st.sampled_from(figures))
            self.write(self.reviewer, lambda incident: figure.delete())

    @rule(as_editor=st.booleans(), status=st.sampled_from([models.Status.DRAFT, models.Status.PUBLISHED]))
    def add_reaction(self, as_editor, status):
        def change(incident):
            factories.ReactionFactory(incident=incident, status=status, country=self.country)

        self.write(self.editor if as_editor else self.reviewer, change)

    @precondition(lambda self: revisions.revisions_of(self.incident).pending().exists())
    @rule(data=st.data(), accept=st.booleans(), with_children=st.booleans())
    def review_pending(self, data, accept, with_children):
        revision = data.draw(st.sampled_from(list(revisions.revisions_of(self.incident).pending())))
        if not accept:
            revisions.reject(revision, self.reviewer)
            assert revisions.snapshot(self.reload()) == self.live
            return
        try:
            revisions.publish(revision, self.reviewer, publish_children=with_children)
        except revisions.RevisionRefused:
            assert revisions.snapshot(self.reload()) == self.live, "a refused publish changed something"
            return
        self.live = revisions.snapshot(self.reload())
        assert revisions.latest_live(self.incident).snapshot == self.live

    @rule(data=st.data())
    def restore(self, data):
        live = list(revisions.revisions_of(self.incident).live())
        revision = data.draw(st.sampled_from(live))
        try:
            revisions.restore(revision, self.reviewer)
        except revisions.RevisionRefused:
            assert revisions.snapshot(self.reload()) == self.live, "a refused restore changed something"
            return
        restored = revisions.snapshot(self.reload())
        differences = revisions.diff(models.Incident, revision.snapshot, restored)
        # A restore brings back content; the record's own publication status stays as it is now.
        assert [c.field for c in differences if c.field != "Status"] == []
        self.live = restored

    # Invariants ----------------------------------------------------------------------------------------------

    @invariant()
    def headline_equals_the_preferred_figure(self):
        incident = self.reload()
        preferred = incident.casualty_figures.filter(rank=Rank.PREFERRED, kind="killed", group="").first()
        assert incident.killed == (preferred.value if preferred else None)

    @invariant()
    def nothing_unpublished_is_public(self):
        assert not models.Reaction.objects.published().exclude(status=models.Status.PUBLISHED).exists()
        assert not models.Incident.objects.published().exclude(status=models.Status.PUBLISHED).exists()

    @invariant()
    def the_latest_revision_is_the_live_record(self):
        assert revisions.latest_live(self.incident).snapshot == revisions.snapshot(self.reload())


@pytest.mark.django_db
def test_random_editing_keeps_every_promise():
    run_state_machine_as_test(
        IncidentEditing,
        settings=settings(
            max_examples=examples(10),
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            database=None,
            derandomize=True,  # the same sequences on every run: CI stays deterministic
        ),
    )
