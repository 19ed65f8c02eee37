"""Claims: statements about a record that a source puts in someone's mouth.

The article rarely states a contested thing as plain fact: the attack type is what IRNA reported, a
nationality is what Iran's Ministry of Intelligence said. A claim keeps the statement with who made it, when,
the sources and a rank, the way casualty figures keep competing tolls, so competing accounts stand side by
side and a page can say "according to ...".

One mechanism, typed by subject: `Claim` is the abstract statement, and each subject gets its own concrete
table (an incident's, a person's, an organization's claims) with one foreign key to it. A generic table with
a GenericForeignKey would have cost what the archive relies on: real foreign keys and cascades, plain admin
inlines, prefetching, and whole-record revisions, which group a record's rows by their one parent.
"""

from django.db import models
from django.db.models import Q

from .actors import Organization, Person
from .base import KeyedRecord, SourcedStatement
from .incidents import Incident
from .places import Place
from .sources import Source


class Claim(SourcedStatement, KeyedRecord):
    class Subject(models.TextChoices):
        ATTACK_TYPE = "attack_type", "Attack type"
        METHOD = "method", "Method"
        LOCATION = "location", "Location"
        NATIONALITY = "nationality", "Nationality"
        IDENTITY = "identity", "Identity"
        ROLE = "role", "Role"

    class Rank(models.TextChoices):
        PREFERRED = "preferred", "Preferred"
        REPORTED = "reported", "Reported"
        DISPUTED = "disputed", "Disputed"

    about = models.CharField("what the claim is about", max_length=20, choices=Subject.choices, db_index=True)
    value = models.CharField(
        max_length=300,
        blank=True,
        help_text="The statement in a few words, as the source reports it, e.g. 'suicide bombers'.",
    )
    place = models.ForeignKey(
        Place,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="When the claim names a place or a country (a nationality, where it happened).",
    )
    rank = models.CharField(
        max_length=10,
        choices=Rank.choices,
        default=Rank.REPORTED,
        help_text="Preferred: the account the archive follows; disputed: another source contradicts it.",
    )
    by_organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    by_person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    by_label = models.CharField(
        max_length=200,
        blank=True,
        help_text="Who made the claim when no record fits, as the source words it, e.g. 'Iranian media'.",
    )
    stated_on = models.DateField(null=True, blank=True, help_text="When the claim was made, if known.")
    note = models.CharField(max_length=300, blank=True)

    _history_m2m_fields = ["sources"]

    class Meta(KeyedRecord.Meta):
        abstract = True

    def __str__(self):
        return f"{self.get_about_display()}: {self.statement} ({self.by_name or 'unattributed'})"

    @property
    def statement(self):
        return " — ".join(part for part in (self.place.name if self.place_id else "", self.value) if part)

    @property
    def by_name(self):
        who = self.by_person or self.by_organization
        return str(who) if who else self.by_label

    @classmethod
    def constraints_for(cls, prefix):
        return [
            models.CheckConstraint(
                condition=~Q(value="") | Q(place__isnull=False),
                name=f"{prefix}_claim_states_something",
                violation_error_message="Say what is claimed: a few words, a place, or both.",
            ),
            models.CheckConstraint(
                condition=Q(by_organization__isnull=False) | Q(by_person__isnull=False) | ~Q(by_label=""),
                name=f"{prefix}_claim_says_who",
                violation_error_message="Say who makes the claim: an organization, a person or a description.",
            ),
        ]


class IncidentClaim(Claim):
    subject_field = "incident"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="claims")
    sources = models.ManyToManyField(Source, blank=True, related_name="incident_claims")

    class Meta(Claim.Meta):
        abstract = False
        ordering = ["incident_id", "about", models.F("stated_on").asc(nulls_first=True), "key"]
        constraints = Claim.constraints_for("incident")
        verbose_name = "claim about the incident"
        verbose_name_plural = "claims about the incident"


class PersonClaim(Claim):
    subject_field = "person"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="claims")
    sources = models.ManyToManyField(Source, blank=True, related_name="person_claims")

    class Meta(Claim.Meta):
        abstract = False
        ordering = ["person_id", "about", models.F("stated_on").asc(nulls_first=True), "key"]
        constraints = Claim.constraints_for("person")
        verbose_name = "claim about the person"
        verbose_name_plural = "claims about the person"


class OrganizationClaim(Claim):
    subject_field = "organization"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="claims")
    sources = models.ManyToManyField(Source, blank=True, related_name="organization_claims")

    class Meta(Claim.Meta):
        abstract = False
        ordering = ["organization_id", "about", models.F("stated_on").asc(nulls_first=True), "key"]
        constraints = Claim.constraints_for("organization")
        verbose_name = "claim about the organization"
        verbose_name_plural = "claims about the organization"
