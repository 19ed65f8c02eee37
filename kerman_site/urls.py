from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from events.sitemaps import SITEMAPS
from events.views import robots_txt
from kerman_site import views as site_views

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("healthz", site_views.healthz, name="healthz"),
    path("robots.txt", robots_txt, name="robots"),
    path("api/v1/", include("events.api.urls")),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("", include("events.urls")),
]

# A database that is down while middleware runs (outside any view) is a 503 too, not a 500.
handler500 = "kerman_site.views.server_error"
