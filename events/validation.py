"""Rules on stored text that hold on every database backend, whichever path the text comes in by.

PostgreSQL refuses a NUL character (U+0000) in text; SQLite stores it. Django's form fields refuse it
(ProhibitNullCharactersValidator), but model fields do not, so a path that skips the forms (an import) would
store it on SQLite and fail on PostgreSQL. `nul_errors()` is the one rule, in plain words for the editor.
"""

from django.db import models

NUL_MESSAGE = "Contains a NUL character (an invisible control character), which the archive cannot store: remove it."


def nul_errors(instance):
    """{field name: [message]} for each text field of `instance` that holds a NUL character."""
    errors = {}
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.CharField | models.TextField):
            value = getattr(instance, field.attname, None)
            if isinstance(value, str) and "\x00" in value:
                errors[field.name] = [NUL_MESSAGE]
    return errors
