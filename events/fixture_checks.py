"""Load fixtures record by record, and say where the first broken one is in words an editor can act on.

`load(files)` loads the fixtures one record at a time, checking each field and running each record's
full_clean() before saving it in its own savepoint; `first_problem(files)` does the same and rolls it all
back. A broken record is named by file, record (model and slug or key) and field, e.g.
"fixtures/07_casualty_figures.json: events.casualtyfigure 'kerman-killed-95': value: A figure cannot be
negative." (`load` raises it, `first_problem` returns it; None when every record loads and validates).
loaddata alone stops at the first database error with a message that names neither the record nor (for a
constraint) the field, and checks no field.
"""

import json
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ObjectDoesNotExist, ValidationError
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.core.serializers import base
from django.core.serializers.python import Deserializer as PythonDeserializer
from django.db import DatabaseError, models, transaction
from django.test.utils import override_settings

from events.signals import bulk_write

# Fields that name a record in a fixture, in the order they are tried.
NAMING_FIELDS = ("slug", "key", "name", "title")


class BrokenFixture(CommandError, base.DeserializationError):
    """A fixture that cannot be loaded. A CommandError, so manage.py prints the message and no traceback;
    a DeserializationError too, since that is what it is and what callers of loaddata already catch."""


class _Problem(Exception):
    pass


class _RollBack(Exception):
    pass


@contextmanager
def _as_a_load():
    """What a load's records are saved under: the raw saves record no history, but each many-to-many set would,
    as nobody, so history is off (the load writes the versions afterwards, in one go); the search index, headline
    figures and content version are kept once at the end (`bulk_write`) rather than row by row."""
    with override_settings(SIMPLE_HISTORY_ENABLED=False), bulk_write():
        yield


def first_problem(files):
    """The first broken record in `files`, as a message; None if they would all load. Changes nothing: the
    records are saved as a load saves them, and rolled back before anything is kept for them."""
    try:
        with transaction.atomic(), _as_a_load():
            _load_all(files)
            raise _RollBack
    except _Problem as problem:
        return str(problem)
    except _RollBack:
        return None


def load(files):
    """Load `files` as loaddata would, checking each record as first_problem() does on the way: the checked rows
    are the loaded rows, so the fixtures are read and saved once rather than twice (a dry run, then loaddata).
    A broken record raises BrokenFixture naming it, and nothing is loaded. The caller writes the rows' first
    versions afterwards (history is off while they are saved)."""
    try:
        with transaction.atomic():
            with _as_a_load():
                loaded = _load_all(files)
            connection = transaction.get_connection()
            # As loaddata: rows given with explicit keys leave PostgreSQL's sequences behind them.
            statements = connection.ops.sequence_reset_sql(no_style(), loaded)
            if statements:
                with connection.cursor() as cursor:
                    for statement in statements:
                        cursor.execute(statement)
    except _Problem as problem:
        raise BrokenFixture(f"Nothing loaded. {problem}") from problem


def _load_all(files):
    """Every record of `files` checked and saved, then the references that waited for later records; returns
    the models loaded."""
    deferred, loaded, known = [], set(), KnownKeys()
    for path in files:
        deferred += _load_file(path, loaded, known)
    for where, obj in deferred:
        _check_deferred(where, obj)
        obj.save_deferred_fields(using=transaction.get_connection().alias)
    return loaded


def display_path(path):
    path = Path(path).resolve()
    try:
        return str(path.relative_to(Path(settings.BASE_DIR).resolve()))
    except ValueError:
        return str(path)


def _record_name(record, index):
    model = record.get("model", "?") if isinstance(record, dict) else "?"
    fields = record.get("fields") if isinstance(record, dict) else None
    if isinstance(fields, dict):
        for name in NAMING_FIELDS:
            if fields.get(name):
                return f"{model} {fields[name]!r}"
    return f"{model} #{index + 1} in the file"


def _describe(exc):
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def _load_file(path, loaded, known):
    """Load one file's records, checked; returns (where, obj) pairs whose forward references wait till the end,
    adding the models met to `loaded`."""
    shown = display_path(path)
    try:
        records = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _Problem(f"{shown}: not a readable JSON fixture: {exc}") from exc
    if not isinstance(records, list):
        raise _Problem(f"{shown}: a fixture is a JSON list of records.")
    deferred = []
    for index, record in enumerate(records):
        where = f"{shown}: {_record_name(record, index)}"
        obj = _load_record(where, record, known)
        loaded.add(type(obj.object))
        if obj.deferred_fields:
            deferred.append((where, obj))
    return deferred


def _load_record(where, record, known):
    if not isinstance(record, dict) or not isinstance(record.get("fields"), dict):
        raise _Problem(f'{where}: a record needs a "model" and a "fields" object.')
    try:
        model = PythonDeserializer._get_model_from_node(record.get("model"))
    except base.DeserializationError as exc:
        raise _Problem(f"{where}: {exc}") from exc
    # Each reference is looked up once: the record is deserialized with the keys found here.
    resolved = {name: _check_field(where, model, name, value, known) for name, value in record["fields"].items()}
    try:
        (obj,) = serializers.deserialize("python", [{**record, "fields": resolved}], handle_forward_references=True)
    except base.DeserializationError as exc:
        raise _Problem(f"{where}: {exc}") from exc
    instance = obj.object
    exclude = {f.name for f in obj.deferred_fields}
    checked = known.checked_references(instance, exclude)
    try:
        # The model's constraints are checked by the save below, which the database refuses when one fails
        # (a query per constraint per record otherwise, a third of the dry run).
        instance.full_clean(exclude=exclude | checked, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        # As full_clean() would: the constraints too, on the fields that passed, in the same message.
        errors = exc.update_error_dict({})
        failed = {name for name in errors if name != NON_FIELD_ERRORS}
        errors = _constraint_errors(instance, exclude | failed, errors)
        raise _Problem(f"{where}: {_validation_message(ValidationError(errors))}") from exc
    known.note_checked_references(instance, exclude)
    stored = _stored_row(instance)
    if stored is not None:
        # A row the load finds already there keeps what no editor writes (when it was added, the headline figures
        # an incident copies from its preferred ones: what export_fixtures leaves out) where the record does not
        # give it; and a row that would not change is left alone: a reload of the same fixtures wrote every row,
        # setting its added and changed times to the reload's and counting a save against every form open on it.
        _keep_what_no_editor_writes(instance, stored, record["fields"])
        if not obj.deferred_fields and _same_row(instance, stored, obj.m2m_data):
            return obj
    if instance.pk is not None:  # a row changed, not added: what was checked against its model's rows goes
        known.forget_checks(type(instance))
    if record.get("pk") is not None:
        # A row named by its key may take another natural key from the record: what earlier lookups found goes.
        # A row found by its natural key keeps it (the record's fields are what found it), and a new row takes
        # one nothing named yet: a reload found every source and place again for each record (800 queries).
        known.clear()
    try:
        with transaction.atomic():
            links = obj.m2m_data  # save() forgets them
            obj.save(save_m2m=stored is not None)
            if stored is None:
                _link_new_row(instance, links)
    except DatabaseError as exc:
        # The savepoint is rolled back, so the constraints are checked against the rows the save met.
        errors = _constraint_errors(instance, exclude, {})
        if errors:
            raise _Problem(f"{where}: {_validation_message(ValidationError(errors))}") from exc
        # A row that cannot be saved without a reference it defers: the missing reference is the problem.
        _check_deferred(where, obj)
        raise _Problem(f"{where}: could not be saved: {exc}") from exc
    return obj


# Written by every save, so never the same as the row a reload finds.
_SAVE_WRITES = {"version", "updated_at"}


def _stored_row(instance):
    """The row `instance` (found by its natural key or named by its key) would change; None for a new one."""
    if instance.pk is None:
        return None
    return type(instance)._base_manager.filter(pk=instance.pk).first()


def _keep_what_no_editor_writes(instance, stored, given):
    for field in type(instance)._meta.concrete_fields:
        if not (field.editable or field.primary_key or field.attname in _SAVE_WRITES or field.name in given):
            setattr(instance, field.attname, getattr(stored, field.attname))


def _link_new_row(instance, links):
    """The links of a row the load just added, one INSERT per kind: it has none yet, so there is nothing for
    set() to read and compare (three queries a kind of link, a third of a first load), and under the load
    (`_as_a_load`) the link signals keep nothing (history is off, the upkeep waits for the load's end)."""
    for name, keys in (links or {}).items():
        field = type(instance)._meta.get_field(name)
        through = field.remote_field.through
        source = through._meta.get_field(field.m2m_field_name()).attname
        target = through._meta.get_field(field.m2m_reverse_field_name()).attname
        through._base_manager.bulk_create(
            [through(**{source: instance.pk, target: key}) for key in dict.fromkeys(keys)]
        )


def _same_row(instance, stored, links):
    """Whether saving `instance` and setting `links` ({field name: keys}) would leave `stored` as it is."""
    for field in type(instance)._meta.concrete_fields:
        if field.attname not in _SAVE_WRITES and getattr(instance, field.attname) != getattr(stored, field.attname):
            return False
    for name, keys in (links or {}).items():
        target = type(instance)._meta.get_field(name).target_field
        wanted = {target.to_python(key) for key in keys}
        if set(getattr(stored, name).values_list(target.attname, flat=True)) != wanted:
            return False
    return True


def _constraint_errors(instance, exclude, errors):
    """`errors` with those of the model's constraints the instance breaks, as full_clean() reports them."""
    # A record matched by natural key updates its row, which unique constraints must not count against it.
    if instance.pk is not None and type(instance)._default_manager.filter(pk=instance.pk).exists():
        instance._state.adding = False
    try:
        instance.validate_constraints(exclude=exclude)
    except ValidationError as exc:
        return exc.update_error_dict(errors)
    return errors


class KnownKeys:
    """The keys natural keys named earlier in one load, per model: the seed names its sources and its incident
    in hundreds of records, and each lookup was a query (a quarter of a load's time went on them). Adding a row
    changes what no natural key names (they are unique); changing a row may change what any names (a person's
    slug is part of their roles' natural keys), so they are all forgotten before a record changes a row."""

    def __init__(self):
        self._keys = {}
        # {target model: {(foreign key, value)}}: references full_clean() found valid (the row exists and is one
        # the key may point to), each a query; the seed points at its incident in over a hundred records.
        self._checked = {}

    def clear(self):
        self._keys.clear()
        self._checked.clear()

    @staticmethod
    def _references(instance, exclude):
        for field in type(instance)._meta.concrete_fields:
            if field.many_to_one and field.name not in exclude:
                value = getattr(instance, field.attname)
                if value is not None:
                    yield field, value

    def checked_references(self, instance, exclude):
        """The names of the instance's foreign keys whose values were found valid earlier in the load."""
        return {
            field.name
            for field, value in self._references(instance, exclude)
            if (field, value) in self._checked.get(field.related_model, ())
        }

    def note_checked_references(self, instance, exclude):
        for field, value in self._references(instance, exclude):
            self._checked.setdefault(field.related_model, set()).add((field, value))

    def forget_checks(self, model):
        """A row of `model` changed (it may no longer be one a key may point to): its references are checked again."""
        self._checked.pop(model, None)

    def get(self, model, natural_keys, field="pk"):
        """The `field` (the key) of the rows of `model` every natural key names, or None unless all are known."""
        known = self._keys.get(model, {})
        try:
            found = [known.get((field, _frozen(natural_key))) for natural_key in natural_keys]
        except TypeError:  # not a list of natural keys: Django's lookup says what is wrong
            return None
        return None if None in found else found

    def note(self, model, natural_keys, keys, field="pk"):
        known = self._keys.setdefault(model, {})
        for natural_key, key in zip(natural_keys, keys, strict=True):
            if isinstance(natural_key, list):
                known[(field, _frozen(natural_key))] = key


def _frozen(natural_key):
    if not isinstance(natural_key, list):
        raise TypeError(natural_key)
    return tuple(_frozen(part) if isinstance(part, list) else part for part in natural_key)


def _check_field(where, model, name, value, known):
    """Each field on its own, so the message can name it. Returns the value with a reference given by
    natural key replaced by the key it names, unless the reference waits for a later record."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist as exc:
        raise _Problem(f"{where}: {name}: {model._meta.label_lower} has no such field.") from exc
    using = transaction.get_connection().alias
    try:
        if isinstance(field.remote_field, models.ManyToManyRel):
            target = field.remote_field.model
            if isinstance(value, list) and (found := known.get(target, value)) is not None:
                return found
            found = base.deserialize_m2m_values(field, value, using, handle_forward_references=True)
            if found is base.DEFER_FIELD:
                return value
            known.note(target, value, found)
            return found
        if isinstance(field.remote_field, models.ManyToOneRel):
            # A to_field reference names another column than the key.
            target, to_field = field.remote_field.model, field.remote_field.field_name
            if isinstance(value, list) and (found := known.get(target, [value], to_field)) is not None:
                return found[0]
            # A required reference cannot wait for a later record: the row is saved without it first.
            found = base.deserialize_fk_value(field, value, using, handle_forward_references=field.null)
            if found is base.DEFER_FIELD:
                return value
            if isinstance(value, list):
                known.note(target, [value], [found], to_field)
            return found
        field.to_python(value)
        return value
    except (ObjectDoesNotExist, base.M2MDeserializationError) as exc:
        raise _Problem(f"{where}: {name}: {_reference_message(field, value, exc)}") from exc
    except (ValidationError, ValueError, TypeError) as exc:
        raise _Problem(f"{where}: {name}: {_describe(exc)}") from exc


def _check_deferred(where, obj):
    using = transaction.get_connection().alias
    for field, value in obj.deferred_fields.items():
        try:
            if isinstance(field.remote_field, models.ManyToManyRel):
                base.deserialize_m2m_values(field, value, using, handle_forward_references=False)
            else:
                base.deserialize_fk_value(field, value, using, handle_forward_references=False)
        except (ObjectDoesNotExist, base.M2MDeserializationError) as exc:
            raise _Problem(f"{where}: {field.name}: {_reference_message(field, value, exc)}") from exc


def _reference_message(field, value, exc):
    target = field.related_model._meta.label_lower
    missing = exc.pk if isinstance(exc, base.M2MDeserializationError) else value
    if isinstance(exc, base.M2MDeserializationError) and not isinstance(exc.original_exc, ObjectDoesNotExist):
        return str(exc.original_exc)
    return f"refers to {target} {missing!r}, which does not exist."


def _validation_message(exc):
    if not hasattr(exc, "error_dict"):
        return " ".join(exc.messages)
    parts = []
    for name, errors in exc.message_dict.items():
        text = " ".join(errors)
        parts.append(text if name == NON_FIELD_ERRORS else f"{name}: {text}")
    return " ".join(parts)
