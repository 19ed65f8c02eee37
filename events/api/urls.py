from django.urls import path
from rest_framework import routers

from . import serializers, views
from .types import API_TYPES

app_name = "api"


class Router(routers.DefaultRouter):
    APIRootView = views.APIRootView
    include_format_suffixes = False


router = Router(trailing_slash=True)
for api_type in API_TYPES:
    router.register(api_type.prefix, views.viewset_for(api_type), basename=api_type.basename)
    serializers.API_BASENAMES[api_type.model] = api_type.basename

urlpatterns = [
    path("openapi.json", views.OpenAPIView.as_view(), name="openapi"),
    path("docs/", views.reference, name="reference"),
    *router.urls,
]
