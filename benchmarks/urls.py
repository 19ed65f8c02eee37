from django.http import HttpResponse
from django.urls import path

from kerman_site.urls import urlpatterns as site_urlpatterns


def trivial(request):
    """The floor every page is measured against: routing, middleware and a response, no database."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial), *site_urlpatterns]
