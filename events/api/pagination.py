"""Keyset ("cursor") paging: a page is the rows after the last row of the previous one in the list's order,
found by WHEREs on the order's columns (KeysetPagination.rows_after), never by OFFSET. The 2,000th page
costs what the first does (`make bench` measures both).

DRF's own CursorPagination keys on one column and skips ties with an offset, and it cannot page over a column
that may be empty (an incident without a date or a death toll): the lists' orders are several columns, some
nullable with the empty ones last. So the cursor here holds the last row's value of every column of the order
(the primary key always last, which makes it unique), whatever order the FilterSet chose.
"""

import base64
import hashlib
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import F, OrderBy, Q
from rest_framework.exceptions import ParseError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from ..caching import cached_count

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Term:
    name: str
    descending: bool
    nulls_last: bool  # for a column that is never empty either is right

    def slices_after(self, value):
        """The rows beyond `value` in this column's order, as the consecutive ranges they fall in: the values
        past it, then the empty ones if those come last."""
        if value is None:
            return [] if self.nulls_last else [Q(**{f"{self.name}__isnull": False})]
        beyond = Q(**{f"{self.name}__{'lt' if self.descending else 'gt'}": value})
        return [beyond, Q(**{f"{self.name}__isnull": True})] if self.nulls_last else [beyond]

    def equal(self, value):
        return Q(**{f"{self.name}__isnull": True}) if value is None else Q(**{self.name: value})


def effective_order(queryset):
    return tuple(queryset.query.order_by or queryset.model._meta.ordering)


def order_terms(queryset):
    """The queryset's order as Terms, with the primary key added as the last tie-break."""
    terms = []
    for item in effective_order(queryset):
        if isinstance(item, str):
            descending, name = item.startswith("-"), item.lstrip("-")
            nulls_last = descending  # SQLite's default; the lists name nulls_last wherever a column may be empty
        elif isinstance(item, OrderBy) and isinstance(item.expression, F):
            name, descending = item.expression.name, item.descending
            nulls_last = bool(item.nulls_last) if item.nulls_last or item.nulls_first else descending
        else:
            raise TypeError(f"Cannot page by {item!r}: order by column names or F() expressions.")
        terms.append(Term("pk" if name == "id" else name, descending, nulls_last))
    if not terms or terms[-1].name != "pk":
        terms.append(Term("pk", False, False))
    return terms


def signature(terms):
    return hashlib.blake2b(repr(terms).encode(), digest_size=6).hexdigest()


class KeysetPagination(BasePagination):
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.page_size(request)
        terms = order_terms(queryset)
        order = effective_order(queryset)
        queryset = queryset.order_by(*order, *(("pk",) if len(terms) > len(order) else ()))
        keys = {f"keyset_{index}": F(term.name) for index, term in enumerate(terms)}
        self.count = cached_count(queryset)
        values = self.decode(request, terms)
        keyed = queryset.annotate(**keys)
        try:
            rows = list(keyed[: size + 1]) if values is None else self.rows_after(keyed, terms, values, size + 1)
        except (ValidationError, ValueError, TypeError) as error:
            raise ParseError("The cursor could not be understood: start again from the first page.") from error
        self.next_values = None
        if len(rows) > size:
            rows = rows[:size]
            last = rows[-1]
            self.next_values = [getattr(last, key) for key in keys]
        self.terms = terms
        return rows

    @staticmethod
    def rows_after(queryset, terms, values, limit):
        """The rows after the cursor are consecutive slices of the order: those equal to the cursor in the first
        k columns and beyond it in the next, from the longest such prefix down to none. Each slice is one range
        of the list's index (equalities, then one inequality), so each starts where its rows are. One WHERE
        joining the slices by OR cannot: SQLite bounds its index walk by the first column only, and walks every
        row equal to the cursor there before reaching it (the 56,000 incidents with nobody killed, on the last
        pages of "most killed"). The slices give only keys; the page's rows are then read in one query."""
        keys = []
        for depth in reversed(range(len(terms))):
            same = Q()
            for term, value in zip(terms[:depth], values[:depth], strict=True):
                same &= term.equal(value)
            for beyond in terms[depth].slices_after(values[depth]):
                keys += queryset.filter(same, beyond).values_list("pk", flat=True)[: limit - len(keys)]
                if len(keys) == limit:
                    return list(queryset.filter(pk__in=keys))
        return list(queryset.filter(pk__in=keys)) if keys else []

    def page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return DEFAULT_PAGE_SIZE
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
            raise ParseError(f"page_size must be a whole number from 1 to {MAX_PAGE_SIZE}.")
        return int(raw)

    def decode(self, request, terms):
        raw = request.query_params.get(self.cursor_query_param)
        if not raw:
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(raw.encode("ascii") + b"=" * (-len(raw) % 4)))
            order, values = data["o"], data["v"]
        except (ValueError, TypeError, KeyError, UnicodeError):
            raise ParseError("The cursor could not be understood: start again from the first page.") from None
        if order != signature(terms) or not isinstance(values, list) or len(values) != len(terms):
            raise ParseError("The cursor belongs to another sort order or list: start again from the first page.")
        return values

    def encode(self, values):
        data = json.dumps({"o": signature(self.terms), "v": values}, default=str, separators=(",", ":"))
        return base64.urlsafe_b64encode(data.encode()).decode("ascii").rstrip("=")

    def get_next_link(self):
        if self.next_values is None:
            return None
        return replace_query_param(
            self.request.build_absolute_uri(), self.cursor_query_param, self.encode(self.next_values)
        )

    def get_paginated_response(self, data):
        return Response({"count": self.count, "next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "next", "results"],
            "properties": {
                "count": {"type": "integer", "description": "Records matching the filters, on every page."},
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page, or null on the last one.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where the page starts: copy it from the previous page's `next` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Records a page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]
