"""The read API's views: one read-only viewset per type in events/api/types.py, the OpenAPI document and the
reference page.

Every answer is open to any origin (CORS) and rate-limited per client; a list or a record carries the page
cache's validators (events/caching.py: an ETag and Last-Modified from the versions of what it read), so a
repeat request is a 304 until an edit changes the answer, and its body is remembered until then. /api/ is
left out of the page cache itself (settings.PAGE_CACHE_SKIP): a cached page would be answered before the rate
limit counts it.
"""

import functools

from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, routers, serializers, viewsets
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from kerman_site.security import client_ip

from .. import caching
from .pagination import KeysetPagination


class ClientRateThrottle(SimpleRateThrottle):
    """Requests per client address, counted the way django-axes counts logins (kerman_site.security)."""

    scope = "anon"

    def get_rate(self):
        # Read at each request, not at import as DRF does, so a settings change (a test's) takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}


class PublicAPIMixin:
    """Open to scripts on any site for reading (nothing here is private, and no cookie is read)."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = [ClientRateThrottle]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Retry-After"
        if request.method == "OPTIONS":
            response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
            response["Access-Control-Max-Age"] = "86400"
        return response


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What was wrong, in plain words.")


class FilterErrorSerializer(serializers.Serializer):
    """{parameter: [what is wrong with it]}, or {"detail": ...} for the cursor or the page size."""

    detail = serializers.CharField(required=False)


ERRORS = {
    304: OpenApiResponse(description="Not modified: the copy named by If-None-Match or If-Modified-Since is current."),
    429: OpenApiResponse(ErrorSerializer, description="Too many requests: wait the Retry-After seconds."),
}


def conditional(request, compute):
    """The response for `compute()`'s data, remembered until the next edit, or 304 if the client's copy is
    current. A 304 only ever answers for a 200: compute() raises for a 404 or a 400 before it is considered."""
    data, page = caching.cached_answer("api", caching.address_key(request), compute)
    response = Response(status=304) if caching.not_modified(request, page) else Response(data)
    caching.add_validators(response, page)
    patch_cache_control(response, public=True)
    return response


class RecordViewSet(PublicAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    api_type = None
    pagination_class = KeysetPagination
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        return self.api_type.queryset()

    def filter_queryset(self, queryset):
        # A record is found by its slug or key alone: the list's filters do not apply to it.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def list(self, request, *args, **kwargs):
        return conditional(request, lambda: super(RecordViewSet, self).list(request, *args, **kwargs).data)

    def retrieve(self, request, *args, **kwargs):
        return conditional(request, lambda: super(RecordViewSet, self).retrieve(request, *args, **kwargs).data)


def viewset_for(api_type):
    plural = api_type.model._meta.verbose_name_plural
    noun = api_type.model._meta.verbose_name
    return extend_schema_view(
        list=extend_schema(
            summary=f"List {plural}",
            description=api_type.description,
            responses={200: api_type.serializer(many=True), 400: FilterErrorSerializer, **ERRORS},
        ),
        retrieve=extend_schema(
            summary=f"One {noun}",
            responses={200: api_type.serializer, 404: ErrorSerializer, **ERRORS},
        ),
    )(
        type(
            f"{api_type.model.__name__}ViewSet",
            (RecordViewSet,),
            {
                "api_type": api_type,
                "serializer_class": api_type.serializer,
                "filterset_class": api_type.filterset_class,
                "lookup_field": api_type.lookup,
                "__doc__": api_type.description,
            },
        )
    )


class APIRootView(PublicAPIMixin, routers.APIRootView):
    """The collections of the read API; its OpenAPI document is at openapi.json, its reference at docs/."""


@functools.cache
def openapi_document():
    return SchemaGenerator().get_schema(request=None, public=True)


class OpenAPIView(PublicAPIMixin, APIView):
    renderer_classes = [OpenApiJsonRenderer]

    @extend_schema(exclude=True)
    def get(self, request):
        response = Response(openapi_document())
        patch_cache_control(response, public=True, max_age=300)
        return response


def reference(request):
    """The API's reference page: Swagger UI from the site's static files, reading the OpenAPI document."""
    return render(request, "events/api_reference.html")
