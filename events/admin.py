"""The editors' admin: every record, searchable, filterable and linked through autocompletes."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib import admin, messages
from django.db.models import Count, F
from django.utils import timezone

from .forms import CasualtyFigureForm, CasualtyFigureInlineFormSet, ParentConstraintsInlineFormSet
from .models import (
    Attribution,
    CasualtyFigure,
    Incident,
    IncidentLink,
    Organization,
    Person,
    Place,
    Reaction,
    Role,
    Source,
    Stance,
    Status,
    TimelineEntry,
)

AUDIT_FIELDS = ("created_at", "updated_at")


# Shared behaviour ------------------------------------------------------------------------------------------


class PublishableAdmin(admin.ModelAdmin):
    """Records with a public page: status editable from the list, bulk (un)publishing, audit dates."""

    list_editable = ("status",)
    readonly_fields = AUDIT_FIELDS
    actions = ("publish", "unpublish")
    publication_fieldset = ("Publication", {"fields": ("status", *AUDIT_FIELDS)})

    def _set_status(self, request, queryset, status, done, already):
        changing = list(queryset.exclude(status=status))
        # update() skips save(), so the audit date is set here; the log keeps each record's history complete.
        self.model.objects.filter(pk__in=[obj.pk for obj in changing]).update(status=status, updated_at=timezone.now())
        for obj in changing:
            self.log_change(request, obj, [{"changed": {"fields": ["Status"]}}])
        opts = self.model._meta
        message = f"{len(changing)} {opts.verbose_name if len(changing) == 1 else opts.verbose_name_plural} {done}."
        unchanged = queryset.count() - len(changing)
        if unchanged:
            message += f" {unchanged} {'was' if unchanged == 1 else 'were'} {already}."
        self.message_user(request, message, messages.SUCCESS)

    @admin.action(description="Publish selected %(verbose_name_plural)s", permissions=["change"])
    def publish(self, request, queryset):
        self._set_status(request, queryset, Status.PUBLISHED, "published", "already published")

    @admin.action(description="Unpublish selected %(verbose_name_plural)s (back to draft)", permissions=["change"])
    def unpublish(self, request, queryset):
        self._set_status(request, queryset, Status.DRAFT, "set back to draft", "already in draft")


class KeyedRecordAdmin(admin.ModelAdmin):
    """Rows known to fixtures by `key`: optional when adding (filled in on save), fixed once saved."""

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return (*readonly, "key") if obj is not None else readonly


# Inlines ---------------------------------------------------------------------------------------------------
# `key` stays out of every inline: it is filled in on save and shown on the record's own page.


class CasualtyFigureInline(admin.TabularInline):
    model = CasualtyFigure
    form = CasualtyFigureForm
    formset = CasualtyFigureInlineFormSet
    fields = (
        "kind",
        "group",
        "qualifier",
        "value",
        "rank",
        "reported_on",
        "reported_by_organization",
        "reported_by_person",
        "reported_by_label",
        "note",
        "sources",
    )
    autocomplete_fields = ("reported_by_organization", "reported_by_person", "sources")
    extra = 0
    show_change_link = True


class ReactionInline(admin.StackedInline):
    model = Reaction
    formset = ParentConstraintsInlineFormSet
    fields = (
        ("slug", "category", "status"),
        ("person", "organization", "country"),
        "actor_label",
        ("stances", "date", "channel"),
        "summary",
        "quote",
        "sources",
    )
    autocomplete_fields = ("person", "organization", "country", "stances", "sources")
    extra = 0
    show_change_link = True


class AttributionInline(admin.StackedInline):
    model = Attribution
    formset = ParentConstraintsInlineFormSet
    fields = (
        ("kind", "role", "date"),
        ("responsible_organization", "responsible_person", "responsible_country"),
        "responsible_label",
        ("by_organization", "by_person", "by_country"),
        "mode",
        "summary",
        "quote",
        "sources",
    )
    autocomplete_fields = (
        "responsible_organization",
        "responsible_person",
        "responsible_country",
        "by_organization",
        "by_person",
        "by_country",
        "sources",
    )
    extra = 0
    show_change_link = True


class TimelineEntryInline(admin.TabularInline):
    model = TimelineEntry
    formset = ParentConstraintsInlineFormSet
    fields = ("date", "date_precision", "sequence", "title", "place", "description", "sources")
    autocomplete_fields = ("place", "sources")
    extra = 0
    show_change_link = True


class IncidentLinkInline(admin.TabularInline):
    model = IncidentLink
    formset = ParentConstraintsInlineFormSet
    fk_name = "from_incident"
    fields = ("kind", "to_incident", "note", "sources")
    autocomplete_fields = ("to_incident", "sources")
    extra = 0
    show_change_link = True
    verbose_name = "link to another incident"
    verbose_name_plural = "links to other incidents"


class RoleInline(admin.TabularInline):
    model = Role
    formset = ParentConstraintsInlineFormSet
    fields = ("title", "organization", "country", "start_date", "end_date", "note", "sources")
    autocomplete_fields = ("organization", "country", "sources")
    extra = 0
    show_change_link = True


# Reference records -----------------------------------------------------------------------------------------


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("title", "publisher", "published_on", "url", "reported_in")
    list_filter = (("url", admin.EmptyFieldListFilter), ("reported_in", admin.EmptyFieldListFilter))
    search_fields = ("title", "slug", "publisher", "url", "note")
    date_hierarchy = "published_on"
    list_select_related = ("reported_in",)
    ordering = ("title",)
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("reported_in",)
    fields = ("title", "slug", "publisher", "url", "published_on", "reported_in", "note")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "url":
            kwargs["assume_scheme"] = "https"  # Django 6's default; addresses typed without a scheme
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Stance)
class StanceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "description", "reaction_count")
    search_fields = ("name", "slug", "description")
    ordering = ("name",)
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(reaction_count=Count("reactions"))

    @admin.display(description="Reactions", ordering="reaction_count")
    def reaction_count(self, obj):
        return obj.reaction_count


@admin.register(Place)
class PlaceAdmin(PublishableAdmin):
    list_display = ("name", "kind", "parent", "native_name", "geo_precision", "status", "updated_at")
    list_filter = ("status", "kind", "geo_precision")
    search_fields = ("name", "slug", "native_name", "description")
    list_select_related = ("parent",)
    ordering = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent", "sources")
    fieldsets = (
        ("What", {"fields": ("name", "slug", "kind", ("native_name", "native_name_lang"))}),
        ("Where", {"fields": ("parent", ("latitude", "longitude", "geo_precision"))}),
        ("Text", {"fields": ("description",)}),
        ("Sources", {"fields": ("sources",)}),
        PublishableAdmin.publication_fieldset,
    )


@admin.register(Organization)
class OrganizationAdmin(PublishableAdmin):
    list_display = ("name", "short_name", "kind", "country", "parent", "status", "updated_at")
    list_filter = ("status", "kind", ("country", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "short_name", "slug", "aliases", "native_name", "description")
    list_select_related = ("country", "parent")
    ordering = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("country", "parent", "sources")
    fieldsets = (
        ("What", {"fields": ("name", "slug", "short_name", "kind", "aliases", ("native_name", "native_name_lang"))}),
        ("Where", {"fields": ("country", "parent")}),
        ("Text", {"fields": ("description",)}),
        ("Sources", {"fields": ("sources",)}),
        PublishableAdmin.publication_fieldset,
    )


@admin.register(Person)
class PersonAdmin(PublishableAdmin):
    list_display = ("name", "name_is_alias", "nationality_list", "born", "died", "status", "updated_at")
    list_filter = ("status", "name_is_alias", ("nationalities", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "slug", "aliases", "native_name", "description")
    ordering = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("nationalities", "sources")
    inlines = (RoleInline,)
    fieldsets = (
        ("Who", {"fields": ("name", "slug", "name_is_alias", "aliases", ("native_name", "native_name_lang"))}),
        ("Where from", {"fields": ("nationalities",)}),
        ("When", {"fields": (("born_on", "born_precision"), ("died_on", "died_precision"))}),
        ("Text", {"fields": ("description",)}),
        ("Sources", {"fields": ("sources",)}),
        PublishableAdmin.publication_fieldset,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("nationalities")

    @admin.display(description="Nationalities")
    def nationality_list(self, obj):
        return ", ".join(place.name for place in obj.nationalities.all())

    @admin.display(description="Born", ordering="born_on")
    def born(self, obj):
        return obj.born_display

    @admin.display(description="Died", ordering="died_on")
    def died(self, obj):
        return obj.died_display


@admin.register(Role)
class RoleAdmin(KeyedRecordAdmin):
    list_display = ("person", "title", "organization", "country", "start_date", "end_date")
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter), ("country", admin.RelatedOnlyFieldListFilter))
    search_fields = (
        "title",
        "key",
        "note",
        "person__name",
        "person__aliases",
        "organization__name",
        "organization__short_name",
        "country__name",
    )
    list_select_related = ("person", "organization", "country")
    ordering = ("person__name", "start_date", "title")
    autocomplete_fields = ("person", "organization", "country", "sources")
    fields = ("person", "title", "organization", "country", ("start_date", "end_date"), "note", "sources", "key")


# Incidents and what hangs off them -------------------------------------------------------------------------


@admin.register(Incident)
class IncidentAdmin(PublishableAdmin):
    list_display = ("title", "when", "kind", "place", "killed_shown", "injured_shown", "status")
    list_filter = ("status", "kind", "date_precision", ("place", admin.RelatedOnlyFieldListFilter))
    search_fields = ("title", "slug", "summary", "description", "target", "method", "place__name")
    date_hierarchy = "date"
    list_select_related = ("place",)
    ordering = (F("date").desc(nulls_last=True), "title")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("place", "sources")
    readonly_fields = ("killed_shown", "injured_shown", "perpetrators_killed_shown", *AUDIT_FIELDS)
    inlines = (CasualtyFigureInline, ReactionInline, AttributionInline, TimelineEntryInline, IncidentLinkInline)
    fieldsets = (
        ("What", {"fields": ("title", "slug", "kind", "target", "method")}),
        (
            "When",
            {
                "fields": (
                    ("date", "date_precision"),
                    "end_date",
                    ("start_time", "end_time"),
                    ("time_zone", "time_zone_abbreviation"),
                )
            },
        ),
        ("Where", {"fields": ("place",)}),
        (
            "Figures",
            {
                "fields": (("killed_shown", "injured_shown", "perpetrators_killed_shown"),),
                "description": "Copied from the preferred whole-incident casualty figures below; edit those "
                "to change these.",
            },
        ),
        ("Text", {"fields": ("summary", "description")}),
        ("Sources", {"fields": ("sources",)}),
        PublishableAdmin.publication_fieldset,
    )

    @admin.display(description="Date", ordering="date")
    def when(self, obj):
        return obj.date_display

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Editors type times as they were on the clock at the place; the form reads and shows them in
        # the incident's own zone (the one being submitted, else the saved one), not the server's UTC.
        zone_name = request.POST.get("time_zone")
        if zone_name is None and object_id:
            zone_name = Incident.objects.filter(pk=object_id).values_list("time_zone", flat=True).first()
        try:
            zone = ZoneInfo(zone_name) if zone_name else None
        except (ZoneInfoNotFoundError, ValueError):
            zone = None
        if zone is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        with timezone.override(zone):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            # Render now: a TemplateResponse would otherwise format the times after the override ends.
            if hasattr(response, "render"):
                response.render()
            return response

    @admin.display(description="Killed", ordering="killed")
    def killed_shown(self, obj):
        return obj.killed_display or "-"

    @admin.display(description="Injured", ordering="injured")
    def injured_shown(self, obj):
        return obj.injured_display or "-"

    @admin.display(description="Perpetrators killed", ordering="perpetrators_killed")
    def perpetrators_killed_shown(self, obj):
        return obj.perpetrators_killed_display or "-"


@admin.register(CasualtyFigure)
class CasualtyFigureAdmin(KeyedRecordAdmin):
    form = CasualtyFigureForm
    list_display = ("incident", "kind", "counted", "figure", "rank", "reporter", "reported_on")
    list_filter = ("kind", "rank", "qualifier", ("incident", admin.RelatedOnlyFieldListFilter))
    search_fields = (
        "key",
        "group",
        "note",
        "reported_by_label",
        "incident__title",
        "reported_by_organization__name",
        "reported_by_organization__short_name",
        "reported_by_person__name",
    )
    date_hierarchy = "reported_on"
    list_select_related = ("incident", "reported_by_organization", "reported_by_person")
    ordering = ("incident", "kind", "group", "reported_on", "-value")
    autocomplete_fields = ("incident", "reported_by_organization", "reported_by_person", "sources")
    fieldsets = (
        ("What", {"fields": ("incident", "kind", "group", ("qualifier", "value"), "rank")}),
        (
            "Reported",
            {"fields": ("reported_on", "reported_by_organization", "reported_by_person", "reported_by_label")},
        ),
        ("Text", {"fields": ("note",)}),
        ("Sources", {"fields": ("sources",)}),
        ("Record", {"fields": ("key",)}),
    )

    @admin.display(description="Group", ordering="group")
    def counted(self, obj):
        return obj.group or "whole incident"

    @admin.display(description="Figure", ordering="value")
    def figure(self, obj):
        return obj.value_display

    @admin.display(description="Reported by")
    def reporter(self, obj):
        return obj.reported_by


@admin.register(Reaction)
class ReactionAdmin(PublishableAdmin):
    list_display = ("actor", "incident", "category", "stance_list", "date", "status")
    list_filter = (
        "status",
        "category",
        "stances",
        ("incident", admin.RelatedOnlyFieldListFilter),
        ("country", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = (
        "slug",
        "summary",
        "quote",
        "actor_label",
        "channel",
        "person__name",
        "organization__name",
        "organization__short_name",
        "country__name",
        "incident__title",
    )
    date_hierarchy = "date"
    list_select_related = ("incident", "person", "organization", "country")
    ordering = ("incident", "category", "slug")
    autocomplete_fields = ("incident", "person", "organization", "country", "stances", "sources")
    fieldsets = (
        ("What", {"fields": ("incident", "slug", "category", "stances")}),
        ("Who", {"fields": ("person", "organization", "country", "actor_label")}),
        ("When", {"fields": ("date", "channel")}),
        ("Text", {"fields": ("summary", "quote")}),
        ("Sources", {"fields": ("sources",)}),
        PublishableAdmin.publication_fieldset,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("stances")

    @admin.display(description="Actor")
    def actor(self, obj):
        return obj.actor_name

    @admin.display(description="Stances")
    def stance_list(self, obj):
        return ", ".join(stance.name for stance in obj.stances.all())


@admin.register(Attribution)
class AttributionAdmin(KeyedRecordAdmin):
    list_display = ("incident", "kind", "responsible", "role", "by", "date")
    list_filter = ("kind", ("incident", admin.RelatedOnlyFieldListFilter))
    search_fields = (
        "key",
        "responsible_label",
        "role",
        "mode",
        "summary",
        "quote",
        "incident__title",
        "responsible_organization__name",
        "responsible_organization__short_name",
        "responsible_person__name",
        "responsible_country__name",
        "by_organization__name",
        "by_person__name",
        "by_country__name",
    )
    date_hierarchy = "date"
    list_select_related = (
        "incident",
        "responsible_organization",
        "responsible_person",
        "responsible_country",
        "by_organization",
        "by_person",
        "by_country",
    )
    ordering = ("incident", F("date").asc(nulls_last=True), "kind", "key")
    autocomplete_fields = (
        "incident",
        "responsible_organization",
        "responsible_person",
        "responsible_country",
        "by_organization",
        "by_person",
        "by_country",
        "sources",
    )
    fieldsets = (
        ("What", {"fields": ("incident", "kind", "role")}),
        (
            "Who is held responsible",
            {"fields": ("responsible_organization", "responsible_person", "responsible_country", "responsible_label")},
        ),
        ("Who says so", {"fields": ("by_organization", "by_person", "by_country", "mode", "date")}),
        ("Text", {"fields": ("summary", "quote")}),
        ("Sources", {"fields": ("sources",)}),
        ("Record", {"fields": ("key",)}),
    )

    @admin.display(description="Held responsible")
    def responsible(self, obj):
        return obj.responsible_name

    @admin.display(description="Said by")
    def by(self, obj):
        return obj.by_name


@admin.register(TimelineEntry)
class TimelineEntryAdmin(KeyedRecordAdmin):
    list_display = ("title", "when", "sequence", "incident", "place")
    list_filter = ("date_precision", ("incident", admin.RelatedOnlyFieldListFilter))
    search_fields = ("key", "title", "description", "incident__title", "place__name")
    date_hierarchy = "date"
    list_select_related = ("incident", "place")
    ordering = ("incident", "date", "sequence")
    autocomplete_fields = ("incident", "place", "sources")
    fieldsets = (
        ("What", {"fields": ("incident", "title")}),
        ("When", {"fields": (("date", "date_precision"), "sequence")}),
        ("Where", {"fields": ("place",)}),
        ("Text", {"fields": ("description",)}),
        ("Sources", {"fields": ("sources",)}),
        ("Record", {"fields": ("key",)}),
    )

    @admin.display(description="Date", ordering="date")
    def when(self, obj):
        return obj.date_display


@admin.register(IncidentLink)
class IncidentLinkAdmin(KeyedRecordAdmin):
    list_display = ("from_incident", "kind", "to_incident", "note")
    list_filter = ("kind",)
    search_fields = ("key", "note", "from_incident__title", "to_incident__title")
    list_select_related = ("from_incident", "to_incident")
    ordering = ("from_incident", "kind", "to_incident")
    autocomplete_fields = ("from_incident", "to_incident", "sources")
    fields = ("from_incident", "kind", "to_incident", "note", "sources", "key")
