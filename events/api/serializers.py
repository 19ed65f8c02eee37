"""What the API says about each record: its own fields, a label beside every code, each date with its
precision, and the records it names as {slug, url, name}, named by the one public rule (events.public_names):
a related record that is not published is "an unpublished person", with neither slug nor address."""

from django.urls import NoReverseMatch, reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import public_names
from ..models import (
    Attribution,
    CasualtyFigure,
    Incident,
    Organization,
    Person,
    Place,
    Reaction,
    Role,
    Source,
    TimelineEntry,
)

# The API's name of each model's collection, for the addresses of related records (events/api/urls.py).
API_BASENAMES = {}


def api_url(request, record):
    basename = API_BASENAMES.get(type(record))
    if basename is None:
        return None
    lookup = "slug" if hasattr(record, "slug") else "key"
    try:
        path = reverse(f"api:{basename}-detail", kwargs={lookup: getattr(record, lookup)})
    except NoReverseMatch:
        return None
    return request.build_absolute_uri(path) if request is not None else path


class RelatedRecordSchema(serializers.Serializer):
    """The shape of a related record, for the OpenAPI document."""

    slug = serializers.CharField(allow_null=True, help_text="Null when the record is not published.")
    url = serializers.URLField(allow_null=True, help_text="The record in this API; null when it is not published.")
    name = serializers.CharField(help_text='Its name, or a neutral phrase such as "an unpublished person".')


@extend_schema_field(RelatedRecordSchema)
class RelatedRecordField(serializers.Field):
    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, record):
        if not public_names.is_named_in_public(record):
            return {"slug": None, "url": None, "name": public_names.public_name(record)}
        return {
            "slug": getattr(record, "slug", None) or getattr(record, "key", None),
            "url": api_url(self.context.get("request"), record),
            "name": public_names.public_name(record),
        }


def related(source=None, **kwargs):
    return RelatedRecordField(source=source, allow_null=True, **kwargs)


def related_list(source):
    return serializers.ListField(child=RelatedRecordField(), source=f"{source}.all", read_only=True)


class LinesField(serializers.ListField):
    """Text kept one item a line (aliases), as a list."""

    child = serializers.CharField()

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return [line.strip() for line in value.splitlines() if line.strip()]


class RecordSerializer(serializers.ModelSerializer):
    """A model's fields with `<field>_label` beside every coded one (a choice), and `url`, the record here."""

    url = serializers.SerializerMethodField()

    def get_fields(self):
        fields = super().get_fields()
        labelled = {}
        for name, field in fields.items():
            labelled[name] = field
            model_field = _model_field(self.Meta.model, name)
            if model_field is not None and model_field.choices:
                labelled[f"{name}_label"] = serializers.CharField(
                    source=f"get_{name}_display", read_only=True, help_text=f"What the {name} code means."
                )
        return labelled

    def get_url(self, record) -> str:
        return api_url(self.context.get("request"), record)


class PublicRecordSerializer(RecordSerializer):
    """A record with a public page: also that page's address."""

    page = serializers.SerializerMethodField(help_text="The record's page on the site.")

    def get_page(self, record) -> str:
        request = self.context.get("request")
        path = record.get_absolute_url()
        return request.build_absolute_uri(path) if request is not None else path


def _model_field(model, name):
    try:
        return model._meta.get_field(name)
    except Exception:  # a declared field, not a model field
        return None


class SourceSerializer(RecordSerializer):
    web_address = serializers.SerializerMethodField(help_text="Where the source can be read; null when unknown.")
    reported_in = related(help_text="The source through which this one is known.")

    class Meta:
        model = Source
        fields = ["slug", "url", "title", "publisher", "web_address", "published_on", "reported_in", "note"]

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_web_address(self, source):
        return source.url or None


class PlaceSerializer(PublicRecordSerializer):
    parent = related()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    coordinates_source = related(help_text="The gazetteer or other source the point is from; null with no point.")

    class Meta:
        model = Place
        fields = [
            "slug",
            "url",
            "page",
            "name",
            "kind",
            "parent",
            "native_name",
            "native_name_lang",
            "latitude",
            "longitude",
            "geo_precision",
            "coordinates_source",
            "gazetteer_id",
            "coordinates_from_parent",
            "description",
            "updated_at",
        ]
        extra_kwargs = {
            "geo_precision": {
                "help_text": "What the point stands for: the site itself, or a whole city, region or country."
            },
            "gazetteer_id": {
                "help_text": 'The gazetteer entry of the point: "geonames:<id>" (www.geonames.org/<id>), '
                '"naturalearth:<ISO 3166-1 numeric>" for a country, or "naturalearth:<ISO>+<ISO>+..." for a region '
                'computed from those countries\' outlines. "" when the point is from another kind of source or there '
                "is none."
            },
            "coordinates_from_parent": {
                "help_text": "True when the gazetteers have no entry for this place and it carries the point (and its "
                "precision, source and entry) of the place it lies in."
            },
        }


class OrganizationSerializer(PublicRecordSerializer):
    aliases = LinesField()
    country = related()
    parent = related(help_text="The organization it is part of.")

    class Meta:
        model = Organization
        fields = [
            "slug",
            "url",
            "page",
            "name",
            "short_name",
            "aliases",
            "native_name",
            "native_name_lang",
            "kind",
            "country",
            "parent",
            "description",
            "updated_at",
        ]


class PersonSerializer(PublicRecordSerializer):
    aliases = LinesField()
    nationalities = related_list("nationalities")

    class Meta:
        model = Person
        fields = [
            "slug",
            "url",
            "page",
            "name",
            "name_is_alias",
            "aliases",
            "native_name",
            "native_name_lang",
            "nationalities",
            "born_on",
            "born_precision",
            "died_on",
            "died_precision",
            "description",
            "updated_at",
        ]


class IncidentSerializer(PublicRecordSerializer):
    place = related()

    class Meta:
        model = Incident
        fields = [
            "slug",
            "url",
            "page",
            "title",
            "kind",
            "date",
            "date_precision",
            "end_date",
            "start_time",
            "end_time",
            "time_zone",
            "place",
            "target",
            "method",
            "summary",
            "description",
            "killed",
            "killed_qualifier",
            "injured",
            "injured_qualifier",
            "perpetrators_killed",
            "perpetrators_killed_qualifier",
            "updated_at",
        ]


class StanceSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class ReactionSerializer(PublicRecordSerializer):
    incident = related()
    actor = serializers.SerializerMethodField(help_text="Who reacted, as the site names them.")
    person = related()
    organization = related()
    country = related()
    stances = StanceSerializer(many=True, read_only=True)

    class Meta:
        model = Reaction
        fields = [
            "slug",
            "url",
            "page",
            "incident",
            "category",
            "actor",
            "person",
            "organization",
            "country",
            "actor_label",
            "stances",
            "date",
            "channel",
            "summary",
            "quote",
            "updated_at",
        ]

    def get_actor(self, reaction) -> str:
        return public_names.reaction_actor(reaction)


class CasualtyFigureSerializer(RecordSerializer):
    incident = related()
    reported_by = serializers.SerializerMethodField(help_text="Who reported it, as the site names them.")
    reported_by_organization = related()
    reported_by_person = related()
    sources = related_list("sources")

    class Meta:
        model = CasualtyFigure
        fields = [
            "key",
            "url",
            "incident",
            "kind",
            "group",
            "value",
            "qualifier",
            "rank",
            "reported_on",
            "reported_by",
            "reported_by_organization",
            "reported_by_person",
            "reported_by_label",
            "note",
            "sources",
        ]

    def get_reported_by(self, figure) -> str:
        return public_names.reporter(figure)


class AttributionSerializer(RecordSerializer):
    incident = related()
    responsible = serializers.SerializerMethodField(help_text="Who is held responsible, as the site names them.")
    responsible_organization = related()
    responsible_person = related()
    responsible_country = related()
    claimant = serializers.SerializerMethodField(help_text="Who made the attribution, as the site names them.")
    by_organization = related()
    by_person = related()
    by_country = related()
    sources = related_list("sources")

    class Meta:
        model = Attribution
        fields = [
            "key",
            "url",
            "incident",
            "kind",
            "responsible",
            "responsible_organization",
            "responsible_person",
            "responsible_country",
            "responsible_label",
            "role",
            "claimant",
            "by_organization",
            "by_person",
            "by_country",
            "mode",
            "date",
            "summary",
            "quote",
            "sources",
        ]

    def get_responsible(self, attribution) -> str:
        return public_names.responsible(attribution)

    def get_claimant(self, attribution) -> str:
        return public_names.claimant(attribution)


class RoleSerializer(RecordSerializer):
    person = related()
    organization = related()
    country = related()

    class Meta:
        model = Role
        fields = ["key", "url", "person", "title", "organization", "country", "start_date", "end_date", "note"]


class TimelineEntrySerializer(RecordSerializer):
    incident = related()
    place = related()

    class Meta:
        model = TimelineEntry
        fields = [
            "key",
            "url",
            "incident",
            "date",
            "date_precision",
            "sequence",
            "title",
            "description",
            "place",
        ]
