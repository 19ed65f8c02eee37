"""Base classes of the archive's models, and the query vocabulary every model shares.

A model module imports only the modules of the models it points to (sources ← places ← actors ← incidents ←
reactions), never one further along: a queryset that needs a model from further along (a person's reactions)
reaches it through its own model's relation (`related_model()`), so no module imports one that imports it.
"""

import functools
import threading
import uuid
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, models, router
from django.db.models import F, Q, TextField, Value
from django.db.models.functions import Cast, Concat
from django.db.models.query import ModelIterable
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone, translation
from django.utils.dates import MONTHS
from simple_history.models import HistoricalRecords

from ..choices import DatePrecision, Status
from ..statements import keyed_queryset

# Attribution kinds that name an actor as behind an incident (as opposed to accusing, denying or arresting).
PERPETRATOR_KINDS = ("claimed", "assessed", "stated", "identified")


def related_model(model, relation):
    """The model at the other end of `model`'s relation named `relation` (a field or a related_name)."""
    return model._meta.get_field(relation).related_model


def shown_joins(queryset):
    """`queryset` reading every column of its own rows and, of each record it joins (select_related) whose model
    names its NAMED_BY fields, only those: what a link to it or its name in a sentence reads. Compiling and
    reading a joined record's every column was most of a record page's time (the attributions' nine joins: 184
    columns); the tests fail on any later read of a column left out (tests/conftest.py)."""
    joined = queryset.query.select_related
    if not isinstance(joined, dict) or not joined:
        return queryset
    columns = [field.name for field in queryset.model._meta.concrete_fields]

    def add(model, prefix, tree):
        for name, further in tree.items():
            target = model._meta.get_field(name).related_model
            named_by = getattr(target, "NAMED_BY", None)
            wanted = [f.name for f in target._meta.concrete_fields] if named_by is None else [*named_by, *further]
            columns.extend(f"{prefix}{name}__{column}" for column in wanted)
            add(target, f"{prefix}{name}__", further)

    add(queryset.model, "", joined)
    narrowed = queryset.only(*columns)
    # Django's own hook for what rows become (values() sets it too); a values() call later still replaces it.
    narrowed._iterable_class = ShownInstances
    return narrowed


_loading = threading.local()


def loading_instances():
    """Whether the query running now is a shown_joins() query making model instances (events/caching.py: each
    instance notes its own record, so the columns it leaves out of a joined record are not what it read)."""
    return getattr(_loading, "instances", False)


class ShownInstances(ModelIterable):
    """Model instances, saying so while their query runs (`loading_instances`); rows are fetched after it."""

    def __iter__(self):
        rows = super().__iter__()
        _loading.instances = True
        try:
            first = next(rows, _NO_ROW)
        finally:
            _loading.instances = False
        if first is not _NO_ROW:
            yield first
            yield from rows


_NO_ROW = object()


def claims_prefetch(model):
    """A record's claims as its page shows them: who made each and the place it names (the page fetches their
    sources with everything else's, in prefetch_sources()). The claim tables live in models/claims.py, which
    imports this module's users."""
    claims = related_model(model, "claims").objects.select_related("place", "by_person", "by_organization")
    return models.Prefetch("claims", queryset=shown_joins(claims))


class _Relation(NamedTuple):
    name: str
    lookup: str  # from the related rows to the record
    cache_name: str
    back: models.Field | None  # the foreign key pointing back, set to the record on each row
    queryset: models.QuerySet


_page_relations = {}


def prefetch_record(record, purpose, prefetches):
    """Fill `record`'s relations as prefetch_related(*prefetches()) would for that one record, each relation's
    query compiled once per process (events/statements.py) instead of on every page view: a record page's
    relations were half of an actor's page and a sixth of the Kerman bombings', compiling joins that differ only
    in the record's key. `prefetches` returns Prefetch objects, each naming a relation pointing to `record` (a
    reverse foreign key or a many-to-many field) and the queryset to read it with; it is called once per
    process for each `purpose` ("page") and model, which must always mean the same querysets. Nested prefetches
    in those querysets run as Django runs them."""
    model = type(record)
    relations = _page_relations.get((purpose, model))
    if relations is None:
        relations = _page_relations[purpose, model] = [_relation(model, prefetch) for prefetch in prefetches()]
    filled = record.__dict__.setdefault("_prefetched_objects_cache", {})
    for relation in relations:
        rows = keyed_queryset(
            ("prefetch", purpose, model._meta.label, relation.name),
            lambda key, relation=relation: relation.queryset.filter(**{f"{relation.lookup}__in": [key]}),
            record.pk,
            router.db_for_read(relation.queryset.model, instance=record),
        )
        back = relation.back
        for row in rows:  # as Django's prefetch does: each row's pointer back is the record itself
            if back is not None and not back.is_cached(row):
                back.set_cached_value(row, record)
        filled[relation.cache_name] = rows


def _relation(model, prefetch):
    name = prefetch.prefetch_through
    field = model._meta.get_field(name) if "__" not in name else None
    queryset = prefetch.queryset
    if field is not None and queryset is None:
        queryset = field.related_model._default_manager.all()
    if field is not None and field.one_to_many and field.auto_created and not prefetch.to_attr:
        return _Relation(name, field.field.name, field.cache_name, field.field, queryset)
    if field is not None and field.many_to_many and field.concrete and not prefetch.to_attr:
        return _Relation(name, field.related_query_name(), field.name, None, queryset)
    raise ValueError(f"prefetch_record() reads reverse foreign keys and many-to-many fields, not {name!r}")


def union_all(querysets, shared=None):
    """The rows of every queryset (each a values_list() of the same columns) from one UNION ALL query.

    Written out rather than QuerySet.union(): SQLite refuses ORDER BY and LIMIT in the parts of a compound
    query as Django writes it, and a part limited to the values giving most rows is the point. Each part is
    read as a subquery, which both databases accept. A part may also be written out, (sql, params), reading
    `shared`: a queryset whose rows are computed once, as the table "shared" (a materialized WITH)."""
    querysets = list(querysets)
    if not querysets:
        return []
    sql, params = union_all_sql(querysets, shared)
    using = next(part.db for part in [*querysets, shared] if isinstance(part, models.QuerySet))
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def union_all_sql(querysets, shared=None):
    """(sql, params) of union_all()'s query."""
    sql, params = [], []
    if shared is not None:
        try:
            shared_sql, shared_params = shared.query.get_compiler(shared.db).as_sql()
        except EmptyResultSet:  # nothing matches: the parts reading it are left out
            shared = None
    for position, queryset in enumerate(querysets):
        if not isinstance(queryset, models.QuerySet):
            if shared is not None:
                sql.append(f"SELECT * FROM ({queryset[0]}) part_{position}")
                params.extend(queryset[1])
            continue
        try:
            part_sql, part_params = queryset.query.get_compiler(queryset.db).as_sql()
        except EmptyResultSet:  # a part that matches nothing (filtered by an empty set: a country with no places)
            continue
        sql.append(f"SELECT * FROM ({part_sql}) part_{position}")
        params.extend(part_params)
    if not sql:  # every part matches nothing: a query giving no rows, in the parts' three columns
        return "SELECT NULL, NULL, NULL WHERE 1 = 0", []
    if shared is not None:
        # MATERIALIZED: computed once for every part that reads it, not once per part (SQLite 3.35, PostgreSQL 12).
        return f"WITH shared AS MATERIALIZED ({shared_sql}) " + " UNION ALL ".join(sql), [*shared_params, *params]
    return " UNION ALL ".join(sql), params


class GroupedText(Cast):
    """A grouped column's value as text, the column itself being what is grouped (counted_as_text)."""

    def get_group_by_cols(self):
        return []


def counted_as_text(rows, key, fields, count, separator="|"):
    """`rows` grouped by `fields`, as the values_list (key, the value as text, count) union_all() joins: the
    value of two fields is written "first|second".

    Grouped by the columns alone and cast to text only for the output (which PostgreSQL needs to put ids and
    choice values in one column; both databases accept an expression of grouped columns): grouping by the cast
    compared strings, 2.5-5x the cost of grouping by the column on SQLite (the reaction list's incident facet
    over 10,000 rows: 174 -> 70 ms), and grouping by both sorted rows an index already gives in order."""
    text = TextField()
    if len(fields) == 1:
        value = GroupedText(fields[0], text)
    else:
        first, second = fields
        value = Concat(GroupedText(F(first), text), Value(separator), GroupedText(F(second), text), output_field=text)
    return rows.order_by().values(*fields).annotate(n=count).values_list(key, value, "n")


def counted_in_shared(key, column, limit=None):
    """A part of union_all() reading its `shared` rows: (key, `column`'s value as text, rows) of each value, the
    `limit` giving most rows."""
    sql = f"SELECT {int(key)}, CAST({column} AS text), COUNT(*) FROM shared GROUP BY {column}"
    return (f"{sql} ORDER BY 3 DESC LIMIT {int(limit)}" if limit else sql), []


class NaturalKeyManager(models.Manager):
    """Looks rows up by their slug or key, so fixtures can name them instead of using primary keys."""

    def __init__(self, field="slug"):
        super().__init__()
        self.natural_key_field = field

    def get_by_natural_key(self, value):
        return self.get(**{self.natural_key_field: value})


class PublishableQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def visible(self, include_unpublished=False):
        """Published rows; every row when `include_unpublished` (a staff member previewing drafts)."""
        return self.all() if include_unpublished else self.published()

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def page_prefetches(self):
        """The relations a record's page shows, as Prefetch objects of relations pointing to it, read by
        `prefetch_record(record, "page", ...)` after the record (the detail views)."""
        return []


def indexed_where_set(prefix, *fields):
    """Indexes over only the rows where each of these optional pointers is set (`field IS NOT NULL`), for pointers
    that most rows leave empty: who reported a figure, who made or was named by an attribution. The fields are
    declared with db_index=False.

    Indexed whole, the empty rows count in SQLite's statistics (ANALYZE averages the rows per value over them:
    25,007 of 100,025 attributions "per person"), so for a person's attributions, which are read sorted by
    incident, the planner walked the whole table in the incident order instead of reading a person's few rows:
    22 ms on every person page at 100,000 incidents, 0.01 ms through the partial index. A lookup of one value
    (`= x`, `IN (...)`) uses such an index on both databases."""
    short = {"responsible_": "resp_", "reported_by_": "by_", "organization": "org"}
    indexes = []
    for field in fields:
        name = field
        for long, abbreviation in short.items():
            name = name.replace(long, abbreviation)
        indexes.append(
            models.Index(fields=[field], condition=Q(**{f"{field}__isnull": False}), name=f"{prefix}_{name}_set")
        )
    return indexes


def format_partial_date(value, precision):
    """Show a date only as precisely as it is known: '1978', 'January 2024', '3 January 2024'."""
    if value is None:
        return ""
    # Month names straight from Django's translated list: the general date formatter costs ten times more,
    # and a list page shows dozens of dates.
    if precision == DatePrecision.YEAR:
        return str(value.year)
    month = month_names(translation.get_language())[value.month]
    if precision == DatePrecision.MONTH:
        return f"{month} {value.year}"
    return f"{value.day} {month} {value.year}"


@functools.cache
def month_names(language):
    """Django's month names in `language` (the active one when called): a lazy name is translated again each
    time it is shown, 10 us, and an export of 100,000 incidents shows 20,000 different dates."""
    return {number: str(name) for number, name in MONTHS.items()}


def cached_reverse(view_name, slug=None, *, args=(), current_app=None):
    """reverse() remembered per URLconf and script prefix: a list page links dozens of records and every page
    shows the menu, and reversing costs more than everything else a row does (the admin's change page of a
    big record reverses its links and autocompletes 1,500 times)."""
    return _reverse(
        view_name, slug, tuple(args), current_app, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()
    )


@functools.lru_cache(maxsize=20_000)
def _reverse(view_name, slug, args, current_app, urlconf, script_prefix):
    kwargs = {"slug": slug} if slug is not None else None
    return reverse(view_name, args=args or None, kwargs=kwargs, current_app=current_app, urlconf=urlconf)


def stored_value(model, pk, field, using=None):
    """One column of a row as the database holds it now (before a save in hand changes it); None when there is
    no such row or no key."""
    if pk is None:
        return None
    manager = model._base_manager if using is None else model._base_manager.using(using)
    return manager.filter(pk=pk).values_list(field, flat=True).first()


def check_partial_date(value, precision, field, precision_field):
    """Errors for a date whose precision is missing or that claims detail the precision denies."""
    errors = {}
    if value is None:
        if precision:
            errors[precision_field] = "Leave the precision empty when the date is unknown."
        return errors
    if not precision:
        errors[precision_field] = "Say how precisely the date is known (day, month or year)."
    elif precision == DatePrecision.MONTH and value.day != 1:
        errors[field] = "A date known only to the month is entered as the 1st of that month."
    elif precision == DatePrecision.YEAR and (value.month, value.day) != (1, 1):
        errors[field] = "A date known only to the year is entered as 1 January of that year."
    return errors


def date_precision_pair_constraint(field, precision_field, name, label):
    return models.CheckConstraint(
        condition=(Q(**{f"{field}__isnull": True}) & Q(**{precision_field: ""}))
        | (Q(**{f"{field}__isnull": False}) & ~Q(**{precision_field: ""})),
        name=name,
        violation_error_message=f"Give the {label} and its precision together, or neither.",
    )


def date_precision_constraints(field, precision_field, prefix):
    """A month-precision date is stored as the 1st, a year-precision date as 1 January.

    The day and month lookups compile to EXTRACT on PostgreSQL and to Django's django_date_extract()
    function on SQLite, which Django registers on every connection it opens (the sqlite3 shell lacks it,
    so write to these tables through Django).
    """
    return [
        models.CheckConstraint(
            condition=~Q(**{precision_field: DatePrecision.MONTH}) | Q(**{f"{field}__day": 1}),
            name=f"{prefix}_month_precision_is_first",
            violation_error_message="A date known only to the month is entered as the 1st of that month.",
        ),
        models.CheckConstraint(
            condition=~Q(**{precision_field: DatePrecision.YEAR}) | Q(**{f"{field}__day": 1, f"{field}__month": 1}),
            name=f"{prefix}_year_precision_is_first_of_january",
            violation_error_message="A date known only to the year is entered as 1 January of that year.",
        ),
    ]


# One tracker for every archive model (inherit=True gives each its Historical<Model>); kept by name so
# events.history can record versions of rows that loaddata saved without any.
HISTORY = HistoricalRecords(inherit=True, excluded_fields=["version"])


class StaleEditError(Exception):
    """A save based on a version of the record that someone else has changed since."""

    def __init__(self, record):
        self.record = record
        super().__init__(
            f"{record._meta.verbose_name.capitalize()} “{record}” was changed by someone else after you opened it."
        )


class Versioned(models.Model):
    """Optimistic locking and history for every record editors change.

    Every save bumps `version`, and a save refuses (StaleEditError) when the row's version is no longer the
    one the instance was read at: the UPDATE itself carries `WHERE version = n`, so two editors racing
    cannot overwrite each other even between the form's check and the write.
    """

    version = models.PositiveIntegerField(
        default=1, help_text="Counts saves; a form based on an older version cannot overwrite a newer one."
    )
    # Who changed what and when. `version` is left out: a restored version takes the current one.
    history = HISTORY
    # The columns __str__ reads, where a model names them: a list that only labels records (a public filter's
    # options, events/filters.py) reads those and not every column of every option.
    STR_FIELDS = None

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "version"}
        super().save(*args, **kwargs)

    def _save_table(self, raw=False, *args, **kwargs):
        # Fixture rows carry no version: loaddata's raw saves bump the row's version without checking it.
        # (Here rather than in save_base(), which loaddata calls as Model.save_base(obj), past any override.)
        self._raw_save = raw
        try:
            return super()._save_table(raw, *args, **kwargs)
        finally:
            del self._raw_save

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        read_at = self.version
        values = [(f, m, F("version") + 1 if f.attname == "version" else v) for f, m, v in values]
        checked = base_qs if getattr(self, "_raw_save", False) else base_qs.filter(version=read_at)
        updated = super()._do_update(checked, using, pk_val, values, update_fields, forced_update)
        if not updated and checked is not base_qs and base_qs.filter(pk=pk_val).exists():
            raise StaleEditError(self)
        if updated:
            self.version = base_qs.filter(pk=pk_val).values_list("version", flat=True).get()
        return updated

    def current_version(self):
        return stored_value(type(self), self.pk, "version")


class Publishable(Versioned):
    """Records with a public page: only published ones are shown to the public.

    Draft → in review → published (→ unpublished). Publishing needs the model's `publish_<model>`
    permission and at least one source (see publication_problems()).
    """

    status = models.CharField(
        max_length=12,
        choices=Status.choices,
        default=Status.DRAFT,
        db_index=True,
        help_text="Only published records appear on the public site. Editors submit drafts for review; "
        "reviewers publish them.",
    )
    # Defaults rather than auto_now: loaddata saves raw, which skips auto_now, and fixtures should not
    # have to carry timestamps.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.updated_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "updated_at"}
        super().save(*args, **kwargs)

    @property
    def is_published(self):
        return self.status == Status.PUBLISHED

    def publication_problems(self, sources=None, dependents=True):
        """Plain-words reasons this record cannot be published; empty when it can.

        `sources` stands in for the saved ones when a form is about to change them; `dependents=False` leaves
        out the rows that hang off the record (an incident's figures), for forms that check those themselves.
        """
        cited = bool(sources) if sources is not None else self.pk is not None and self.sources.exists()
        problems = []
        if not cited:
            problems.append(
                f"{self._meta.verbose_name.capitalize()} “{self}” cannot be published without a source: "
                "cite at least one under Sources."
            )
        return problems + (self.dependent_publication_problems() if dependents else [])

    def dependent_publication_problems(self):
        """The claims about a published record cite their own sources (models/claims.py)."""
        claims = getattr(self, "claims", None)
        if claims is None or self.pk is None:
            return []
        return [
            f"{self._meta.verbose_name.capitalize()} “{self}” cannot be published while its claim “{claim}” cites "
            "no source: every claim cites its own."
            for claim in claims.filter(sources=None)
        ]


class KeyedRecord(Versioned):
    """Rows with no page of their own, identified in fixtures by a stable `key`. `subject_field` names the
    foreign key to the record the row belongs to, whose status governs it (workflow.workflow_owner)."""

    subject_field = None

    key = models.SlugField(
        max_length=120,
        unique=True,
        blank=True,
        help_text="Stable identifier used by fixtures; filled in automatically when left empty.",
    )

    objects = NaturalKeyManager("key")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.key:
            self.key = f"{self._meta.model_name}-{uuid.uuid4().hex[:12]}"
        super().save(*args, **kwargs)

    def natural_key(self):
        return (self.key,)

    def source_problem(self):
        """A statement about a published record cites its own source (see SourcedStatement)."""
        return ""


class SourcedStatement:
    """Mixin for rows that state a contested fact about a record (an incident's figures and attributions, the
    claims about an incident, a person or an organization): each cites its own source once that record is
    published, and the record cannot be published while one of them cites none. `subject_field` names the
    foreign key to the record."""

    subject_field = "incident"

    def source_problem(self, sources=None, subject=None):
        subject = subject or getattr(self, self.subject_field)
        if subject is None or subject.status != Status.PUBLISHED:
            return ""
        cited = bool(sources) if sources is not None else self.pk is not None and self.sources.exists()
        if cited:
            return ""
        return (
            f"This {self._meta.verbose_name} belongs to a published {subject._meta.verbose_name}, so it must cite "
            "its own source: cite at least one under Sources."
        )
