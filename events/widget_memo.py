"""A form renderer that draws each widget once per process for what it shows: the filter forms' <select>s.

Django draws a <select> by rendering a template per option (three templates each, with their attributes): at
100,000 incidents drawing the filter form's widgets was ~40% of a list's first view after an edit, although
most edits change nothing the form shows. A widget's HTML is a function of its template and the context
Django hands that template (name, value, attributes, every option's value, label and selection), so it is
remembered under a digest of exactly that context. An entry is therefore never out of date, wherever it is
kept and whatever moved: a new count or a renamed option is a new context, drawn afresh. A context holding
anything but plain values (a model instance, a lazy object whose text could change) is drawn every time.
"""

import datetime
import hashlib
import threading
from collections import OrderedDict
from decimal import Decimal

from django.forms.utils import ErrorList
from django.utils.functional import Promise
from django.utils.safestring import SafeData

from .form_renderer import FormRenderer

# Each entry is a widget's HTML (a few KB for a <select> of 50 options): a bound on the process's memory.
MAX_ENTRIES = 2000

_PLAIN = (str, int, float, bool, type(None), Decimal, datetime.date, datetime.time, datetime.datetime)


class NotPlain(Exception):
    """A context holding something whose rendered text a digest of its value cannot vouch for."""


def canonical(value):
    """The context as nested tuples of (type, value): a digest of it differs whenever the HTML could. Types are
    kept (0, False, "0" and None render differently; a safe string is not escaped, a plain one is)."""
    kind = type(value)
    if isinstance(value, SafeData):
        return ("safe", str(value))
    if kind in _PLAIN:
        return (kind.__name__, value)
    if isinstance(value, Promise):  # a lazy translation: its text now, in this request's language
        return ("str", str(value))
    if kind in (list, tuple):
        return (kind.__name__, tuple(canonical(item) for item in value))
    if kind is dict:
        return ("dict", tuple((canonical(key), canonical(item)) for key, item in value.items()))
    if kind is ErrorList and not value.data:  # a field without errors, as every row of a changelist's column
        return ("ErrorList", value.error_class)
    raise NotPlain(kind)


def all_plain(context):
    """Whether the context holds only plain values of exactly these types (no safe or lazy strings, which look
    like plain ones in a repr): then its repr tells apart every two contexts that render differently. Twice as
    fast as canonical(), which a <select> of 50 options with counts was worth."""
    stack = [context]
    while stack:
        value = stack.pop()
        kind = type(value)
        if kind is dict:
            stack.extend(value.keys())
            stack.extend(value.values())
        elif kind is list or kind is tuple:
            stack.extend(value)
        elif kind not in _PLAIN:
            return False
    return True


def digest(template_name, context):
    """The key of what a template draws from a context; raises NotPlain for a context that cannot have one."""
    described = repr(context) if all_plain(context) else repr(canonical(context))
    return hashlib.blake2b(f"{template_name}\0{described}".encode(), digest_size=16).digest()


class RememberingRenderer(FormRenderer):
    """The site's form renderer, remembering what it drew per template and context (module docstring)."""

    def __init__(self):
        super().__init__()
        self._drawn = OrderedDict()
        self._lock = threading.Lock()
        self.draws = 0  # widgets drawn rather than remembered (for the tests)

    def render(self, template_name, context, request=None):
        if request is not None:
            return super().render(template_name, context, request)
        try:
            key = digest(template_name, context)
        except NotPlain:
            self.draws += 1
            return super().render(template_name, context, request)
        with self._lock:
            html = self._drawn.get(key)
            if html is not None:
                self._drawn.move_to_end(key)
                return html
        self.draws += 1
        html = super().render(template_name, context, request)
        with self._lock:
            self._drawn[key] = html
            while len(self._drawn) > MAX_ENTRIES:
                self._drawn.popitem(last=False)
        return html


renderer = RememberingRenderer()
